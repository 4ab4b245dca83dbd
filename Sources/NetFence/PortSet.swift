// SPDX-License-Identifier: MIT

/// Allowed ports per network right: one 65536-bit bitmap per right.
///
/// No released kernel has port-range rules (Landlock issue #16), so a range is
/// stored as bits and expanded into one kernel rule per port at enforcement,
/// merging the rights of each port into a single rule. Bitmaps make range
/// insertion word-wise (64 ports per step) and keep an exact per-right count,
/// so "every port allowed" is known without scanning.
///
/// Each bitmap is split into 16 chunks of 4096 ports (512 bytes, plus one word
/// whose bit i tells that word i is not zero, so that expansion skips empty
/// words), allocated and zeroed when a port in them is first allowed: a
/// ruleset with a few ports touches a few hundred bytes, a range over every
/// port 8 KiB per right. The
/// storage is raw memory, not Swift arrays: the first Swift array of an
/// element type instantiates its metadata through the runtime's demangler
/// (tens of page faults in a fresh process), and each page touched costs a
/// fault (see docs/performance.md). A class: a ruleset owns exactly one.
final class PortSet {
    static let portCount = 65536
    static let wordCount = portCount / 64
    /// Kernel rights are bits 0..<4 of AccessNet; slot 4 holds LISTEN_TCP (bit 63).
    static let rightSlots = 5
    /// 64-bit words per chunk (followed by its summary word), and chunks per right.
    private static let chunkWords = 64
    private static let chunksPerRight = wordCount / chunkWords

    static func right(ofSlot slot: Int) -> AccessNet {
        AccessNet(rawValue: 1 << UInt64(slot < 4 ? slot : 63))
    }

    /// The slots of `rights` as a bitmask (bit i = slot i).
    private static func slotMask(_ rights: AccessNet) -> Int {
        Int(rights.rawValue & 0xf) | (rights.rawValue & (1 << 63) != 0 ? 1 << 4 : 0)
    }

    /// chunks[slot * chunksPerRight + chunk]: nil until a port in it is allowed.
    /// Allocated at the first insert, with the per-slot port counts after it.
    /// (Unchecked exclusivity, as for the ruleset's properties: only this class's methods touch it.)
    @exclusivity(unchecked) private var table: UnsafeMutableRawPointer?

    init() {}

    deinit {
        guard let table else { return }
        let chunks = table.assumingMemoryBound(to: UnsafeMutablePointer<UInt64>?.self)
        for index in 0..<Self.rightSlots * Self.chunksPerRight { chunks[index]?.deallocate() }
        table.deallocate()
    }

    private var chunks: UnsafeMutablePointer<UnsafeMutablePointer<UInt64>?>? {
        table?.assumingMemoryBound(to: UnsafeMutablePointer<UInt64>?.self)
    }

    /// The per-slot port counts, after the chunk pointers.
    private var counts: UnsafeMutablePointer<Int>? {
        table.map { ($0 + Self.rightSlots * Self.chunksPerRight * MemoryLayout<UnsafeMutablePointer<UInt64>?>.stride)
            .assumingMemoryBound(to: Int.self) }
    }

    private func count(ofSlot slot: Int) -> Int {
        counts?[slot] ?? 0
    }

    /// Ports allowed per slot (for tests and reports).
    var portCounts: [Int] { (0..<Self.rightSlots).map { count(ofSlot: $0) } }

    /// The word of `slot`'s bitmap, 0 when its chunk does not exist.
    private func word(_ index: Int, ofSlot slot: Int) -> UInt64 {
        guard let chunk = chunks?[slot * Self.chunksPerRight + index / Self.chunkWords] else { return 0 }
        return chunk[index % Self.chunkWords]
    }

