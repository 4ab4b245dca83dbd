// SPDX-License-Identifier: MIT

/// Allowed ports per network right: one 65536-bit bitmap per right.
///
/// No released kernel has port-range rules (Landlock issue #16), so a range is
/// stored as bits and expanded into one kernel rule per port at enforcement,
/// merging the rights of each port into a single rule. Bitmaps make range
/// insertion word-wise (64 ports per step) and keep an exact per-right count,
/// so "every port allowed" is known without scanning.
///
/// Storage is raw memory, not a Swift array, holding a block per right in use
/// (its bitmap, then its port count), zeroed at the right's first insert.
/// This keeps the first use in a new process cheap: the first Swift array of
/// an element type instantiates its metadata through the runtime's demangler
/// (tens of page faults in a fresh process), and each zeroed page costs a
/// fault (see docs/performance.md). A class: a ruleset owns exactly one.
final class PortSet {
    static let portCount = 65536
    static let wordCount = portCount / 64
    /// Kernel rights are bits 0..<4 of AccessNet; slot 4 holds LISTEN_TCP (bit 63).
    static let rightSlots = 5
    /// A block: the bitmap, then the count of ports allowed.
    private static let blockSize = wordCount + 1

    static func slot(ofBit bit: Int) -> Int? {
        bit < 4 ? bit : bit == 63 ? 4 : nil
    }

    static func right(ofSlot slot: Int) -> AccessNet {
        AccessNet(rawValue: 1 << UInt64(slot < 4 ? slot : 63))
    }

    /// The slots of `rights` as a bitmask (bit i = slot i).
    private static func slotMask(_ rights: AccessNet) -> Int {
        Int(rights.rawValue & 0xf) | (rights.rawValue & (1 << 63) != 0 ? 1 << 4 : 0)
    }

    /// Room for every slot's block, then the right of each block, allocated at
    /// the first insert; a block is initialised (zeroed) at its slot's first
    /// insert, in that order.
    private var words: UnsafeMutablePointer<UInt64>?
    private var blocksUsed = 0
    /// Per slot, 4 bits: 0 when the slot has no block, else its block index + 1.
    private var blockOfSlot: UInt64 = 0

    init() {}

    deinit { words?.deallocate() }

    /// The offset of the slot's block in `words`, nil when it has none.
    private func base(ofSlot slot: Int) -> Int? {
        let entry = Int((blockOfSlot >> UInt64(4 * slot)) & 0xf)
        return entry == 0 ? nil : (entry - 1) * Self.blockSize
    }

    private func count(ofSlot slot: Int) -> Int {
        guard let words, let base = base(ofSlot: slot) else { return 0 }
        return Int(words[base + Self.wordCount])
    }

    /// Ports allowed per slot (for tests and reports).
    var counts: [Int] { (0..<Self.rightSlots).map { count(ofSlot: $0) } }

    /// The 1024-word bitmap of one right (all zero when no rule uses it).
    func bitmap(of right: AccessNet) -> [UInt64] {
        let mask = Self.slotMask(right)
        guard mask != 0, let words, let base = base(ofSlot: mask.trailingZeroBitCount) else {
            return Array(repeating: 0, count: Self.wordCount)
        }
        return Array(UnsafeBufferPointer(start: words + base, count: Self.wordCount))
    }

    /// Whether any port is allowed for `right`.
    func hasRules(for right: AccessNet) -> Bool {
        var mask = Self.slotMask(right)
        while mask != 0 {
            if count(ofSlot: mask.trailingZeroBitCount) > 0 { return true }
            mask &= mask - 1
        }
        return false
    }

    /// Allow `rights` on `first...last` (already validated: first <= last <= 65535).
    func insert(_ rights: AccessNet, first: Int, last: Int) {
        var mask = Self.slotMask(rights)
        let firstWord = first >> 6, lastWord = last >> 6
        while mask != 0 {
            let slot = mask.trailingZeroBitCount
            mask &= mask - 1
            let words = self.words ?? UnsafeMutablePointer<UInt64>.allocate(capacity: Self.rightSlots * (Self.blockSize + 1))
            self.words = words
            let base: Int
            if let existing = self.base(ofSlot: slot) {
                base = existing
            } else {
                base = blocksUsed * Self.blockSize
                (words + base).initialize(repeating: 0, count: Self.blockSize)
                (words + Self.rightSlots * Self.blockSize + blocksUsed).initialize(to: Self.right(ofSlot: slot).rawValue)
                blocksUsed += 1
                blockOfSlot |= UInt64(blocksUsed) << UInt64(4 * slot)
            }
            var added: UInt64 = 0
            for word in firstWord...lastWord {
                let low = word == firstWord ? first & 63 : 0
                let high = word == lastWord ? last & 63 : 63
                let width = high - low + 1
                let bits: UInt64 = width == 64 ? ~0 : ((1 << UInt64(width)) - 1) << UInt64(low)
                added += UInt64((bits & ~words[base + word]).nonzeroBitCount)
                words[base + word] |= bits
            }
            words[base + Self.wordCount] += added
        }
    }

    func contains(_ right: AccessNet, port: Int) -> Bool {
        let mask = Self.slotMask(right)
        guard mask != 0, let words, let base = base(ofSlot: mask.trailingZeroBitCount) else { return false }
        return words[base + port >> 6] & (1 << UInt64(port & 63)) != 0
    }

    /// Rights whose rules cover every port: handling them would restrict nothing.
    var rightsCoveringAllPorts: AccessNet {
        var all: AccessNet = []
        for slot in 0..<Self.rightSlots where count(ofSlot: slot) == Self.portCount {
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
        guard let words else { return }
        var usedBlocks = 0 // the blocks to merge, as a bitmask of block indices
        var mask = Self.slotMask(rights)
        while mask != 0 {
            let slot = mask.trailingZeroBitCount
            mask &= mask - 1
            if let base = base(ofSlot: slot), words[base + Self.wordCount] > 0 { usedBlocks |= 1 << (base / Self.blockSize) }
        }
        if usedBlocks == 0 { return }
        let rightOfBlock = words + Self.rightSlots * Self.blockSize
        if usedBlocks.nonzeroBitCount == 1 {
            // One right: its bitmap alone, every port with the same rights.
            let block = usedBlocks.trailingZeroBitCount
            let bitmap = words + block * Self.blockSize, access = rightOfBlock[block]
            for word in 0..<Self.wordCount {
                var bits = bitmap[word]
                while bits != 0 {
                    let bit = bits.trailingZeroBitCount
                    bits &= bits - 1
                    try body(UInt64(word << 6 | bit), access)
                }
            }
            return
        }
        for word in 0..<Self.wordCount {
            var union: UInt64 = 0
            var blocks = usedBlocks
            while blocks != 0 {
                union |= words[blocks.trailingZeroBitCount * Self.blockSize + word]
                blocks &= blocks - 1
            }
            while union != 0 {
                let bit = union.trailingZeroBitCount
                union &= union - 1
                var access: UInt64 = 0
                blocks = usedBlocks
                while blocks != 0 {
                    let block = blocks.trailingZeroBitCount
                    blocks &= blocks - 1
                    if words[block * Self.blockSize + word] & (1 << UInt64(bit)) != 0 { access |= rightOfBlock[block] }
                }
                try body(UInt64(word << 6 | bit), access)
            }
        }
    }
}
