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
        if case .compatibility(let level) = RunOptionSpec.table[position].effect {
            compatibility = level
            return
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

    var listen: [String] { values(for: .listen) ?? [] }
    var printStatus: Bool { values(for: .printStatus) != nil }
    var statusJSON: String? { values(for: .statusJSON)?.last }

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
    init?(quickParsing arguments: [String]) {
        guard arguments.first == "run" else { return nil }
        self.init()
        var seen: [String] = []
        var index = 1
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "--" {
                command = Array(arguments[index...])
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
                // A value that looks like an option is ambiguous: the full parser decides.
                guard index < arguments.count, !arguments[index].hasPrefix("-") else { return nil }
                value = arguments[index]
                index += 1
            }
            record(position, value: value)
        }
        return nil // no "--": the full parser reports the missing COMMAND
    }

    /// Builds the ruleset from the options (no kernel effect but opening
    /// paths), each by its effect, in table order.
    func ruleset() throws -> Ruleset {
        let ruleset = Ruleset()
        try ruleset.setCompatibility(compatibility)
        // What --ro and --rw handle, once: every filesystem right this kernel
        // can restrict (all known ones without Landlock, for the report).
        var handledFS: AccessFS?
        for (option, values) in zip(RunOptionSpec.table, given) {
            guard let values else { continue }
            switch option.effect {
            case .allowPorts(let right):
                // A given port list handles the right; an empty one allows no port.
                for list in values {
                    try ruleset.handle(right)
                    try forEachPortRange(list, option: "--" + option.name) { first, last in
                        try ruleset.allow(right, ports: first...last)
                    }
                }
            case .allowSocket:
                try ruleset.handleSockets()
                for spec in values {
                    let rule = try parseSocketSpec(spec)
                    try ruleset.allowSocket(family: rule.family, type: rule.type, protocol: rule.protocol)
                }
            case .denyNetwork:
                try ruleset.handleSockets()
                try ruleset.handle([.bindTCP, .connectTCP, .listenTCP])
            case .allowBeneath(let access):
                let handled: AccessFS
                if let handledFS {
                    handled = handledFS
                } else {
                    let supported = KernelFeatures.supportedFS
                    handled = supported.isEmpty ? AccessFS.known : supported
                    try ruleset.handle(handled)
                    handledFS = handled
                }
                for path in values { try ruleset.allow(access.intersection(handled), beneath: path) }
            case .scopes:
                for list in values { try ruleset.setScopes(try parseScopes(list)) }
            case .keepCapabilities:
                for list in values { try ruleset.keepCapabilities(named: list) }
                // The command is exec'd: without the ambient set, kept capabilities
                // would not survive execve (for root too, once SECBIT_NOROOT is locked).
                var options: CapabilityOptions = [.ambient]
                if self.values(for: .noSecurebitsLock) != nil { options.insert(.noSecurebitsLock) }
                try ruleset.setCapabilityOptions(options)
            case .noSecurebitsLock, .compatibility, .restrictFlag, .listen, .printStatus, .statusJSON:
                break // no rule of their own: with --keep-caps above, or in run()
            }
        }
        return ruleset
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
        // This process's environment, passed on as is unless socket activation changes it.
        var environment: [String]?
        do {
            // Open the report file first: --rw may not allow it afterwards.
            var jsonFD: Int32 = -1
            if let path = statusJSON {
                let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
                if fd < 0 { throw CLIError(message: "--status-json \(path): \(String(cString: strerror(errno)))") }
                // Above the descriptors socket activation fills (3, 4, ...).
                jsonFD = try SocketActivation.moveAbove(fd, count: listen.count)
            }
            // Bind early: listeners exist before any restriction.
            let specs = try listen.map(parseListenSpec)
            let fds = try specs.map(SocketActivation.open)
            let ruleset = try self.ruleset()
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
                if let partial = error.status, printStatus { writeStderr(partial.formatted(.text)) }
                throw error
            }
            if printStatus { writeStderr(status.formatted(.text)) }
            if jsonFD >= 0 {
                let json = Array(status.formatted(.json).utf8)
                let written = json.withUnsafeBytes { write(jsonFD, $0.baseAddress, $0.count) }
                close(jsonFD)
                if written != json.count {
                    throw CLIError(message: "--status-json: cannot write the report: \(String(cString: strerror(errno)))")
                }
            }
        } catch let error as NetFenceError {
            printError(error.message + (hint(for: error).map { "\nhint: " + $0 } ?? ""))
            return Exit.ownError
        } catch let error as CLIError {
            printError(error.description)
            return Exit.ownError
        } catch {
            printError("\(error)")
            return Exit.ownError
        }
        execute(command, environment: environment)
    }
}
