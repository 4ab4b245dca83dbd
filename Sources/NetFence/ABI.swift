// SPDX-License-Identifier: MIT
import NetFenceSystem
import Glibc

/// The netfence version, "MAJOR.MINOR.PATCH" (the C library's `netfence_version()`), taken from
/// the one place it is written: the `NETFENCE_VERSION_*` macros of `include/netfence.h`.
public let netfenceVersion = String(cString: nf_netfence_version())

/// A Landlock ABI version, as reported by `landlock_create_ruleset(NULL, 0, VERSION)`.
///
/// Each ABI has every feature of the ABIs before it: ABI 4 (Linux 6.7) added the TCP port rights,
/// ABI 8 (Linux 7.0) the restriction of every thread at once (TSYNC), ABI 10 (Linux 7.2) the UDP
/// port rights. ``current()`` probes the running kernel; compare ABIs with `<`.
public struct LandlockABI: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The ABI number, 1 or more.
    public let rawValue: Int32
    /// Creates an ABI value from its number; the running kernel is not consulted.
    public init(rawValue: Int32) { self.rawValue = rawValue }
    /// Creates an ABI value from its number, as in `LandlockABI(4)`.
    public init(_ value: Int32) { self.rawValue = value }

    /// Whether `lhs` is older than `rhs`: a newer ABI has every feature of an older one.
    public static func < (lhs: LandlockABI, rhs: LandlockABI) -> Bool { lhs.rawValue < rhs.rawValue }
    /// The ABI as text, for messages: `ABI 4`.
    public var description: String { "ABI \(rawValue)" }

    /// The newest ABI whose features this version of netfence knows (Linux 7.2).
    ///
    /// A kernel with a newer ABI works: netfence uses the features of this one on it.
    public static let newestKnown = LandlockABI(10)

    /// The running kernel's Landlock ABI, probed once per process and cached.
    ///
    /// - Returns: The ABI, 1 or more.
    /// - Throws: ``NetFenceError/Code/notImplemented`` (Landlock not built, `ENOSYS`) or
    ///   ``NetFenceError/Code/notSupported`` (disabled at boot, `EOPNOTSUPP`).
    ///
    /// The corresponding C function is `netfence_landlock_abi`.
    public static func current() throws(NetFenceError) -> LandlockABI {
        let value = kernelLandlockABI
        if value > 0 { return LandlockABI(value) }
        throw NetFenceError.landlockUnavailable(errno: -value)
    }

    /// The kernel's Landlock errata bitmask (ABI 7+): erratum N is fixed iff bit N-1 is set.
    ///
    /// Errata are fixes that kernels backport without a new ABI number. The mask is informational:
    /// do not turn a sandbox off because an erratum is not fixed.
    ///
    /// - Returns: The mask.
    /// - Throws: ``NetFenceError/Code/notSupported`` when the kernel cannot report errata (ABI below 7,
    ///   or Landlock disabled at boot), ``NetFenceError/Code/notImplemented`` when Landlock is not built.
    ///
    /// The corresponding C function is `netfence_landlock_errata`.
    public static func errata() throws(NetFenceError) -> UInt32 {
        let value = kernelLandlockErrata()
        if value >= 0 { return UInt32(value) }
        throw ErrorContract.landlockQuery.filter(NetFenceError(
            code: NetFenceError.Code(rawValue: -value),
            reason: -value == ENOSYS ? .landlockNotBuilt : kernelLandlockABI > 0 ? .featureMissing : .landlockDisabled,
            message: "the kernel cannot report Landlock errata (\(LandlockABI.describe(kernelLandlockABI)))"))
    }

    /// Why a feature of Landlock ABI `needs` is not in force on a kernel with ABI `abi`, for
    /// messages: `needs Landlock ABI 10 (Linux 7.2), this kernel has 7`; the kernel's state when
    /// it has no Landlock (`Landlock disabled at boot`).
    public static func shortfallReason(needs: Int32?, abi: Int32) -> String {
        if abi <= 0 { return describe(abi) }
        guard let needs, needs > abi else { return "not supported by this kernel (Landlock ABI \(abi))" }
        let release = KernelSupport.linuxRelease(abi: needs).map { " (Linux \($0))" } ?? ""
        return "needs Landlock ABI \(needs)\(release), this kernel has \(abi)"
    }

    package static func describe(_ probed: Int32) -> String {
        switch probed {
        case let abi where abi > 0: return "Landlock ABI \(abi)"
        case -ENOSYS: return "Landlock not built into this kernel"
        case -EOPNOTSUPP: return "Landlock disabled at boot"
        default: return "Landlock probe failed: \(String(cString: nf_strerror(-probed)))"
        }
    }
}

