// SPDX-License-Identifier: MIT
import Glibc

/// Output formats of ``RestrictionStatus/formatted(_:)``.
///
/// The corresponding C constants are `NETFENCE_FORMAT_*`.
public enum StatusFormat: UInt32, Sendable {
    /// Human-readable lines; the wording may change.
    ///
    /// The corresponding C constant is `NETFENCE_FORMAT_TEXT`.
    case text = 0
    /// One JSON object on one line, schema `netfence-status/1` (docs/status-schema.json).
    ///
    /// The corresponding C constant is `NETFENCE_FORMAT_JSON`.
    case json = 1
}

/// A requested item that is not in force, and why: an entry of the report's `not_in_force` list.
///
/// Derived from the status alone, so that the C and Swift reports agree.
public struct DroppedItem: Equatable, Sendable {
    /// The layer: `landlock.net`, `landlock.fs`, `landlock.scopes`, `landlock.flags`, `seccomp` or `capabilities`.
    public var layer: String
    /// What is not in force: a right, scope or flag name (`bind_udp`), or `sockets`, `listen_tcp`,
    /// `listen_rules`, `drop`, `bounding`.
    public var item: String
    /// Why, in words: `needs Landlock ABI 10, the kernel has ABI 7`.
    public var reason: String
}

extension RestrictionStatus {
    /// The first ABI that supports each bit, from the single downgrade table.
    private static func firstABI(_ matches: (KernelSupport) -> Bool) -> Int32? {
        (1...LandlockABI.newestKnown.rawValue).first { matches(KernelSupport(abi: $0)) }
    }

    private func landlockReason(neededABI: Int32?) -> String {
        if landlockABI <= 0 || neededABI.map({ $0 > landlockABI }) == true {
            return LandlockABI.shortfallReason(needs: neededABI, abi: landlockABI)
        }
        if !landlockApplied { return "no Landlock domain applied (soft requirement not met, nothing to send to the kernel, or the call failed)" }
        return "not applied"
    }

    /// Every requested item that is not in force, with the reason.
    ///
    /// The report's `not_in_force` list, in the same order.
    public var droppedItems: [DroppedItem] {
        var items: [DroppedItem] = []
        for (right, name) in AccessNet.names where netRequested.contains(right) && !netEnforced.contains(right) && right != .listenTCP {
            items.append(DroppedItem(layer: "landlock.net", item: name,
                                     reason: landlockReason(neededABI: Self.firstABI { $0.net.contains(right) })))
        }
        for (right, name) in AccessFS.names where fsRequested.contains(right) && !fsEnforced.contains(right) {
            items.append(DroppedItem(layer: "landlock.fs", item: name,
                                     reason: landlockReason(neededABI: Self.firstABI { $0.fs.contains(right) })))
        }
        for (scope, name) in Scope.names where scopesRequested.contains(scope) && !scopesEnforced.contains(scope) {
            items.append(DroppedItem(layer: "landlock.scopes", item: name,
                                     reason: landlockReason(neededABI: Self.firstABI { $0.scopes.contains(scope) })))
        }
        for (flag, name) in RestrictFlags.names where flagsRequested.contains(flag) && !flagsEnforced.contains(flag) {
            items.append(DroppedItem(layer: "landlock.flags", item: name,
                                     reason: landlockReason(neededABI: Self.firstABI { $0.logFlags.contains(flag) })))
        }
        let wantsSeccomp = socketsRequested || netRequested.contains(.listenTCP)
        if wantsSeccomp && !seccomp.installed {
            if socketsRequested {
                items.append(DroppedItem(layer: "seccomp", item: "sockets",
                                         reason: "the seccomp filter was not loaded (soft requirement not met, or the call failed)"))
            }
            if netRequested.contains(.listenTCP) && !netAllPorts.contains(.listenTCP) {
                items.append(DroppedItem(layer: "seccomp", item: "listen_tcp",
                                         reason: "the seccomp filter was not loaded (soft requirement not met, or the call failed)"))
            }
        }
        if seccomp.features.contains(.listenFailClosed) {
            items.append(DroppedItem(layer: "seccomp", item: "listen_rules",
                                     reason: "the listen() supervisor could not run: every listen() is denied (fail closed)"))
        }
        if capsRequested {
            if !capsApplied {
                items.append(DroppedItem(layer: "capabilities", item: "drop",
                                         reason: "the capability drop did not complete (soft requirement not met, or the call failed; the sets below are what the thread has)"))
            } else {
                let stray = capabilities.bounding.subtracting(capsKept)
                if !stray.isEmpty {
                    items.append(DroppedItem(layer: "capabilities", item: "bounding",
                                             reason: "the bounding set still holds \(stray.capabilities.count) capabilities not kept (cap_setpcap was not permitted)"))
                }
            }
        }
        return items
    }

