// SPDX-License-Identifier: MIT
import CNetFenceShim
import Glibc

/// A Landlock ABI version, as reported by `landlock_create_ruleset(NULL, 0, VERSION)`.
public struct LandlockABI: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public init(_ value: Int32) { self.rawValue = value }

    public static func < (lhs: LandlockABI, rhs: LandlockABI) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { "ABI \(rawValue)" }

    /// The newest ABI whose features this version of netfence knows (Linux 7.2).
    public static let newestKnown = LandlockABI(10)

    /// The running kernel's Landlock ABI, probed once per process and cached.
    ///
    /// - Throws: ``NetFenceError/Code/notImplemented`` (Landlock not built, `ENOSYS`) or
    ///   ``NetFenceError/Code/notSupported`` (disabled at boot, `EOPNOTSUPP`).
    ///
    /// The corresponding C function is `netfence_landlock_abi`.
    public static func current() throws(NetFenceError) -> LandlockABI {
        let value = kernelLandlockABI
        if value > 0 { return LandlockABI(value) }
        throw NetFenceError.landlockUnavailable(errno: -value)
    }

    /// The kernel's errata bitmask (ABI 7+): erratum N is fixed iff bit N-1 is set.
    ///
    /// The corresponding C function is `netfence_landlock_errata`.
    public static func errata() throws(NetFenceError) -> UInt32 {
        let value = kernelLandlockErrata()
        if value >= 0 { return UInt32(value) }
        throw NetFenceError(code: NetFenceError.Code(rawValue: -value),
                            message: "the kernel cannot report Landlock errata (\(LandlockABI.describe(kernelLandlockABI)))")
    }

    static func describe(_ probed: Int32) -> String {
        switch probed {
        case let abi where abi > 0: return "Landlock ABI \(abi)"
        case -ENOSYS: return "Landlock not built into this kernel"
        case -EOPNOTSUPP: return "Landlock disabled at boot"
        default: return "Landlock probe failed: \(String(cString: nf_strerror(-probed)))"
        }
    }
}

/// The ABI probe result: the ABI (> 0) or -ENOSYS / -EOPNOTSUPP. A Swift global
/// is initialised once, thread-safely, on first use.
let kernelLandlockABI: Int32 = {
    let rc = nf_landlock_create_ruleset(nil, 0, UInt32(NF_LANDLOCK_CREATE_RULESET_VERSION))
    if rc > 0 { return rc }
    // Anything else than "not built"/"disabled" would be a kernel we do not
    // understand; treat it as unavailable rather than guess.
    return rc == -ENOSYS || rc == -EOPNOTSUPP ? rc : -EOPNOTSUPP
}()

func kernelLandlockErrata() -> Int32 {
    let abi = kernelLandlockABI
    if abi <= 0 { return abi }
    // The ERRATA query exists since ABI 7; older kernels answer EINVAL.
    if abi < 7 { return -EOPNOTSUPP }
    let rc = nf_landlock_create_ruleset(nil, 0, UInt32(NF_LANDLOCK_CREATE_RULESET_ERRATA))
    return rc >= 0 ? rc : -EOPNOTSUPP
}

/// What a given ABI supports: the single downgrade table of netfence.
/// Each row lists what that ABI added; support is the union up to the ABI.
struct KernelSupport: Equatable {
    var fs: AccessFS = []
    var net: AccessNet = []
    var scopes: Scope = []
    var logFlags: RestrictFlags = []
    /// LANDLOCK_RESTRICT_SELF_TSYNC (ABI 8): restrict every thread at once.
    var threadSync = false

    private static let additions: [(abi: Int32, fs: AccessFS, net: AccessNet, scopes: Scope, logFlags: RestrictFlags, tsync: Bool)] = [
        (1, AccessFS(rawValue: (1 << 13) - 1), [], [], [], false), // Linux 5.13
        (2, .refer, [], [], [], false),                              // 5.19
        (3, .truncate, [], [], [], false),                           // 6.2
        (4, [], [.bindTCP, .connectTCP], [], [], false),             // 6.7
        (5, .ioctlDev, [], [], [], false),                           // 6.10
        (6, [], [], [.abstractUnixSocket, .signal], [], false),      // 6.12
        (7, [], [], [], RestrictFlags.kernelLogFlags, false),        // 6.15
        (8, [], [], [], [], true),                                   // 7.0
        (9, .resolveUnix, [], [], [], false),                        // 7.1
        (10, [], [.bindUDP, .connectSendUDP], [], [], false),        // 7.2
    ]

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
        abi >= 6 ? 24 : abi >= 4 ? 16 : 8
    }
}
