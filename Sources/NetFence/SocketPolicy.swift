// SPDX-License-Identifier: MIT
import CNetFenceShim
import Glibc

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

    /// Creates a rule. Nothing is checked here; ``Ruleset/allowSocket(family:type:protocol:)``
    /// checks the values.
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
}

/// Constants the policy needs (Linux UAPI values; stable ABI).
enum SocketConstants {
    static let afInet: Int32 = 2
    static let afInet6: Int32 = 10
    static let afSMC: Int32 = 43
    /// The kernel's AF_MAX (Linux 6.x): families are 1..<46.
    static let familyLimit: Int32 = 46
    static let sockStream: Int32 = 1
    static let sockDgram: Int32 = 2
    /// Valid socket types (SOCK_STREAM ... SOCK_DCCP, SOCK_PACKET).
    static let validTypes: [Int32] = [1, 2, 3, 4, 5, 6, 10]
    static let typeMask: Int32 = 0xf
    static let typeFlags: Int32 = 0o4000 | 0o2000000 // SOCK_NONBLOCK | SOCK_CLOEXEC
    static let ipprotoTCP: Int64 = 6
    static let ipprotoUDP: Int64 = 17
    static let ipprotoSCTP: Int64 = 132
    static let ipprotoSMC: Int64 = 256
    static let ipprotoMPTCP: Int64 = 262
    static let sockSeqpacket: Int32 = 5
    static let sockPacket: Int32 = 10
    /// Stream protocols that escape Landlock's TCP rights (erratum 1 made
    /// them explicitly out of scope): denied when TCP rights are handled.
    /// IPPROTO_SMC (Linux 6.11) creates an SMC socket under AF_INET/AF_INET6.
    static let tcpBypassProtocols: [Int64] = [ipprotoSCTP, ipprotoSMC, ipprotoMPTCP]

    /// The bypass protocols for one AF_INET/AF_INET6 type: protocol 0 of
    /// SOCK_SEQPACKET is SCTP (the kernel's first seqpacket protocol).
    static func tcpBypass(type: Int32) -> [Int64] {
        type == sockSeqpacket ? [0] + tcpBypassProtocols : tcpBypassProtocols
    }
    static let protocolLimit: Int32 = 65535
}

/// One seccomp comparison on a syscall argument.
struct SeccompComparison: Equatable {
    enum Operation: UInt32 { case maskedEqual = 0, less = 1, greater = 2 }
    var argument: UInt32
    var operation: Operation
    var mask: UInt64 = ~0
    var datum: UInt64

    /// Equality of an `int` argument: only the low 32 bits, which is what the
    /// kernel reads (so stray high bits cannot dodge a deny rule).
    static func intEquals(_ argument: UInt32, _ value: Int64) -> SeccompComparison {
        SeccompComparison(argument: argument, operation: .maskedEqual, mask: 0xffff_ffff, datum: UInt64(UInt32(truncatingIfNeeded: value)))
    }
}

/// The syscalls netfence's filter has rules for. The filter is built for
/// this build's native architecture only (foreign ABIs are killed), so each
/// has one number, given by the shim (`NF_SYSCALL_*`, from <sys/syscall.h>).
enum SeccompSyscall: CaseIterable, CustomStringConvertible {
    case socket, socketpair, listen, sendto, sendmsg, sendmmsg, ioUringSetup, ioUringEnter, ioUringRegister

    /// The syscall's number.
    var number: Int32 {
        switch self {
        case .socket: Int32(NF_SYSCALL_SOCKET)
        case .socketpair: Int32(NF_SYSCALL_SOCKETPAIR)
        case .listen: Int32(NF_SYSCALL_LISTEN)
        case .sendto: Int32(NF_SYSCALL_SENDTO)
        case .sendmsg: Int32(NF_SYSCALL_SENDMSG)
        case .sendmmsg: Int32(NF_SYSCALL_SENDMMSG)
        case .ioUringSetup: Int32(NF_SYSCALL_IO_URING_SETUP)
        case .ioUringEnter: Int32(NF_SYSCALL_IO_URING_ENTER)
        case .ioUringRegister: Int32(NF_SYSCALL_IO_URING_REGISTER)
        }
    }

    /// The kernel's name (reports and tests).
    var description: String {
        switch self {
        case .socket: "socket"
        case .socketpair: "socketpair"
        case .listen: "listen"
        case .sendto: "sendto"
        case .sendmsg: "sendmsg"
        case .sendmmsg: "sendmmsg"
        case .ioUringSetup: "io_uring_setup"
        case .ioUringEnter: "io_uring_enter"
        case .ioUringRegister: "io_uring_register"
        }
    }
}

