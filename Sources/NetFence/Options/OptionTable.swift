// SPDX-License-Identifier: MIT

/// One option of `netfence run`: its name, value syntax, help, whether it
/// repeats, and what it does to the ruleset.
///
/// Every option of `run` is declared once, in ``table``, and the rest follows
/// from it:
/// - swift-argument-parser's ``Run`` declares each property from its entry
///   (name, value name, help), so the help text and the shell completions
///   (`netfence --generate-completion-script`) come from here;
/// - the fast parser, ``RunOptions/init(quickParsing:)``, looks options up
///   here by name and knows from the entry whether one takes a value or repeats;
/// - ``RunOptions/ruleset()`` applies the options given by their ``effect``,
///   in table order.
/// What cannot be derived is checked against the table by the tests
/// (Tests/NetFenceCLITests/RunOptionTableTests.swift): the properties of
/// ``Run`` as swift-argument-parser sees them, the completion scripts,
/// man/netfence.1 and docs/cli.md.
package struct RunOptionSpec: Equatable {
    /// What an option does. Options that share an effect kind (the five port
    /// lists, the two path options, the three levels, the three log flags) are
    /// handled alike.
    package enum Effect: Equatable {
        /// Handles the network right; allows the ports of the list ('': none).
        case allowPorts(AccessNet)
        /// Handles socket creation; allows one kind of socket.
        case allowSocket
        /// Handles socket creation and TCP bind, connect and listen.
        case denyNetwork
        /// Socket activation: a listener created before restricting (no rule).
        case listen
        /// Handles the filesystem rights of ``FileRights/handled`` (a fixed
        /// set: the same on every kernel), and allows these beneath the path.
        case allowBeneath(AccessFS)
        /// Sets the IPC scopes.
        case scopes
        /// Drops every capability but those listed; the command keeps them
        /// across exec (the ambient set).
        case keepCapabilities
        /// With ``keepCapabilities``: securebits are not locked.
        case noSecurebitsLock
        /// The compatibility level. The levels exclude one another, and
        /// best effort is in force when none is given.
        case compatibility(CompatibilityLevel)
        /// The hard requirement, named for what it does for a person: any
        /// shortfall is an error that names the option (exclusive with the levels).
        case strict
        /// No warning lines for what is not in force.
        case quiet
        /// A flag of `restrictSelf` (Landlock's logging).
        case restrictFlag(RestrictFlags)
        /// The enforcement report to standard error.
        case printStatus
        /// The enforcement report as JSON, to a file opened before restricting
        /// (`-`: standard output).
        case statusJSON
        /// The JSON report indented.
        case prettyJSON
        /// Options read from a policy file (PolicyFile), added to the command line's.
        case policy
    }

    /// The long name, without the leading `--`.
    package let name: String
    /// The value's syntax in the help and the docs (`PORTS`); nil for a flag.
    package let valueName: String?
    /// Whether the option may be given more than once (each value counts).
    package let repeats: Bool
    /// The one-line help of `netfence run --help` and the completions.
    package let help: String
    package let effect: Effect

    package var isFlag: Bool { valueName == nil }

    /// The fast parser takes an option that does not repeat once at most:
    /// this key names it, or the group of options that exclude one another.
    package var onceKey: String {
        if case .compatibility = effect { return "compatibility level" }
        if effect == .strict { return "compatibility level" }
        return name
    }

    private init(_ name: String, value valueName: String? = nil, repeats: Bool = false, _ effect: Effect, help: String) {
        self.name = name
        self.valueName = valueName
        self.repeats = repeats
        self.help = help
        self.effect = effect
    }
}

