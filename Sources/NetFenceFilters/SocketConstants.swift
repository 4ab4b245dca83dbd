// SPDX-License-Identifier: MIT
import Glibc
import NetFenceSystem

/// The socket constants the policy needs, from the system headers (Linux
/// UAPI values; stable ABI).
package enum SocketConstants {
    package static let afInet = Int32(AF_INET)
    package static let afInet6 = Int32(AF_INET6)
    package static let afSMC = Int32(AF_SMC)
    package static let afPacket = Int32(AF_PACKET)
    /// AF_MAX: families are 1..<familyLimit (46 with Linux 6.x and glibc 2.36).
    package static let familyLimit = Int32(AF_MAX)
    package static let sockStream = Int32(SOCK_STREAM.rawValue)
    package static let sockDgram = Int32(SOCK_DGRAM.rawValue)
    package static let sockSeqpacket = Int32(SOCK_SEQPACKET.rawValue)
    package static let sockRaw = Int32(SOCK_RAW.rawValue)
    package static let sockPacket = Int32(SOCK_PACKET.rawValue)
    /// The socket types socket(2) knows (SOCK_STREAM ... SOCK_DCCP, SOCK_PACKET).
    package static let validTypes: [Int32] = [
        SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, SOCK_RDM, SOCK_SEQPACKET, SOCK_DCCP, SOCK_PACKET,
    ].map { Int32($0.rawValue) }
    /// The type argument's type bits (the kernel's SOCK_TYPE_MASK).
    package static let typeMask: Int32 = 0xf
    /// Flags that may be or'ed into the type argument.
    package static let typeFlags = Int32(SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue)
    package static let ipprotoTCP = Int64(IPPROTO_TCP)
    package static let ipprotoUDP = Int64(IPPROTO_UDP)
    package static let ipprotoSCTP = Int64(IPPROTO_SCTP)
    package static let ipprotoSMC = Int64(NF_IPPROTO_SMC)
    package static let ipprotoMPTCP = Int64(IPPROTO_MPTCP)
    /// The largest protocol number a rule may name (the kernel's protocol field is 16 bits wide in practice).
    package static let protocolLimit: Int32 = 65535
    /// Stream protocols that escape Landlock's TCP rights (erratum 1 made
    /// them explicitly out of scope): denied when TCP rights are handled.
    /// IPPROTO_SMC (Linux 6.11) creates an SMC socket under AF_INET/AF_INET6.
    package static let tcpBypassProtocols: [Int64] = [ipprotoSCTP, ipprotoSMC, ipprotoMPTCP]

    /// The bypass protocols for one AF_INET/AF_INET6 type: protocol 0 of
    /// SOCK_SEQPACKET is SCTP (the kernel's first seqpacket protocol).
    package static func tcpBypass(type: Int32) -> [Int64] {
        type == sockSeqpacket ? [0] + tcpBypassProtocols : tcpBypassProtocols
    }
}

/// One allowed (family, type, protocol) triple, as the policy takes it;
/// the public `SocketRule` of NetFence converts to it.
package struct SocketTriple: Equatable, Sendable {
    /// Wildcard for type and protocol.
    package static let any: Int32 = -1
    package var family: Int32
    package var type: Int32
    package var `protocol`: Int32

    package init(family: Int32, type: Int32 = SocketTriple.any, protocol: Int32 = SocketTriple.any) {
        self.family = family
        self.type = type
        self.protocol = `protocol`
    }
}
