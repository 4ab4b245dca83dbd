// SPDX-License-Identifier: MIT

// Validators on the types: the C ABI converts raw integers with these
// (`try AccessNet(validating: raw)`), and the typed API checks its own values
// with the same code, so both refuse exactly the same input.

/// A set of flags with a closed list of known bits, checked the same way for every type.
public protocol ValidatedFlags: OptionSet where RawValue: FixedWidthInteger {
    /// Every bit netfence knows.
    static var known: Self { get }
    /// What one bit is called in messages ("network right").
    static var bitName: String { get }
    /// Whether the empty set is a valid value (an empty scope set clears the scopes).
    static var emptyIsValid: Bool { get }
}

extension ValidatedFlags {
    /// Checks that the set has no unknown bits and, unless the type allows it, is not empty.
    public func validate() throws(NetFenceError) {
        if rawValue == 0 && !Self.emptyIsValid { throw .invalid("no \(Self.bitName) given (the value is 0)") }
        let unknown = rawValue & ~Self.known.rawValue
        if unknown != 0 { throw .invalid("unknown \(Self.bitName) bits 0x\(String(unknown, radix: 16))") }
    }

    /// A set from a raw bitmask, checked with ``validate()``.
    public init(validating rawValue: RawValue) throws(NetFenceError) {
        self.init(rawValue: rawValue)
        try validate()
    }
}

extension AccessNet: ValidatedFlags {
    public static var bitName: String { "network right" }
    public static var emptyIsValid: Bool { false }
}

extension AccessFS: ValidatedFlags {
    public static var bitName: String { "filesystem right" }
    public static var emptyIsValid: Bool { false }
}

extension Scope: ValidatedFlags {
    public static var bitName: String { "scope" }
    public static var emptyIsValid: Bool { true }
}

extension RestrictFlags: ValidatedFlags {
    public static var bitName: String { "restrict flag" }
    public static var emptyIsValid: Bool { true }
}

extension CapabilityOptions: ValidatedFlags {
    public static var bitName: String { "capability option" }
    public static var emptyIsValid: Bool { true }
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
