// SPDX-License-Identifier: MIT

/// Allowed ports per network right: one 65536-bit bitmap per right.
///
/// No released kernel has port-range rules (Landlock issue #16), so a range is
/// stored as bits and expanded into one kernel rule per port at enforcement,
/// merging the rights of each port into a single rule. Bitmaps make range
/// insertion word-wise (64 ports per step) and keep an exact per-right count,
/// so "every port allowed" is known without scanning. Beside each bitmap, a
/// summary of 16 words (bit i: word i of the bitmap is not zero) lets the
/// expansion skip the empty parts: a ruleset with one port visits one word.
struct PortSet {
    static let portCount = 65536
    static let wordCount = portCount / 64
    /// Kernel rights are bits 0..<4 of AccessNet; slot 4 holds LISTEN_TCP (bit 63).
    static let rightSlots = 5

    /// One right's ports.
    private struct Bitmap {
        var words = [UInt64](repeating: 0, count: PortSet.wordCount)
        var nonzeroWords = [UInt64](repeating: 0, count: PortSet.wordCount / 64)
        var count = 0

        func contains(_ port: Int) -> Bool { words[port >> 6] & (1 << UInt64(port & 63)) != 0 }
    }

    /// bitmaps[slot]: nil until a port is allowed for that right.
    private var bitmaps = [Bitmap?](repeating: nil, count: PortSet.rightSlots)

    static func right(ofSlot slot: Int) -> AccessNet {
        AccessNet(rawValue: 1 << UInt64(slot < 4 ? slot : 63))
    }

    /// The slots of `rights`.
    private static func slots(of rights: AccessNet) -> [Int] {
        (0..<rightSlots).filter { rights.contains(right(ofSlot: $0)) }
    }

    /// Ports allowed per slot (for tests and reports).
    var portCounts: [Int] { bitmaps.map { $0?.count ?? 0 } }

    /// The 1024-word bitmap of one right (all zero when no rule uses it).
    func bitmap(of right: AccessNet) -> [UInt64] {
        guard let slot = Self.slots(of: right).first, let bitmap = bitmaps[slot] else {
            return [UInt64](repeating: 0, count: Self.wordCount)
        }
        return bitmap.words
    }

    /// Whether any port is allowed for one of `rights`.
    func hasRules(for rights: AccessNet) -> Bool {
        Self.slots(of: rights).contains { (bitmaps[$0]?.count ?? 0) > 0 }
    }

    /// Allow `rights` on `first...last` (already validated: first <= last <= 65535).
    mutating func insert(_ rights: AccessNet, first: Int, last: Int) {
        for slot in Self.slots(of: rights) {
            var bitmap = bitmaps[slot] ?? Bitmap()
            bitmaps[slot] = nil // keep the arrays uniquely referenced while they change
            let firstWord = first >> 6, lastWord = last >> 6
            for word in firstWord...lastWord {
                let low = word == firstWord ? first & 63 : 0
                let high = word == lastWord ? last & 63 : 63
                let width = high - low + 1
                let bits: UInt64 = width == 64 ? ~0 : ((1 << UInt64(width)) - 1) << UInt64(low)
                bitmap.count += (bits & ~bitmap.words[word]).nonzeroBitCount
                bitmap.words[word] |= bits
                bitmap.nonzeroWords[word >> 6] |= 1 << UInt64(word & 63)
            }
            bitmaps[slot] = bitmap
        }
    }

    func contains(_ right: AccessNet, port: Int) -> Bool {
        guard let slot = Self.slots(of: right).first else { return false }
        return bitmaps[slot]?.contains(port) ?? false
    }

    /// Rights whose rules cover every port: handling them would restrict nothing.
    var rightsCoveringAllPorts: AccessNet {
        var all: AccessNet = []
        for slot in 0..<Self.rightSlots where bitmaps[slot]?.count == Self.portCount {
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
        let used = Self.slots(of: rights).compactMap { slot in bitmaps[slot].map { (right: Self.right(ofSlot: slot).rawValue, bitmap: $0) } }
        if used.isEmpty { return }
        for summaryIndex in 0..<(Self.wordCount / 64) {
            var nonzero: UInt64 = 0
            for entry in used { nonzero |= entry.bitmap.nonzeroWords[summaryIndex] }
            while nonzero != 0 {
                let word = summaryIndex * 64 + nonzero.trailingZeroBitCount
                nonzero &= nonzero - 1
                var ports: UInt64 = 0
                for entry in used { ports |= entry.bitmap.words[word] }
                while ports != 0 {
                    let bit = UInt64(ports.trailingZeroBitCount)
                    ports &= ports - 1
                    var access: UInt64 = 0
                    for entry in used where entry.bitmap.words[word] & (1 << bit) != 0 { access |= entry.right }
                    try body(UInt64(word) << 6 | bit, access)
                }
            }
        }
    }
}
