// SPDX-License-Identifier: MIT
//
// The C ABI of netfence (include/netfence.h), implemented with
// `@c @implementation`: the compiler checks each signature against the header.
// This layer only translates: arguments in, errors to -errno plus the
// thread-local message, ownership of the opaque handle. All logic is in NetFence.
import NetFenceCHeader
import NetFenceSystem
import Glibc
import NetFence

/// The ``Ruleset`` a `netfence_ruleset *` names while it is live: a handle of
/// the registry (Sources/NetFenceCHeader/handles.c) to a retained object, so a
/// freed or made-up handle is refused instead of touching freed memory.
private func handle(_ pointer: OpaquePointer?) -> Ruleset? {
    guard let pointer, let object = nf_handle_object(UnsafeRawPointer(pointer)) else { return nil }
    return Unmanaged<Ruleset>.fromOpaque(object).takeUnretainedValue()
}

/// The -EINVAL of a call on a handle that is NULL or not live.
private func notLive(_ function: StaticString, _ pointer: OpaquePointer?) -> Int32 {
    invalid(function, pointer == nil ? "rs is NULL"
        : "rs is not a live ruleset (already freed, or not from netfence_ruleset_new)")
}

/// A builder call: a spent ruleset says so before the arguments are looked at
/// (as in 0.1.0), then `body` converts them with the validators and calls the
/// typed API.
private func build(_ function: StaticString, _ object: Ruleset, _ contract: ErrorContract = .builder,
                   _ body: (Ruleset) throws(NetFenceError) -> Void) -> Int32 {
    call(function, contract) { () throws(NetFenceError) in
        try object.checkNotSpent()
        try body(object)
    }
}

/// Runs `body`, turning success into 0 (and clearing the message) and a
/// NetFenceError into -errno with "function: message" stored for
/// netfence_last_error(). The errno is checked against the function's
/// documented list (ErrorContract, shared with the Swift API).
private func call(_ function: StaticString, _ contract: ErrorContract = .builder,
                  _ body: () throws(NetFenceError) -> Void) -> Int32 {
    do {
        try body()
        nf_error_clear()
        return 0
    } catch {
        return fail(function, error, contract)
    }
}

private func fail(_ function: StaticString, _ error: NetFenceError, _ contract: ErrorContract = .builder) -> Int32 {
    let reported = contract.filter(error)
    nf_error_set("\(function): \(reported.message)")
    return -reported.code.rawValue
}

private func invalid(_ function: StaticString, _ message: String) -> Int32 {
    fail(function, NetFenceError(code: .invalidArgument, reason: .invalidArgument, message: message))
}

@c @implementation
public func netfence_version() -> UnsafePointer<CChar>? {
    // Static storage built from the header's NETFENCE_VERSION_* (NetFenceSystem's version.c).
    nf_netfence_version()
}

@c @implementation
public func netfence_ruleset_new(_ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    guard let out else { return invalid("netfence_ruleset_new", "out is NULL") }
    let object = Unmanaged.passRetained(Ruleset())
    guard let registered = nf_handle_new(object.toOpaque()) else {
        object.release()
        return fail("netfence_ruleset_new", NetFenceError(code: .outOfMemory, reason: .outOfMemory, message: "out of memory"),
                    .allocation)
    }
    out.pointee = OpaquePointer(registered)
    nf_error_clear()
    return 0
}

@c @implementation
public func netfence_ruleset_free(_ rs: OpaquePointer?) {
    guard let rs else { return }
    guard let object = nf_handle_release(UnsafeRawPointer(rs)) else {
        // A second free, or a handle netfence never gave: reported, never acted on.
        nf_error_set("netfence_ruleset_free: rs is not a live ruleset (already freed, or not from netfence_ruleset_new); nothing was freed")
        return
    }
    Unmanaged<Ruleset>.fromOpaque(object).release()
}

@c @implementation
public func netfence_ruleset_set_compat(_ rs: OpaquePointer?, _ level: UInt32) -> Int32 {
    guard let object = handle(rs) else { return notLive("netfence_ruleset_set_compat", rs) }
    return build("netfence_ruleset_set_compat", object) { (ruleset) throws(NetFenceError) in
        try ruleset.setCompatibility(CompatibilityLevel(validating: level))
    }
}

@c @implementation
public func netfence_ruleset_handle_net(_ rs: OpaquePointer?, _ access: UInt64) -> Int32 {
    guard let object = handle(rs) else { return notLive("netfence_ruleset_handle_net", rs) }
    return build("netfence_ruleset_handle_net", object) { (ruleset) throws(NetFenceError) in
        try ruleset.handle(AccessNet(validating: access))
    }
}

