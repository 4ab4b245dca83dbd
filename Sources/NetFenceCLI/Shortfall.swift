// SPDX-License-Identifier: MIT
import NetFence

/// One piece of the command line that is not in force, said in the words of
/// the command line: the option as given, and the library's reason
/// (`--bind-udp 53 is not in force: needs Landlock ABI 10 (Linux 7.2), this kernel has 7`).
/// `netfence run` prints one warning per shortfall before executing the
/// command; `--strict` refuses to run it when there is any.
struct Shortfall: Equatable {
    /// The option as given, and what of it when that is narrower.
    var subject: String
    var reason: String

    var line: String { subject + " is not in force: " + reason }

    /// The shortfalls of `status` (each of its ``RestrictionStatus/droppedItems``),
    /// named by the options of `options` that asked for them.
    static func all(in status: RestrictionStatus, options: RunOptions) -> [Shortfall] {
        status.droppedItems.map { Shortfall(subject: subject(of: $0, options: options), reason: $0.reason) }
    }

    /// The option (or options) that asked for `item`.
    static func subject(of item: DroppedItem, options: RunOptions) -> String {
        // `--no-network` handles socket creation and the TCP rights without a
        // port option of their own.
        func portOption(_ option: RunOptionSpec, orNoNetwork what: String) -> String {
            options.values(of: option) != nil || options.values(of: .noNetwork) == nil
                ? options.spelled(option) : "--no-network (\(what))"
        }
        switch (item.layer, item.item) {
        case ("landlock.net", "bind_tcp"): return portOption(.bindTCP, orNoNetwork: "TCP bind")
        case ("landlock.net", "connect_tcp"): return portOption(.connectTCP, orNoNetwork: "TCP connect")
        case ("landlock.net", "bind_udp"): return options.spelled(.bindUDP)
        case ("landlock.net", "connect_send_udp"): return options.spelled(.connectUDP)
        case ("landlock.fs", let right):
            let given = RunOptionSpec.table.filter {
                if case .allowBeneath = $0.effect { return options.values(of: $0) != nil } else { return false }
            }
            // The right is handled (denied outside the paths), not granted.
            return "the \(right) restriction of " + given.map { "--" + $0.name }.joined(separator: ", ")
        case ("landlock.scopes", let scope):
            return "--scope " + (scope == "abstract_unix_socket" ? "abstract-unix" : scope)
        case ("landlock.flags", let flag):
            return "--" + String(flag.map { $0 == "_" ? "-" : $0 })
        case ("seccomp", "sockets"):
            return options.values(of: .allowSocket) != nil ? options.spelled(.allowSocket) : "--no-network (socket creation)"
        case ("seccomp", "listen_tcp"): return portOption(.listenTCP, orNoNetwork: "listen")
        case ("seccomp", "listen_rules"): return options.spelled(.listenTCP) + " (port by port)"
        case ("capabilities", "bounding"): return options.spelled(.keepCaps) + " (bounding set)"
        case ("capabilities", _): return options.spelled(.keepCaps)
        default: return item.layer + " " + item.item
        }
    }
}
