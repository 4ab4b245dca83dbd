// SPDX-License-Identifier: MIT
import NetFenceSystem

/// One seccomp comparison on a syscall argument.
package struct SeccompComparison: Equatable, Sendable {
    package enum Operation: UInt32, Sendable {
        case maskedEqual = 0 // NF_CMP_MASKED_EQ: (argument & mask) == datum
        case less = 1        // NF_CMP_LT
        case greater = 2     // NF_CMP_GT
    }
    package var argument: UInt32
    package var operation: Operation
    package var mask: UInt64 = ~0
    package var datum: UInt64

    package init(argument: UInt32, operation: Operation, mask: UInt64 = ~0, datum: UInt64) {
        self.argument = argument
        self.operation = operation
        self.mask = mask
        self.datum = datum
    }

    /// Equality of an `int` argument: only the low 32 bits, which is what the
    /// kernel reads (so stray high bits cannot dodge a deny rule).
    package static func intEquals(_ argument: UInt32, _ value: Int64) -> SeccompComparison {
        SeccompComparison(argument: argument, operation: .maskedEqual, mask: 0xffff_ffff, datum: UInt64(UInt32(truncatingIfNeeded: value)))
    }

    /// Whether the flag bits are set in a flags argument.
    package static func hasFlags(_ argument: UInt32, _ flags: UInt64) -> SeccompComparison {
        SeccompComparison(argument: argument, operation: .maskedEqual, mask: flags, datum: flags)
    }
}

/// The syscalls netfence's filter has rules for. The filter is built for
/// this build's native architecture only (foreign ABIs get their own action),
/// so each has one number, from <sys/syscall.h> through the system layer.
package enum SeccompSyscall: CaseIterable, CustomStringConvertible, Sendable {
    case socket, socketpair, listen, sendto, sendmsg, sendmmsg, ioUringSetup, ioUringEnter, ioUringRegister, seccomp

    /// The syscall's number.
    package var number: Int32 {
        switch self {
        case .socket: Int32(NF_SYSCALL_SOCKET)
        case .socketpair: Int32(NF_SYSCALL_SOCKETPAIR)
        case .listen: Int32(NF_SYSCALL_LISTEN)
        case .sendto: Int32(NF_SYSCALL_SENDTO)
        case .sendmsg: Int32(NF_SYSCALL_SENDMSG)
        case .sendmmsg: Int32(NF_SYSCALL_SENDMMSG)
        case .ioUringSetup: Int32(NF_SYSCALL_IO_URING_SETUP)
        case .ioUringEnter: Int32(NF_SYSCALL_IO_URING_ENTER)
        case .ioUringRegister: Int32(NF_SYSCALL_IO_URING_REGISTER)
        case .seccomp: Int32(NF_SYSCALL_SECCOMP)
        }
    }

    /// The kernel's name (reports and tests).
    package var description: String {
        switch self {
        case .socket: "socket"
        case .socketpair: "socketpair"
        case .listen: "listen"
        case .sendto: "sendto"
        case .sendmsg: "sendmsg"
        case .sendmmsg: "sendmmsg"
        case .ioUringSetup: "io_uring_setup"
        case .ioUringEnter: "io_uring_enter"
        case .ioUringRegister: "io_uring_register"
        case .seccomp: "seccomp"
        }
    }
}

/// A rule: when every comparison holds (at most three), the syscall gets `action`.
package struct SeccompRule: Equatable, Sendable {
    package enum Action: Equatable, Sendable {
        case errno(Int32)
        case notify
        case killProcess

        /// The system layer's encoding (an errno, or NF_SECCOMP_*).
        var code: UInt32 {
            switch self {
            case .errno(let value): UInt32(value)
            case .notify: NF_SECCOMP_NOTIFY
            case .killProcess: NF_SECCOMP_KILL_PROCESS
            }
        }
    }
    package var syscall: SeccompSyscall
    package var action: Action
    package var comparisons: [SeccompComparison]

    package init(_ syscall: SeccompSyscall, _ action: Action, _ comparisons: [SeccompComparison] = []) {
        precondition(comparisons.count <= 3, "a seccomp rule compares at most three arguments")
        self.syscall = syscall
        self.action = action
        self.comparisons = comparisons
    }

    /// The rule as the system layer takes it.
    var cRule: nf_seccomp_rule {
        var rule = nf_seccomp_rule()
        rule.syscall = syscall.number
        rule.action = action.code
        rule.count = UInt32(comparisons.count)
        let slots = comparisons.map { comparison in
            nf_seccomp_cmp(arg: comparison.argument, op: comparison.operation.rawValue, mask: comparison.mask, datum: comparison.datum)
        }
        if slots.count > 0 { rule.cmp.0 = slots[0] }
        if slots.count > 1 { rule.cmp.1 = slots[1] }
        if slots.count > 2 { rule.cmp.2 = slots[2] }
        return rule
    }
}
