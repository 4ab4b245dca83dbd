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
          netfence status --json
        """)

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        let features = KernelFeatures.probe()
        print(json ? Self.json(features) : Self.table(features), terminator: "")
    }

    static func table(_ f: KernelFeatures) -> String {
        var lines: [String] = []
        func row(_ name: String, _ value: String) { lines.append(name.padding(30) + value) }
        row("Landlock", LandlockABI.describe(f.landlockABI))
        row("Landlock errata", f.landlockErrata >= 0 ? "0x" + String(f.landlockErrata, radix: 16) : "not reported")
        for (right, name) in KernelFeatures.netRightNames {
            let needed = KernelFeatures.landlockABI(for: right).map { "Landlock ABI \($0)" } ?? "netfence (seccomp)"
            let here = right == .listenTCP ? (f.seccompFilter ? "yes" : "no") : (f.net.contains(right) ? "yes" : "no")
            row("  net " + name, here + " (" + needed + ")")
        }
        for (right, name) in KernelFeatures.fsRightNames {
            row("  fs " + name, (f.fs.contains(right) ? "yes" : "no") + " (Landlock ABI \(KernelFeatures.landlockABI(for: right) ?? 0))")
        }
        for (scope, name) in KernelFeatures.scopeNames {
            row("  scope " + name, (f.scopes.contains(scope) ? "yes" : "no") + " (Landlock ABI \(KernelFeatures.landlockABI(for: scope) ?? 0))")
        }
        row("  log flags", f.logFlags.isEmpty ? "no (Landlock ABI 7)" : "yes (Landlock ABI 7)")
        row("  all-thread restriction", f.landlockThreadSync ? "yes (TSYNC, ABI 8)" : "no (TSYNC needs ABI 8)")
        row("seccomp filter", f.seccompFilter ? "yes (socket allow-list, listen, bypasses)" : "no")
        row("seccomp user notification", f.seccompUserNotification ? "yes (per-port listen rules)" : "no (listen rules deny all)")
        if let attached = f.attachedSeccompFilters, attached > 0 {
            row("seccomp filters attached", "\(attached) (this process is already filtered: per-port listen rules fail closed)")
        }
        row("io_uring", f.ioUringDisabled.map { $0 == 0 ? "enabled (netfence blocks it in its seccomp layer)" : "disabled by sysctl (\($0))" } ?? "no sysctl (enabled if built)")
        row("Yama ptrace_scope", f.yamaPtraceScope.map { "\($0)" + ($0 >= 1 ? " (per-port listen fails closed in forked children)" : "") } ?? "no Yama")
        row("unprivileged port start", f.unprivilegedPortStart.map { "\($0)" } ?? "unknown")
        return lines.joined(separator: "\n") + "\n"
    }

    static func json(_ f: KernelFeatures) -> String {
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
        var out = ""
        object.write(to: &out)
        return out + "\n"
    }
}

extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
