// SPDX-License-Identifier: MIT
import Glibc
import NetFence

/// A command-line error: the message, a hint, and the exit status (125,
/// netfence's own error, unless it is a usage error: 64).
struct CLIError: Error, CustomStringConvertible {
    var message: String
    var hint: String?
    var exitCode: Int32 = Exit.ownError
    var description: String { message + (hint.map { "\nhint: " + $0 } ?? "") }
}

/// "80,443,8000-8100" → inclusive ranges, in order (see forEachPortRange).
func parsePortList(_ text: String, option: String) throws -> [ClosedRange<UInt16>] {
    var ranges: [ClosedRange<UInt16>] = []
    try forEachPortRange(text, option: option) { ranges.append($0...$1) }
    return ranges
}

/// Calls `body(first, last)` for each port or range of "80,443,8000-8100";
/// "" has none (the right is handled, nothing allowed). Scans the text in
/// place, without intermediate arrays: `netfence run` parses its port lists
/// at every start, and the first array of a type costs a metadata
/// instantiation in a new process.
func forEachPortRange(_ text: String, option: String, _ body: (UInt16, UInt16) throws -> Void) throws {
    if text.isEmpty { return }
    var rest = Substring(text)
    while true {
        let comma = rest.firstIndex(of: ",")
        let item = comma.map { rest[..<$0] } ?? rest
        if item.isEmpty { throw CLIError(message: "\(option): empty item in \"\(text)\"", hint: "write ports as 80,443,8000-8100") }
        let first: UInt16, last: UInt16
        if let dash = item.firstIndex(of: "-") {
            let upper = item[item.index(after: dash)...]
            if upper.contains("-") {
                throw CLIError(message: "\(option): \"\(item)\" is not a port or a range", hint: "a range is FIRST-LAST")
            }
            first = try parsePort(item[..<dash], option: option)
            last = try parsePort(upper, option: option)
        } else {
            first = try parsePort(item, option: option)
            last = first
        }
        if first > last { throw CLIError(message: "\(option): empty range \(item) (first is greater than last)") }
        try body(first, last)
        guard let comma else { return }
        rest = rest[rest.index(after: comma)...]
    }
}

/// Decimal digits only (at most 5), at most 65535.
func parsePort(_ text: Substring, option: String) throws -> UInt16 {
    var value = 0, digits = 0
    for byte in text.utf8 {
        guard byte >= 48 && byte <= 57, digits < 5 else {
            throw CLIError(message: "\(option): \"\(text)\" is not a port number", hint: "ports are 0-65535")
        }
        value = value * 10 + Int(byte - 48)
        digits += 1
    }
    if digits == 0 { throw CLIError(message: "\(option): \"\(text)\" is not a port number", hint: "ports are 0-65535") }
    guard value <= 65535 else { throw CLIError(message: "\(option): port \(value) is out of range", hint: "ports are 0-65535") }
    return UInt16(value)
}

let familyNames: [String: Int32] = [
    "unix": 1, "local": 1, "inet": 2, "ipv4": 2, "inet6": 10, "ipv6": 10, "netlink": 16, "packet": 17,
    "bluetooth": 31, "vsock": 40, "smc": 43, "xdp": 44, "mctp": 45, "alg": 38, "tipc": 30, "can": 29,
]
let typeNames: [String: Int32] = [
    "stream": 1, "dgram": 2, "datagram": 2, "raw": 3, "rdm": 4, "seqpacket": 5, "dccp": 6, "packet": 10, "any": -1,
]
let protocolNames: [String: Int32] = [
    "tcp": 6, "udp": 17, "icmp": 1, "icmpv6": 58, "sctp": 132, "mptcp": 262, "udplite": 136, "raw": 255, "any": -1,
]

/// The kinds `--allow-socket` names without a family: both IP families,
/// with the protocol (`tcp` is inet:stream:tcp and inet6:stream:tcp).
let socketKindNames: [String: (type: Int32, protocol: Int32)] = [
    "tcp": (1, 6), "udp": (2, 17),
]

/// "inet:stream", "ip:stream" (inet and inet6), "inet6:dgram:udp", "unix",
/// "netlink:raw:0", "tcp", "udp" → the socket rules (two for `ip`, `tcp`, `udp`).
func parseSocketSpec(_ text: String) throws -> [SocketRule] {
    let lowered = text.lowercased()
    if let kind = socketKindNames[lowered] {
        return [AF_INET, AF_INET6].map { SocketRule(family: $0, type: kind.type, protocol: kind.protocol) }
    }
    let parts = lowered.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
    guard (1...3).contains(parts.count), !parts.contains(where: \.isEmpty) else {
        throw CLIError(message: "--allow-socket: \"\(text)\" is not FAMILY[:TYPE[:PROTOCOL]], tcp or udp",
                       hint: "for example ip:stream, inet6:dgram:udp or tcp")
    }
    func number(_ value: String, _ table: [String: Int32], _ what: String, _ plural: String) throws -> Int32 {
        if let named = table[value] { return named }
        if let parsed = Int32(value), parsed >= 0 { return parsed }
        throw CLIError(message: "--allow-socket: unknown \(what) \"\(value)\" in \"\(text)\"",
                       hint: "\(plural): " + table.keys.sorted().joined(separator: ", ") + ", or a number")
    }
    let type = parts.count > 1 ? try number(parts[1], typeNames, "type", "types") : SocketRule.any
    let proto = parts.count > 2 ? try number(parts[2], protocolNames, "protocol", "protocols") : SocketRule.any
    let families = parts[0] == "ip" ? [AF_INET, AF_INET6] : [try number(parts[0], familyNames, "family", "families")]
    return families.map { SocketRule(family: $0, type: type, protocol: proto) }
}

/// "abstract-unix,signal" → scopes ("" → none).
func parseScopes(_ text: String) throws -> Scope {
    var scopes: Scope = []
    if text.isEmpty { return scopes }
    for item in text.split(separator: ",", omittingEmptySubsequences: false) {
        switch item {
        case "abstract-unix", "abstract_unix", "a": scopes.insert(.abstractUnixSocket)
        case "signal", "s": scopes.insert(.signal)
        default: throw CLIError(message: "--scope: unknown scope \"\(item)\"", hint: "scopes are abstract-unix and signal")
        }
    }
    return scopes
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
