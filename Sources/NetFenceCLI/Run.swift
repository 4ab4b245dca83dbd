// SPDX-License-Identifier: MIT
import ArgumentParser
import Glibc
import NetFence

enum CompatOption: String, EnumerableFlag {
    case bestEffort, soft, hard

    static func help(for value: CompatOption) -> ArgumentHelp? {
        switch value {
        case .bestEffort: return "Enforce what the kernel supports and report the rest."
        case .soft: return "If anything is unsupported, enforce nothing (and say so)."
        case .hard: return "If anything is unsupported, fail before running the command."
        }
    }
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Restrict this process, then execute COMMAND in it (no extra process).",
        discussion: """
        An option that is given handles that right; an empty list denies it entirely, an \
        absent option leaves it allowed (the kernel sandboxer's "unset vs empty" rule). \
        Port lists are comma-separated ports and ranges: 80,443,8000-8100.

        Examples:
          netfence run --no-network -- ./parse-untrusted input.bin
          netfence run --connect-tcp 443 --bind-tcp '' -- curl https://example.org
          netfence run --listen 8080 --no-network --keep-caps '' -- ./server
          netfence run --allow-socket inet:stream --listen-tcp 8080 --bind-tcp 8080 -- ./server
          netfence run --ro /usr --ro /etc --rw /tmp --status -- ls /tmp
        """)

    @Option(name: .customLong("bind-tcp"), help: ArgumentHelp("TCP ports the command may bind.", valueName: "PORTS"))
    var bindTCP: String?
    @Option(name: .customLong("connect-tcp"), help: ArgumentHelp("TCP ports the command may connect to.", valueName: "PORTS"))
    var connectTCP: String?
    @Option(name: .customLong("bind-udp"), help: ArgumentHelp("UDP ports the command may bind (Landlock ABI 10).", valueName: "PORTS"))
    var bindUDP: String?
    @Option(name: .customLong("connect-udp"), help: ArgumentHelp("UDP ports the command may connect or send to (ABI 10).", valueName: "PORTS"))
    var connectUDP: String?
    @Option(name: .customLong("listen-tcp"), help: ArgumentHelp("TCP ports the command may listen on; 0: a never-bound socket (seccomp).", valueName: "PORTS"))
    var listenTCP: String?
    @Option(name: .customLong("allow-socket"), help: ArgumentHelp("Allow creating sockets FAMILY[:TYPE[:PROTOCOL]] (e.g. inet:stream, inet6:dgram:udp, unix); makes socket creation deny-by-default.", valueName: "SPEC"))
    var allowSocket: [String] = []
    @Flag(name: .customLong("no-network"), help: "No socket creation, no TCP bind, connect or listen.")
    var noNetwork = false
    @Option(name: .customLong("listen"), help: ArgumentHelp("Socket activation: create, bind and listen [ADDR:]PORT before restricting; the command gets it as fd 3, 4, ... (sd_listen_fds).", valueName: "[ADDR:]PORT"))
    var listen: [String] = []
    @Option(name: .customLong("ro"), help: ArgumentHelp("Path to allow reading and executing beneath (handles the filesystem).", valueName: "PATH"))
    var readOnly: [String] = []
    @Option(name: .customLong("rw"), help: ArgumentHelp("Path to allow everything beneath (handles the filesystem).", valueName: "PATH"))
    var readWrite: [String] = []
    @Option(name: .customLong("scope"), help: ArgumentHelp("IPC scopes: abstract-unix,signal.", valueName: "LIST"))
    var scope: String?
    @Option(name: .customLong("keep-caps"), help: ArgumentHelp("Capabilities to keep (libcap names, comma-separated; '' keeps none); drops all others. The command keeps them across exec (ambient set).", valueName: "LIST"))
    var keepCaps: String?
    @Flag(name: .customLong("no-securebits-lock"), help: "Do not lock securebits when dropping capabilities as root.")
    var noSecurebitsLock = false
    @Flag(help: "What to do when the kernel lacks something.")
    var compat: CompatOption = .bestEffort
    @Flag(name: .customLong("log-same-exec-off"), help: "Landlock: do not log denials of this program (ABI 7).")
    var logSameExecOff = false
    @Flag(name: .customLong("log-new-exec-on"), help: "Landlock: log denials after exec too (ABI 7).")
    var logNewExecOn = false
    @Flag(name: .customLong("log-subdomains-off"), help: "Landlock: do not log denials of nested domains (ABI 7).")
    var logSubdomainsOff = false
    @Flag(name: .customLong("status"), help: "Print the enforcement report to stderr before executing.")
    var printStatus = false
    @Option(name: .customLong("status-json"), help: ArgumentHelp("Write the enforcement report as JSON to FILE.", valueName: "FILE"))
    var statusJSON: String?
    @Argument(parsing: .postTerminator, help: ArgumentHelp("The command and its arguments, after --.", valueName: "COMMAND"))
    var command: [String] = []

    func validate() throws {
        if command.isEmpty { throw ValidationError("missing COMMAND after --") }
    }

    /// Builds the ruleset from the options (no kernel effect but opening paths).
    func ruleset() throws -> Ruleset {
        let ruleset = Ruleset()
        try ruleset.setCompatibility(compat == .hard ? .hardRequirement : compat == .soft ? .softRequirement : .bestEffort)
        let lists: [(String?, AccessNet, String)] = [
            (bindTCP, .bindTCP, "--bind-tcp"), (connectTCP, .connectTCP, "--connect-tcp"),
            (bindUDP, .bindUDP, "--bind-udp"), (connectUDP, .connectSendUDP, "--connect-udp"),
            (listenTCP, .listenTCP, "--listen-tcp"),
        ]
        if noNetwork {
            try ruleset.handleSockets()
            try ruleset.handle([.bindTCP, .connectTCP, .listenTCP])
        }
        for (value, right, option) in lists {
            guard let value else { continue }
            let ranges = try parsePortList(value, option: option)
            try ruleset.handle(right)
            for range in ranges { try ruleset.allow(right, ports: range) }
        }
        if !allowSocket.isEmpty {
            try ruleset.handleSockets()
            for spec in allowSocket {
                let rule = try parseSocketSpec(spec)
                try ruleset.allowSocket(family: rule.family, type: rule.type, protocol: rule.protocol)
            }
        }
        if !readOnly.isEmpty || !readWrite.isEmpty {
            // Everything this kernel can restrict on the filesystem is handled.
            let supported = KernelFeatures.probe().fs
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

    var restrictFlags: RestrictFlags {
        var flags: RestrictFlags = []
        if logSameExecOff { flags.insert(.logSameExecOff) }
        if logNewExecOn { flags.insert(.logNewExecOn) }
        if logSubdomainsOff { flags.insert(.logSubdomainsOff) }
        return flags
    }

    func run() throws {
        var environment = Ruleset.currentEnvironment()
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
                environment.removeAll { $0.hasPrefix("LISTEN_FDS=") || $0.hasPrefix("LISTEN_PID=") || $0.hasPrefix("LISTEN_FDNAMES=") }
                environment += try SocketActivation.install(fds, names: specs.map { "\($0.port)" })
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
            throw ExitCode(Exit.ownError)
        } catch let error as CLIError {
            printError(error.description)
            throw ExitCode(Exit.ownError)
        }
        execute(command, environment: environment)
    }
}
