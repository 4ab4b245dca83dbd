// SPDX-License-Identifier: MIT

/// The text report: read by people first. One heading per layer, each thing under the layer that
/// enforces it (listen is seccomp's, not Landlock's), plain words instead of flag names, and what
/// is not in force with the reason. The wording may change between versions; programs read JSON.
extension RestrictionStatus {
    /// The kernel rights in the order of the report, with their words.
    private static let netWords: [(AccessNet, String)] = [
        (.bindTCP, "bind TCP"), (.connectTCP, "connect TCP"), (.bindUDP, "bind UDP"), (.connectSendUDP, "connect/send UDP"),
    ]

    func textReport(portsAsGiven: [(AccessNet, String)]) -> String {
        var lines: [String] = []
        func row(_ label: String, _ value: String) {
            lines.append("  " + (label + ":").padded(to: 21) + value)
        }
        func ports(_ right: AccessNet) -> String? {
            portsAsGiven.last { $0.0 == right }.map { $0.1.isEmpty ? "no port allowed" : "allowed ports: " + $0.1 }
        }

        lines.append("netfence enforcement report")
        row("enforcement", enforcementWords)
        row("no_new_privs", noNewPrivs ? "set" : "not set")
        row("threads", threadCount == 0 ? (allThreads ? "all covered" : "calling thread only")
            : "\(threadCount), " + (allThreads ? "all covered" : "only the calling thread is covered"))

        var landlock = "Landlock (" + (landlockABI > 0 ? "kernel ABI \(landlockABI)" : LandlockABI.describe(landlockABI))
            + (landlockErrata >= 0 ? ", errata 0x\(String(landlockErrata, radix: 16))" : "") + "): "
        landlock += landlockApplied ? (landlockIsolation ? "applied, only to confine ptrace-style access" : "applied") : "not applied"
        lines.append(landlock)
        for (right, words) in Self.netWords {
            if !netRequested.contains(right) {
                row(words, "not restricted")
            } else if netAllPorts.contains(right) {
                row(words, "every port allowed (nothing to enforce)")
            } else if netEnforced.contains(right) {
                row(words, "restricted, " + (ports(right) ?? "only the ports of its rules"))
            } else {
                row(words, "NOT in force (see below)")
            }
        }
        if !netRequested.intersection(AccessNet.kernelRights).subtracting(netAllPorts).isEmpty {
            row("port rules", "\(portRules) in the kernel")
        }
        if fsRequested.isEmpty {
            row("filesystem", "not restricted")
        } else {
            let missing = fsRequested.subtracting(fsEnforced)
            let state = fsEnforced.isEmpty ? "NOT in force (see below)"
                : missing.isEmpty ? "restricted, \(fsEnforced.rawValue.nonzeroBitCount) rights" : "restricted, except \(missing) (see below)"
            row("filesystem", state + ", \(pathRules) path rule" + (pathRules == 1 ? "" : "s"))
        }
        for (scope, words) in [(Scope.abstractUnixSocket, "abstract UNIX"), (.signal, "signals")] {
            if scopesRequested.contains(scope) {
                row(words, scopesEnforced.contains(scope) ? "scoped to the sandbox" : "NOT in force (see below)")
            }
        }
        let logFlags = flagsRequested.intersection(RestrictFlags.kernelLogFlags)
        if !logFlags.isEmpty {
            row("logging", "\(flagsEnforced.intersection(logFlags))" + (flagsEnforced.isSuperset(of: logFlags) ? "" : " (NOT all in force, see below)"))
        }

        let wantsSeccomp = socketsRequested || netRequested.contains(.listenTCP) || !seccomp.features.isEmpty
        lines.append("Seccomp filter: " + (seccomp.installed ? "loaded (\(seccomp.instructions) BPF instructions)"
            : wantsSeccomp ? "NOT loaded" : "not needed"))
        if !socketsRequested {
            row("socket creation", "not restricted")
        } else if seccomp.installed {
            row("socket creation", socketRules == 0 ? "denied (no kind allowed)"
                : "restricted to \(socketRules) allowed kind" + (socketRules == 1 ? "" : "s"))
        } else {
            row("socket creation", "NOT in force (see below)")
        }
        if !netRequested.contains(.listenTCP) {
            row("listen TCP", "not restricted")
        } else if netAllPorts.contains(.listenTCP) {
            row("listen TCP", "every port allowed (nothing to enforce)")
        } else if !seccomp.installed {
            row("listen TCP", "NOT in force (see below)")
        } else {
            switch seccomp.listenMode {
            case .off: row("listen TCP", "not restricted")
            case .denyAll:
                row("listen TCP", seccomp.features.contains(.listenFailClosed)
                    ? "every listen() denied (the per-port supervisor could not start, see below)" : "every listen() denied")
            case .perPort:
                row("listen TCP", (ports(.listenTCP) ?? "per port")
                    + ", checked by a supervisor process" + (seccomp.supervisorPID > 0 ? " (pid \(seccomp.supervisorPID))" : ""))
            }
        }
        if seccomp.installed {
            if seccomp.features.contains(.fastOpenBlocked) { row("TCP fast open", "refused (it connects without connect())") }
            if seccomp.features.contains(.tcpBypassBlocked) {
                row("TCP bypasses", "denied (MPTCP, SCTP, SMC, raw IP and packet sockets)")
            }
            if seccomp.features.contains(.ioUringBlocked) { row("io_uring", "blocked") }
            if seccomp.features.contains(.foreignArchBlocked) { row("other syscall ABIs", "blocked (i386, x32)") }
        }

        if capsRequested {
            lines.append("Capabilities: " + (capsApplied ? "dropped" : "NOT dropped (see below)"))
            row("kept", capsKept.isEmpty ? "none" : "\(capsKept)"
                + (capsOptions.contains(.ambient) ? ", across exec (ambient)" : ""))
            for line in capabilities.briefDescription.split(separator: "\n") {
                let parts = line.split(separator: ":", maxSplits: 1)
                row(String(parts[0]), parts.count > 1 ? String(parts[1].drop { $0 == " " }) : "")
            }
            if capsOptions.contains(.noSecurebitsLock) { row("securebits lock", "not asked") }
        } else {
            lines.append("Capabilities: not changed")
        }

        let missing = droppedItems
        if !missing.isEmpty {
            lines.append("Not in force:")
            for item in missing { lines.append("  " + Self.words(for: item) + ": " + item.reason) }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private var enforcementWords: String {
        switch enforcement {
        case .fullyEnforced?: return "full (everything asked for is in force)"
        case .partiallyEnforced?: return "partial (see \"Not in force\")"
        case .notEnforced?: return "none (nothing asked for is in force)"
        case nil: return "undecided (the call failed before deciding)"
        }
    }

    /// A not-in-force item in words, with its layer.
    static func words(for item: DroppedItem) -> String {
        switch item.layer {
        case "landlock.net":
            let right = AccessNet.names.first { $0.1 == item.item }?.0
            return (netWords.first { $0.0 == right }?.1 ?? item.item) + " (Landlock)"
        case "landlock.fs": return "filesystem right \(item.item) (Landlock)"
        case "landlock.scopes": return "scope \(item.item) (Landlock)"
        case "landlock.flags": return "logging flag \(item.item) (Landlock)"
        case "seccomp":
            switch item.item {
            case "sockets": return "socket creation (seccomp)"
            case "listen_tcp": return "listen TCP (seccomp)"
            case "listen_rules": return "listen TCP per-port rules (seccomp)"
            default: return item.item + " (seccomp)"
            }
        case "capabilities": return item.item == "bounding" ? "capability bounding set" : "capability drop"
        default: return item.layer + " " + item.item
        }
    }
}

extension String {
    /// The text followed by spaces up to `width` characters (one space at least).
    package func padded(to width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
