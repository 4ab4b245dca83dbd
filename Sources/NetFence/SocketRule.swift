// SPDX-License-Identifier: MIT
import NetFenceFilters

/// One socket allow rule: (family, type, protocol), as given to ``Ruleset/allowSocket(family:type:protocol:)``.
///
/// The corresponding C function is `netfence_ruleset_allow_socket`.
public struct SocketRule: Hashable, Sendable, CustomStringConvertible {
    /// Wildcard for ``type`` and ``protocol``.
    ///
    /// The corresponding C constant is `NETFENCE_ANY`.
    public static let any: Int32 = -1

    /// The address family (`AF_*`, 1 to 45); never a wildcard.
    public let family: Int32
    /// Compared without SOCK_NONBLOCK/SOCK_CLOEXEC; ``any`` for every type.
    public let type: Int32
    /// ``any`` for every protocol. For AF_INET/AF_INET6, 0 and the default
    /// protocol of the type (stream: TCP, datagram: UDP) are the same.
    public let `protocol`: Int32

    /// Creates a rule. Nothing is checked here; ``init(validatingFamily:type:protocol:)`` and
    /// ``Ruleset/allowSocket(family:type:protocol:)`` check the values.
    ///
    /// - Parameters:
    ///   - family: The address family (`AF_*`).
    ///   - type: The socket type, or ``any``.
    ///   - protocol: The protocol, or ``any``.
    public init(family: Int32, type: Int32 = SocketRule.any, protocol: Int32 = SocketRule.any) {
        self.family = family
        self.type = type
        self.protocol = `protocol`
    }

    /// The rule with numbers, `any` for a wildcard: `(2, 1, any)`.
    public var description: String {
        "(\(family), \(type == SocketRule.any ? "any" : String(type)), \(`protocol` == SocketRule.any ? "any" : String(`protocol`)))"
    }

    /// Creates a rule from raw values, checked: a family from 1 to 45 (never a wildcard), a `SOCK_*`
    /// type (`SOCK_NONBLOCK` and `SOCK_CLOEXEC` are removed) or ``any``, a protocol from 0 to 65535
    /// or ``any``.
    ///
    /// - Throws: ``NetFenceError/Code/invalidArgument``, naming the value.
    public init(validatingFamily family: Int32, type: Int32, protocol value: Int32) throws(NetFenceError) {
        if family <= 0 || family >= SocketConstants.familyLimit {
            throw .invalid("unknown address family \(family) (expected 1..\(SocketConstants.familyLimit - 1); the family is never a wildcard)")
        }
        var type = type
        if type != SocketRule.any {
            type &= ~SocketConstants.typeFlags
            if type < 0 || !SocketConstants.validTypes.contains(type) {
                throw .invalid("unknown socket type \(type) (SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, SOCK_RDM, SOCK_SEQPACKET, SOCK_DCCP, SOCK_PACKET or NETFENCE_ANY)")
            }
        }
        if value != SocketRule.any && (value < 0 || value > SocketConstants.protocolLimit) {
            throw .invalid("protocol \(value) is out of range (0..\(SocketConstants.protocolLimit) or NETFENCE_ANY)")
        }
        self.init(family: family, type: type, protocol: value)
    }

    /// The rule as the seccomp policy takes it.
    var triple: SocketTriple { SocketTriple(family: family, type: type, protocol: `protocol`) }
}
