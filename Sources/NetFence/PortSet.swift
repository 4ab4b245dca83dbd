// SPDX-License-Identifier: MIT

/// Allowed ports per network right: one 65536-bit bitmap per right.
///
/// No released kernel has port-range rules (Landlock issue #16), so a range is
/// stored as bits and expanded into one kernel rule per port at enforcement,
/// merging the rights of each port into a single rule. Bitmaps make range
/// insertion word-wise (64 ports per step) and keep an exact per-right count,
/// so "every port allowed" is known without scanning.
struct PortSet {
    static let portCount = 65536
    static let wordCount = portCount / 64
    /// Kernel rights are bits 0..<4 of AccessNet; slot 4 holds LISTEN_TCP (bit 63).
    static let rightSlots = 5

    static func slot(ofBit bit: Int) -> Int? {
        bit < 4 ? bit : bit == 63 ? 4 : nil
    }

    static func right(ofSlot slot: Int) -> AccessNet {
        AccessNet(rawValue: 1 << UInt64(slot < 4 ? slot : 63))
    }

    private static func slots(_ rights: AccessNet) -> [Int] {
        (0..<64).filter { rights.rawValue & (1 << UInt64($0)) != 0 }.compactMap { slot(ofBit: $0) }
    }

    /// The 1024-word bitmap of one right (all zero when no rule uses it).
    func bitmap(of right: AccessNet) -> [UInt64] {
        guard let slot = Self.slots(right).first, !maps[slot].isEmpty else {
            return Array(repeating: 0, count: Self.wordCount)
        }
        return maps[slot]
    }

    /// Whether any port is allowed for `right`.
    func hasRules(for right: AccessNet) -> Bool {
        Self.slots(right).contains { counts[$0] > 0 }
    }

    private var maps: [[UInt64]] = Array(repeating: [], count: rightSlots)
    private(set) var counts: [Int] = Array(repeating: 0, count: rightSlots)

    /// Allow `rights` on `first...last` (already validated: first <= last <= 65535).
    mutating func insert(_ rights: AccessNet, first: Int, last: Int) {
        for slot in Self.slots(rights) {
            if maps[slot].isEmpty { maps[slot] = Array(repeating: 0, count: Self.wordCount) }
            let firstWord = first >> 6, lastWord = last >> 6
            var added = 0
            maps[slot].withUnsafeMutableBufferPointer { words in
                for word in firstWord...lastWord {
                    let low = word == firstWord ? first & 63 : 0
                    let high = word == lastWord ? last & 63 : 63
                    let width = high - low + 1
                    let bits: UInt64 = width == 64 ? ~0 : ((1 << UInt64(width)) - 1) << UInt64(low)
                    added += (bits & ~words[word]).nonzeroBitCount
                    words[word] |= bits
                }
            }
            counts[slot] += added
        }
    }

    func contains(_ right: AccessNet, port: Int) -> Bool {
        guard let slot = Self.slots(right).first, !maps[slot].isEmpty else { return false }
        return maps[slot][port >> 6] & (1 << UInt64(port & 63)) != 0
    }

    /// Rights whose rules cover every port: handling them would restrict nothing.
    var rightsCoveringAllPorts: AccessNet {
        var all: AccessNet = []
        for slot in 0..<Self.rightSlots where counts[slot] == Self.portCount {
            all.insert(Self.right(ofSlot: slot))
        }
        return all
    }

    /// The number of kernel rules expanding `rights` gives (ports allowed for at least one of them).
    func ruleCount(for rights: AccessNet) -> Int {
        var count = 0
        forEachRule(for: rights) { _, _ in count += 1 }
        return count
    }

    /// Calls `body(port, rights)` once per port allowed for any of `rights`, in
    /// ascending port order, with the subset of `rights` allowed on that port.
    func forEachRule<E: Error>(for rights: AccessNet, _ body: (UInt64, UInt64) throws(E) -> Void) throws(E) {
        let slots = Self.slots(rights).filter { !maps[$0].isEmpty }
        if slots.isEmpty { return }
        for word in 0..<Self.wordCount {
            var union: UInt64 = 0
            for slot in slots { union |= maps[slot][word] }
            while union != 0 {
                let bit = union.trailingZeroBitCount
                union &= union - 1
                var access: UInt64 = 0
                for slot in slots where maps[slot][word] & (1 << UInt64(bit)) != 0 {
                    access |= Self.right(ofSlot: slot).rawValue
                }
                try body(UInt64(word << 6 | bit), access)
            }
        }
    }
}
