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
        if landlockABI <= 0 { return LandlockABI.describe(landlockABI) }
        if let needed = neededABI, needed > landlockABI {
            return "needs Landlock ABI \(needed), the kernel has ABI \(landlockABI)"
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
        switch format {
        case .text: return textReport()
        case .json: return jsonReport()
        }
    }

    private var levelName: String {
        switch enforcement {
        case .fullyEnforced?: return "full"
        case .partiallyEnforced?: return "partial"
        case .notEnforced?: return "none"
        case nil: return "undecided"
        }
    }

    private func textReport() -> String {
        var lines = ["enforcement: \(levelName)"]
        lines.append("no_new_privs: \(noNewPrivs ? "set" : "not set")")
        lines.append("threads: \(threadCount) (\(allThreads ? "all covered" : "calling thread only"))")
        lines.append("landlock: \(LandlockABI.describe(landlockABI)), applied: \(landlockApplied ? (landlockIsolation ? "yes (only to confine ptrace-style access)" : "yes") : "no")"
            + (landlockErrata >= 0 ? ", errata 0x\(String(landlockErrata, radix: 16))" : ""))
        lines.append("  net: requested \(netRequested), enforced \(netEnforced)"
            + (netAllPorts.isEmpty ? "" : " (all ports: \(netAllPorts))") + ", \(portRules) port rules")
        lines.append("  fs: requested \(fsRequested), enforced \(fsEnforced), \(pathRules) path rules")
        lines.append("  scopes: requested \(scopesRequested), enforced \(scopesEnforced)")
        lines.append("  flags: requested \(flagsRequested), enforced \(flagsEnforced)")
        let listen: String
        switch seccomp.listenMode {
        case .off: listen = "off"
        case .denyAll: listen = "deny-all"
        case .perPort: listen = "per-port (supervisor pid \(seccomp.supervisorPID))"
        }
        lines.append("seccomp: \(seccomp.installed ? "installed" : "not installed")"
            + (seccomp.installed ? " (\(seccomp.instructions) BPF instructions)" : "")
            + ", sockets: \(socketsRequested ? "\(socketRules) allow rules" : "not handled"), listen: \(listen)")
        if !seccomp.features.isEmpty { lines.append("  features: \(seccomp.features)") }
        if capsRequested {
            lines.append("capabilities: keep \(capsKept)" + (capsOptions.isEmpty ? "" : " (\(capsOptions))")
                + ", applied: \(capsApplied ? "yes" : "no")")
            for line in capabilities.briefDescription.split(separator: "\n") { lines.append("  " + line) }
        } else {
            lines.append("capabilities: untouched (not read)")
        }
        for item in droppedItems { lines.append("not in force: \(item.layer) \(item.item): \(item.reason)") }
        return lines.joined(separator: "\n") + "\n"
    }

    private func jsonReport() -> String {
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
        var out = ""
        object.write(to: &out)
        return out + "\n"
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

    package func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let value): out += value ? "true" : "false"
        case .int(let value): out += String(value)
        case .string(let value): JSON.quote(value, into: &out)
        case .array(let items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                item.write(to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (index, (key, value)) in members.enumerated() {
                if index > 0 { out += "," }
                JSON.quote(key, into: &out)
                out += ":"
                value.write(to: &out)
            }
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
