// SPDX-License-Identifier: MIT
import Glibc
import NetFence

/// What `netfence run` was asked to do, as plain values: filled by
/// swift-argument-parser (``Run``) or by ``init(quickParsing:)``.
struct RunOptions: Equatable {
    var bindTCP: String?
    var connectTCP: String?
    var bindUDP: String?
    var connectUDP: String?
    var listenTCP: String?
    var allowSocket: [String] = []
    var noNetwork = false
    var listen: [String] = []
    var readOnly: [String] = []
    var readWrite: [String] = []
    var scope: String?
    var keepCaps: String?
    var noSecurebitsLock = false
    var compat: CompatOption = .bestEffort
    var logSameExecOff = false
    var logNewExecOn = false
    var logSubdomainsOff = false
    var printStatus = false
    var statusJSON: String?
    var command: [String] = []

    init() {}

    /// The fast path of `netfence run`: parses `arguments` (without the program
    /// name) when they are a well-formed `run` invocation using only the plain
    /// option forms, else returns nil and swift-argument-parser takes over
    /// (help, version, other subcommands, and every error with its message).
    ///
    /// Why: swift-argument-parser builds its parser by reflection, which costs
    /// about 1.5 ms at every start (protocol conformance scans, metadata from
    /// mangled names), three times the sandbox itself; `run` starts a program
    /// each time, so it must start fast (docs/performance.md). Tests check that
    /// both parsers agree (tests/cli, NETFENCE_CLI_FULL_PARSER=1).
    init?(quickParsing arguments: [String]) {
        guard arguments.first == "run" else { return nil }
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
            var name = Substring(argument.dropFirst(2))
            var inlineValue: String?
            if let equals = name.firstIndex(of: "=") {
                inlineValue = String(name[name.index(after: equals)...])
                name = name[..<equals]
            }
            let option = String(name)
            // A flag or single-valued option given twice, or two compat
            // levels: left to swift-argument-parser's rules and messages.
            let key = option == "best-effort" || option == "soft" || option == "hard" ? "compat" : option
            let repeatable = option == "allow-socket" || option == "listen" || option == "ro" || option == "rw"
            if !repeatable {
                if seen.contains(key) { return nil }
                seen.append(key)
            }
            // A flag with `=value` goes the value way, where setValue refuses it.
            if inlineValue == nil, setFlag(option) { continue }
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
            guard setValue(option, value) else { return nil }
        }
        return nil // no "--": the full parser reports the missing COMMAND
    }

    /// Sets the flag `option`; false when it is not one.
    private mutating func setFlag(_ option: String) -> Bool {
        switch option {
        case "no-network": noNetwork = true
        case "no-securebits-lock": noSecurebitsLock = true
        case "best-effort": compat = .bestEffort
        case "soft": compat = .soft
        case "hard": compat = .hard
        case "log-same-exec-off": logSameExecOff = true
        case "log-new-exec-on": logNewExecOn = true
        case "log-subdomains-off": logSubdomainsOff = true
        case "status": printStatus = true
        default: return false
        }
        return true
    }

    private mutating func setValue(_ option: String, _ value: String) -> Bool {
        switch option {
        case "bind-tcp": bindTCP = value
        case "connect-tcp": connectTCP = value
        case "bind-udp": bindUDP = value
        case "connect-udp": connectUDP = value
        case "listen-tcp": listenTCP = value
        case "allow-socket": allowSocket.append(value)
        case "listen": listen.append(value)
        case "ro": readOnly.append(value)
        case "rw": readWrite.append(value)
        case "scope": scope = value
        case "keep-caps": keepCaps = value
        case "status-json": statusJSON = value
        default: return false
        }
        return true
    }

    /// Builds the ruleset from the options (no kernel effect but opening paths).
    func ruleset() throws -> Ruleset {
        let ruleset = Ruleset()
        try ruleset.setCompatibility(compat == .hard ? .hardRequirement : compat == .soft ? .softRequirement : .bestEffort)
        if noNetwork {
            try ruleset.handleSockets()
            try ruleset.handle([.bindTCP, .connectTCP, .listenTCP])
        }
        try handlePorts(ruleset, bindTCP, .bindTCP, "--bind-tcp")
        try handlePorts(ruleset, connectTCP, .connectTCP, "--connect-tcp")
        try handlePorts(ruleset, bindUDP, .bindUDP, "--bind-udp")
        try handlePorts(ruleset, connectUDP, .connectSendUDP, "--connect-udp")
        try handlePorts(ruleset, listenTCP, .listenTCP, "--listen-tcp")
        if !allowSocket.isEmpty {
            try ruleset.handleSockets()
            for spec in allowSocket {
                let rule = try parseSocketSpec(spec)
                try ruleset.allowSocket(family: rule.family, type: rule.type, protocol: rule.protocol)
            }
        }
        if !readOnly.isEmpty || !readWrite.isEmpty {
            // Everything this kernel can restrict on the filesystem is handled.
            let supported = KernelFeatures.supportedFS
            let handled = supported.isEmpty ? AccessFS.known : supported
            try ruleset.handle(handled)
            let read: AccessFS = [.execute, .readFile, .readDir]
            for path in readOnly { try ruleset.allow(read.intersection(handled), beneath: path) }
            for path in readWrite { try ruleset.allow(handled, beneath: path) }
        }
        if let scope { try ruleset.setScopes(try parseScopes(scope)) }
        if let keepCaps {
            try ruleset.keepCapabilities(named: keepCaps)
            // The command is exec'd: without the ambient set, kept capabilities
            // would not survive execve (for root too, once SECBIT_NOROOT is locked).
            var options: CapabilityOptions = [.ambient]
            if noSecurebitsLock { options.insert(.noSecurebitsLock) }
            try ruleset.setCapabilityOptions(options)
        }
        return ruleset
    }

    /// A given port list handles the right; an empty one allows no port.
    private func handlePorts(_ ruleset: Ruleset, _ list: String?, _ right: AccessNet, _ option: String) throws {
        guard let list else { return }
        try ruleset.handle(right)
        try forEachPortRange(list, option: option) { first, last in try ruleset.allow(right, ports: first...last) }
    }

    var restrictFlags: RestrictFlags {
        var flags: RestrictFlags = []
        if logSameExecOff { flags.insert(.logSameExecOff) }
        if logNewExecOn { flags.insert(.logNewExecOn) }
        if logSubdomainsOff { flags.insert(.logSubdomainsOff) }
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
