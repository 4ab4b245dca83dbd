// SPDX-License-Identifier: MIT
import ArgumentParser
import Glibc
import NetFence

/// The compatibility options are one enumerable flag (swift-argument-parser
/// refuses two different levels), named from the table.
extension CompatibilityLevel: EnumerableFlag {
    public static func name(for value: CompatibilityLevel) -> NameSpecification {
        .customLong(RunOptionSpec.entry(for: value).name)
    }

    public static func help(for value: CompatibilityLevel) -> ArgumentHelp? {
        ArgumentHelp(RunOptionSpec.entry(for: value).help)
    }
}

/// Declares `run`'s options for swift-argument-parser from their entries in
/// ``RunOptionSpec/table``: the names, value names and help are not repeated here.
extension Option where Value == String? {
    init(_ option: RunOptionSpec) {
        self.init(name: .customLong(option.name), help: ArgumentHelp(option.help, valueName: option.valueName))
    }
}

extension Option where Value == [String] {
    init(wrappedValue: [String], _ option: RunOptionSpec) {
        self.init(wrappedValue: wrappedValue, name: .customLong(option.name),
                  help: ArgumentHelp(option.help, valueName: option.valueName))
    }
}

extension Flag where Value == Bool {
    init(wrappedValue: Bool, _ option: RunOptionSpec) {
        self.init(wrappedValue: wrappedValue, name: .customLong(option.name), help: ArgumentHelp(option.help))
    }
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Restrict this process, then execute COMMAND in it (no extra process).",
        discussion: """
        An option that is given handles that right; an empty list denies it entirely, an \
        absent option leaves it allowed (the kernel sandboxer's "unset vs empty" rule). \
        Port lists are comma-separated ports and ranges: 80,443,8000-8100. Repeating an \
        option adds to it. The command follows the options; `--` is needed only before a \
        command that starts with `-`. Whatever is not in force is named in one warning \
        line each (--quiet: none; --strict: an error, and the command is not run).

        Examples:
          netfence run --no-network ./parse-untrusted input.bin
          netfence run --connect-tcp 443 --bind-tcp '' curl https://example.org
          netfence run --listen 8080 --no-network --keep-caps '' ./server
          netfence run --allow-socket tcp --listen-tcp 8080 --bind-tcp 8080 ./server
          netfence run --rox /usr --ro /etc --rw /tmp --status ls /tmp
        """)

    // One property per entry of RunOptionSpec.table, in its order (the help's).
    // The tests check that swift-argument-parser sees exactly the table.
    @Option(.policy) var policy: [String] = []
    @Option(.bindTCP) var bindTCP: [String] = []
    @Option(.connectTCP) var connectTCP: [String] = []
    @Option(.bindUDP) var bindUDP: [String] = []
    @Option(.connectUDP) var connectUDP: [String] = []
    @Option(.listenTCP) var listenTCP: [String] = []
    @Option(.allowSocket) var allowSocket: [String] = []
    @Flag(.noNetwork) var noNetwork = false
    @Option(.listen) var listen: [String] = []
    @Option(.readOnly) var readOnly: [String] = []
    @Option(.readExecute) var readExecute: [String] = []
    @Option(.readWrite) var readWrite: [String] = []
    @Option(.readWriteExecute) var readWriteExecute: [String] = []
    @Option(.scope) var scope: [String] = []
    @Option(.keepCaps) var keepCaps: [String] = []
    @Flag(.noSecurebitsLock) var noSecurebitsLock = false
    @Flag(help: "What to do when the kernel lacks something.")
    var compatibility: CompatibilityLevel?
    @Flag(.strict) var strict = false
    @Flag(.quiet) var quiet = false
    @Flag(.logSameExecOff) var logSameExecOff = false
    @Flag(.logNewExecOn) var logNewExecOn = false
    @Flag(.logSubdomainsOff) var logSubdomainsOff = false
    @Flag(.status) var printStatus = false
    @Option(.statusJSON) var statusJSON: [String] = []
    @Flag(.pretty) var pretty = false
    // Everything from the first argument that is not an option (or after
    // `--`) is the command, as the fast parser takes it.
    @Argument(parsing: .captureForPassthrough, help: ArgumentHelp("The command and its arguments.", valueName: "COMMAND"))
    var command: [String] = []

    mutating func validate() throws {
        // captureForPassthrough takes --help as the command's first word.
        if command.first == "--help" || command.first == "-h" { throw CleanExit.helpRequest(self) }
        if command.first == "--" { command.removeFirst() } else if let first = command.first, first.hasPrefix("-") {
            // captureForPassthrough also stops at an unknown option.
            throw ValidationError("unknown option '\(first)' (a command that starts with '-' goes after --)")
        }
        if command.isEmpty { throw ValidationError("missing COMMAND") }
        if strict, let level = compatibility {
            throw ValidationError("--strict and --\(RunOptionSpec.entry(for: level).name) cannot be combined: --strict is the hard level")
        }
    }

    /// The parsed options as plain values (the fast path fills the same).
    var options: RunOptions {
        var options = RunOptions(command: command)
        options.record(.policy, values: policy)
        options.record(.bindTCP, values: bindTCP)
        options.record(.connectTCP, values: connectTCP)
        options.record(.bindUDP, values: bindUDP)
        options.record(.connectUDP, values: connectUDP)
        options.record(.listenTCP, values: listenTCP)
        options.record(.allowSocket, values: allowSocket)
        options.record(.noNetwork, given: noNetwork)
        options.record(.listen, values: listen)
        options.record(.readOnly, values: readOnly)
        options.record(.readExecute, values: readExecute)
        options.record(.readWrite, values: readWrite)
        options.record(.readWriteExecute, values: readWriteExecute)
        options.record(.scope, values: scope)
        options.record(.keepCaps, values: keepCaps)
        options.record(.noSecurebitsLock, given: noSecurebitsLock)
        if let compatibility { options.record(.entry(for: compatibility), given: true) }
        options.record(.strict, given: strict)
        options.record(.quiet, given: quiet)
        options.record(.logSameExecOff, given: logSameExecOff)
        options.record(.logNewExecOn, given: logNewExecOn)
        options.record(.logSubdomainsOff, given: logSubdomainsOff)
        options.record(.status, given: printStatus)
        options.record(.statusJSON, values: statusJSON)
        options.record(.pretty, given: pretty)
        return options
    }

    func run() throws {
        throw ExitCode(options.run())
    }
}