@c @implementation
public func netfence_ruleset_allow_port(_ rs: OpaquePointer?, _ access: UInt64, _ port: UInt64) -> Int32 {
    guard let object = handle(rs) else { return notLive("netfence_ruleset_allow_port", rs) }
    return build("netfence_ruleset_allow_port", object) { (ruleset) throws(NetFenceError) in
        try ruleset.allow(AccessNet(validating: access), ports: ClosedRange(validatingFirstPort: port, lastPort: port))
    }
}

@c @implementation
public func netfence_ruleset_allow_port_range(_ rs: OpaquePointer?, _ access: UInt64, _ first: UInt64, _ last: UInt64) -> Int32 {
    guard let object = handle(rs) else { return notLive("netfence_ruleset_allow_port_range", rs) }
    return build("netfence_ruleset_allow_port_range", object) { (ruleset) throws(NetFenceError) in
        try ruleset.allow(AccessNet(validating: access), ports: ClosedRange(validatingFirstPort: first, lastPort: last))
    }
}

@c @implementation
public func netfence_ruleset_handle_fs(_ rs: OpaquePointer?, _ access: UInt64) -> Int32 {
    guard let object = handle(rs) else { return notLive("netfence_ruleset_handle_fs", rs) }
    return build("netfence_ruleset_handle_fs", object) { (ruleset) throws(NetFenceError) in
        try ruleset.handle(AccessFS(validating: access))
    }
}

@c @implementation
public func netfence_ruleset_allow_path(_ rs: OpaquePointer?, _ access: UInt64, _ path: UnsafePointer<CChar>?) -> Int32 {
    guard let object = handle(rs) else { return notLive("netfence_ruleset_allow_path", rs) }
    guard let path else { return invalid("netfence_ruleset_allow_path", "path is NULL") }
    let text = String(cString: path)
    // open(2)'s errno is part of this function's documented list.
    return build("netfence_ruleset_allow_path", object, .allowPath) { (ruleset) throws(NetFenceError) in
        try ruleset.allow(AccessFS(validating: access), beneath: text)
    }
}

@c @implementation
public func netfence_ruleset_add_policy(_ rs: OpaquePointer?, _ text: UnsafePointer<CChar>?, _ len: Int) -> Int32 {
    let function: StaticString = "netfence_ruleset_add_policy"
    guard let object = handle(rs) else { return notLive(function, rs) }
    guard text != nil || len == 0 else { return invalid(function, "text is NULL") }
    // size_t above Int.max arrives negative; a policy is small (PolicyFile.maximumSize).
    guard len >= 0, len <= PolicyFile.maximumSize else {
        return invalid(function, "len \(UInt(bitPattern: len)) is larger than a policy (\(PolicyFile.maximumSize) bytes at most)")
    }
    let bytes = text.map { Array(UnsafeRawBufferPointer(start: $0, count: len)) } ?? []
    // A path's open(2) errno is part of this function's documented list.
    return build(function, object, .allowPath) { (ruleset) throws(NetFenceError) in
        try ruleset.addPolicy(bytes: bytes)
    }
}

@c @implementation
public func netfence_ruleset_set_scope(_ rs: OpaquePointer?, _ scopes: UInt64) -> Int32 {
    guard let object = handle(rs) else { return notLive("netfence_ruleset_set_scope", rs) }
    return build("netfence_ruleset_set_scope", object) { (ruleset) throws(NetFenceError) in
        try ruleset.setScopes(Scope(validating: scopes))
    }
}

@c @implementation
public func netfence_ruleset_handle_sockets(_ rs: OpaquePointer?) -> Int32 {
    guard let object = handle(rs) else { return notLive("netfence_ruleset_handle_sockets", rs) }
    return call("netfence_ruleset_handle_sockets") { () throws(NetFenceError) in
        try object.handleSockets()
    }
}

@c @implementation
public func netfence_ruleset_allow_socket(_ rs: OpaquePointer?, _ family: Int32, _ type: Int32, _ proto: Int32) -> Int32 {
    guard let object = handle(rs) else { return notLive("netfence_ruleset_allow_socket", rs) }
    return call("netfence_ruleset_allow_socket") { () throws(NetFenceError) in
        try object.allowSocket(family: family, type: type, protocol: proto)
    }
}

@c @implementation
public func netfence_ruleset_keep_caps(_ rs: OpaquePointer?, _ caps: UnsafePointer<CChar>?) -> Int32 {
    guard let object = handle(rs) else { return notLive("netfence_ruleset_keep_caps", rs) }
    guard let caps else { return invalid("netfence_ruleset_keep_caps", "caps is NULL (pass \"\" to keep none)") }
    let text = String(cString: caps)
    return call("netfence_ruleset_keep_caps") { () throws(NetFenceError) in
        try object.keepCapabilities(named: text)
    }
}