/// A deny rule: when every comparison holds, the syscall gets `action`.
struct SeccompRule: Equatable {
    enum Action: Equatable { case errno(Int32), notify }
    var syscall: SeccompSyscall
    var action: Action
    var comparisons: [SeccompComparison]
}

/// Which (family, type, protocol) triples may be created, as a table, and
/// its translation into seccomp deny rules.
///
/// libseccomp cannot add ALLOW rules to a default-ALLOW filter and compares
/// each argument at most once per rule, so the allow-list is written as its
/// complement: "less than the smallest", "greater than the largest" and the
/// gaps as aligned power-of-two blocks (one masked comparison each). Values
/// with stray high bits fall into "greater than the largest": fail closed.
struct SocketPolicy: Equatable {
    /// Protocol sets are small sorted arrays: cheaper than Set in a fresh
    /// process (no generic metadata to instantiate on the apply path).
    enum Protocols: Equatable {
        case all
        case only([Int64])
        case allExcept([Int64])

        func union(_ other: Protocols) -> Protocols {
            switch (self, other) {
            case (.all, _), (_, .all): return .all
            case let (.only(a), .only(b)): return .only(sortedUnique(a + b))
            case let (.only(a), .allExcept(e)), let (.allExcept(e), .only(a)):
                let rest = e.filter { !a.contains($0) }
                return rest.isEmpty ? .all : .allExcept(rest)
            case let (.allExcept(a), .allExcept(b)):
                let rest = a.filter { b.contains($0) }
                return rest.isEmpty ? .all : .allExcept(rest)
            }
        }
    }

    static let familySlots = 64
    static let typeSlots = 16

    /// Types sharing one protocol policy (a struct: no run-time tuple metadata).
    struct TypeGroup {
        var policy: Protocols?
        var types: [Int]
    }

    /// table[family * typeSlots + type]: nil = denied.
    private(set) var table: [Protocols?]
    /// Families outside the table (and garbage values): allowed only when
    /// socket creation is not handled.
    private(set) var otherFamiliesAllowed: Bool

    /// - Parameters:
    ///   - handled: socket creation is deny-by-default.
    ///   - denyTCPBypass: TCP rights are handled by Landlock: MPTCP, SCTP and
    ///     AF_SMC are denied unless a rule names them explicitly.
    ///   - shortcut: false builds the table even for the bypass-only policy
    ///     (tests compare the shortcut with the general path).
    init(handled: Bool, rules: [SocketRule], denyTCPBypass: Bool, shortcut: Bool = true) {
        bypassOnly = shortcut && !handled && rules.isEmpty && denyTCPBypass
        if bypassOnly {
            // The most common policy: no table at all (see entry(family:type:)).
            table = []
            otherFamiliesAllowed = true
            return
        }
        let inet = [SocketConstants.afInet, SocketConstants.afInet6]
        let slots = Self.familySlots * Self.typeSlots
        if handled {
            table = Array(repeating: nil, count: slots)
            otherFamiliesAllowed = false
        } else {
            table = Array(repeating: .all, count: slots)
            otherFamiliesAllowed = true
            if denyTCPBypass {
                for family in inet {
                    for type in 0..<Self.typeSlots {
                        table[Int(family) * Self.typeSlots + type] = .allExcept(SocketConstants.tcpBypass(type: Int32(type)))
                    }
                }
                for type in 0..<Self.typeSlots { table[Int(SocketConstants.afSMC) * Self.typeSlots + type] = nil }
            }
        }
        for rule in rules {
            let family = Int(rule.family)
            // SOCK_PACKET under AF_INET is an obsolete spelling of an AF_PACKET
            // socket: a type wildcard never includes it (only an explicit rule).
            let types = rule.type == SocketRule.any
                ? (0..<Self.typeSlots).filter { $0 != Int(SocketConstants.sockPacket) } : [Int(rule.type)]
            for type in types {
                let allowed: Protocols
                if rule.protocol == SocketRule.any {
                    // A wildcard is not an explicit choice of MPTCP, SCTP or SMC.
                    allowed = denyTCPBypass && inet.contains(rule.family)
                        ? .allExcept(SocketConstants.tcpBypass(type: Int32(type))) : .all
                } else {
                    allowed = .only(Self.aliases(family: rule.family, type: Int32(type), protocol: Int64(rule.protocol)))
                }
                let index = family * Self.typeSlots + type
                table[index] = table[index].map { $0.union(allowed) } ?? allowed
            }
        }
    }

    func entry(family: Int, type: Int) -> Protocols? {
        if bypassOnly {
            if family == Int(SocketConstants.afSMC) { return nil }
            let inet = family == Int(SocketConstants.afInet) || family == Int(SocketConstants.afInet6)
            return inet ? .allExcept(SocketConstants.tcpBypass(type: Int32(type))) : .all
        }
        return table[family * Self.typeSlots + type]
    }

