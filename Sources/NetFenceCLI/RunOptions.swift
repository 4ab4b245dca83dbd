// SPDX-License-Identifier: MIT
import Glibc
import NetFence

/// `netfence run` itself: the fast parser and the run (the options, their
/// table and the ruleset they build are the library's: Sources/NetFence/Options).
extension RunOptions {
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

    /// Restricts this process, then replaces it with the command. Returns
    /// only on netfence's own errors, with the exit status to use.
    func run() -> Int32 {
        let environment: [String]?
        do {
            environment = try withPolicies().restrict()
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

    /// Everything of `run` before the command is executed: returns the
    /// environment to give it (nil: this process's own, as is; socket
    /// activation changes it).
    private func restrict() throws -> [String]? {
        var environment: [String]?
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
        return environment
    }
}
