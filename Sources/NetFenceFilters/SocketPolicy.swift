// SPDX-License-Identifier: MIT

/// Which (family, type, protocol) triples may be created, as a table, and
/// its translation into seccomp deny rules.
///
/// libseccomp cannot add ALLOW rules to a default-ALLOW filter and compares
/// each argument at most once per rule, so the allow-list is written as its
/// complement: "less than the smallest", "greater than the largest" and the
/// gaps as aligned power-of-two blocks (one masked comparison each). Values
/// with stray high bits fall into "greater than the largest": fail closed.
package struct SocketPolicy: Equatable, Sendable {
    /// Protocol sets: small sorted arrays.
    package enum Protocols: Equatable, Sendable {
        case all
        case only([Int64])
        case allExcept([Int64])

        package func union(_ other: Protocols) -> Protocols {
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

    package static let familySlots = 64
    package static let typeSlots = 16

    /// Types sharing one protocol policy (a struct: no run-time tuple metadata).
    struct TypeGroup {
        var policy: Protocols?
        var types: [Int]
    }

    /// table[family * typeSlots + type]: nil = denied.
    package private(set) var table: [Protocols?]
    /// Families outside the table (and garbage values): allowed only when
    /// socket creation is not handled.
    package private(set) var otherFamiliesAllowed: Bool

    /// - Parameters:
    ///   - handled: socket creation is deny-by-default.
    ///   - denyTCPBypass: TCP rights are handled by Landlock: MPTCP, SCTP,
    ///     AF_SMC, raw IP sockets (SOCK_RAW) and packet sockets (AF_PACKET,
    ///     SOCK_PACKET) are denied unless a rule names them explicitly: each
    ///     can reach TCP ports without the bind or connect Landlock checks (a
    ///     raw socket with CAP_NET_RAW completes a handshake by hand).
    package init(handled: Bool, rules: [SocketTriple], denyTCPBypass: Bool) {
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
                        table[Int(family) * Self.typeSlots + type] = Self.bypassType(type)
                            ? nil : .allExcept(SocketConstants.tcpBypass(type: Int32(type)))
                    }
                }
                for family in [SocketConstants.afSMC, SocketConstants.afPacket] {
                    for type in 0..<Self.typeSlots { table[Int(family) * Self.typeSlots + type] = nil }
                }
            }
        }
        for rule in rules {
            let family = Int(rule.family)
            // SOCK_PACKET under AF_INET is an obsolete spelling of an AF_PACKET
            // socket: a type wildcard never includes it (only an explicit rule).
            // Nor, with TCP rights handled, raw IP sockets.
            let explicitOnly: (Int) -> Bool = { type in
                type == Int(SocketConstants.sockPacket)
                    || (denyTCPBypass && inet.contains(rule.family) && Self.bypassType(type))
            }
            let types = rule.type == SocketTriple.any
                ? (0..<Self.typeSlots).filter { !explicitOnly($0) } : [Int(rule.type)]
            for type in types {
                let allowed: Protocols
                if rule.protocol == SocketTriple.any {
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

    /// The AF_INET/AF_INET6 types that reach TCP ports around Landlock's checks
    /// whatever their protocol: raw IP sockets, and the obsolete SOCK_PACKET.
    private static func bypassType(_ type: Int) -> Bool {
        type == Int(SocketConstants.sockRaw) || type == Int(SocketConstants.sockPacket)
    }

    package func entry(family: Int, type: Int) -> Protocols? {
        return table[family * Self.typeSlots + type]
    }

    /// For AF_INET/AF_INET6, protocol 0 and the type's default protocol are the same socket.
    package static func aliases(family: Int32, type: Int32, protocol value: Int64) -> [Int64] {
        guard family == SocketConstants.afInet || family == SocketConstants.afInet6 else { return [value] }
        let defaultProtocol: Int64? = type == SocketConstants.sockStream ? SocketConstants.ipprotoTCP
            : type == SocketConstants.sockDgram ? SocketConstants.ipprotoUDP : nil
        guard let defaultProtocol, value == 0 || value == defaultProtocol else { return [value] }
        return [0, defaultProtocol]
    }

    /// Whether socket(family, type, protocol) would be allowed (for tests and docs).
    package func allows(family: Int32, type: Int32, protocol value: Int64) -> Bool {
        guard family >= 0, Int(family) < Self.familySlots else { return otherFamiliesAllowed }
        guard let protocols = entry(family: Int(family), type: Int(type & SocketConstants.typeMask)) else { return false }
        switch protocols {
        case .all: return true
        case .only(let list): return list.contains(value)
        case .allExcept(let list): return !list.contains(value)
        }
    }

    /// The deny rules for socket() and socketpair(): every triple the table denies.
    package func denyRules(errno: Int32) -> [SeccompRule] {
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
            // Types denied outright may be counted in as well: a deny rule
            // that also matches them denies nothing more.
            let deniedTypes = groups.filter { $0.policy == nil }.flatMap(\.types)
            for entry in excludedTypes.sorted(by: { $0.protocol < $1.protocol }) {
                let protocolMatch = SeccompComparison.intEquals(2, entry.protocol)
                if entry.types.count + deniedTypes.count == Self.typeSlots {
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
            for comparisons in conjunctions { rules.append(SeccompRule(syscall, .errno(errno), comparisons)) }
        }
        return rules
    }

    /// Masked comparisons matching exactly the values in `values` (each < 2^width),
    /// grouped into aligned power-of-two blocks.
    package static func blocks(covering values: [Int], width: Int, argument: UInt32) -> [SeccompComparison] {
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
    package static func complement(ofSorted sorted: [UInt64], argument: UInt32) -> [SeccompComparison] {
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
    package static func alignedBlocks(from low: UInt64, through high: UInt64) -> [(UInt64, UInt64)] {
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
