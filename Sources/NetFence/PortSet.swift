// SPDX-License-Identifier: MIT

/// Allowed ports per network right: a 65536-bit bitmap per right.
///
/// No released kernel has port-range rules (Landlock issue #16), so a range is
/// stored as bits and expanded into one kernel rule per port at enforcement,
/// merging the rights of each port into a single rule. Bitmaps make range
/// insertion word-wise (64 ports per step) and keep an exact per-right count,
/// so "every port allowed" is known without scanning.
///
/// Each bitmap is cut into 16 chunks of 4096 ports, created when a port in them
/// is first allowed: 64 words of bits and a summary word (bit i: word i is not
/// zero), so a ruleset with a few ports holds a few chunks and the expansion
/// visits only the words that hold ports. The chunks lie one after the other
/// in one array of words; `chunkStart[slot * 16 + chunk]` says where a chunk
/// begins (-1: not created).
struct PortSet {
    static let portCount = 65536
    static let wordCount = portCount / 64
    /// Kernel rights are bits 0..<4 of AccessNet; slot 4 holds LISTEN_TCP (bit 63).
    static let rightSlots = 5
    private static let chunkWords = 64
    private static let chunksPerRight = wordCount / chunkWords

    private var words: [UInt64] = []
    private var chunkStart = [Int](repeating: -1, count: PortSet.rightSlots * PortSet.chunksPerRight)
    private var allowedPorts = [Int](repeating: 0, count: PortSet.rightSlots)

    static func right(ofSlot slot: Int) -> AccessNet {
        AccessNet(rawValue: 1 << UInt64(slot < 4 ? slot : 63))
    }

    /// Whether `rights` contains the right of `slot`.
    private static func has(_ rights: AccessNet, slot: Int) -> Bool {
        rights.contains(right(ofSlot: slot))
    }

    /// The number of ports allowed for the right of `slot`.
    func allowedPortCount(ofSlot slot: Int) -> Int { allowedPorts[slot] }

    /// Word `index` (0..<1024) of `slot`'s bitmap: 0 when its chunk was not created.
    private func word(_ index: Int, ofSlot slot: Int) -> UInt64 {
        let start = chunkStart[slot * Self.chunksPerRight + index / Self.chunkWords]
        return start < 0 ? 0 : words[start + index % Self.chunkWords]
    }

    /// The 1024-word bitmap of one right (all zero when no rule uses it).
    func bitmap(of right: AccessNet) -> [UInt64] {
        guard let slot = (0..<Self.rightSlots).first(where: { Self.has(right, slot: $0) }) else {
            return [UInt64](repeating: 0, count: Self.wordCount)
        }
        return (0..<Self.wordCount).map { word($0, ofSlot: slot) }
    }

    /// Whether any port is allowed for one of `rights`.
    func hasRules(for rights: AccessNet) -> Bool {
        (0..<Self.rightSlots).contains { Self.has(rights, slot: $0) && allowedPorts[$0] > 0 }
    }

    /// Allow `rights` on `first...last` (already validated: first <= last <= 65535).
    mutating func insert(_ rights: AccessNet, first: Int, last: Int) {
        for slot in 0..<Self.rightSlots where Self.has(rights, slot: slot) {
            let firstWord = first >> 6, lastWord = last >> 6
            for word in firstWord...lastWord {
                let chunk = slot * Self.chunksPerRight + word / Self.chunkWords
                if chunkStart[chunk] < 0 {
                    chunkStart[chunk] = words.count
                    words.append(contentsOf: repeatElement(0, count: Self.chunkWords + 1))
                }
                let index = chunkStart[chunk] + word % Self.chunkWords
                let summary = chunkStart[chunk] + Self.chunkWords
                let low = word == firstWord ? first & 63 : 0
                let high = word == lastWord ? last & 63 : 63
                let width = high - low + 1
                let bits: UInt64 = width == 64 ? ~0 : ((1 << UInt64(width)) - 1) << UInt64(low)
                allowedPorts[slot] += (bits & ~words[index]).nonzeroBitCount
                words[index] |= bits
                words[summary] |= 1 << UInt64(word % Self.chunkWords)
            }
        }
    }

    func contains(_ right: AccessNet, port: Int) -> Bool {
        guard let slot = (0..<Self.rightSlots).first(where: { Self.has(right, slot: $0) }) else { return false }
        return word(port >> 6, ofSlot: slot) & (1 << UInt64(port & 63)) != 0
    }

    /// Rights whose rules cover every port: handling them would restrict nothing.
    var rightsCoveringAllPorts: AccessNet {
        var all: AccessNet = []
        for slot in 0..<Self.rightSlots where allowedPorts[slot] == Self.portCount {
            all.insert(Self.right(ofSlot: slot))
        }
        return all
    }

    /// The number of kernel rules expanding `rights` gives (ports allowed for at least one of them).
    func ruleCount(for rights: AccessNet) -> Int {
        var rules = 0
        forEachRule(for: rights) { _, _ in rules += 1 }
        return rules
    }

    /// Calls `body(port, rights)` once per port allowed for any of `rights`, in
    /// ascending port order, with the subset of `rights` allowed on that port.
    func forEachRule<E: Error>(for rights: AccessNet, _ body: (UInt64, UInt64) throws(E) -> Void) throws(E) {
        for chunk in 0..<Self.chunksPerRight {
            // The slots of `rights` that have this chunk, as a bitmask, and the
            // words that are not zero in any of them.
            var present = 0
            var nonzero: UInt64 = 0
            for slot in 0..<Self.rightSlots where Self.has(rights, slot: slot) {
                let start = chunkStart[slot * Self.chunksPerRight + chunk]
                if start < 0 { continue }
                present |= 1 << slot
                nonzero |= words[start + Self.chunkWords]
            }
            while nonzero != 0 {
                let offset = nonzero.trailingZeroBitCount
                nonzero &= nonzero - 1
                var ports: UInt64 = 0
                for slot in 0..<Self.rightSlots where present & (1 << slot) != 0 {
                    ports |= words[chunkStart[slot * Self.chunksPerRight + chunk] + offset]
                }
                while ports != 0 {
                    let bit = UInt64(ports.trailingZeroBitCount)
                    ports &= ports - 1
                    var access: UInt64 = 0
                    for slot in 0..<Self.rightSlots where present & (1 << slot) != 0
                        && words[chunkStart[slot * Self.chunksPerRight + chunk] + offset] & (1 << bit) != 0 {
                        access |= Self.right(ofSlot: slot).rawValue
                    }
                    try body(UInt64((chunk * Self.chunkWords + offset) << 6) | bit, access)
                }
            }
        }
    }
}