@c @implementation
public func netfence_ruleset_keep_caps_array(_ rs: OpaquePointer?, _ caps: UnsafePointer<UInt32>?, _ count: Int) -> Int32 {
    let function: StaticString = "netfence_ruleset_keep_caps_array"
    guard let object = handle(rs) else { return notLive(function, rs) }
    if caps == nil && count != 0 { return invalid(function, "caps is NULL but count is \(count)") }
    // size_t arrives as Int; a huge count cannot be a real capability list.
    if count < 0 || count > 64 { return invalid(function, "count \(UInt(bitPattern: count)) is larger than the number of capabilities") }
    let numbers = caps.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    return build(function, object) { (ruleset) throws(NetFenceError) in
        try ruleset.keepCapabilities(numbers.map { (number) throws(NetFenceError) in try Capability(validating: number) })
    }
}

@c @implementation
public func netfence_ruleset_set_caps_options(_ rs: OpaquePointer?, _ options: UInt32) -> Int32 {
    guard let object = handle(rs) else { return notLive("netfence_ruleset_set_caps_options", rs) }
    return build("netfence_ruleset_set_caps_options", object) { (ruleset) throws(NetFenceError) in
        try ruleset.setCapabilityOptions(CapabilityOptions(validating: options))
    }
}

/// The size of the first released netfence_status (0.1.0): the smallest a
/// caller may ever pass. Pinned: later versions append fields, callers
/// compiled against this one keep working. (abi_checks.c asserts 208.)
private let minimumStatusSize = 208

@c @implementation
public func netfence_ruleset_restrict_self(_ rs: OpaquePointer?, _ flags: UInt32, _ status: UnsafeMutablePointer<netfence_status>?) -> Int32 {
    let function: StaticString = "netfence_ruleset_restrict_self"
    guard let object = handle(rs) else { return notLive(function, rs) }
    if let status, Int(status.pointee.size) < minimumStatusSize {
        return invalid(function, "status->size is \(status.pointee.size), expected at least \(minimumStatusSize): initialise it with NETFENCE_STATUS_INIT")
    }
    var report = RestrictionStatus()
    let rc = call(function, .restrictSelf) { () throws(NetFenceError) in
        do throws(NetFenceError) {
            // Unchecked here: restrictSelf validates the flags itself, and
            // then reports the kernel and the request in the status.
            report = try object.restrictSelf(RestrictFlags(rawValue: flags))
        } catch {
            report = error.status ?? RestrictionStatus()
            throw error
        }
    }
    if let status { write(report, to: status) }
    return rc
}

/// A NULL-terminated C string array as Swift strings (nil for a NULL array).
private func strings(_ array: UnsafePointer<UnsafeMutablePointer<CChar>?>?) -> [String]? {
    guard var cursor = array else { return nil }
    var result: [String] = []
    while let entry = cursor.pointee {
        result.append(String(cString: entry))
        cursor += 1
    }
    return result
}

@c @implementation
public func netfence_ruleset_spawn(_ rs: OpaquePointer?, _ path: UnsafePointer<CChar>?,
                                   _ argv: UnsafePointer<UnsafeMutablePointer<CChar>?>?,
                                   _ envp: UnsafePointer<UnsafeMutablePointer<CChar>?>?,
                                   _ pidOut: UnsafeMutablePointer<Int32>?,
                                   _ status: UnsafeMutablePointer<netfence_status>?) -> Int32 {
    let function: StaticString = "netfence_ruleset_spawn"
    guard let object = handle(rs) else { return notLive(function, rs) }
    guard let path else { return invalid(function, "path is NULL") }
    guard let arguments = strings(argv) else { return invalid(function, "argv is NULL") }
    guard let pidOut else { return invalid(function, "pid_out is NULL") }
    if let status, Int(status.pointee.size) < minimumStatusSize {
        return invalid(function, "status->size is \(status.pointee.size), expected at least \(minimumStatusSize): initialise it with NETFENCE_STATUS_INIT")
    }
    let program = String(cString: path)
    let environment = strings(envp)
    var report = RestrictionStatus()
    var pid: Int32 = 0
    // execve's errno (ENOENT, EACCES, ENOEXEC, ...) is part of this function's list.
    let rc = call(function, .spawn) { () throws(NetFenceError) in
        do throws(NetFenceError) {
            let child = try object.spawn(program, arguments: arguments, environment: environment)
            pid = child.pid
            report = child.status
        } catch {
            report = error.status ?? RestrictionStatus()
            throw error
        }
    }
    if rc == 0 { pidOut.pointee = pid }
    if let status { write(report, to: status) }
    return rc
}

