// SPDX-License-Identifier: MIT
//
// A TCP server, "bind early, then restrict": it binds and listens first, drops
// every capability, allows only TCP sockets and listening on its own port, and
// no outgoing connect. A client started before the sandbox gets served; then
// the server shows an outgoing connect and a UDP socket refused.
import Glibc
import NetFence

func loopback(_ port: UInt16) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
    return address
}

func withSockaddr<R>(_ address: sockaddr_in, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
    var copy = address
    return withUnsafePointer(to: &copy) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
}

// 1. Bind early: a listener on a port the kernel picks.
let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
var address = loopback(0)
var length = socklen_t(MemoryLayout<sockaddr_in>.size)
guard withSockaddr(address, { bind(listener, $0, $1) }) == 0, listen(listener, 8) == 0,
      withUnsafeMutablePointer(to: &address, { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }) == 0
else { print("TCPServer: cannot listen"); exit(1) }
let port = UInt16(bigEndian: address.sin_port)

// A client in its own, unrestricted process, waiting for the go.
var go: [Int32] = [0, 0]
_ = pipe(&go)
let client = fork()
if client == 0 {
    var byte: UInt8 = 0
    _ = read(go[0], &byte, 1)
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    let ok = withSockaddr(loopback(port)) { connect(fd, $0, $1) } == 0 && write(fd, "hi", 2) == 2
    _exit(ok ? 0 : 1)
}

// 2. Restrict: TCP only, listen on our port only, no bind elsewhere, no connect.
do {
    let status = try Ruleset()
        .keepCapabilities([])                                   // drop every capability
        .handleSockets()
        .allowSocket(family: AF_INET, type: Int32(SOCK_STREAM.rawValue), protocol: 0)
        .allowSocket(family: AF_INET6, type: Int32(SOCK_STREAM.rawValue), protocol: 0)
        .handle([.bindTCP, .connectTCP, .listenTCP])
        .allow(.listenTCP, port: port)
        .restrictSelf()
    print("TCPServer: serving on \(port), enforcement \(status.enforcement == .fullyEnforced ? "full" : "partial (\(status.droppedItems.map(\.item)))")")
} catch {
    print("TCPServer: \(error)")
    exit(1)
}

// 3. Serve.
var byte: UInt8 = 1
_ = write(go[1], &byte, 1)
let connection = accept(listener, nil, nil)
var buffer = [UInt8](repeating: 0, count: 8)
let received = connection >= 0 ? read(connection, &buffer, buffer.count) : -1
print("  served a client: \(received == 2 ? "yes" : "NO")")
var status: Int32 = 0
waitpid(client, &status, 0)

// 4. What it can no longer do.
let outgoing = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
let connectError = withSockaddr(loopback(port)) { connect(outgoing, $0, $1) } == 0 ? 0 : errno
print("  outgoing connect: \(connectError == 0 ? "allowed" : "DENIED (\(String(cString: strerror(connectError))))")")
let udp = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
let udpError = udp < 0 ? errno : 0
print("  UDP socket: \(udpError == 0 ? "allowed" : "DENIED (\(String(cString: strerror(udpError))))")")
exit(received == 2 && connectError == EACCES && udpError == EACCES ? 0 : 1)