/// The ABI probe result: the ABI (> 0) or -ENOSYS / -EOPNOTSUPP, probed on
/// first use and cached in the system layer (landlock.c). The
/// test-only NETFENCE_TEST_ABI=N lowers it (docs/security-testing.md).
var kernelLandlockABI: Int32 { nf_kernel_landlock_abi() }

/// The errata bitmask (ABI 7+), probed and cached with the ABI; -ENOSYS / -EOPNOTSUPP when there
/// is none to ask (the query exists since ABI 7; older kernels answer EINVAL).
func kernelLandlockErrata() -> Int32 { nf_kernel_landlock_errata() }

/// What a given ABI supports: the single downgrade table of netfence.
/// Each row lists what that ABI added; support is the union up to the ABI.
struct KernelSupport: Equatable {
    var fs: AccessFS = []
    var net: AccessNet = []
    var scopes: Scope = []
    var logFlags: RestrictFlags = []
    /// LANDLOCK_RESTRICT_SELF_TSYNC (ABI 8): restrict every thread at once.
    var threadSync = false

    /// One row of the table.
    private struct Row {
        var abi: Int32
        var linux: String
        var fs: AccessFS = []
        var net: AccessNet = []
        var scopes: Scope = []
        var logFlags: RestrictFlags = []
        var tsync = false
    }

    private static let additions: [Row] = [
        Row(abi: 1, linux: "5.13", fs: AccessFS(rawValue: (1 << 13) - 1)),
        Row(abi: 2, linux: "5.19", fs: .refer),
        Row(abi: 3, linux: "6.2", fs: .truncate),
        Row(abi: 4, linux: "6.7", net: [.bindTCP, .connectTCP]),
        Row(abi: 5, linux: "6.10", fs: .ioctlDev),
        Row(abi: 6, linux: "6.12", scopes: [.abstractUnixSocket, .signal]),
        Row(abi: 7, linux: "6.15", logFlags: RestrictFlags.kernelLogFlags),
        Row(abi: 8, linux: "7.0", tsync: true),
        Row(abi: 9, linux: "7.1", fs: .resolveUnix),
        Row(abi: 10, linux: "7.2", net: [.bindUDP, .connectSendUDP]),
    ]

    /// The first Linux release with this Landlock ABI (`7.2` for ABI 10), for messages; nil for
    /// an ABI this version of netfence does not know.
    static func linuxRelease(abi: Int32) -> String? {
        additions.first { $0.abi == abi }?.linux
    }

    init(abi: Int32) {
        for row in Self.additions where row.abi <= abi {
            fs.formUnion(row.fs)
            net.formUnion(row.net)
            scopes.formUnion(row.scopes)
            logFlags.formUnion(row.logFlags)
            threadSync = threadSync || row.tsync
        }
    }

    /// The size of `struct landlock_ruleset_attr` to pass: the fields up to the
    /// last one netfence fills that this ABI knows (`scoped`, ABI 6). A kernel
    /// accepts a longer struct only with a zero tail, so never pass more.
    static func rulesetAttrSize(abi: Int32) -> Int {
        typealias Attr = nf_landlock_ruleset_attr
        if abi >= 6 { return MemoryLayout<Attr>.size }
        if abi >= 4 { return MemoryLayout<Attr>.offset(of: \.scoped)! }
        return MemoryLayout<Attr>.offset(of: \.handled_access_net)!
    }
}
