// SPDX-License-Identifier: MIT
import Glibc
import NetFenceSystem

/// What a seccomp filter must do, and its rules.
///
/// A filter whose socket rules do not depend on the caller (socket creation
/// not handled) is one of ``fixedVariants``: those are compiled once, at build
/// time, by `netfence-filter-gen`, and embedded in NetFence. A caller's socket
/// allow-list is compiled with libseccomp when its ruleset is prepared.
package struct FilterSpec: Equatable, Sendable {
    /// How `listen(2)` is filtered.
    package enum Listen: Int, CaseIterable, Sendable {
        /// Not filtered.
        case unrestricted = 0
        /// Every listen() fails with EACCES.
        case denied = 1
        /// Every listen() goes to the supervisor (seccomp user notification).
        case supervised = 2
    }

    /// Socket creation deny-by-default: only ``socketRules`` may be created.
    package var socketsHandled: Bool
    /// The allowed socket triples. Without ``socketsHandled`` they still matter: a rule that names
    /// MPTCP, SCTP or SMC allows it again under ``blockTCPBypass``.
    package var socketRules: [SocketTriple]
    /// MPTCP, SCTP and SMC sockets denied unless a rule names them.
    package var blockTCPBypass: Bool
    package var listen: Listen
    /// MSG_FASTOPEN refused in sendto/sendmsg/sendmmsg.
    package var blockFastOpen: Bool
    /// What a syscall through a foreign ABI (i386 `int 0x80`, x32) gets: it
    /// could reach socket() under numbers this filter does not check.
    package var foreignABIAction: SeccompRule.Action = .killProcess

    package init(socketsHandled: Bool, socketRules: [SocketTriple], blockTCPBypass: Bool, listen: Listen, blockFastOpen: Bool) {
        self.socketsHandled = socketsHandled
        self.socketRules = socketRules
        self.blockTCPBypass = blockTCPBypass
        self.listen = listen
        self.blockFastOpen = blockFastOpen
    }

    /// The rules, in order.
    package var rules: [SeccompRule] {
        var rules: [SeccompRule] = []
        if blockFastOpen {
            // TCP Fast Open connects inside sendto/sendmsg (MSG_FASTOPEN), and
            // Landlock's CONNECT_TCP check never sees it (landlock-lsm/linux#41):
            // refuse the flag, so the program connects with connect(2), which
            // Landlock checks. EOPNOTSUPP: clients fall back to connect().
            let fastOpen = UInt64(NF_MSG_FASTOPEN)
            rules.append(SeccompRule(.sendto, .errno(EOPNOTSUPP), [.hasFlags(3, fastOpen)]))
            rules.append(SeccompRule(.sendmsg, .errno(EOPNOTSUPP), [.hasFlags(2, fastOpen)]))
            rules.append(SeccompRule(.sendmmsg, .errno(EOPNOTSUPP), [.hasFlags(3, fastOpen)]))
        }
        if socketsHandled || blockTCPBypass {
            let policy = SocketPolicy(handled: socketsHandled, rules: socketRules, denyTCPBypass: blockTCPBypass)
            rules += policy.denyRules(errno: EACCES)
        }
        switch listen {
        case .unrestricted: break
        case .denied: rules.append(SeccompRule(.listen, .errno(EACCES)))
        case .supervised:
            rules.append(SeccompRule(.listen, .notify))
            // The supervisor holds the only notification listener of this
            // filter. Should it die (a same-uid process can kill it, or make
            // the kernel kill it with prlimit(RLIMIT_CPU)), listen() fails
            // with ENOSYS; but a filter of the process's own with
            // SECCOMP_FILTER_FLAG_NEW_LISTENER could then answer listen()
            // with SECCOMP_USER_NOTIF_FLAG_CONTINUE. The flags are passed by
            // value: refuse any new listener while this layer is in force.
            rules.append(SeccompRule(.seccomp, .errno(EACCES), [
                .intEquals(0, Int64(NF_SECCOMP_SET_MODE_FILTER)),
                .hasFlags(1, UInt64(NF_SECCOMP_FILTER_FLAG_NEW_LISTENER)),
            ]))
        }
        // io_uring can create, bind and listen sockets without these syscalls.
        // ENOSYS: programs treat it as "no io_uring here" and fall back.
        rules.append(SeccompRule(.ioUringSetup, .errno(ENOSYS)))
        rules.append(SeccompRule(.ioUringEnter, .errno(ENOSYS)))
        rules.append(SeccompRule(.ioUringRegister, .errno(ENOSYS)))
        return rules
    }

    /// Every filter that needs no caller-specific socket rule, in the order
    /// of ``fixedIndex``: what the build embeds.
    package static let fixedVariants: [FilterSpec] = Listen.allCases.flatMap { listen in
        [false, true].flatMap { fastOpen in
            [false, true].map { bypass in
                FilterSpec(socketsHandled: false, socketRules: [], blockTCPBypass: bypass, listen: listen, blockFastOpen: fastOpen)
            }
        }
    }

    /// This filter's place in ``fixedVariants``, or nil when it depends on the caller's socket
    /// rules (or has a foreign-ABI action other than the embedded ones').
    package var fixedIndex: Int? {
        guard !socketsHandled, socketRules.isEmpty, case .killProcess = foreignABIAction else { return nil }
        return listen.rawValue * 4 + (blockFastOpen ? 2 : 0) + (blockTCPBypass ? 1 : 0)
    }

    /// Compiles the rules with libseccomp into a classic BPF program.
    package func compile() throws(FilterCompileError) -> BPFProgram {
        let cRules = rules.map(\.cRule)
        var instructions: UnsafeMutablePointer<nf_bpf_insn>?
        var count = 0
        let rc = cRules.withUnsafeBufferPointer {
            nf_seccomp_compile($0.baseAddress, $0.count, foreignABIAction.code, &instructions, &count)
        }
        if rc < 0 {
            switch -rc {
            case ENOMEM: throw .outOfMemory
            case E2BIG: throw .tooLarge(rules: cRules.count)
            default: throw .refused(errno: -rc)
            }
        }
        defer { free(instructions) }
        guard let instructions else { return [] }
        // One UInt64 per instruction: its 8 bytes as they lie in memory.
        return UnsafeRawPointer(instructions).withMemoryRebound(to: UInt64.self, capacity: count) {
            Array(UnsafeBufferPointer(start: $0, count: count))
        }
    }
}