/// Copies the report into the caller's struct, writing only the bytes the
/// caller's version of the struct has (its `size` field), so it can grow.
private func duplicate(_ text: String) -> UnsafeMutablePointer<CChar>? {
    text.withCString { strdup($0) }
}

@c @implementation
public func netfence_status_format(_ st: UnsafePointer<netfence_status>?, _ format: UInt32,
                                   _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    let function: StaticString = "netfence_status_format"
    guard let st else { return invalid(function, "st is NULL") }
    guard let out else { return invalid(function, "out is NULL") }
    if Int(st.pointee.size) < minimumStatusSize {
        return invalid(function, "st->size is \(st.pointee.size), expected at least \(minimumStatusSize): initialise it with NETFENCE_STATUS_INIT")
    }
    guard let kind = StatusFormat(rawValue: format) else {
        return invalid(function, "unknown format \(format) (NETFENCE_FORMAT_TEXT or NETFENCE_FORMAT_JSON)")
    }
    // Read only the caller's bytes (st->size): an older caller's struct may
    // be shorter than ours; the missing fields read as zero.
    var value = netfence_status()
    withUnsafeMutableBytes(of: &value) { destination in
        let count = min(Int(st.pointee.size), destination.count)
        destination.baseAddress!.copyMemory(from: UnsafeRawPointer(st), byteCount: count)
    }
    guard let text = duplicate(read(value).formatted(kind)) else {
        return fail(function, NetFenceError(code: .outOfMemory, reason: .outOfMemory, message: "out of memory"), .allocation)
    }
    out.pointee = text
    nf_error_clear()
    return 0
}

@c @implementation
public func netfence_caps_text(_ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    let function: StaticString = "netfence_caps_text"
    guard let out else { return invalid(function, "out is NULL") }
    do {
        let state = try CapabilityState.current()
        guard let text = duplicate(state.description + "\n") else {
            return fail(function, NetFenceError(code: .outOfMemory, reason: .outOfMemory, message: "out of memory"), .allocation)
        }
        out.pointee = text
        nf_error_clear()
        return 0
    } catch {
        return fail(function, error, .allocation)
    }
}

@c @implementation
public func netfence_free(_ ptr: UnsafeMutableRawPointer?) {
    free(ptr)
}

@c @implementation
public func netfence_landlock_abi() -> Int32 {
    do {
        let abi = try LandlockABI.current().rawValue
        nf_error_clear()
        return abi
    } catch {
        return fail("netfence_landlock_abi", error, .landlockQuery)
    }
}

@c @implementation
public func netfence_landlock_errata() -> Int32 {
    do {
        let errata = Int32(bitPattern: try LandlockABI.errata())
        nf_error_clear()
        return errata
    } catch {
        return fail("netfence_landlock_errata", error, .landlockQuery)
    }
}

@c @implementation
public func netfence_last_error() -> UnsafePointer<CChar>? {
    nf_error_get()
}

@c @implementation
public func netfence_strerror(_ code: Int32) -> UnsafePointer<CChar>? {
    // magnitude, not negation: -Int32.min would trap.
    guard code.magnitude <= UInt32(Int32.max) else { return nf_strerror(-1) }
    let errnum = Int32(code.magnitude)
    let text: StaticString
    switch errnum {
    case 0: text = "success"
    case EINVAL: text = "invalid argument (or the kernel refused the seccomp filter)"
    case ENOMEM: text = "out of memory"
    case EALREADY: text = "the ruleset was already enforced"
    case EBUSY: text = "other threads exist, or cannot be counted, and a layer cannot restrict them (capabilities; Landlock before ABI 8); or seccomp could not synchronize a thread"
    case ENOSYS: text = "Landlock is not built into the running kernel"
    case EOPNOTSUPP: text = "not supported: Landlock disabled at boot, a required feature or the listen supervisor missing under a hard requirement, or no errata report"
    case EPERM: text = "operation not permitted by the kernel: a refused capability change or layer, or privileges missing under a hard requirement"
    case E2BIG: text = "too many stacked Landlock layers (16), or a seccomp filter over the kernel's 4096 instructions"
    case EMFILE, ENFILE: text = "too many open files (the kernel ruleset needs a descriptor)"
    case EFAULT: text = "internal netfence error, or an errno outside the documented list (named in the message)"
    default: return nf_strerror(errnum)
    }
    return UnsafeRawPointer(text.utf8Start).assumingMemoryBound(to: CChar.self)
}
