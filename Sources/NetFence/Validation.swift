// SPDX-License-Identifier: MIT

// Validators on the types: the C ABI converts raw integers with these
// (`try AccessNet(validating: raw)`), and the typed API checks its own values
// with the same code, so both refuse exactly the same input. Each type has
// its own small pair over one shared check: a generic protocol extension
// would run unspecialized when called from the C ABI's module.

/// Checks a raw flag set: no unknown bits and, unless `emptyIsValid`, not empty.
private func checkFlags(_ raw: UInt64, known: UInt64, bitName: String, emptyIsValid: Bool) throws(NetFenceError) {
    if raw == 0 && !emptyIsValid { throw .invalid("no \(bitName) given (the value is 0)") }
    let unknown = raw & ~known
    if unknown != 0 { throw .invalid("unknown \(bitName) bits 0x\(String(unknown, radix: 16))") }
}

extension AccessNet {
    /// Checks that the set is not empty and has no unknown bits.
    public func validate() throws(NetFenceError) {
        try checkFlags(rawValue, known: Self.known.rawValue, bitName: "network right", emptyIsValid: false)
    }

    /// A set from a raw bitmask, checked with ``validate()``.
    public init(validating rawValue: UInt64) throws(NetFenceError) {
        self.init(rawValue: rawValue)
        try validate()
    }
}

extension AccessFS {
    /// Checks that the set is not empty and has no unknown bits.
    public func validate() throws(NetFenceError) {
        try checkFlags(rawValue, known: Self.known.rawValue, bitName: "filesystem right", emptyIsValid: false)
    }

    /// A set from a raw bitmask, checked with ``validate()``.
    public init(validating rawValue: UInt64) throws(NetFenceError) {
        self.init(rawValue: rawValue)
        try validate()
    }
}

extension Scope {
    /// Checks that the set has no unknown bits (an empty set is valid: it clears the scopes).
    public func validate() throws(NetFenceError) {
        try checkFlags(rawValue, known: Self.known.rawValue, bitName: "scope", emptyIsValid: true)
    }

    /// A set from a raw bitmask, checked with ``validate()``.
    public init(validating rawValue: UInt64) throws(NetFenceError) {
        self.init(rawValue: rawValue)
        try validate()
    }
}

extension RestrictFlags {
    /// Checks that the set has no unknown bits.
    public func validate() throws(NetFenceError) {
        try checkFlags(UInt64(rawValue), known: UInt64(Self.known.rawValue), bitName: "restrict flag", emptyIsValid: true)
    }

    /// A set from a raw bitmask, checked with ``validate()``.
    public init(validating rawValue: UInt32) throws(NetFenceError) {
        self.init(rawValue: rawValue)
        try validate()
    }
}

extension CapabilityOptions {
    /// Checks that the set has no unknown bits.
    public func validate() throws(NetFenceError) {
        try checkFlags(UInt64(rawValue), known: UInt64(Self.known.rawValue), bitName: "capability option", emptyIsValid: true)
    }

    /// A set from a raw bitmask, checked with ``validate()``.
    public init(validating rawValue: UInt32) throws(NetFenceError) {
        self.init(rawValue: rawValue)
        try validate()
    }
}

extension CompatibilityLevel {
    /// A level from its raw value (0, 1 or 2).
    public init(validating rawValue: UInt32) throws(NetFenceError) {
        guard let level = CompatibilityLevel(rawValue: rawValue) else {
            throw .invalid("unknown compatibility level \(rawValue) (expected 0, 1 or 2)")
        }
        self = level
    }
}

extension Capability {
    /// A capability from its number, checked against the running kernel's last one.
    public init(validating number: UInt32) throws(NetFenceError) {
        let last = Capability.lastSupported.rawValue
        if number > last || number >= 64 {
            throw .invalid("capability \(number) is above the last one this kernel knows (\(last))")
        }
        self.init(rawValue: number)
    }
}

extension ClosedRange where Bound == UInt16 {
    /// A port range from raw values: each at most 65535, `first` not above `last`.
    public init(validatingFirstPort first: UInt64, lastPort last: UInt64) throws(NetFenceError) {
        if first > 65535 { throw .invalid("port \(first) is out of range (0-65535)") }
        if last > 65535 { throw .invalid("port \(last) is out of range (0-65535)") }
        if first > last { throw .invalid("empty port range \(first)-\(last): first is greater than last") }
        self = UInt16(first)...UInt16(last)
    }
}