    /// For AF_INET/AF_INET6, protocol 0 and the type's default protocol are the same socket.
    static func aliases(family: Int32, type: Int32, protocol value: Int64) -> [Int64] {
        guard family == SocketConstants.afInet || family == SocketConstants.afInet6 else { return [value] }
        let defaultProtocol: Int64? = type == SocketConstants.sockStream ? SocketConstants.ipprotoTCP
            : type == SocketConstants.sockDgram ? SocketConstants.ipprotoUDP : nil
        guard let defaultProtocol, value == 0 || value == defaultProtocol else { return [value] }
        return [0, defaultProtocol]
    }

    /// Whether socket(family, type, protocol) would be allowed (for tests and docs).
    func allows(family: Int32, type: Int32, protocol value: Int64) -> Bool {
        guard family >= 0, Int(family) < Self.familySlots else { return otherFamiliesAllowed }
        guard let protocols = entry(family: Int(family), type: Int(type & SocketConstants.typeMask)) else { return false }
        switch protocols {
        case .all: return true
        case .only(let list): return list.contains(value)
        case .allExcept(let list): return !list.contains(value)
        }
    }

    /// Whether this is the policy of a ruleset that only closes the TCP
    /// bypasses (sockets not handled, no rule): the most common one.
    private(set) var bypassOnly = false

    /// The rules of the bypass-only policy: per syscall (socket, socketpair),
    /// four per family (AF_INET, AF_INET6) and one for AF_SMC.
    static let bypassOnlyRuleCount = 2 * (2 * 4 + 1)

    /// Appends the deny rules for socket() and socketpair() to `list`. The
    /// bypass-only policy is written out rule by rule: no table walk and no
    /// array on the common path (see SeccompRuleList).
    func appendDenyRules(errno: Int32, to list: SeccompRuleList) {
        guard bypassOnly else {
            for rule in denyRules(errno: errno) { list.append(rule) }
            return
        }
        // The order matters to libseccomp's work, not to the filter's meaning
        // (every rule has the same action): two-comparison rules before the
        // three-comparison one, and the family-only rule last, cost libseccomp
        // about 14 000 fewer instructions than the reverse (3% of its work).
        func family(_ syscall: SeccompSyscall, _ family: Int32) {
            let familyMatch = SeccompComparison.intEquals(0, Int64(family))
            list.append(syscall, .errno(errno), familyMatch, .intEquals(2, SocketConstants.ipprotoSCTP))
            list.append(syscall, .errno(errno), familyMatch, .intEquals(2, SocketConstants.ipprotoSMC))
            list.append(syscall, .errno(errno), familyMatch, .intEquals(2, SocketConstants.ipprotoMPTCP))
            // Protocol 0 of SOCK_SEQPACKET is SCTP.
            list.append(syscall, .errno(errno), familyMatch,
                        SeccompComparison(argument: 1, operation: .maskedEqual, mask: 0xf, datum: UInt64(SocketConstants.sockSeqpacket)),
                        .intEquals(2, 0))
        }
        func syscall(_ name: SeccompSyscall) {
            family(name, SocketConstants.afInet)
            family(name, SocketConstants.afInet6)
            list.append(name, .errno(errno), .intEquals(0, Int64(SocketConstants.afSMC)))
        }
        syscall(.socket)
        syscall(.socketpair)
    }

