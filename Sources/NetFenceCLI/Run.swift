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

    /// The parsed options as plain values (the fast path fills the same).
    var options: RunOptions {
        var options = RunOptions()
        options.bindTCP = bindTCP
        options.connectTCP = connectTCP
        options.bindUDP = bindUDP
        options.connectUDP = connectUDP
        options.listenTCP = listenTCP
        options.allowSocket = allowSocket
        options.noNetwork = noNetwork
        options.listen = listen
        options.readOnly = readOnly
        options.readWrite = readWrite
        options.scope = scope
        options.keepCaps = keepCaps
        options.noSecurebitsLock = noSecurebitsLock
        options.compat = compat
        options.logSameExecOff = logSameExecOff
        options.logNewExecOn = logNewExecOn
        options.logSubdomainsOff = logSubdomainsOff
        options.printStatus = printStatus
        options.statusJSON = statusJSON
        options.command = command
        return options
    }

    func run() throws {
        throw ExitCode(options.run())
    }
}
