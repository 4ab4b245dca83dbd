// SPDX-License-Identifier: MIT
import Glibc

/// An error in the options of `netfence run` (given on its command line, or
/// in a policy file): the message, a hint, and whether the options contradict
/// each other (a usage error: exit status 64 in the tool, else 125).
package struct OptionError: Error, CustomStringConvertible {
    package var message: String
    package var hint: String?
    package var isUsage: Bool
    /// The library's error behind this one, when there is one (its errno).
    package var underlying: NetFenceError?

    package init(message: String, hint: String? = nil, isUsage: Bool = false) {
        self.message = message
        self.hint = hint
        self.isUsage = isUsage
    }

    package var description: String { message + (hint.map { "\nhint: " + $0 } ?? "") }
}

/// "80,443,8000-8100" → inclusive ranges, in order (see forEachPortRange).
package func parsePortList(_ text: String, option: String) throws -> [ClosedRange<UInt16>] {
    var ranges: [ClosedRange<UInt16>] = []
    try forEachPortRange(text, option: option) { ranges.append($0...$1) }
    return ranges
}

/// Calls `body(first, last)` for each port or range of "80,443,8000-8100";
/// "" has none (the right is handled, nothing allowed). Scans the text in
/// place, without intermediate arrays: `netfence run` parses its port lists
/// at every start, and the first array of a type costs a metadata
/// instantiation in a new process.
package func forEachPortRange(_ text: String, option: String, _ body: (UInt16, UInt16) throws -> Void) throws {
    if text.isEmpty { return }
    var rest = Substring(text)
    while true {
        let comma = rest.firstIndex(of: ",")
        let item = comma.map { rest[..<$0] } ?? rest
        if item.isEmpty { throw OptionError(message: "\(option): empty item in \"\(text)\"", hint: "write ports as 80,443,8000-8100") }
        let first: UInt16, last: UInt16
        if let dash = item.firstIndex(of: "-") {
            let upper = item[item.index(after: dash)...]
            if upper.contains("-") {
                throw OptionError(message: "\(option): \"\(item)\" is not a port or a range", hint: "a range is FIRST-LAST")
            }
            first = try parsePort(item[..<dash], option: option)
            last = try parsePort(upper, option: option)
        } else {
            first = try parsePort(item, option: option)
            last = first
        }
        if first > last { throw OptionError(message: "\(option): empty range \(item) (first is greater than last)") }
        try body(first, last)
        guard let comma else { return }
        rest = rest[rest.index(after: comma)...]
    }
}

/// Decimal digits only (at most 5), at most 65535.
package func parsePort(_ text: Substring, option: String) throws -> UInt16 {
    var value = 0, digits = 0
    for byte in text.utf8 {
        guard byte >= 48 && byte <= 57, digits < 5 else {
            throw OptionError(message: "\(option): \"\(text)\" is not a port number", hint: "ports are 0-65535")
        }
        value = value * 10 + Int(byte - 48)
        digits += 1
    }
    if digits == 0 { throw OptionError(message: "\(option): \"\(text)\" is not a port number", hint: "ports are 0-65535") }
    guard value <= 65535 else { throw OptionError(message: "\(option): port \(value) is out of range", hint: "ports are 0-65535") }
    return UInt16(value)
}

package let familyNames: [String: Int32] = [
    "unix": 1, "local": 1, "inet": 2, "ipv4": 2, "inet6": 10, "ipv6": 10, "netlink": 16, "packet": 17,
    "bluetooth": 31, "vsock": 40, "smc": 43, "xdp": 44, "mctp": 45, "alg": 38, "tipc": 30, "can": 29,
]
package let typeNames: [String: Int32] = [
    "stream": 1, "dgram": 2, "datagram": 2, "raw": 3, "rdm": 4, "seqpacket": 5, "dccp": 6, "packet": 10, "any": -1,
]
package let protocolNames: [String: Int32] = [
    "tcp": 6, "udp": 17, "icmp": 1, "icmpv6": 58, "sctp": 132, "mptcp": 262, "udplite": 136, "raw": 255, "any": -1,
]