    /// The deny rules, for both socket() and socketpair().
    func denyRules(errno: Int32) -> [SeccompRule] {
        if bypassOnly {
            let list = SeccompRuleList()
            appendDenyRules(errno: errno, to: list)
            return list.rules
        }
        var conjunctions: [[SeccompComparison]] = []
        // Family level.
        var familyDenied = [Bool](repeating: true, count: Self.familySlots)
        for family in 0..<Self.familySlots {
            for type in 0..<Self.typeSlots where entry(family: family, type: type) != nil {
                familyDenied[family] = false
                break
            }
        }
        if otherFamiliesAllowed {
            for family in 0..<Self.familySlots where familyDenied[family] {
                conjunctions.append([.intEquals(0, Int64(family))])
            }
        } else {
            let allowed = (0..<Self.familySlots).filter { !familyDenied[$0] }.map { UInt64($0) }
            for piece in Self.complement(ofSorted: allowed, argument: 0) { conjunctions.append([piece]) }
        }
        // Type and protocol level, for each family that is not denied outright:
        // types with the same policy are grouped (linear scan: at most 16).
        for family in 0..<Self.familySlots where !familyDenied[family] {
            let familyMatch = SeccompComparison.intEquals(0, Int64(family))
            var groups: [TypeGroup] = []
            for type in 0..<Self.typeSlots {
                let policy = entry(family: family, type: type)
                if let index = groups.firstIndex(where: { $0.policy == policy }) {
                    groups[index].types.append(type)
                } else {
                    groups.append(TypeGroup(policy: policy, types: [type]))
                }
            }
            // "All but these protocols" groups are regrouped by protocol: one
            // rule per excluded protocol over the types that exclude it, with
            // no type comparison when that is every type (fewer, shorter rules:
            // libseccomp's compile time grows quickly with the rule count).
            var excludedTypes: [(protocol: Int64, types: [Int])] = []
            for group in groups {
                let typeBlocks = Self.blocks(covering: group.types, width: 4, argument: 1)
                switch group.policy {
                case nil:
                    for block in typeBlocks { conjunctions.append([familyMatch, block]) }
                case .all?:
                    break
                case .only(let set)?:
                    let pieces = Self.complement(ofSorted: set.map { UInt64($0) }, argument: 2)
                    for block in typeBlocks { for piece in pieces { conjunctions.append([familyMatch, block, piece]) } }
                case .allExcept(let set)?:
                    for value in set {
                        if let index = excludedTypes.firstIndex(where: { $0.protocol == value }) {
                            excludedTypes[index].types += group.types
                        } else {
                            excludedTypes.append((value, group.types))
                        }
                    }
                }
            }
            for entry in excludedTypes.sorted(by: { $0.protocol < $1.protocol }) {
                let protocolMatch = SeccompComparison.intEquals(2, entry.protocol)
                if entry.types.count == Self.typeSlots {
                    conjunctions.append([familyMatch, protocolMatch])
                } else {
                    for block in Self.blocks(covering: entry.types.sorted(), width: 4, argument: 1) {
                        conjunctions.append([familyMatch, block, protocolMatch])
                    }
                }
            }
        }
        var rules: [SeccompRule] = []
        rules.reserveCapacity(conjunctions.count * 2)
        for syscall in [SeccompSyscall.socket, .socketpair] {
            for comparisons in conjunctions { rules.append(SeccompRule(syscall: syscall, action: .errno(errno), comparisons: comparisons)) }
        }
        return rules
    }

    /// Masked comparisons matching exactly the values in `values` (each < 2^width),
    /// grouped into aligned power-of-two blocks.
    static func blocks(covering values: [Int], width: Int, argument: UInt32) -> [SeccompComparison] {
        let fieldMask: UInt64 = width >= 64 ? ~0 : (1 << UInt64(width)) - 1
        let sorted = values // ascending and unique by construction
        var result: [SeccompComparison] = []
        var index = 0
        while index < sorted.count {
            var end = index
            while end + 1 < sorted.count && sorted[end + 1] == sorted[end] + 1 { end += 1 }
            for (base, size) in alignedBlocks(from: UInt64(sorted[index]), through: UInt64(sorted[end])) {
                result.append(SeccompComparison(argument: argument, operation: .maskedEqual,
                                                mask: fieldMask & ~(size - 1), datum: base))
            }
            index = end + 1
        }
        return result
    }

    /// Comparisons matching every 64-bit value not in `sorted` (ascending, unique).
    static func complement(ofSorted sorted: [UInt64], argument: UInt32) -> [SeccompComparison] {
        guard let first = sorted.first, let last = sorted.last else {
            // Nothing allowed: any value. "> 0" and "< 1" together cover all.
            return [SeccompComparison(argument: argument, operation: .less, datum: 1),
                    SeccompComparison(argument: argument, operation: .greater, datum: 0)]
        }
        var result: [SeccompComparison] = []
        if first > 0 { result.append(SeccompComparison(argument: argument, operation: .less, datum: first)) }
        for (low, high) in zip(sorted, sorted.dropFirst()) where high > low + 1 {
            for (base, size) in alignedBlocks(from: low + 1, through: high - 1) {
                result.append(SeccompComparison(argument: argument, operation: .maskedEqual, mask: ~(size - 1), datum: base))
            }
        }
        if last < UInt64.max { result.append(SeccompComparison(argument: argument, operation: .greater, datum: last)) }
        return result
    }

    /// [low, high] as aligned blocks (base, size) with size a power of two.
    static func alignedBlocks(from low: UInt64, through high: UInt64) -> [(UInt64, UInt64)] {
        var blocks: [(UInt64, UInt64)] = []
        var start = low
        while start <= high {
            var size: UInt64 = start == 0 ? 1 << 63 : start & (~start &+ 1)
            while size > 1 && (high - start < size - 1) { size >>= 1 }
            blocks.append((start, size))
            let (next, overflow) = start.addingReportingOverflow(size)
            if overflow { break }
            start = next
        }
        return blocks
    }
}

/// Ascending, without duplicates.
func sortedUnique(_ values: [Int64]) -> [Int64] {
    var result: [Int64] = []
    for value in values.sorted() where result.last != value { result.append(value) }
    return result
}
