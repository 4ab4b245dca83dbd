// SPDX-License-Identifier: MIT
import Glibc
import NetFence

/// What `netfence run` was asked to do, as plain values: filled by
/// swift-argument-parser (``Run/options``) or by ``init(quickParsing:)``,
/// both through ``record(_:value:)``, and applied by their effect in
/// ``RunOptionSpec/table`` (``ruleset()``, ``run()``).
struct RunOptions: Equatable {
    /// What was given of each option of ``RunOptionSpec/table``, at the same
    /// position: nil when absent, [] for a flag given, else its values in
    /// command-line order (one, unless the option repeats).
    private(set) var given: [[String]?] = Array(repeating: nil, count: RunOptionSpec.table.count)
    /// The level of the compatibility options, kept apart: one is always in
    /// force (best effort when none is given), as in swift-argument-parser's `Run`.
    private(set) var compatibility: CompatibilityLevel = .bestEffort
    var command: [String] = []

    init(command: [String] = []) {
        self.command = command
    }

    /// Records one occurrence of the option at `position` in the table, with
    /// its value (nil for a flag).
    mutating func record(_ position: Int, value: String?) {
        switch RunOptionSpec.table[position].effect {
        case .compatibility(let level):
            compatibility = level
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
    mutating func record(_ option: RunOptionSpec, values: [String]) {
        let position = RunOptionSpec.position(named: option.name)!
        for value in values { record(position, value: value) }
    }

    mutating func record(_ option: RunOptionSpec, value: String?) {
        if let value { record(option, values: [value]) }
    }

    mutating func record(_ option: RunOptionSpec, given: Bool) {
        if given { record(RunOptionSpec.position(named: option.name)!, value: nil) }
    }

    /// The values given for the option with this effect; nil when it is absent.
    func values(for effect: RunOptionSpec.Effect) -> [String]? {
        RunOptionSpec.table.firstIndex { $0.effect == effect }.flatMap { given[$0] }
    }

    /// The values given for this option; nil when it is absent.
    func values(of option: RunOptionSpec) -> [String]? {
        values(for: option.effect)
    }

    var listen: [String] { values(for: .listen) ?? [] }
    var printStatus: Bool { values(for: .printStatus) != nil }
    var statusJSON: [String] { values(for: .statusJSON) ?? [] }
    var quiet: Bool { values(for: .quiet) != nil }
    var strict: Bool { values(for: .strict) != nil }

    /// An option as a person typed it, for messages: `--connect-tcp 80,443`
    /// (the values of a repeated option joined with commas), `--no-network`.
    func spelled(_ option: RunOptionSpec) -> String {
        guard let values = values(of: option), !option.isFlag else { return "--" + option.name }
        return "--" + option.name + " " + values.map { $0.isEmpty ? "''" : $0 }.joined(separator: ",")
    }

    /// The fast path of `netfence run`: parses `arguments` (without the program
    /// name) when they are a well-formed `run` invocation using only the plain
    /// option forms, else returns nil and swift-argument-parser takes over
    /// (help, version, other subcommands, and every error with its message).
    ///
    /// Why: swift-argument-parser builds its parser by reflection (protocol
    /// conformance scans, metadata from mangled names): `netfence run
    /// --bind-tcp 1 -- /bin/true` takes about 4.8 ms with it and 1.9 ms
    /// without, /bin/true alone 0.8 ms. `run` starts a program each time, so it
    /// must start fast (docs/performance.md). The options, and whether each takes a value or
    /// repeats, come from ``RunOptionSpec/table``, as `Run`'s do. Tests check
    /// that both parsers agree (Tests/NetFenceCLITests, and tests/cli with
    /// NETFENCE_CLI_FULL_PARSER=1).
    ///
    /// The command starts at `--` or at the first argument that does not start
    /// with `-`, as in swift-argument-parser's `captureForPassthrough`.
    init?(quickParsing arguments: [String]) {
        guard arguments.first == "run" else { return nil }
        self.init()
        var seen: [String] = []
        var index = 1
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "--" || !argument.hasPrefix("-") {
                command = Array(arguments[(argument == "--" ? index : index - 1)...])
                if command.isEmpty { return nil }
                return
            }
            guard argument.hasPrefix("--") else { return nil }
            var name = argument.dropFirst(2)
            var inlineValue: String?
            if let equals = name.firstIndex(of: "=") {
                inlineValue = String(name[name.index(after: equals)...])
                name = name[..<equals]
            }
            guard let position = RunOptionSpec.position(named: name) else { return nil }
            let option = RunOptionSpec.table[position]
            // A flag or single-valued option given twice, or two compatibility
            // levels: left to swift-argument-parser's rules and messages.
            if !option.repeats {
                if seen.contains(option.onceKey) { return nil }
                seen.append(option.onceKey)
            }
            if option.isFlag {
                // `--flag=value`: swift-argument-parser refuses it, with its message.
                if inlineValue != nil { return nil }
                record(position, value: nil)
                continue
            }
            let value: String
            if let inlineValue {
                // swift-argument-parser refuses `--option=` (a missing value),
                // while `--option ''` is an empty one: it decides.
                if inlineValue.isEmpty { return nil }
                value = inlineValue
            } else {
                // A value that looks like an option is ambiguous: the full parser
                // decides ("-" alone is --status-json's standard output).
                guard index < arguments.count, arguments[index] == "-" || !arguments[index].hasPrefix("-") else { return nil }
                value = arguments[index]
                index += 1
            }
            record(position, value: value)
        }
        return nil // no command: the full parser reports it missing
    }

    /// These options with those of the `--policy` files added, in file order,
    /// as if each had been given on the command line.
    func withPolicies() throws -> RunOptions {
        var options = self
        for path in values(for: .policy) ?? [] {
            for entry in try PolicyFile.load(path) { options.record(entry.position, value: entry.value) }
        }
        return options
    }

    /// The options that restrict something, as the user can give them.
    static let restricting: [RunOptionSpec] = RunOptionSpec.table.filter {
        switch $0.effect {
        case .allowPorts, .allowSocket, .denyNetwork, .allowBeneath, .scopes, .keepCapabilities: return true
        default: return false
        }
    }

    /// Refuses a command line that asks for nothing, or for rules that can
    /// never be used, before anything is done.
    func checkConsistency() throws {
        // `--scope ''` sets no scope: alone, it restricts nothing.
        let restricts = Self.restricting.contains { option in
            guard let values = values(of: option) else { return false }
            return option.effect != .scopes || values.contains { !$0.isEmpty }
        }
        if !restricts {
            throw CLIError(message: "nothing to restrict: no option restricts anything",
                           hint: "give at least one of " + Self.restricting.map { "--" + $0.name }.joined(separator: ", ")
                               + " (netfence run --help)")
        }

        try checkSocketKindsForPorts()
    }

    /// A port rule whose sockets cannot be created is a usage error: with
    /// socket creation handled (`--no-network`, `--allow-socket`), a TCP port
    /// option needs a TCP socket kind allowed, a UDP one a UDP kind.
    func checkSocketKindsForPorts() throws {
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
                throw CLIError(message: "\(spelled(option)) can never be used: \(denier)",
                               hint: "add --allow-socket \(kind.lowercased()) (IPv4 and IPv6), or inet:\(kind == "TCP" ? "stream" : "dgram") for IPv4 only",
                               exitCode: Exit.usage)
            }
        }
    }

    /// Builds the ruleset from the options (no kernel effect but opening
    /// paths), each by its effect, in table order. An error names the option.
    func ruleset() throws -> Ruleset {
        let ruleset = Ruleset()
        try ruleset.setCompatibility(compatibility)
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
                try ruleset.setScopes(scopes)
            case .keepCapabilities:
                // Repeated lists add up: one list of every name given.
                let names = values.filter { !$0.isEmpty }.joined(separator: ",")
                try naming("--keep-caps \(names)") { _ = try ruleset.keepCapabilities(named: names) }
                // The command is exec'd: without the ambient set, kept capabilities
                // would not survive execve (for root too, once SECBIT_NOROOT is locked).
                var options: CapabilityOptions = [.ambient]
                if self.values(for: .noSecurebitsLock) != nil { options.insert(.noSecurebitsLock) }
                try ruleset.setCapabilityOptions(options)
            case .noSecurebitsLock, .compatibility, .strict, .quiet, .restrictFlag, .listen, .printStatus, .statusJSON, .prettyJSON,
                 .policy:
                break // no rule of their own: with --keep-caps above, or in run()
            }
        }
        return ruleset
    }

    /// The port lists as given, per right, for the report (`--no-network`
    /// alone: no port for the TCP rights).
    var portsAsGiven: [(AccessNet, String)] {
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
    var restrictFlags: RestrictFlags {
        var flags: RestrictFlags = []
        for (option, values) in zip(RunOptionSpec.table, given) where values != nil {
            if case .restrictFlag(let flag) = option.effect { flags.insert(flag) }
        }
        return flags
    }

    /// Restricts this process, then replaces it with the command. Returns
    /// only on netfence's own errors, with the exit status to use.
    func run() -> Int32 {
        do {
            return try withPolicies().runWithPolicies()
        } catch let error as CLIError {
            printError(error.description)
            return error.exitCode
        } catch {
            printError("\(error)")
            return Exit.ownError
        }
    }

    private func runWithPolicies() -> Int32 {
        // This process's environment, passed on as is unless socket activation changes it.
        var environment: [String]?
        do {
            try checkConsistency()
            let ruleset = try self.ruleset()
            // --strict: every shortfall this kernel would cause, named by its
            // option, before anything is done (the listen supervisor's start,
            // which only applying tells, is checked by the hard level below).
            if strict {
                let shortfalls = Shortfall.all(in: try ruleset.preview(restrictFlags), options: self)
                if !shortfalls.isEmpty {
                    for shortfall in shortfalls { printError("error: " + shortfall.line) }
                    throw CLIError(message: "--strict: \(shortfalls.count) of the restrictions asked for cannot be enforced on this kernel; nothing was applied and the command was not run")
                }
            }
            // Open the report file before restricting (--rw may not allow it
            // afterwards), and after --strict's check (a refused run leaves no file).
            var jsonFDs: [Int32] = []
            for path in statusJSON {
                if path == "-" {
                    jsonFDs.append(1)
                    continue
                }
                let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
                if fd < 0 { throw CLIError(message: "--status-json \(path): \(String(cString: strerror(errno)))") }
                // Above the descriptors socket activation fills (3, 4, ...).
                jsonFDs.append(try SocketActivation.moveAbove(fd, count: listen.count))
            }
            // Bind early: listeners exist before any restriction.
            let specs = try listen.map(parseListenSpec)
            let fds = try specs.map(SocketActivation.open)
            if !fds.isEmpty {
                var changed = ProcessSupport.currentEnvironment()
                changed.removeAll { $0.hasPrefix("LISTEN_FDS=") || $0.hasPrefix("LISTEN_PID=") || $0.hasPrefix("LISTEN_FDNAMES=") }
                changed += try SocketActivation.install(fds, names: specs.map { "\($0.port)" })
                environment = changed
            }
            let status: RestrictionStatus
            do {
                status = try ruleset.restrictSelf(restrictFlags)
            } catch {
                if let partial = error.status, printStatus { writeStderr(partial.formatted(.text, portsAsGiven: portsAsGiven)) }
                if error.reason == .listenSupervisorUnavailable {
                    throw CLIError(message: "\(spelled(.listenTCP)) cannot be enforced port by port: \(error.message)",
                                   hint: hint(for: error))
                }
                throw error
            }
            if !quiet {
                for shortfall in Shortfall.all(in: status, options: self) { printError("warning: " + shortfall.line) }
            }
            if printStatus { writeStderr(status.formatted(.text, portsAsGiven: portsAsGiven)) }
            for fd in jsonFDs {
                let pretty = values(for: .prettyJSON) != nil || (fd == 1 && isatty(1) == 1)
                let json = Array(status.jsonValue.rendered(indent: pretty ? 2 : nil).utf8)
                let written = json.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                if fd != 1 { close(fd) }
                if written != json.count {
                    throw CLIError(message: "--status-json: cannot write the report: \(String(cString: strerror(errno)))")
                }
            }
        } catch let error as NetFenceError {
            printError(error.message + (hint(for: error).map { "\nhint: " + $0 } ?? ""))
            return Exit.ownError
        } catch let error as CLIError {
            printError(error.description)
            return error.exitCode
        } catch {
            printError("\(error)")
            return Exit.ownError
        }
        execute(command, environment: environment)
    }
}

/// Runs `body`; a library error becomes a CLI error that starts with the
/// option as given (`--ro /nowhere: ...`).
func naming(_ option: String, _ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as NetFenceError {
        throw CLIError(message: option + ": " + error.message, hint: hint(for: error))
    }
}
