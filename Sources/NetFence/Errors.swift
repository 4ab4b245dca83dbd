// SPDX-License-Identifier: MIT
import NetFenceSystem
import Glibc

/// The one error type of netfence. Its ``code`` is the errno the C ABI returns (negated).
///
/// Every throwing API of netfence throws this type (typed throws). ``message`` says what failed
/// and why; ``status`` says what had been applied when ``Ruleset/restrictSelf(_:)`` or
/// ``Ruleset/spawn(_:arguments:environment:)`` failed. In C, the same failure returns `-code`
/// and `netfence_last_error` returns the message with the function name in front.
public struct NetFenceError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A netfence error code: a positive errno from the closed, documented list.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The errno, positive (`EINVAL` is 22).
        public let rawValue: Int32
        /// A code from a positive errno. Kernel errnos without a named constant (`EPERM`, `E2BIG`,
        /// `open(2)`'s errors) are compared this way: `error.code == .init(rawValue: ENOENT)`.
        public init(rawValue: Int32) { self.rawValue = rawValue }

        /// `EINVAL`: bad argument (unknown bit, port out of range, unhandled right, ...).
        public static let invalidArgument = Code(rawValue: EINVAL)
        /// `ENOMEM`: the kernel (or a C allocation) is out of memory.
        public static let outOfMemory = Code(rawValue: ENOMEM)
        /// `EALREADY`: the ruleset was already enforced.
        public static let alreadyEnforced = Code(rawValue: EALREADY)
        /// `EBUSY`: other threads exist and a layer cannot restrict them (capabilities are per thread;
        /// Landlock before ABI 8). Also when the kernel refuses a second seccomp notification listener
        /// (per-port listen rules in a process that already has one): read the message.
        public static let otherThreads = Code(rawValue: EBUSY)
        /// `ENOSYS`: Landlock is not built into the kernel.
        public static let notImplemented = Code(rawValue: ENOSYS)
        /// `EOPNOTSUPP`: Landlock disabled at boot, or a feature missing under a hard requirement.
        public static let notSupported = Code(rawValue: EOPNOTSUPP)
        /// `EFAULT`: a bug in netfence.
        public static let internalError = Code(rawValue: EFAULT)

        /// The errno's symbolic name for the documented codes (`EINVAL`), else strerror's text.
        public var description: String {
            switch rawValue {
            case EINVAL: return "EINVAL"
            case ENOMEM: return "ENOMEM"
            case EALREADY: return "EALREADY"
            case EBUSY: return "EBUSY"
            case ENOSYS: return "ENOSYS"
            case EOPNOTSUPP: return "EOPNOTSUPP"
            case EFAULT: return "EFAULT"
            case EPERM: return "EPERM"
            case E2BIG: return "E2BIG"
            default: return String(cString: nf_strerror(rawValue))
            }
        }
    }

    /// The errno (positive).
    public let code: Code
    /// What failed and why.
    public let message: String
    /// For failures of ``Ruleset/restrictSelf(_:)`` and ``Ruleset/spawn(_:arguments:environment:)``:
    /// what had been applied before the failure (nothing is rolled back). `nil` for other failures.
    public internal(set) var status: RestrictionStatus? {
        get { statusBox?.status }
        set { statusBox = newValue.map(StatusBox.init) }
    }

    /// The status, boxed: it is large, and with typed throws every frame on a throwing path
    /// reserves room for the error it may propagate, so a small error keeps the apply path's
    /// stack frames small (each new stack page is a page fault in a new process).
    private var statusBox: StatusBox?

    private final class StatusBox: Sendable {
        let status: RestrictionStatus
        init(_ status: RestrictionStatus) { self.status = status }
    }

    /// Creates an error, for wrappers and tests; netfence's own errors come from its methods.
    ///
    /// - Parameters:
    ///   - code: The errno, positive.
    ///   - message: What failed and why.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
        self.statusBox = nil
    }

    /// Equal when code, message and status are.
    public static func == (lhs: NetFenceError, rhs: NetFenceError) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message && lhs.status == rhs.status
    }

    /// The message followed by the code in parentheses: `empty path (EINVAL)`.
    public var description: String { "\(message) (\(code))" }

    // The constructors below are out of line and take their message as an
    // autoclosure: the string is built in its own function only when an error
    // is thrown, and the hot callers' stack frames stay small (each new stack
    // page is a page fault in a new process; see docs/performance.md).

    @inline(never)
    static func invalid(_ message: @autoclosure () -> String) -> NetFenceError {
        NetFenceError(code: .invalidArgument, message: message())
    }

    @inline(never)
    static func system(_ negativeErrno: Int32, _ what: @autoclosure () -> String) -> NetFenceError {
        let errno = -negativeErrno
        return NetFenceError(code: Code(rawValue: errno),
                             message: "\(what()): \(String(cString: nf_strerror(errno)))")
    }

    @inline(never)
    static func failure(_ code: Code, _ message: @autoclosure () -> String) -> NetFenceError {
        NetFenceError(code: code, message: message())
    }

    @inline(never)
    static func landlockUnavailable(errno: Int32) -> NetFenceError {
        if errno == ENOSYS {
            return NetFenceError(code: .notImplemented, message:
                "Landlock is not supported by the running kernel (hint: build it with CONFIG_SECURITY_LANDLOCK=y and add \"landlock\" to CONFIG_LSM)")
        }
        return NetFenceError(code: .notSupported, message:
            "Landlock is disabled on the running kernel (hint: add \"landlock\" to the lsm= boot parameter)")
    }

    @inline(never)
    static func applyFailed(step: UInt32, errno: Int32, done: UInt32) -> NetFenceError {
        let steps: [(UInt32, String)] = [
            (UInt32(NF_STEP_CAPS_REDUCED), "reducing capabilities"), (UInt32(NF_STEP_BOUNDING), "shrinking the bounding set"),
            (UInt32(NF_STEP_AMBIENT), "setting the ambient set"), (UInt32(NF_STEP_SECUREBITS), "locking securebits"),
            (UInt32(NF_STEP_CAPS_FINAL), "setting the final capabilities"), (UInt32(NF_STEP_NO_NEW_PRIVS), "setting no_new_privs"),
            (UInt32(NF_STEP_LANDLOCK), "landlock_restrict_self"), (UInt32(NF_STEP_SECCOMP), "loading the seccomp filter"),
        ]
        let failed = steps.first { $0.0 == step }?.1 ?? "step \(step)"
        let applied = steps.filter { done & $0.0 != 0 }.map(\.1)
        return NetFenceError(code: Code(rawValue: errno), message:
            "\(failed) failed: \(String(cString: nf_strerror(errno))); applied before the failure (irreversible): "
            + (applied.isEmpty ? "nothing" : applied.joined(separator: ", ")) + "; the process is NOT fully sandboxed")
    }

    static let spent = NetFenceError(code: .alreadyEnforced,
                                     message: "the ruleset was already enforced; build a new ruleset for another layer")
}