    /// The 1024-word bitmap of one right (all zero when no rule uses it).
    func bitmap(of right: AccessNet) -> [UInt64] {
        let mask = Self.slotMask(right)
        guard mask != 0 else { return Array(repeating: 0, count: Self.wordCount) }
        let slot = mask.trailingZeroBitCount
        return (0..<Self.wordCount).map { word($0, ofSlot: slot) }
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
        if mask == 0 { return }
        if table == nil {
            let pointers = Self.rightSlots * Self.chunksPerRight
            let raw = UnsafeMutableRawPointer.allocate(
                byteCount: pointers * MemoryLayout<UnsafeMutablePointer<UInt64>?>.stride + Self.rightSlots * MemoryLayout<Int>.stride,
                alignment: MemoryLayout<Int>.alignment)
            raw.bindMemory(to: UnsafeMutablePointer<UInt64>?.self, capacity: pointers).initialize(repeating: nil, count: pointers)
            (raw + pointers * MemoryLayout<UnsafeMutablePointer<UInt64>?>.stride)
                .bindMemory(to: Int.self, capacity: Self.rightSlots).initialize(repeating: 0, count: Self.rightSlots)
            table = raw
        }
        let chunks = self.chunks!, counts = self.counts!
        let firstWord = first >> 6, lastWord = last >> 6
        while mask != 0 {
            let slot = mask.trailingZeroBitCount
            mask &= mask - 1
            var added = 0
            for word in firstWord...lastWord {
                let index = slot * Self.chunksPerRight + word / Self.chunkWords
                let chunk: UnsafeMutablePointer<UInt64>
                if let existing = chunks[index] {
                    chunk = existing
                } else {
                    chunk = UnsafeMutablePointer<UInt64>.allocate(capacity: Self.chunkWords + 1)
                    chunk.initialize(repeating: 0, count: Self.chunkWords + 1)
                    chunks[index] = chunk
                }
                let low = word == firstWord ? first & 63 : 0
                let high = word == lastWord ? last & 63 : 63
                let width = high - low + 1
                let bits: UInt64 = width == 64 ? ~0 : ((1 << UInt64(width)) - 1) << UInt64(low)
                added += (bits & ~chunk[word % Self.chunkWords]).nonzeroBitCount
                chunk[word % Self.chunkWords] |= bits
                chunk[Self.chunkWords] |= 1 << UInt64(word % Self.chunkWords) // the summary word
            }
            counts[slot] += added
        }
    }

    func contains(_ right: AccessNet, port: Int) -> Bool {
        let mask = Self.slotMask(right)
        guard mask != 0 else { return false }
        return word(port >> 6, ofSlot: mask.trailingZeroBitCount) & (1 << UInt64(port & 63)) != 0
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
        guard let chunks else { return }
        var used = 0 // the slots to merge, as a bitmask
        var mask = Self.slotMask(rights)
        while mask != 0 {
            let slot = mask.trailingZeroBitCount
            mask &= mask - 1
            if count(ofSlot: slot) > 0 { used |= 1 << slot }
        }
        for chunkIndex in 0..<Self.chunksPerRight {
            var present = 0 // the used slots that have this chunk
            var slots = used
            while slots != 0 {
                let slot = slots.trailingZeroBitCount
                slots &= slots - 1
                if chunks[slot * Self.chunksPerRight + chunkIndex] != nil { present |= 1 << slot }
            }
            if present == 0 { continue }
            // The rights of all present slots (what a port gets when every slot
            // allows it), and the words not zero in any of them (summary words).
            var presentRights: UInt64 = 0
            var nonzero: UInt64 = 0
            slots = present
            while slots != 0 {
                let slot = slots.trailingZeroBitCount
                slots &= slots - 1
                presentRights |= Self.right(ofSlot: slot).rawValue
                nonzero |= chunks[slot * Self.chunksPerRight + chunkIndex]![Self.chunkWords]
            }
            while nonzero != 0 {
                let offset = nonzero.trailingZeroBitCount
                nonzero &= nonzero - 1
                var union: UInt64 = 0
                var common = UInt64.max // the ports every present slot allows
                slots = present
                while slots != 0 {
                    let slot = slots.trailingZeroBitCount
                    slots &= slots - 1
                    let word = chunks[slot * Self.chunksPerRight + chunkIndex]![offset]
                    union |= word
                    common &= word
                }
                while union != 0 {
                    let bit = union.trailingZeroBitCount
                    union &= union - 1
                    // The usual case (the same ports for every right) needs no per-slot look.
                    var access = presentRights
                    if common & (1 << UInt64(bit)) == 0 {
                        access = 0
                        slots = present
                        while slots != 0 {
                            let slot = slots.trailingZeroBitCount
                            slots &= slots - 1
                            if chunks[slot * Self.chunksPerRight + chunkIndex]![offset] & (1 << UInt64(bit)) != 0 {
                                access |= Self.right(ofSlot: slot).rawValue
                            }
                        }
                    }
                    try body(UInt64((chunkIndex * Self.chunkWords + offset) << 6 | bit), access)
                }
            }
        }
    }
}