    /// Renders the status as text or JSON, covering every layer.
    ///
    /// - Parameter format: ``StatusFormat/text`` for people, ``StatusFormat/json`` for programs.
    /// - Returns: The report, ending with a newline.
    ///
    /// The corresponding C function is `netfence_status_format`.
    public func formatted(_ format: StatusFormat) -> String {
        formatted(format, portsAsGiven: [])
    }

    /// Renders the status as ``formatted(_:)`` does, with the port lists of the rules as the caller
    /// gave them (`80,443,8000-8100`), which the status itself does not keep: the text report shows
    /// them beside each right; the JSON report is unchanged.
    ///
    /// - Parameters:
    ///   - format: ``StatusFormat/text`` or ``StatusFormat/json``.
    ///   - portsAsGiven: For each right with port rules, the ports as given.
    public func formatted(_ format: StatusFormat, portsAsGiven: [(AccessNet, String)]) -> String {
        switch format {
        case .text: return textReport(portsAsGiven: portsAsGiven)
        case .json: return jsonValue.rendered(indent: nil)
        }
    }

    var levelName: String {
        switch enforcement {
        case .fullyEnforced?: return "full"
        case .partiallyEnforced?: return "partial"
        case .notEnforced?: return "none"
        case nil: return "undecided"
        }
    }

