// SPDX-License-Identifier: MIT
import NetFenceSystem
import Glibc

/// A Linux capability, by number (`CAP_NET_BIND_SERVICE` is 10).
///
/// The constants below name the capabilities a network program usually cares about; any other
/// number works too, and ``init(name:)`` takes libcap's names. Keep capabilities with
/// ``Ruleset/keepCapabilities(_:)``.
public struct Capability: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The capability number (the kernel's `CAP_*` value).
    public let rawValue: UInt32
    /// A capability by number. It is checked against the running kernel only when a ruleset keeps it.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// A capability from libcap's name, with or without the `cap_` prefix, any case
    /// (`"cap_net_raw"`, `"NET_RAW"`); `nil` for an unknown name.
    public init?(name: String) {
        guard let value = Capability.number(forName: name) else { return nil }
        self.rawValue = value
    }

    /// Orders capabilities by number.
    public static func < (lhs: Capability, rhs: Capability) -> Bool { lhs.rawValue < rhs.rawValue }

    /// libcap's name (`cap_net_bind_service`); the number for one libcap does not know.
    public var name: String {
        var buffer = [CChar](repeating: 0, count: 64)
        if nf_cap_name(Int32(bitPattern: rawValue), &buffer, buffer.count) == 0 {
            return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        return String(rawValue)
    }

    /// libcap's name, as ``name``.
    public var description: String { name }

    /// `CAP_CHOWN` (0): change the owner and group of files.
    public static let chown = Capability(rawValue: 0)
    /// `CAP_DAC_OVERRIDE` (1): bypass file read, write and execute permission checks.
    public static let dacOverride = Capability(rawValue: 1)
    /// `CAP_KILL` (5): send signals to processes of other users.
    public static let kill = Capability(rawValue: 5)
    /// `CAP_SETGID` (6): change group IDs.
    public static let setgid = Capability(rawValue: 6)
    /// `CAP_SETUID` (7): change user IDs.
    public static let setuid = Capability(rawValue: 7)
    /// `CAP_SETPCAP` (8): change capability sets beyond the usual rules. netfence needs it to
    /// shrink the bounding set and lock securebits, and drops it last unless it is kept.
    public static let setpcap = Capability(rawValue: 8)
    /// `CAP_NET_BIND_SERVICE` (10): bind ports below `net.ipv4.ip_unprivileged_port_start`.
    public static let netBindService = Capability(rawValue: 10)
    /// `CAP_NET_ADMIN` (12): network administration (interfaces, routes, firewall).
    public static let netAdmin = Capability(rawValue: 12)
    /// `CAP_NET_RAW` (13): create raw and packet sockets. Dropping it makes them fail with `EPERM`.
    public static let netRaw = Capability(rawValue: 13)
    /// `CAP_SYS_ADMIN` (21): a wide range of administration; lets `landlock_restrict_self(2)`
    /// run without no_new_privs.
    public static let sysAdmin = Capability(rawValue: 21)
    /// `CAP_BPF` (39): load BPF programs and create maps (Linux 5.8).
    public static let bpf = Capability(rawValue: 39)

    /// The highest capability number the running kernel knows.
    public static var lastSupported: Capability { Capability(rawValue: UInt32(max(nf_cap_last(), 0))) }

    static func number(forName raw: String) -> UInt32? {
        var name = String(raw.lowercased())
        if name.isEmpty || name.allSatisfy({ $0.isNumber }) { return nil }
        if !name.hasPrefix("cap_") { name = "cap_" + name }
        let value = nf_cap_from_name(name)
        return value >= 0 ? UInt32(value) : nil
    }
}

/// A set of capabilities as a bitmask (bit n = capability n; Linux has fewer than 64).
///
/// The capability masks of the C `netfence_status` (`caps_kept`, `caps_effective`, ...) use the
/// same bits.
public struct CapabilitySet: OptionSet, Hashable, Sendable, CustomStringConvertible {
    /// The bitmask: bit n is set when capability n is in the set.
    public let rawValue: UInt64
    /// A set from a bitmask (bit n = capability n).
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    /// A set holding `capabilities`; numbers of 64 and above are ignored.
    public init(_ capabilities: [Capability]) {
        var mask: UInt64 = 0
        for capability in capabilities where capability.rawValue < 64 { mask |= 1 << UInt64(capability.rawValue) }
        self.rawValue = mask
    }

    /// Whether the set holds `capability` (never for numbers of 64 and above).
    ///
    /// - Parameter capability: The capability to look for.
    /// - Returns: `true` when its bit is set.
    public func contains(_ capability: Capability) -> Bool {
        capability.rawValue < 64 && rawValue & (1 << UInt64(capability.rawValue)) != 0
    }

    /// The members, in ascending order of number.
    public var capabilities: [Capability] {
        (0..<64).filter { rawValue & (1 << UInt64($0)) != 0 }.map { Capability(rawValue: UInt32($0)) }
    }

    /// Comma-separated libcap names; "none" when empty.
    public var description: String {
        rawValue == 0 ? "none" : capabilities.map(\.name).joined(separator: ",")
    }
}

/// Options of the capability drop, set with ``Ruleset/setCapabilityOptions(_:)``.
///
/// The corresponding C constants are `NETFENCE_CAPS_*`.
public struct CapabilityOptions: OptionSet, Hashable, Sendable, CustomStringConvertible {
    /// The options as a bitmask.
    public let rawValue: UInt32
    /// Creates a set from a bitmask. Bits outside ``known`` are kept here; a ``Ruleset`` rejects them
    /// with ``NetFenceError/Code/invalidArgument``.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Also raise the kept capabilities in the ambient set, so that a program the process executes
    /// keeps them, also when it runs as non-root.
    ///
    /// The corresponding C constant is `NETFENCE_CAPS_AMBIENT`.
    public static let ambient = CapabilityOptions(rawValue: 1 << 0)
    /// Do not lock securebits. By default, dropping capabilities as root (effective user ID 0) sets
    /// and locks `SECBIT_NOROOT`, `SECBIT_NO_SETUID_FIXUP`, `SECBIT_KEEP_CAPS_LOCKED` and
    /// `SECBIT_NO_CAP_AMBIENT_RAISE`, so that a root program executed later cannot regain capabilities.
    ///
    /// The corresponding C constant is `NETFENCE_CAPS_NO_SECUREBITS_LOCK`.
    public static let noSecurebitsLock = CapabilityOptions(rawValue: 1 << 1)

    /// Every option this version of netfence knows.
    public static let known: CapabilityOptions = [.ambient, .noSecurebitsLock]

    /// The options' names joined with `|` (`ambient|no_securebits_lock`); `none` when empty.
    public var description: String {
        describeBits(UInt64(rawValue), [(1, "ambient"), (2, "no_securebits_lock")])
    }
}

/// The capability state of one thread: its five capability sets and its securebits.
///
/// Capabilities belong to each thread. ``current()`` reads the calling thread's state;
/// ``RestrictionStatus/capabilities`` holds the state after ``Ruleset/restrictSelf(_:)``.
public struct CapabilityState: Equatable, Sendable, CustomStringConvertible {
    /// The capabilities the thread can use now.
    public var effective: CapabilitySet = []
    /// The capabilities the thread may make effective; one dropped from here cannot come back.
    public var permitted: CapabilitySet = []
    /// The capabilities that may be kept across `execve(2)` (through the ambient set or file capabilities).
    public var inheritable: CapabilitySet = []
    /// The limit on the capabilities `execve(2)` can grant.
    public var bounding: CapabilitySet = []
    /// The capabilities kept across `execve(2)` of a program without file capabilities.
    public var ambient: CapabilitySet = []
    /// The thread's securebits (`SECBIT_*`); see ``securebitsLocked``.
    public var securebits: UInt32 = 0

    /// An empty state: every set empty, securebits 0.
    public init() {}

    /// Reads the calling thread's state (capabilities are per thread).
    ///
    /// - Returns: The five sets and the securebits, as the kernel reports them.
    /// - Throws: ``NetFenceError`` with the errno of `cap_get_proc(3)` (rare: `ENOMEM`).
    ///
    /// The corresponding C function is `netfence_caps_text`, which returns the same state as text.
    public static func current() throws(NetFenceError) -> CapabilityState {
        var raw = nf_caps_state()
        let rc = nf_caps_read(&raw)
        if rc < 0 { throw ErrorContract.allocation.filter(.system(rc, "cap_get_proc")) }
        var state = CapabilityState()
        state.effective = CapabilitySet(rawValue: raw.effective)
        state.permitted = CapabilitySet(rawValue: raw.permitted)
        state.inheritable = CapabilitySet(rawValue: raw.inheritable)
        state.bounding = CapabilitySet(rawValue: raw.bounding)
        state.ambient = CapabilitySet(rawValue: raw.ambient)
        state.securebits = raw.securebits
        return state
    }

    /// Long sets (a full root set has 41) as a count, short ones by name.
    static func brief(_ set: CapabilitySet) -> String {
        let count = set.capabilities.count
        return count > 8 ? "\(count) capabilities" : set.description
    }

    /// Whether securebits are locked as netfence locks them.
    public var securebitsLocked: Bool { securebits & UInt32(NF_SECUREBITS_LOCKDOWN) == UInt32(NF_SECUREBITS_LOCKDOWN) }

    /// Every set by name (`netfence_caps_text`).
    public var description: String { render(brief: false) }

    /// Long sets as a count (for reports).
    public var briefDescription: String { render(brief: true) }

    private func render(brief: Bool) -> String {
        func show(_ set: CapabilitySet) -> String { brief ? Self.brief(set) : set.description }
        return """
        effective: \(show(effective))
        permitted: \(show(permitted))
        inheritable: \(show(inheritable))
        bounding: \(show(bounding))
        ambient: \(show(ambient))
        securebits: 0x\(String(securebits, radix: 16))\(securebitsLocked ? " (locked)" : "")
        """
    }
}

/// The capability part of a plan: pure, decided from the current state.
struct CapabilityPlan: Equatable {
    var working: CapabilitySet = []
    var final: CapabilitySet = []
    /// The inheritable set (kept caps the kernel lets us put there).
    var inheritable: CapabilitySet = []
    var boundingDrop: CapabilitySet = []
    var ambientRaise: CapabilitySet = []
    var securebits: UInt32?
    /// Requested parts that cannot be done (and why).
    var dropped: [String] = []

    /// No change: capabilities left untouched.
    init() {}

    static let secbitKeepCaps = UInt32(NF_SECBIT_KEEP_CAPS)
    static let secbitNoCapAmbientRaise = UInt32(NF_SECBIT_NO_CAP_AMBIENT_RAISE)

    /// Decides the drop for `kept`, given the thread's current state and euid.
    /// Only capabilities still permitted can be kept; CAP_SETPCAP stays in the
    /// working set (if permitted) because shrinking the bounding set and
    /// setting securebits need it, and the final set drops it unless kept.
    /// Everything the kernel would refuse is foreseen here, before applying.
    init(kept: CapabilitySet, options: CapabilityOptions, current: CapabilityState, euid: UInt32) {
        let keep = kept.intersection(current.permitted)
        let canSetPCap = current.permitted.contains(.setpcap)
        final = keep
        working = canSetPCap ? keep.union(CapabilitySet([.setpcap])) : keep
        // capset(2) refuses a new inheritable capability outside the bounding
        // set (and, without CAP_SETPCAP, outside the permitted set).
        inheritable = keep.intersection(current.inheritable.union(current.bounding))
        let extraBounding = current.bounding.subtracting(kept)
        if !extraBounding.isEmpty {
            if canSetPCap {
                boundingDrop = extraBounding
            } else {
                dropped.append("bounding set not reduced (\(extraBounding.capabilities.count) capabilities stay): cap_setpcap is not permitted")
            }
        }
        if options.contains(.ambient) {
            if current.securebits & Self.secbitNoCapAmbientRaise != 0 && !keep.isEmpty {
                dropped.append("ambient capabilities not raised: SECBIT_NO_CAP_AMBIENT_RAISE is set")
            } else {
                // Raising needs the capability in both permitted and inheritable.
                ambientRaise = keep.intersection(inheritable)
            }
        }
        let lockdown = UInt32(NF_SECUREBITS_LOCKDOWN)
        let alreadyLocked = current.securebits & lockdown == lockdown && current.securebits & Self.secbitKeepCaps == 0
        if euid == 0 && !options.contains(.noSecurebitsLock) && !alreadyLocked {
            // KEEP_CAPS off (and locked off): a setuid() away from root must
            // not keep capabilities.
            let wanted = (current.securebits | lockdown) & ~Self.secbitKeepCaps
            // A bit already locked at another value cannot change (EPERM
            // after the capabilities were reduced): foresee it here.
            var lockedDifferently = false
            for bit in [UInt32(0), 2, 4, 6] where current.securebits & (1 << (bit + 1)) != 0 {
                if (current.securebits ^ wanted) & (1 << bit) != 0 { lockedDifferently = true }
            }
            if lockedDifferently {
                dropped.append("securebits not locked: some are already locked at other values (0x\(String(current.securebits, radix: 16)))")
            } else if canSetPCap {
                securebits = wanted
            } else {
                dropped.append("securebits not locked: cap_setpcap is not permitted")
            }
        }
    }
}

