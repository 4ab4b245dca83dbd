// SPDX-License-Identifier: MIT
import Glibc
import NetFence

/// Socket activation (sd_listen_fds(3)): listeners are created, bound and
/// listening before any restriction ("bind early"), then passed to the
/// command as fds 3, 4, ... with LISTEN_FDS, LISTEN_PID and LISTEN_FDNAMES.
enum SocketActivation {
    /// Creates one listening socket; returns its fd.
    static func open(_ spec: ListenSpec) throws -> Int32 {
        let fd = socket(spec.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if fd < 0 {
            if spec.address == nil && spec.family == AF_INET6 && (errno == EAFNOSUPPORT) {
                // No IPv6: the wildcard address of IPv4 instead.
                return try open(ListenSpec(family: AF_INET, address: nil, port: spec.port, text: spec.text))
            }
            throw CLIError(message: "--listen \(spec.text): socket: \(String(cString: strerror(errno)))")
        }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var rc: Int32
        if spec.family == AF_INET6 {
            var zero: Int32 = 0
            // A wildcard listener serves IPv4 too (dual stack), as systemd's ListenStream=PORT does.
            if spec.address == nil { setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &zero, socklen_t(MemoryLayout<Int32>.size)) }
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = spec.port.bigEndian
            if let host = spec.address, inet_pton(AF_INET6, host, &address.sin6_addr) != 1 {
                close(fd)
                throw CLIError(message: "--listen \(spec.text): \"\(host)\" is not an IPv6 address")
            }
            rc = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = spec.port.bigEndian
            if let host = spec.address, !host.isEmpty, inet_pton(AF_INET, host, &address.sin_addr) != 1 {
                close(fd)
                throw CLIError(message: "--listen \(spec.text): \"\(host)\" is not an IPv4 address")
            }
            rc = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        if rc != 0 || listen(fd, 128) != 0 {
            let error = errno
            close(fd)
            let hint = error == EACCES ? "ports below net.ipv4.ip_unprivileged_port_start need root or CAP_NET_BIND_SERVICE"
                : error == EADDRINUSE ? "another process uses this port" : nil
            throw CLIError(message: "--listen \(spec.text): \(String(cString: strerror(error)))", hint: hint)
        }
        return fd
    }

    /// Moves `fd` to the lowest free number at or above 3 + `count` (out of
    /// the range 3..<3+count that activation fills); close-on-exec.
    static func moveAbove(_ fd: Int32, count: Int) throws -> Int32 {
        let floor = Int32(3 + count)
        if fd >= floor { return fd }
        let moved = fcntl(fd, F_DUPFD_CLOEXEC, floor)
        if moved < 0 { throw CLIError(message: "fcntl(F_DUPFD): \(String(cString: strerror(errno)))", hint: "raise the open-file limit (ulimit -n)") }
        close(fd)
        return moved
    }

    /// Moves `fds` to 3, 4, ... (not close-on-exec) and returns the
    /// environment entries to add.
    static func install(_ fds: [Int32], names: [String]) throws -> [String] {
        // First out of the way (above every target), then down into place.
        var parked: [Int32] = []
        for fd in fds { parked.append(try moveAbove(fd, count: fds.count)) }
        for (index, fd) in parked.enumerated() {
            if dup2(fd, Int32(3 + index)) < 0 { throw CLIError(message: "--listen: dup2: \(String(cString: strerror(errno)))") }
            close(fd)
        }
        return ["LISTEN_FDS=\(fds.count)", "LISTEN_PID=\(getpid())", "LISTEN_FDNAMES=" + names.joined(separator: ":")]
    }
}