extension RunOptionSpec {
    // Network
    package static let bindTCP = RunOptionSpec("bind-tcp", value: "PORTS", repeats: true, .allowPorts(.bindTCP),
        help: "TCP ports the command may bind.")
    package static let connectTCP = RunOptionSpec("connect-tcp", value: "PORTS", repeats: true, .allowPorts(.connectTCP),
        help: "TCP ports the command may connect to.")
    package static let bindUDP = RunOptionSpec("bind-udp", value: "PORTS", repeats: true, .allowPorts(.bindUDP),
        help: "UDP ports the command may bind (Landlock ABI 10).")
    package static let connectUDP = RunOptionSpec("connect-udp", value: "PORTS", repeats: true, .allowPorts(.connectSendUDP),
        help: "UDP ports the command may connect or send to (ABI 10).")
    package static let listenTCP = RunOptionSpec("listen-tcp", value: "PORTS", repeats: true, .allowPorts(.listenTCP),
        help: "TCP ports the command may listen on; 0: a never-bound socket (seccomp).")
    package static let allowSocket = RunOptionSpec("allow-socket", value: "SPEC", repeats: true, .allowSocket,
        help: "Allow creating sockets FAMILY[:TYPE[:PROTOCOL]] (e.g. ip:stream, inet6:dgram:udp, unix) or tcp, udp; makes socket creation deny-by-default.")
    package static let noNetwork = RunOptionSpec("no-network", .denyNetwork,
        help: "No socket creation, no TCP bind, connect or listen.")
    package static let policy = RunOptionSpec("policy", value: "FILE", repeats: true, .policy,
        help: "Read options from FILE: one per line without the dashes (connect-tcp = 443), # comments; they add to the command line's.")
    package static let listen = RunOptionSpec("listen", value: "[ADDR:]PORT", repeats: true, .listen,
        help: "Socket activation: create, bind and listen [ADDR:]PORT before restricting; the command gets it as fd 3, 4, ... (sd_listen_fds).")
    // Filesystem
    package static let readOnly = RunOptionSpec("ro", value: "PATH", repeats: true, .allowBeneath(FileRights.read),
        help: "Path to allow reading beneath (handles the filesystem).")
    package static let readExecute = RunOptionSpec("rox", value: "PATH", repeats: true, .allowBeneath(FileRights.readExecute),
        help: "Path to allow reading and executing beneath.")
    package static let readWrite = RunOptionSpec("rw", value: "PATH", repeats: true, .allowBeneath(FileRights.readWrite),
        help: "Path to allow reading and writing beneath (not executing).")
    package static let readWriteExecute = RunOptionSpec("rwx", value: "PATH", repeats: true, .allowBeneath(FileRights.all),
        help: "Path to allow reading, writing and executing beneath.")
    package static let scope = RunOptionSpec("scope", value: "LIST", repeats: true, .scopes,
        help: "IPC scopes: abstract-unix,signal.")
    // Capabilities
    package static let keepCaps = RunOptionSpec("keep-caps", value: "LIST", repeats: true, .keepCapabilities,
        help: "Capabilities to keep (libcap names, comma-separated; '' keeps none); drops all others. The command keeps them across exec (ambient set).")
    package static let noSecurebitsLock = RunOptionSpec("no-securebits-lock", .noSecurebitsLock,
        help: "Do not lock securebits when dropping capabilities as root.")
    // Compatibility (one of)
    package static let bestEffort = RunOptionSpec("best-effort", .compatibility(.bestEffort),
        help: "Enforce what the kernel supports, warn about the rest. The default.")
    package static let soft = RunOptionSpec("soft", .compatibility(.softRequirement),
        help: "If anything is unsupported, enforce nothing (and warn).")
    package static let hard = RunOptionSpec("hard", .compatibility(.hardRequirement),
        help: "If anything is unsupported, fail before running the command.")
    package static let strict = RunOptionSpec("strict", .strict,
        help: "Any shortfall is an error (exit 125, command not run): --hard, with each shortfall named.")
    package static let quiet = RunOptionSpec("quiet", .quiet,
        help: "No warning lines for what is not in force.")
    // Landlock logging
    package static let logSameExecOff = RunOptionSpec("log-same-exec-off", .restrictFlag(.logSameExecOff),
        help: "Landlock: do not log denials of this program (ABI 7).")
    package static let logNewExecOn = RunOptionSpec("log-new-exec-on", .restrictFlag(.logNewExecOn),
        help: "Landlock: log denials after exec too (ABI 7).")
    package static let logSubdomainsOff = RunOptionSpec("log-subdomains-off", .restrictFlag(.logSubdomainsOff),
        help: "Landlock: do not log denials of nested domains (ABI 7).")
    // Reporting
    package static let status = RunOptionSpec("status", .printStatus,
        help: "Print the enforcement report to stderr before executing.")
    package static let statusJSON = RunOptionSpec("status-json", value: "FILE", repeats: true, .statusJSON,
        help: "Write the enforcement report as JSON to FILE ('-': standard output).")
    package static let pretty = RunOptionSpec("pretty", .prettyJSON,
        help: "Indent the JSON report (the default when it goes to a terminal).")

    /// Every option of `netfence run`, in the order of the help, the man page
    /// and docs/cli.md. The ruleset is built in this order too, so that the
    /// first invalid value reported does not depend on the command line's order.
    package static let table: [RunOptionSpec] = [
        policy, bindTCP, connectTCP, bindUDP, connectUDP, listenTCP, allowSocket, noNetwork, listen,
        readOnly, readExecute, readWrite, readWriteExecute, scope,
        keepCaps, noSecurebitsLock,
        bestEffort, soft, hard, strict, quiet,
        logSameExecOff, logNewExecOn, logSubdomainsOff,
        status, statusJSON, pretty,
    ]

    /// The level an option sets (the levels and `--strict`), else nil.
    package var compatibilityLevel: CompatibilityLevel? {
        switch effect {
        case .compatibility(let level): return level
        case .strict: return .hardRequirement
        default: return nil
        }
    }

    /// The option of a level, as written (`strict` names the hard level when given so).
    package static func levelName(_ level: CompatibilityLevel) -> String {
        "--" + entry(for: level).name + (level == .hardRequirement ? " or --strict" : "")
    }

    /// The position in ``table`` of the option called `name` (without `--`).
    package static func position<Name: StringProtocol>(named name: Name) -> Int? {
        table.firstIndex { $0.name == name }
    }

    /// The entry of a compatibility level (swift-argument-parser's flag names).
    package static func entry(for level: CompatibilityLevel) -> RunOptionSpec {
        table.first { $0.effect == .compatibility(level) }!
    }
}

/// The filesystem rights of `--ro`, `--rox`, `--rw` and `--rwx`: a fixed set
/// for a netfence version, never "what this kernel supports" (which would
/// change what a command line means on a kernel upgrade). Rights the kernel
/// lacks are reported, one warning each, and `--strict` refuses them.
///
/// netfence 0.2 takes the rights of Landlock ABI 1 to 5. RESOLVE_UNIX (ABI 9,
/// Linux 7.1) is left out on purpose: on every kernel before 7.1 it would
/// warn at each use and make `--strict` with a path option impossible; a
/// later version adds it as a documented change. Connecting to UNIX sockets
/// is restricted meanwhile by `--allow-socket` (socket creation).
package enum FileRights {
    package static let read: AccessFS = [.readFile, .readDir]
    package static let readExecute: AccessFS = read.union(.execute)
    package static let readWrite: AccessFS = read.union([
        .writeFile, .removeDir, .removeFile, .makeChar, .makeDir, .makeReg, .makeSock, .makeFifo, .makeBlock,
        .makeSym, .refer, .truncate, .ioctlDev,
    ])
    package static let all: AccessFS = readWrite.union(.execute)
    /// What any of the four options handles, so that what no option allows
    /// is denied.
    package static let handled: AccessFS = all
}
