// SPDX-License-Identifier: MIT
import ArgumentParser
import Glibc
import NetFence
import NetFenceSystem

/// A drop-in for the Linux kernel's samples/landlock/sandboxer.c (the Linux
/// 6.15-6.18 version, Landlock ABI 7): same environment variables, same
/// meaning, same best-effort downgrade, same messages and exit status 1 on
/// its own errors. Only Landlock is used, as the sample does: no seccomp.
struct Sandboxer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandboxer",
        abstract: "Drop-in for the kernel's Landlock sandboxer sample (LL_* environment variables).",
        discussion: """
        Environment (read and then removed before executing COMMAND):
          LL_FS_RO      required: colon-separated paths allowed to be read and executed
          LL_FS_RW      required: colon-separated paths allowed to be read, written and executed
          LL_TCP_BIND   colon-separated TCP ports allowed to bind; unset: not restricted, empty: none
          LL_TCP_CONNECT  the same for connect
          LL_SCOPED     colon-separated scopes: "a" (abstract UNIX sockets), "s" (signals)
          LL_FORCE_LOG  "1": log denials after exec too (Landlock ABI 7)

        Example:
          LL_FS_RO=/bin:/lib:/usr:/proc:/etc:/dev/urandom LL_FS_RW=/dev/null:/dev/full:/dev/zero:/dev/pts:/tmp \\
          LL_TCP_BIND=9418 LL_TCP_CONNECT=80:443 netfence sandboxer bash -i
        """)

    @Argument(parsing: .captureForPassthrough, help: ArgumentHelp("The command and its arguments.", valueName: "COMMAND"))
    var command: [String] = []

    static let abiLast: Int32 = 7
    static let roughlyRead: AccessFS = [.execute, .readFile, .readDir]
    static let roughlyWrite: AccessFS = [.writeFile, .removeDir, .removeFile, .makeChar, .makeDir, .makeReg,
                                         .makeSock, .makeFifo, .makeBlock, .makeSym, .refer, .truncate, .ioctlDev]

    /// The sample's failure: the message on stderr, exit status 1.
    struct Failure: Error {
        init(_ message: String) {
            if !message.isEmpty { writeStderr(message.hasSuffix("\n") ? message : message + "\n") }
        }
    }

    /// The fast path (as `run`'s, see RunOptions): the command of a
    /// `netfence sandboxer COMMAND...` that needs no help text, else nil.
    static func quickCommand(_ arguments: [String]) -> [String]? {
        guard arguments.first == "sandboxer", arguments.count > 1, !["--help", "-h"].contains(arguments[1]) else { return nil }
        return Array(arguments.dropFirst())
    }

    func run() throws {
        // COMMAND captures everything, so answer --help here.
        if command == ["--help"] || command == ["-h"] {
            print(Netfence.helpMessage(for: Sandboxer.self))
            return
        }
        throw ExitCode(Self.run(command))
    }

    /// Runs the sandboxer: returns only on failure, with the exit status.
    static func run(_ command: [String]) -> Int32 {
        do {
            try sandbox(command)
        } catch let error as NetFenceError {
            writeStderr("Failed to create a ruleset: \(error.message)\n")
        } catch {
            // A Failure: its message is written.
        }
        return 1
    }

    static func sandbox(_ command: [String]) throws -> Never {
        if command.isEmpty {
            writeStderr("""
            usage: LL_FS_RO="..." LL_FS_RW="..." [other environment variables] netfence sandboxer <cmd> [args]...

            Execute the given command in a restricted environment.
            Multi-valued settings (lists of ports, paths, scopes) are colon-delimited.
            Mandatory settings: LL_FS_RO, LL_FS_RW. Optional: LL_TCP_BIND, LL_TCP_CONNECT, LL_SCOPED, LL_FORCE_LOG.
            See `netfence sandboxer --help`.

            """)
            throw Failure("")
        }

        let abi = Self.kernelABI()
        if abi <= 0 {
            var message = "Failed to check Landlock compatibility: \(String(cString: strerror(-abi)))\n"
            if abi == -ENOSYS {
                message += "Hint: Landlock is not supported by the current kernel. To support it, build the kernel with CONFIG_SECURITY_LANDLOCK=y and prepend \"landlock,\" to the content of CONFIG_LSM.\n"
            } else {
                message += "Hint: Landlock is currently disabled. It can be enabled in the kernel configuration by prepending \"landlock,\" to the content of CONFIG_LSM, or at boot time by setting the same content to the \"lsm\" kernel parameter.\n"
            }
            throw Failure(message)
        }

        // The sample's fall-through downgrade switch.
        let wantedFS = roughlyRead.union(roughlyWrite)
        var handledFS = wantedFS
        var handledNet: AccessNet = [.bindTCP, .connectTCP]
        var scoped: Scope = [.abstractUnixSocket, .signal]
        if abi < abiLast {
            if abi < 2 { handledFS.remove(.refer) }
            if abi < 3 { handledFS.remove(.truncate) }
            if abi < 4 { handledNet = [] }
            if abi < 5 { handledFS.remove(.ioctlDev) }
            if abi < 6 { scoped = [] }
            writeStderr("Hint: You should update the running kernel to leverage Landlock features provided by ABI version \(abiLast) (instead of \(abi)).\n")
        } else if abi > abiLast {
            writeStderr("Hint: You should update this sandboxer to leverage Landlock features provided by ABI version \(abi) (instead of \(abiLast)).\n")
        }
        let accessRO = roughlyRead.intersection(handledFS)
        let accessRW = roughlyRead.union(roughlyWrite).intersection(handledFS)

        // What the downgrade left out of what the variables ask for: one
        // warning each (the sample only hints at a newer kernel).
        for (name, right) in [("LL_TCP_BIND", AccessNet.bindTCP), ("LL_TCP_CONNECT", .connectTCP)]
        where variable(name) != nil && !handledNet.contains(right) {
            warn(name, variable(name)!, needs: KernelFeatures.landlockABI(for: right), abi: abi)
        }
        if let text = variable("LL_SCOPED"), scoped.isEmpty, !text.isEmpty {
            warn("LL_SCOPED", text, needs: KernelFeatures.landlockABI(for: Scope.signal), abi: abi)
        }
        for (right, name) in KernelFeatures.fsRightNames where wantedFS.contains(right) && !handledFS.contains(right) {
            writeStderr("netfence: warning: the \(name) restriction of LL_FS_RO, LL_FS_RW is not in force: "
                + LandlockABI.shortfallReason(needs: KernelFeatures.landlockABI(for: right), abi: abi) + "\n")
        }
        if variable("LL_TCP_BIND") == nil { handledNet.remove(.bindTCP) }
        if variable("LL_TCP_CONNECT") == nil { handledNet.remove(.connectTCP) }

        if !scoped.isEmpty {
            if let text = variable("LL_SCOPED") {
                var parsed: Scope = []
                // Every item counts, an empty one too (the sample's strsep: "s:" is an error).
                for token in text.split(separator: ":", omittingEmptySubsequences: false) {
                    let scope: Scope? = token == "a" ? .abstractUnixSocket : token == "s" ? .signal : nil
                    guard let scope, !parsed.contains(scope) else { throw Failure("Unknown or duplicate scope \"\(token)\"") }
                    parsed.insert(scope)
                }
                scoped = parsed
            } else {
                scoped = []
            }
        }

        var flags: RestrictFlags = []
        if let force = variable("LL_FORCE_LOG") {
            if force != "1" { throw Failure("Unknown value for LL_FORCE_LOG (only \"1\" is handled)") }
            if abi < 7 { throw Failure("Audit logs not supported by current kernel") }
            flags.insert(.logNewExecOn)
        }

        let ruleset = Ruleset()
        try ruleset.setTCPGaps(.landlockOnly) // Landlock only, exactly as the sample.
        do {
            try ruleset.handle(handledFS)
            if !handledNet.isEmpty { try ruleset.handle(handledNet) }
            if !scoped.isEmpty { try ruleset.setScopes(scoped) }
        } catch {
            throw Failure("Failed to create a ruleset: \(error.message)")
        }
        for (name, access) in [("LL_FS_RO", accessRO), ("LL_FS_RW", accessRW)] {
            guard let list = variable(name) else { throw Failure("Missing environment variable \(name)") }
            // Every item, an empty one too: the sample tries to open it, warns and goes on.
            for path in list.split(separator: ":", omittingEmptySubsequences: false).map(String.init) {
                if path.isEmpty {
                    writeStderr("Failed to open \"\": \(String(cString: strerror(ENOENT)))\n")
                    continue
                }
                // As the sample: open, then let go of the descriptor (the rule
                // opens the path again at enforcement, one at a time), so any
                // number of paths fits under a low open-files limit.
                var isDirectory: Int32 = 0
                let probe = nf_open_path(path, &isDirectory)
                if probe < 0 {
                    // The sample reports an unopenable path and goes on.
                    writeStderr("Failed to open \"\(path)\": \(String(cString: strerror(-probe)))\n")
                    continue
                }
                nf_close(probe)
                do {
                    try ruleset.allow(access, beneathWhenEnforced: path)
                } catch {
                    throw Failure("Failed to update the ruleset with \"\(path)\": \(String(cString: strerror(error.code.rawValue)))")
                }
            }
        }
        for (name, right) in [("LL_TCP_BIND", AccessNet.bindTCP), ("LL_TCP_CONNECT", AccessNet.connectTCP)] {
            guard let list = variable(name), handledNet.contains(right) else { continue }
            for token in list.split(separator: ":", omittingEmptySubsequences: true).map(String.init) {
                // The sample's str2num: strtoull, the whole token, no range error
                // ("-1" parses, as 18446744073709551615, and the kernel refuses it below).
                var end: UnsafeMutablePointer<CChar>?
                errno = 0
                let value = token.withCString { strtoull($0, &end, 10) }
                if errno != 0 || end.map({ $0.pointee != 0 }) != false {
                    throw Failure("Failed to parse port at \"\(token)\"")
                }
                if value > 65535 {
                    throw Failure("Failed to update the ruleset with port \"\(value)\": \(String(cString: strerror(EINVAL)))")
                }
                _ = try? ruleset.allow(right, port: UInt16(value))
            }
        }
        for name in ["LL_FS_RO", "LL_FS_RW", "LL_TCP_BIND", "LL_TCP_CONNECT", "LL_SCOPED", "LL_FORCE_LOG"] { unsetenv(name) }

        do {
            try ruleset.restrictSelf(flags)
        } catch {
            let cause = String(cString: strerror(error.code.rawValue))
            throw Failure(error.reason == .applyStepFailed(.noNewPrivs) ? "Failed to restrict privileges: \(cause)" : "Failed to enforce ruleset: \(cause)")
        }

        writeStderr("Executing the sandboxed command...\n")
        // The environment as is (the LL_* variables were unset above).
        let path = (try? ProcessSupport.resolveExecutable(command[0], environment: nil)) ?? command[0]
        let error = replaceProcess(path, command, nil)
        throw Failure("Failed to execute \"\(command[0])\": \(String(cString: strerror(error)))\nHint: access to the binary, the interpreter or shared libraries may be denied.")
    }

    /// One warning line: `NAME VALUE is not in force: needs ...`.
    static func warn(_ name: String, _ value: String, needs: Int32?, abi: Int32) {
        writeStderr("netfence: warning: \(name) \(value.isEmpty ? "''" : value) is not in force: "
            + LandlockABI.shortfallReason(needs: needs, abi: abi) + "\n")
    }

    static func kernelABI() -> Int32 {
        do { return try LandlockABI.current().rawValue } catch { return -error.code.rawValue }
    }

    /// An environment variable, as the sample's getenv(3). (Not a dictionary
    /// of the environment: instantiating [String: String] costs a scan of the
    /// protocol conformances at first use, some 40 us of the start.)
    static func variable(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}
