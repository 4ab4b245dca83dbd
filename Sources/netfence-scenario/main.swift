// SPDX-License-Identifier: MIT
//
// netfence-scenario NAME: runs one enforcement scenario of the Swift API in
// this (single-threaded) process and exits 0 only if every observation
// matches. Tests spawn it, so the test runner itself is never restricted.
import Glibc
import NetFence

nonisolated(unsafe) var failures = 0  // single-threaded process

func expect(_ condition: Bool, _ what: String, line: Int = #line) {
    if condition {
        print("  ok: \(what)")
    } else {
        print("  FAILED (line \(line)): \(what)")
        failures += 1
    }
}

/// Runs `operation` (bind or connect) on a fresh IPv4 TCP socket with
/// 127.0.0.1:port; returns 0 or errno.
func onLoopback(_ port: UInt16, _ operation: (Int32, UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    if fd < 0 { return errno }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
    let rc = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { operation(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    return rc == 0 ? 0 : errno
}

func tryBind(_ port: UInt16) -> Int32 { onLoopback(port) { bind($0, $1, $2) } }
func tryConnect(_ port: UInt16) -> Int32 { onLoopback(port) { connect($0, $1, $2) } }

/// A port that is free now: bound to 0, read back, released.
func freePort() -> UInt16 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
            bind(fd, pointer, length) == 0 ? getsockname(fd, pointer, &length) : -1
        }
    }
    return UInt16(bigEndian: address.sin_port)
}

func scenarioBindDenied() throws(NetFenceError) {
    let allowed = freePort(), denied = freePort()
    expect(tryBind(denied) == 0, "control: port \(denied) is bindable before the sandbox")
    let status = try Ruleset()
        .handle([.bindTCP, .connectTCP])
        .allow(.bindTCP, port: allowed)
        .restrictSelf()
    print(status)
    expect(status.enforcement == .fullyEnforced, "fully enforced")
    expect(status.landlockApplied && status.noNewPrivs && status.allThreads, "applied to the whole process")
    expect(status.portRules == 1, "one port rule")
    expect(tryBind(allowed) == 0, "bind \(allowed) allowed")
    expect(tryBind(denied) == EACCES, "bind \(denied) denied with EACCES")
    expect(tryConnect(denied) == EACCES, "connect \(denied) denied with EACCES (handled, no rule)")
}

func scenarioConnectRange() throws(NetFenceError) {
    let status = try Ruleset()
        .handle(.connectTCP)
        .allow(.connectTCP, ports: 39200...39209)
        .restrictSelf()
    expect(status.portRules == 10, "range expanded to 10 kernel rules")
    expect(tryConnect(39199) == EACCES, "connect 39199 (first - 1) denied")
    expect(tryConnect(39200) != EACCES, "connect 39200 (first) allowed")
    expect(tryConnect(39209) != EACCES, "connect 39209 (last) allowed")
    expect(tryConnect(39210) == EACCES, "connect 39210 (last + 1) denied")
    expect(tryBind(0) == 0, "bind is not handled: allowed")
}

func scenarioSpentRuleset() throws(NetFenceError) {
    let ruleset = try Ruleset().handle(.bindTCP)
    try ruleset.restrictSelf()
    do {
        try ruleset.allow(.bindTCP, port: 80)
        expect(false, "a spent ruleset refuses new rules")
    } catch {
        expect(error.code == .alreadyEnforced, "a spent ruleset throws alreadyEnforced: \(error)")
    }
}

func scenarioCapsDropAll() throws(NetFenceError) {
    let before = try CapabilityState.current()
    expect(!before.effective.isEmpty, "control: running with capabilities (as root)")
    let status = try Ruleset().keepCapabilities([]).restrictSelf()
    print(status.formatted(.text))
    expect(status.capsApplied && status.enforcement == .fullyEnforced, "capabilities dropped, fully enforced")
    let after = try CapabilityState.current()
    expect(after.effective.isEmpty && after.permitted.isEmpty && after.bounding.isEmpty && after.ambient.isEmpty,
           "every set is empty: \(after)")
    expect(after.securebitsLocked, "securebits locked")
    expect(tryBind(80) == EACCES, "bind 80 without cap_net_bind_service: EACCES")
}

func scenarioSocketsTCPOnly() throws(NetFenceError) {
    let status = try Ruleset()
        .handleSockets()
        .allowSocket(family: AF_INET, type: Int32(SOCK_STREAM.rawValue), protocol: 0)
        .handle(.listenTCP)
        .restrictSelf()
    expect(status.seccomp.installed && status.seccomp.listenMode == .denyAll, "seccomp installed, listen denied: \(status.seccomp)")
    let tcp = socket(AF_INET, Int32(SOCK_STREAM.rawValue), Int32(IPPROTO_TCP))
    expect(tcp >= 0, "AF_INET stream with IPPROTO_TCP allowed (alias of 0)")
    expect(listen(tcp, 1) < 0 && errno == EACCES, "listen denied with EACCES")
    close(tcp)
    expect(socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0) < 0 && errno == EACCES, "UDP denied with EACCES")
    expect(socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0) < 0 && errno == EACCES, "AF_UNIX denied with EACCES")
}

/// Run by Ruleset.spawn in the tests: the process must already be restricted.
func scenarioExpectRestricted() throws(NetFenceError) {
    expect(tryBind(0) == EACCES, "bind is denied in the spawned child (restricted before exec)")
    var nnp: Int32 = 0
    expect(readNoNewPrivs(&nnp) && nnp == 1, "no_new_privs is set")
}

func readNoNewPrivs(_ value: inout Int32) -> Bool {
    guard let file = fopen("/proc/self/status", "r") else { return false }
    defer { fclose(file) }
    var line = [CChar](repeating: 0, count: 256)
    while fgets(&line, 256, file) != nil {
        let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if text.hasPrefix("NoNewPrivs:") {
            value = Int32(text.dropFirst(11).trimmingCharacters(in: " \t\n")) ?? -1
            return true
        }
    }
    return false
}

extension StringProtocol {
    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let c = s.first, set.contains(c) { s = s.dropFirst() }
        while let c = s.last, set.contains(c) { s = s.dropLast() }
        return String(s)
    }
}

let scenarios: [String: () throws(NetFenceError) -> Void] = [
    "expect-restricted": scenarioExpectRestricted,
    "sockets-tcp-only": scenarioSocketsTCPOnly,
    "caps-drop-all": scenarioCapsDropAll,
    "bind-denied": scenarioBindDenied,
    "connect-range": scenarioConnectRange,
    "spent-ruleset": scenarioSpentRuleset,
]

let arguments = CommandLine.arguments
guard arguments.count == 2, let scenario = scenarios[arguments[1]] else {
    print("usage: netfence-scenario \(scenarios.keys.sorted().joined(separator: "|"))")
    exit(2)
}
do {
    try scenario()
} catch {
    print("  FAILED: unexpected error: \(error)")
    failures += 1
}
exit(failures == 0 ? 0 : 1)
