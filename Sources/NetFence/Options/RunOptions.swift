// SPDX-License-Identifier: MIT
import Glibc

/// What `netfence run` was asked to do, as plain values: filled by
/// swift-argument-parser (``Run/options``) or by ``init(quickParsing:)``,
/// both through ``record(_:value:)``, and applied by their effect in
/// ``RunOptionSpec/table`` (``ruleset()``, ``run()``).
package struct RunOptions: Equatable {
    /// What was given of each option of ``RunOptionSpec/table``, at the same
    /// position: nil when absent, [] for a flag given, else its values in
    /// command-line order (one, unless the option repeats).
    package private(set) var given: [[String]?] = Array(repeating: nil, count: RunOptionSpec.table.count)
    /// The level of the compatibility options, kept apart: one is always in
    /// force (best effort when none is given), as in swift-argument-parser's `Run`.
    package private(set) var compatibility: CompatibilityLevel = .bestEffort
    /// Whether a level was given (best effort is in force when none is).
    package private(set) var levelGiven = false
    package var command: [String] = []

    package init(command: [String] = []) {
        self.command = command
    }

    /// Records one occurrence of the option at `position` in the table, with
    /// its value (nil for a flag).
    package mutating func record(_ position: Int, value: String?) {
        switch RunOptionSpec.table[position].effect {
        case .compatibility(let level):
            compatibility = level
            levelGiven = true
            return
        case .strict:
            compatibility = .hardRequirement
        default:
            break
        }
        if given[position] == nil { given[position] = [] }
        if let value { given[position]!.append(value) }
    }

    /// The values swift-argument-parser parsed for `option` (see ``Run/options``).
    package mutating func record(_ option: RunOptionSpec, values: [String]) {
        let position = RunOptionSpec.position(named: option.name)!
        for value in values { record(position, value: value) }
    }

    package mutating func record(_ option: RunOptionSpec, value: String?) {
        if let value { record(option, values: [value]) }
    }

    package mutating func record(_ option: RunOptionSpec, given: Bool) {
        if given { record(RunOptionSpec.position(named: option.name)!, value: nil) }
    }

    /// The values given for the option with this effect; nil when it is absent.
    package func values(for effect: RunOptionSpec.Effect) -> [String]? {
        RunOptionSpec.table.firstIndex { $0.effect == effect }.flatMap { given[$0] }
    }

    /// The values given for this option; nil when it is absent.
    package func values(of option: RunOptionSpec) -> [String]? {
        values(for: option.effect)
    }

    package var listen: [String] { values(for: .listen) ?? [] }
    package var printStatus: Bool { values(for: .printStatus) != nil }
    package var statusJSON: [String] { values(for: .statusJSON) ?? [] }
    package var quiet: Bool { values(for: .quiet) != nil }
    package var strict: Bool { values(for: .strict) != nil }

    /// An option as a person typed it, for messages: `--connect-tcp 80,443`
    /// (the values of a repeated option joined with commas), `--no-network`.
    package func spelled(_ option: RunOptionSpec) -> String {
        guard let values = values(of: option), !option.isFlag else { return "--" + option.name }
        return "--" + option.name + " " + values.map { $0.isEmpty ? "''" : $0 }.joined(separator: ",")
    }

    /// These options with those of the `--policy` files added, in file order,
    /// as if each had been given on the command line.
    package func withPolicies() throws -> RunOptions {
        var options = self
        for path in values(for: .policy) ?? [] {
            for entry in try PolicyFile.load(path) {
                // One compatibility level in all: a file must not change the
                // command line's (or another file's) without a word.
                if let level = RunOptionSpec.table[entry.position].compatibilityLevel, let given = options.givenLevel, given != level {
                    throw OptionError(message: "--policy \(path): \(RunOptionSpec.table[entry.position].name) contradicts the compatibility level already given (\(RunOptionSpec.levelName(given)))",
                                      hint: "give one of --best-effort, --soft, --hard, --strict, in one place", isUsage: true)
                }
                options.record(entry.position, value: entry.value)
            }
        }
        return options
    }

    /// The compatibility level given explicitly (an option or a policy key), if any.
    package var givenLevel: CompatibilityLevel? {
        if values(for: .strict) != nil { return .hardRequirement }
        return levelGiven ? compatibility : nil
    }

    /// The options that restrict something, as the user can give them.
    package static let restricting: [RunOptionSpec] = RunOptionSpec.table.filter {
        switch $0.effect {
        case .allowPorts, .allowSocket, .denyNetwork, .allowBeneath, .scopes, .keepCapabilities: return true
        default: return false
        }
    }

    /// Refuses a command line that asks for nothing, or for rules that can
    /// never be used, before anything is done.
    package func checkConsistency() throws {
        // `--scope ''` sets no scope: alone, it restricts nothing.
        let restricts = Self.restricting.contains { option in
            guard let values = values(of: option) else { return false }
            return option.effect != .scopes || values.contains { !$0.isEmpty }
        }
        if !restricts {
            throw OptionError(message: "nothing to restrict: no option restricts anything",
                           hint: "give at least one of " + Self.restricting.map { "--" + $0.name }.joined(separator: ", ")
                               + " (netfence run --help)")
        }

        try checkSocketKindsForPorts()
    }

    /// A port rule whose sockets cannot be created is a usage error: with
    /// socket creation handled (`--no-network`, `--allow-socket`), a TCP port
    /// option needs a TCP socket kind allowed, a UDP one a UDP kind.
    package func checkSocketKindsForPorts() throws {
        let handlesSockets = values(of: .noNetwork) != nil || values(of: .allowSocket) != nil
        guard handlesSockets else { return }
        var allowed: [SocketRule] = []
        for spec in values(of: .allowSocket) ?? [] { allowed += try parseSocketSpec(spec) }
        // MPTCP binds, connects and listens on TCP ports as TCP does.
        let tcp = [0, Int32(IPPROTO_TCP), Int32(IPPROTO_MPTCP)], udp = [0, Int32(IPPROTO_UDP)]
        for (options, kind, type, protocols) in [([RunOptionSpec.bindTCP, .connectTCP, .listenTCP], "TCP", SOCK_STREAM, tcp),
                                                 ([RunOptionSpec.bindUDP, .connectUDP], "UDP", SOCK_DGRAM, udp)] {
            let covered = allowed.contains { rule in
                (rule.family == AF_INET || rule.family == AF_INET6)
                    && (rule.type == SocketRule.any || rule.type == Int32(type.rawValue))
                    && (rule.protocol == SocketRule.any || protocols.contains(rule.protocol))
            }
            if covered { continue }
            for option in options {
                guard let lists = values(of: option), lists.contains(where: { !$0.isEmpty }) else { continue }
                let denier = values(of: .allowSocket) != nil ? "--allow-socket allows no \(kind) socket" : "--no-network denies creating \(kind) sockets"
                throw OptionError(message: "\(spelled(option)) can never be used: \(denier)",
                               hint: "add --allow-socket \(kind.lowercased()) (IPv4 and IPv6), or inet:\(kind == "TCP" ? "stream" : "dgram") for IPv4 only",
                               isUsage: true)
            }
        }
    }

    /// Builds the ruleset from the options (no kernel effect but opening
    /// paths), each by its effect, in table order. An error names the option.
    package func ruleset() throws -> Ruleset {
        let ruleset = Ruleset()
        try ruleset.setCompatibility(compatibility)
        try addRules(to: ruleset)
        return ruleset
    }

    /// Adds the rules of the options to `ruleset` (the compatibility level aside).
    package func addRules(to ruleset: Ruleset) throws {
        var handlesFS = false
        for (option, values) in zip(RunOptionSpec.table, given) {
            guard let values else { continue }
            switch option.effect {
            case .allowPorts(let right):
                // A given port list handles the right; an empty one allows no port.
                for list in values {
                    try naming("--\(option.name) \(list)") { _ = try ruleset.handle(right) }
                    try forEachPortRange(list, option: "--" + option.name) { first, last in
                        try naming("--\(option.name) \(list)") { _ = try ruleset.allow(right, ports: first...last) }
                    }
                }
            case .allowSocket:
                try ruleset.handleSockets()
                for spec in values {
                    for rule in try parseSocketSpec(spec) {
                        try naming("--allow-socket \(spec)") {
                            _ = try ruleset.allowSocket(family: rule.family, type: rule.type, protocol: rule.protocol)
                        }
                    }
                }
            case .denyNetwork:
                try ruleset.handleSockets()
                try ruleset.handle([.bindTCP, .connectTCP, .listenTCP])
            case .allowBeneath(let access):
                // The same fixed set on every kernel (FileRights); what the
                // kernel lacks of it is dropped and reported.
                if !handlesFS {
                    try ruleset.handle(FileRights.handled)
                    handlesFS = true
                }
                for path in values {
                    try naming("--\(option.name) \(path)") { _ = try ruleset.allow(access, beneath: path) }
                }
            case .scopes:
                var scopes: Scope = []
                for list in values { scopes.formUnion(try parseScopes(list)) }
                // Added to the ruleset's own (a policy added to a ruleset adds up).
                try ruleset.setScopes(ruleset.scopes.union(scopes))
            case .keepCapabilities:
                // Repeated lists add up: one list of every name given.
                // A name given twice (a policy and the command line) is kept once,
                // and a ruleset's own kept capabilities stay kept.
                let names = values.filter { !$0.isEmpty }.joined(separator: ",")
                var kept = ruleset.keptCapabilities ?? []
                try naming("--keep-caps \(names)") { kept.formUnion(CapabilitySet(try Ruleset.capabilities(named: names))) }
                try naming("--keep-caps \(names)") { _ = try ruleset.keepCapabilities(kept.capabilities) }
                // The command is exec'd: without the ambient set, kept capabilities
                // would not survive execve (for root too, once SECBIT_NOROOT is locked).
                var options: CapabilityOptions = ruleset.capabilityOptions.union(.ambient)
                if self.values(for: .noSecurebitsLock) != nil { options.insert(.noSecurebitsLock) }
                try ruleset.setCapabilityOptions(options)
            case .noSecurebitsLock, .compatibility, .strict, .quiet, .restrictFlag, .listen, .printStatus, .statusJSON, .prettyJSON,
                 .policy:
                break // no rule of their own: with --keep-caps above, or in run()
            }
        }
    }

    /// The port lists as given, per right, for the report (`--no-network`
    /// alone: no port for the TCP rights).
    package var portsAsGiven: [(AccessNet, String)] {
        var lists: [(AccessNet, String)] = []
        if values(of: .noNetwork) != nil {
            for right in [AccessNet.bindTCP, .connectTCP, .listenTCP] { lists.append((right, "")) }
        }
        for (option, values) in zip(RunOptionSpec.table, given) {
            guard let values, case .allowPorts(let right) = option.effect else { continue }
            lists.append((right, values.filter { !$0.isEmpty }.joined(separator: ",")))
        }
        return lists
    }

    /// The flags of `restrictSelf` given (Landlock's logging).
    package var restrictFlags: RestrictFlags {
        var flags: RestrictFlags = []
        for (option, values) in zip(RunOptionSpec.table, given) where values != nil {
            if case .restrictFlag(let flag) = option.effect { flags.insert(flag) }
        }
        return flags
    }
}

/// Runs `body`; a library error becomes a CLI error that starts with the
/// option as given (`--ro /nowhere: ...`).
package func naming(_ option: String, _ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as NetFenceError {
        var failure = OptionError(message: option + ": " + error.message, hint: hint(for: error))
        failure.underlying = error
        throw failure
    }
}