    /// The JSON report as a value (the CLI indents it).
    package var jsonValue: JSON {
        func names(_ bits: UInt64, _ table: [(UInt64, String)]) -> JSON {
            .array(table.filter { bits & $0.0 != 0 }.map { .string($0.1) })
        }
        let netNames = AccessNet.names.map { ($0.0.rawValue, $0.1) }
        let fsNames = AccessFS.names.map { ($0.0.rawValue, $0.1) }
        let scopeNames = Scope.names.map { ($0.0.rawValue, $0.1) }
        let flagNames = RestrictFlags.names.map { (UInt64($0.0.rawValue), $0.1) }
        // Sets are null when capabilities were left untouched (and not read).
        func caps(_ set: CapabilitySet) -> JSON { capsRequested ? .array(set.capabilities.map { .string($0.name) }) : .null }
        let object: JSON = .object([
            ("schema", .string("netfence-status/1")),
            ("enforcement", .string(levelName)),
            ("no_new_privs", .bool(noNewPrivs)),
            ("threads", .object([("count", .int(Int64(threadCount))), ("all_covered", .bool(allThreads))])),
            ("landlock", .object([
                ("abi", .int(Int64(landlockABI))),
                ("available", .bool(landlockABI > 0)),
                ("errata", landlockErrata >= 0 ? .int(Int64(landlockErrata)) : .null),
                ("applied", .bool(landlockApplied)),
                ("isolation_only", .bool(landlockIsolation)),
                ("flags", .object([("requested", names(UInt64(flagsRequested.rawValue), flagNames)),
                                   ("enforced", names(UInt64(flagsEnforced.rawValue), flagNames))])),
                ("net", .object([("requested", names(netRequested.rawValue, netNames)),
                                 ("enforced", names(netEnforced.rawValue, netNames)),
                                 ("all_ports", names(netAllPorts.rawValue, netNames)),
                                 ("port_rules", .int(Int64(portRules)))])),
                ("fs", .object([("requested", names(fsRequested.rawValue, fsNames)),
                                ("enforced", names(fsEnforced.rawValue, fsNames)),
                                ("path_rules", .int(Int64(pathRules)))])),
                ("scopes", .object([("requested", names(scopesRequested.rawValue, scopeNames)),
                                    ("enforced", names(scopesEnforced.rawValue, scopeNames))])),
            ])),
            ("seccomp", .object([
                ("installed", .bool(seccomp.installed)),
                ("instructions", .int(Int64(seccomp.instructions))),
                ("sockets", .object([("handled", .bool(socketsRequested)), ("allow_rules", .int(Int64(socketRules)))])),
                ("listen", .object([
                    ("mode", .string(seccomp.listenMode == .off ? "off" : seccomp.listenMode == .denyAll ? "deny-all" : "per-port")),
                    ("supervisor_pid", seccomp.supervisorPID > 0 ? .int(Int64(seccomp.supervisorPID)) : .null),
                ])),
                ("features", names(UInt64(seccomp.features.rawValue), SeccompFeatures.names)),
            ])),
            ("capabilities", .object([
                ("requested", .bool(capsRequested)),
                ("applied", .bool(capsApplied)),
                ("kept", capsRequested ? caps(capsKept) : .null),
                ("options", names(UInt64(capsOptions.rawValue), [(1, "ambient"), (2, "no_securebits_lock")])),
                ("effective", caps(capabilities.effective)),
                ("permitted", caps(capabilities.permitted)),
                ("inheritable", caps(capabilities.inheritable)),
                ("bounding", caps(capabilities.bounding)),
                ("ambient", caps(capabilities.ambient)),
                ("securebits", capsRequested ? .int(Int64(capabilities.securebits)) : .null),
                ("securebits_locked", capsRequested ? .bool(capabilities.securebitsLocked) : .null),
            ])),
            ("not_in_force", .array(droppedItems.map {
                .object([("layer", .string($0.layer)), ("item", .string($0.item)), ("reason", .string($0.reason))])
            })),
        ])
        return object
    }
}

/// A minimal JSON writer (no Foundation): keys keep their order.
package enum JSON {
    case null
    case bool(Bool)
    case int(Int64)
    case string(String)
    case array([JSON])
    case object([(String, JSON)])

    /// The text of the value with a final newline: on one line when `indent` is nil, else one
    /// member or item per line, indented by `indent` spaces per level (empty arrays stay `[]`).
    package func rendered(indent: Int?) -> String {
        var out = ""
        write(to: &out, indent: indent, depth: 0)
        return out + "\n"
    }

    package func write(to out: inout String) {
        write(to: &out, indent: nil, depth: 0)
    }

    private func write(to out: inout String, indent: Int?, depth: Int) {
        // Before each member or item: a newline and the indentation, when indenting.
        func newline(_ level: Int) {
            if let indent { out += "\n" + String(repeating: " ", count: indent * level) }
        }
        switch self {
        case .null: out += "null"
        case .bool(let value): out += value ? "true" : "false"
        case .int(let value): out += String(value)
        case .string(let value): JSON.quote(value, into: &out)
        case .array(let items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                newline(depth + 1)
                item.write(to: &out, indent: indent, depth: depth + 1)
            }
            if !items.isEmpty { newline(depth) }
            out += "]"
        case .object(let members):
            out += "{"
            for (index, (key, value)) in members.enumerated() {
                if index > 0 { out += "," }
                newline(depth + 1)
                JSON.quote(key, into: &out)
                out += indent == nil ? ":" : ": "
                value.write(to: &out, indent: indent, depth: depth + 1)
            }
            if !members.isEmpty { newline(depth) }
            out += "}"
        }
    }

    package static func quote(_ text: String, into out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let c where c.value < 0x20:
                let hex = String(c.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