/// Why libseccomp could not compile a filter.
package enum FilterCompileError: Error, Equatable {
    case outOfMemory
    /// Over the kernel's limit of 4096 instructions.
    case tooLarge(rules: Int)
    /// libseccomp refused a rule: a netfence bug.
    case refused(errno: Int32)
}

/// A classic BPF program: one element per instruction, holding the 8 bytes of a
/// `struct sock_filter` (`nf_bpf_insn`) as they lie in memory, so the array's
/// storage is the program the kernel takes.
package typealias BPFProgram = [UInt64]

extension BPFProgram {
    /// Calls `body` with the program as the system layer takes it.
    package func withInstructions<R>(_ body: (UnsafePointer<nf_bpf_insn>, Int) -> R) -> R {
        withUnsafeBufferPointer { words in
            // nf_bpf_insn is 8 bytes, 4-aligned: UInt64 storage holds it.
            UnsafeRawPointer(words.baseAddress!).withMemoryRebound(to: nf_bpf_insn.self, capacity: words.count) {
                body($0, words.count)
            }
        }
    }

    /// The instruction at `index`, decoded.
    package func instruction(_ index: Int) -> nf_bpf_insn {
        Swift.withUnsafeBytes(of: self[index]) { $0.load(as: nf_bpf_insn.self) }
    }
}
