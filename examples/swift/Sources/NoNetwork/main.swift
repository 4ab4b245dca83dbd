// SPDX-License-Identifier: MIT
//
// A program that needs no network at all: no socket may be created, no TCP
// port bound, connected to or listened on. Then it shows its own attempts failing.
import Glibc
import NetFence

do {
    let status = try Ruleset()
        .handleSockets()                                  // no (family, type, protocol) allowed
        .handle([.bindTCP, .connectTCP, .listenTCP])      // and no port rule
        .restrictSelf()
    print("NoNetwork: enforcement \(status.enforcement == .fullyEnforced ? "full" : "NOT full")")
} catch {
    print("NoNetwork: \(error)")
    exit(1)
}

var denied = 0
for (name, family) in [("AF_INET", AF_INET), ("AF_INET6", AF_INET6), ("AF_UNIX", AF_UNIX)] {
    let fd = socket(family, Int32(SOCK_STREAM.rawValue), 0)
    let error = fd < 0 ? errno : 0
    if fd >= 0 { close(fd) }
    print("  socket(\(name)): \(error == 0 ? "allowed" : "DENIED (\(String(cString: strerror(error))))")")
    if error == EACCES { denied += 1 }
}
exit(denied == 3 ? 0 : 1)
