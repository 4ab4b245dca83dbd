// SPDX-License-Identifier: MIT
//
// Build-time generator (run by the EmbedFixedFilters plugin): compiles every
// seccomp filter that does not depend on a caller's socket rules
// (FilterSpec.fixedVariants) with libseccomp, and writes them as a Swift
// source file that NetFence embeds. At run time a ruleset without a socket
// allow-list then loads a ready program instead of running libseccomp.
//
// Usage: netfence-filter-gen OUTPUT.swift
import Glibc
import NetFenceFilters
import NetFenceSystem

func fail(_ message: String) -> Never {
    let line = "netfence-filter-gen: \(message)\n"
    _ = line.withCString { write(2, $0, strlen($0)) }
    exit(1)
}

let arguments = CommandLine.arguments
guard arguments.count == 2 else { fail("usage: netfence-filter-gen OUTPUT.swift") }

func hex<T: BinaryInteger>(_ value: T) -> String { "0x" + String(value, radix: 16) }

var source = """
    // Generated at build time by netfence-filter-gen from FilterSpec.fixedVariants,
    // compiled with libseccomp. Do not edit; a test compiles them again and compares.
    // Each UInt64 is one struct sock_filter's 8 bytes as they lie in memory.
    import NetFenceFilters

    /// The audit architecture the programs were compiled for (libseccomp's native
    /// one where the generator ran): they are used only on the same one.
    let embeddedFilterArchitecture: UInt32 = \(hex(nf_seccomp_native_arch()))

    /// The number of fixed programs (`FilterSpec.fixedVariants.count`).
    let embeddedFilterProgramCount = \(FilterSpec.fixedVariants.count)

    /// The fixed seccomp program of `FilterSpec.fixedVariants[index]`.
    func embeddedFilterProgram(_ index: Int) -> BPFProgram {
        switch index {

    """
for (index, spec) in FilterSpec.fixedVariants.enumerated() {
    guard spec.fixedIndex == index else { fail("variant \(index) has index \(String(describing: spec.fixedIndex))") }
    let program: BPFProgram
    do {
        program = try spec.compile()
    } catch {
        fail("libseccomp could not compile variant \(index): \(error)")
    }
    source += "    case \(index): // listen \(spec.listen), TCP bypass blocked: \(spec.blockTCPBypass), Fast Open blocked: \(spec.blockFastOpen)\n"
    source += "        return [\n"
    for position in program.indices {
        let insn = program.instruction(position)
        source += "            \(hex(program[position])), // code \(hex(insn.code)), jt \(insn.jt), jf \(insn.jf), k \(hex(insn.k))\n"
    }
    source += "        ]\n"
}
source += """
        default:
            preconditionFailure("no embedded seccomp program \\(index)")
        }
    }

    """

guard let file = fopen(arguments[1], "w") else { fail("cannot open \(arguments[1]): \(String(cString: strerror(errno)))") }
if fputs(source, file) < 0 || fclose(file) != 0 { fail("cannot write \(arguments[1])") }
