// SPDX-License-Identifier: MIT
import Glibc
import NetFence

/// The tool's errors are the options' errors (Sources/NetFence/Options).
typealias CLIError = OptionError

extension OptionError {
    /// The exit status of `netfence run` for this error.
    var exitCode: Int32 { isUsage ? Exit.usage : Exit.ownError }
}

/// A socket-activation listener: "8080", "127.0.0.1:8080", "[::1]:8443".
struct ListenSpec: Equatable {
    var family: Int32
    var address: String?
    var port: UInt16
    var text: String
}

func parseListenSpec(_ text: String) throws -> ListenSpec {
    if let bracket = text.firstIndex(of: "]"), text.hasPrefix("[") {
        let host = String(text[text.index(after: text.startIndex)..<bracket])
        let rest = text[text.index(after: bracket)...]
        guard rest.hasPrefix(":") else { throw CLIError(message: "--listen: \"\(text)\" needs a port after the address", hint: "write [::1]:8443") }
        return ListenSpec(family: AF_INET6, address: host, port: try parsePort(rest.dropFirst(), option: "--listen"), text: text)
    }
    if let colon = text.lastIndex(of: ":") {
        let host = String(text[..<colon])
        if host.contains(":") { throw CLIError(message: "--listen: put IPv6 addresses in brackets: [\(host)]:PORT") }
        return ListenSpec(family: AF_INET, address: host, port: try parsePort(text[text.index(after: colon)...], option: "--listen"), text: text)
    }
    return ListenSpec(family: AF_INET6, address: nil, port: try parsePort(text[...], option: "--listen"), text: text)
}
