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

    /// Why an operation failed, as a value: programs (and the `netfence` tool) decide on this,
    /// never on ``message``'s text.
    public enum Reason: Equatable, Sendable {
        /// A bad argument (`EINVAL`).
        case invalidArgument
        /// The ruleset was already enforced (`EALREADY`).
        case alreadyEnforced
        /// Other threads exist, or cannot be counted, and a layer cannot cover them (`EBUSY`).
        case otherThreads
        /// Landlock is not built into the running kernel (`ENOSYS`).
        case landlockNotBuilt
        /// Landlock is built in but disabled at boot (`EOPNOTSUPP`).
        case landlockDisabled
        /// A hard requirement is not met: the kernel lacks a requested feature (`EOPNOTSUPP`).
        case featureMissing
        /// A hard requirement is not met: only privileges are missing for a capability change (`EPERM`).
        case privilegesMissing
        /// A hard requirement is not met: the per-port listen supervisor could not start (`EOPNOTSUPP`).
        case listenSupervisorUnavailable
        /// The seccomp filter would be over the kernel's 4096 instructions (`E2BIG`).
        case filterTooLarge
        /// The kernel refused a step of the apply sequence (its errno: `EPERM`, `E2BIG`, `EBUSY`, ...);
        /// the steps before it stay applied.
        case applyStepFailed(ApplyStep)
        /// A system call failed while preparing (opening a path, creating the kernel ruleset, ...).
        case systemCall
        /// The spawned child could not execute the program (`execve(2)`'s errno).
        case execFailed
        /// Memory or descriptors ran out (`ENOMEM`).
        case outOfMemory
        /// A bug in netfence, or an errno outside the function's documented list (`EFAULT`).
        case internalError
    }

    /// A step of the apply sequence, in its fixed order.
    public enum ApplyStep: Equatable, Sendable, CustomStringConvertible {
        case reduceCapabilities, boundingSet, ambientSet, securebits, finalCapabilities, noNewPrivs, landlock, seccomp

        /// The step for the system layer's NF_STEP_* bit.
        init?(step: UInt32) {
            guard let match = Self.all.first(where: { $0.bit == step }) else { return nil }
            self = match.step
        }

        private static let all: [(step: ApplyStep, bit: UInt32)] = [
            (.reduceCapabilities, UInt32(NF_STEP_CAPS_REDUCED)), (.boundingSet, UInt32(NF_STEP_BOUNDING)),
            (.ambientSet, UInt32(NF_STEP_AMBIENT)), (.securebits, UInt32(NF_STEP_SECUREBITS)),
            (.finalCapabilities, UInt32(NF_STEP_CAPS_FINAL)), (.noNewPrivs, UInt32(NF_STEP_NO_NEW_PRIVS)),
            (.landlock, UInt32(NF_STEP_LANDLOCK)), (.seccomp, UInt32(NF_STEP_SECCOMP)),
        ]

        /// The steps whose bits are set in `done`, in order.
        static func steps(in done: UInt32) -> [ApplyStep] { all.filter { done & $0.bit != 0 }.map(\.step) }

        public var description: String {
            switch self {
            case .reduceCapabilities: "reducing capabilities"
            case .boundingSet: "shrinking the bounding set"
            case .ambientSet: "setting the ambient set"
            case .securebits: "locking securebits"
            case .finalCapabilities: "setting the final capabilities"
            case .noNewPrivs: "setting no_new_privs"
            case .landlock: "landlock_restrict_self"
            case .seccomp: "loading the seccomp filter"
            }
        }
    }

    /// The errno (positive).
    public let code: Code
    /// Why, as a value.
    public let reason: Reason
    /// What failed and why, in words.
    public let message: String
    /// For failures of ``Ruleset/restrictSelf(_:)`` and ``Ruleset/spawn(_:arguments:environment:)``:
    /// what had been applied before the failure (nothing is rolled back). `nil` for other failures.
    public internal(set) var status: RestrictionStatus? {
        get { statusBox?.status }
        set { statusBox = newValue.map(StatusBox.init) }
    }

    /// The status, boxed: it is large, and every frame on a typed-throws path reserves room for
    /// the error it may propagate.
    private var statusBox: StatusBox?

    private final class StatusBox: Sendable {
        let status: RestrictionStatus
        init(_ status: RestrictionStatus) { self.status = status }
    }

    /// An error with its errno, reason and message.
    public init(code: Code, reason: Reason, message: String) {
        self.code = code
        self.reason = reason
        self.message = message
        self.statusBox = nil
    }

    /// An error with the reason its errno implies (``Reason/invalidArgument`` for `EINVAL`, ...).
    public init(code: Code, message: String) {
        let reason: Reason = switch code.rawValue {
        case EINVAL: .invalidArgument
        case EALREADY: .alreadyEnforced
        case EBUSY: .otherThreads
        case ENOSYS: .landlockNotBuilt
        case ENOMEM: .outOfMemory
        case EFAULT: .internalError
        default: .systemCall
        }
        self.init(code: code, reason: reason, message: message)
    }

    public static func == (lhs: NetFenceError, rhs: NetFenceError) -> Bool {
        lhs.code == rhs.code && lhs.reason == rhs.reason && lhs.message == rhs.message && lhs.status == rhs.status
    }

    /// The message and the code: `unknown network right bits 0x200 (EINVAL)`.
    public var description: String { "\(message) (\(code))" }

    static func invalid(_ message: String) -> NetFenceError {
        NetFenceError(code: .invalidArgument, reason: .invalidArgument, message: message)
    }

    /// A system call that failed while preparing: its errno, and what was being done.
    static func system(_ negativeErrno: Int32, _ what: String) -> NetFenceError {
        let errno = -negativeErrno
        return NetFenceError(code: Code(rawValue: errno), reason: errno == ENOMEM ? .outOfMemory : .systemCall,
                             message: "\(what): \(String(cString: nf_strerror(errno)))")
    }

    static func landlockUnavailable(errno: Int32) -> NetFenceError {
        if errno == ENOSYS {
            return NetFenceError(code: .notImplemented, reason: .landlockNotBuilt, message:
                "Landlock is not supported by the running kernel (hint: build it with CONFIG_SECURITY_LANDLOCK=y and add \"landlock\" to CONFIG_LSM)")
        }
        return NetFenceError(code: .notSupported, reason: .landlockDisabled, message:
            "Landlock is disabled on the running kernel (hint: add \"landlock\" to the lsm= boot parameter)")
    }

    static func applyFailed(step: UInt32, errno: Int32, done: UInt32) -> NetFenceError {
        let failed = ApplyStep(step: step)
        let applied = ApplyStep.steps(in: done).map(\.description)
        return NetFenceError(code: Code(rawValue: errno), reason: failed.map { .applyStepFailed($0) } ?? .internalError, message:
            "\(failed?.description ?? "step \(step)") failed: \(String(cString: nf_strerror(errno))); applied before the failure (irreversible): "
            + (applied.isEmpty ? "nothing" : applied.joined(separator: ", ")) + "; the process is NOT fully sandboxed")
    }

    /// The same error with another message (the reason and code kept).
    func withMessage(_ message: String) -> NetFenceError {
        var copy = NetFenceError(code: code, reason: reason, message: message)
        copy.status = status
        return copy
    }

    static let spent = NetFenceError(code: .alreadyEnforced, reason: .alreadyEnforced,
                                     message: "the ruleset was already enforced; build a new ruleset for another layer")
}
