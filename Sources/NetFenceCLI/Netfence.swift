// SPDX-License-Identifier: MIT
import ArgumentParser
import Glibc
import NetFence

@main
struct Netfence: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "netfence",
        abstract: "Run a program with only the network (and filesystem) access it needs.",
        discussion: """
        Exit status: the command's own status after `run` and `sandboxer`. For `run`: 125 for \
        netfence's own errors (also when no option restricts anything), 126 when the command \
        cannot be executed, 127 when it is not found. For `sandboxer`: 1 for every error of its \
        own, as the kernel's sample. 64 for usage errors (and `netfence` alone).
        """,
        version: "netfence \(netfenceVersion) (built for Landlock ABI \(LandlockABI.newestKnown.rawValue))",
        subcommands: [Run.self, Status.self, Sandboxer.self, Policy.self])

    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.isEmpty {
            writeStderr(helpMessage() + "\n")
            Glibc.exit(Exit.usage)
        }
        // `netfence run` and `netfence sandboxer` start a program each time: a
        // well-formed invocation skips swift-argument-parser (~3 ms per start;
        // see RunOptions). Both parsers take their options from RunOptionSpec.table.
        // NETFENCE_CLI_FULL_PARSER set (to anything) forces the full parser (tests compare).
        if getenv("NETFENCE_CLI_FULL_PARSER") == nil {
            if let options = RunOptions(quickParsing: arguments) { Glibc.exit(options.run()) }
            if let command = Sandboxer.quickCommand(arguments) { Glibc.exit(Sandboxer.run(command)) }
        }
        main(nil)
    }
}


/// Exit codes of netfence's own failures (`run`).
enum Exit {
    /// A usage error (sysexits' EX_USAGE), as swift-argument-parser's.
    static let usage: Int32 = 64
    static let ownError: Int32 = 125
    static let cannotExecute: Int32 = 126
    static let notFound: Int32 = 127
}

/// Writes to fd 2 directly (stdio's `stderr` is shared mutable state to Swift 6).
func writeStderr(_ text: String) {
    var remaining = Array(text.utf8)[...]
    while !remaining.isEmpty {
        let written = remaining.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        if written < 0 { if errno == EINTR { continue } else { return } }
        remaining = remaining.dropFirst(written)
    }
}

func printError(_ text: String) {
    var line = "netfence: " + text
    if !line.hasSuffix("\n") { line += "\n" }
    writeStderr(line)
}

/// execve(2) with Swift arrays (a nil environment: this process's own, as
/// is); returns errno (it only returns on failure).
func replaceProcess(_ path: String, _ argv: [String], _ environment: [String]?) -> Int32 {
    withCommandArgv(argv) { argvPointer in
        withEnvironment(environment) { envpPointer in
            // A path taken as given (it has a `/`) is executed with the
            // bytes of argv[0], which may not be UTF-8.
            if path == argv.first, let raw = argvPointer[0] {
                execve(raw, argvPointer, envpPointer)
            } else {
                execve(path, argvPointer, envpPointer)
            }
            return errno
        }
    }
}

/// Calls `body` with `argv` as a C array: the tail of this process's own argv
/// when it is that tail, as the command always is (both parsers and the
/// sandboxer take it as the rest of the command line): no copy, and its bytes
/// as given, where Swift strings would have replaced invalid UTF-8. Else a copy.
func withCommandArgv<R>(_ argv: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    let start = Int(CommandLine.argc) - argv.count
    let isTail = start > 0 && argv.indices.allSatisfy { index in
        CommandLine.unsafeArgv[start + index].map { String(cString: $0) == argv[index] } ?? false
    }
    if isTail { return body(CommandLine.unsafeArgv + start) }
    return withCStringArray(argv, body)
}

/// Replaces this process with the command (no extra process); only returns
/// on failure. A nil environment: this process's own.
func execute(_ command: [String], environment: [String]?) -> Never {
    let path: String
    do {
        path = try ProcessSupport.resolveExecutable(command[0], environment: environment)
    } catch {
        printError("\(command[0]): command not found")
        exit(Exit.notFound)
    }
    let error = replaceProcess(path, command, environment)
    printError("cannot execute \(path): \(String(cString: strerror(error)))"
        + (error == EACCES ? "\nhint: executing needs --rox or --rwx on the program, its interpreter and its libraries (--ro and --rw do not allow it)" : ""))
    exit(error == ENOENT ? Exit.notFound : Exit.cannotExecute)
}