/// The kinds `--allow-socket` names without a family: both IP families,
/// with the protocol (`tcp` is inet:stream:tcp and inet6:stream:tcp).
package let socketKindNames: [String: (type: Int32, protocol: Int32)] = [
    "tcp": (1, 6), "udp": (2, 17),
]

/// "inet:stream", "ip:stream" (inet and inet6), "inet6:dgram:udp", "unix",
/// "netlink:raw:0", "tcp", "udp" → the socket rules (two for `ip`, `tcp`, `udp`).
package func parseSocketSpec(_ text: String) throws -> [SocketRule] {
    let lowered = text.lowercased()
    if let kind = socketKindNames[lowered] {
        return [AF_INET, AF_INET6].map { SocketRule(family: $0, type: kind.type, protocol: kind.protocol) }
    }
    let parts = lowered.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
    guard (1...3).contains(parts.count), !parts.contains(where: \.isEmpty) else {
        throw OptionError(message: "--allow-socket: \"\(text)\" is not FAMILY[:TYPE[:PROTOCOL]], tcp or udp",
                       hint: "for example ip:stream, inet6:dgram:udp or tcp")
    }
    func number(_ value: String, _ table: [String: Int32], _ what: String, _ plural: String) throws -> Int32 {
        if let named = table[value] { return named }
        if let parsed = Int32(value), parsed >= 0 { return parsed }
        throw OptionError(message: "--allow-socket: unknown \(what) \"\(value)\" in \"\(text)\"",
                       hint: "\(plural): " + table.keys.sorted().joined(separator: ", ") + ", or a number")
    }
    let type = parts.count > 1 ? try number(parts[1], typeNames, "type", "types") : SocketRule.any
    let proto = parts.count > 2 ? try number(parts[2], protocolNames, "protocol", "protocols") : SocketRule.any
    let families = parts[0] == "ip" ? [AF_INET, AF_INET6] : [try number(parts[0], familyNames, "family", "families")]
    return families.map { SocketRule(family: $0, type: type, protocol: proto) }
}

/// "abstract-unix,signal" → scopes ("" → none).
package func parseScopes(_ text: String) throws -> Scope {
    var scopes: Scope = []
    if text.isEmpty { return scopes }
    for item in text.split(separator: ",", omittingEmptySubsequences: false) {
        switch item {
        case "abstract-unix", "abstract_unix", "a": scopes.insert(.abstractUnixSocket)
        case "signal", "s": scopes.insert(.signal)
        default: throw OptionError(message: "--scope: unknown scope \"\(item)\"", hint: "scopes are abstract-unix and signal")
        }
    }
    return scopes
}

/// A hint for a library error, in the words of `netfence run`'s options, by its reason
/// (never by its message's text).
package func hint(for error: NetFenceError) -> String? {
    switch error.reason {
    case .landlockNotBuilt: return "Landlock is not built into this kernel: CONFIG_SECURITY_LANDLOCK=y and \"landlock\" in CONFIG_LSM; or use --best-effort"
    case .landlockDisabled: return "Landlock is disabled at boot: add \"landlock\" to the lsm= kernel parameter"
    case .featureMissing: return "the kernel is too old for something requested: update it, or use --best-effort to enforce what it supports"
    case .listenSupervisorUnavailable: return "the per-port listen supervisor could not start: use --best-effort to deny every listen() instead"
    case .systemCall where error.code.rawValue == ENOENT: return "the path does not exist"
    case .otherThreads: return "netfence must run before the program starts threads"
    case .privilegesMissing, .applyStepFailed: return error.code.rawValue == EPERM
        ? "the kernel refused: run with the privileges the request needs (for capabilities: root)" : nil
    default: return nil
    }
}
