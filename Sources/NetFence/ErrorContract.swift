// SPDX-License-Identifier: MIT
import Glibc
import NetFenceSystem

/// The closed errno lists of netfence's operations, as include/netfence.h documents them for
/// each function (the header is the source of truth; a unit test compares these lists with it
/// and with the netfence(3) man page).
///
/// An error whose errno is not on its operation's list is a netfence bug or a kernel netfence
/// does not know: it is reported as `EFAULT`, its message naming the errno. Swift applies the
/// filter in its public API, and the C ABI in each function, so C, Swift, Python and the CLI
/// see the same codes.
package enum ErrorContract: CaseIterable, Sendable {
    /// Building a ruleset: every setter but `allow(_:beneath:)`.
    case builder
    /// `allow(_:beneath:)` / `netfence_ruleset_allow_path`: open(2)'s errno is part of the contract.
    case allowPath
    /// `restrictSelf(_:)` / `netfence_ruleset_restrict_self`.
    case restrictSelf
    /// `spawn(_:arguments:environment:)` / `netfence_ruleset_spawn`: execve(2)'s errno is part of it.
    case spawn
    /// `LandlockABI.current()` and `errata()` / `netfence_landlock_abi`, `netfence_landlock_errata`.
    case landlockQuery
    /// `CapabilityState.current()` / `netfence_caps_text`, and `netfence_status_format`.
    case allocation

    /// The documented errnos (EFAULT included), or nil when any errno of the underlying system
    /// call is part of the contract.
    package var errnos: [Int32]? {
        switch self {
        case .builder: [EINVAL, EALREADY, EFAULT]
        case .allowPath, .spawn: nil
        case .restrictSelf: [EINVAL, EALREADY, EBUSY, ENOSYS, EOPNOTSUPP, ENOMEM, EMFILE, ENFILE, EPERM, E2BIG, EFAULT]
        case .landlockQuery: [ENOSYS, EOPNOTSUPP, EFAULT]
        case .allocation: [EINVAL, ENOMEM, EFAULT]
        }
    }

    /// The error as this operation may report it: unchanged when its errno is documented, else
    /// `EFAULT` (``NetFenceError/Reason/internalError``) with the real errno named in the message.
    package func filter(_ error: NetFenceError) -> NetFenceError {
        guard let errnos, !errnos.contains(error.code.rawValue) else { return error }
        let name = nf_errno_name(error.code.rawValue).map { String(cString: $0) } ?? "errno \(error.code.rawValue)"
        var filtered = NetFenceError(code: .internalError, reason: .internalError,
                                     message: error.message + " [unexpected \(name), reported as EFAULT]")
        filtered.status = error.status
        return filtered
    }
}
