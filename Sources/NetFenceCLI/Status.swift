// SPDX-License-Identifier: MIT
import ArgumentParser
import Glibc
import NetFence

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what this kernel supports: Landlock ABI, errata, each right, seccomp, user notification, io_uring.",
        discussion: """
        Examples:
          netfence status
          netfence status --json --pretty
        """)

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @Flag(help: "Indent the JSON (the default when it goes to a terminal).")
    var pretty = false

    func run() throws {
        let features = KernelFeatures.probe()
        print(json ? Self.json(features, indent: pretty || isatty(1) == 1 ? 2 : nil) : Self.table(features), terminator: "")
    }

    /// The table for people: a heading per layer, each feature in words with
    /// the options of `netfence run` that use it, and what a missing one needs.
    static func table(_ f: KernelFeatures) -> String {
        var lines: [String] = []
        func row(_ name: String, _ value: String, indent: Int = 2) {
            lines.append(String(repeating: " ", count: indent) + (name + ":").padded(to: 38 - indent) + value)
        }
        /// "yes", or what the kernel lacks: "no: needs Landlock ABI 10 (Linux 7.2)".
        func support(_ present: Bool, abi needed: Int32?) -> String {
            present ? "yes" : "no: " + LandlockABI.shortfallReason(needs: needed, abi: f.landlockABI)
        }
        lines.append("Landlock: " + (f.landlockABI > 0 ? "ABI \(f.landlockABI)" : LandlockABI.describe(f.landlockABI))
            + (f.landlockErrata >= 0 ? ", errata 0x" + String(f.landlockErrata, radix: 16) : ""))
        lines.append("  network")
        for (right, words, option) in [(AccessNet.bindTCP, "bind TCP", "--bind-tcp"), (.connectTCP, "connect TCP", "--connect-tcp"),
                                       (.bindUDP, "bind UDP", "--bind-udp"), (.connectSendUDP, "connect/send UDP", "--connect-udp")] {
            row("\(words) (\(option))", support(f.net.contains(right), abi: KernelFeatures.landlockABI(for: right)), indent: 4)
        }
        lines.append("  filesystem (--ro, --rox, --rw, --rwx)")
        for (right, name) in KernelFeatures.fsRightNames {
            let unused = FileRights.handled.contains(right) ? "" : " (not used by these options in this version)"
            row(name, support(f.fs.contains(right), abi: KernelFeatures.landlockABI(for: right)) + unused, indent: 4)
        }
        lines.append("  IPC scopes (--scope)")
        for (scope, words) in [(Scope.abstractUnixSocket, "abstract UNIX sockets"), (.signal, "signals")] {
            row(words, support(f.scopes.contains(scope), abi: KernelFeatures.landlockABI(for: scope)), indent: 4)
        }
        row("logging flags (--log-*)", support(!f.logFlags.isEmpty, abi: 7))
        row("every thread at once (TSYNC)", support(f.landlockThreadSync, abi: 8))
        lines.append("Seccomp")
        row("filter", f.seccompFilter ? "yes (socket allow-list, listen, TCP bypasses)" : "no")
        row("user notification", f.seccompUserNotification ? "yes (per-port --listen-tcp rules)" : "no (--listen-tcp rules deny every listen())")
        row("listen TCP (--listen-tcp)", f.seccompFilter ? "yes (netfence's own, with seccomp)" : "no: needs a seccomp filter")
        if let attached = f.attachedSeccompFilters, attached > 0 {
            row("filters already attached", "\(attached) (this process is filtered: per-port listen rules fail closed)")
        }
        row("io_uring", f.ioUringDisabled.map { $0 == 0 ? "enabled (netfence blocks it in its seccomp layer)" : "disabled by sysctl (\($0))" } ?? "no sysctl (enabled if built)")
        lines.append("System")
        row("Yama ptrace_scope", f.yamaPtraceScope.map { "\($0)" + ($0 >= 1 ? " (per-port listen fails closed in forked children)" : "") } ?? "no Yama")
        row("unprivileged port start", f.unprivilegedPortStart.map { "\($0)" } ?? "unknown")
        return lines.joined(separator: "\n") + "\n"
    }

    static func json(_ f: KernelFeatures, indent: Int? = nil) -> String {
        func rights<T>(_ names: [(T, String)], _ has: (T) -> Bool, _ abi: (T) -> Int32?) -> JSON {
            .array(names.map { item in
                .object([("name", .string(item.1)), ("supported", .bool(has(item.0))),
                         ("landlock_abi", abi(item.0).map { JSON.int(Int64($0)) } ?? .null)])
            })
        }
        let object: JSON = .object([
            ("landlock", .object([
                ("abi", .int(Int64(f.landlockABI))),
                ("available", .bool(f.landlockABI > 0)),
                ("errata", f.landlockErrata >= 0 ? .int(Int64(f.landlockErrata)) : .null),
                ("net", rights(KernelFeatures.netRightNames, { $0 == .listenTCP ? f.seccompFilter : f.net.contains($0) }, KernelFeatures.landlockABI(for:))),
                ("fs", rights(KernelFeatures.fsRightNames, { f.fs.contains($0) }, KernelFeatures.landlockABI(for:))),
                ("scopes", rights(KernelFeatures.scopeNames, { f.scopes.contains($0) }, KernelFeatures.landlockABI(for:))),
                ("log_flags", .bool(!f.logFlags.isEmpty)),
                ("tsync", .bool(f.landlockThreadSync)),
            ])),
            ("seccomp", .object([("filter", .bool(f.seccompFilter)), ("user_notification", .bool(f.seccompUserNotification)),
                                 ("attached_filters", f.attachedSeccompFilters.map { JSON.int(Int64($0)) } ?? .null)])),
            ("io_uring_disabled", f.ioUringDisabled.map { JSON.int(Int64($0)) } ?? .null),
            ("yama_ptrace_scope", f.yamaPtraceScope.map { JSON.int(Int64($0)) } ?? .null),
            ("unprivileged_port_start", f.unprivilegedPortStart.map { JSON.int(Int64($0)) } ?? .null),
        ])
        return object.rendered(indent: indent)
    }
}
