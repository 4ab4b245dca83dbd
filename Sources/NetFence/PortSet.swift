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
    /// Network rights are bits 0..<rightSlots of AccessNet.
    static let rightSlots = 4

    private var maps: [[UInt64]] = Array(repeating: [], count: rightSlots)
    private(set) var counts: [Int] = Array(repeating: 0, count: rightSlots)

    /// Allow `rights` on `first...last` (already validated: first <= last <= 65535).
    mutating func insert(_ rights: AccessNet, first: Int, last: Int) {
        for slot in 0..<Self.rightSlots where rights.rawValue & (1 << UInt64(slot)) != 0 {
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
        let slot = right.rawValue.trailingZeroBitCount
        guard slot < Self.rightSlots, !maps[slot].isEmpty else { return false }
        return maps[slot][port >> 6] & (1 << UInt64(port & 63)) != 0
    }

    /// Rights whose rules cover every port: handling them would restrict nothing.
    var rightsCoveringAllPorts: AccessNet {
        var all: AccessNet = []
        for slot in 0..<Self.rightSlots where counts[slot] == Self.portCount {
            all.insert(AccessNet(rawValue: 1 << UInt64(slot)))
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
        var slots: [Int] = []
        for slot in 0..<Self.rightSlots where rights.rawValue & (1 << UInt64(slot)) != 0 && !maps[slot].isEmpty {
            slots.append(slot)
        }
        if slots.isEmpty { return }
        for word in 0..<Self.wordCount {
            var union: UInt64 = 0
            for slot in slots { union |= maps[slot][word] }
            while union != 0 {
                let bit = union.trailingZeroBitCount
                union &= union - 1
                var access: UInt64 = 0
                for slot in slots where maps[slot][word] & (1 << UInt64(bit)) != 0 {
                    access |= 1 << UInt64(slot)
                }
                try body(UInt64(word << 6 | bit), access)
            }
        }
    }
}
