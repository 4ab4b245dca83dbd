// SPDX-License-Identifier: MIT
import ArgumentParser
import Glibc
import NetFence

/// `netfence policy`: policy files (PolicyFile), checked before use.
struct Policy: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Policy files: the options of `netfence run`, one per line.",
        subcommands: [Check.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a policy file, print it normalised, and what this kernel would enforce of it.",
            discussion: """
            Nothing is applied. Exit status 0 when the policy is valid (whatever the kernel lacks is \
            listed, as netfence run warns about it), 125 when it is not.
            """)

        @Argument(help: ArgumentHelp("The policy file.", valueName: "FILE"))
        var file: String

        func run() throws {
            do {
                var options = RunOptions(command: ["true"])
                options.record(.policy, values: [file])
                options = try options.withPolicies()
                // What `run` refuses, this refuses (contradictions: 64).
                try options.checkConsistency()
                let ruleset = try options.ruleset()
                print(PolicyFile.normalised(options), terminator: "")
                let preview = try ruleset.preview(options.restrictFlags)
                let shortfalls = Shortfall.all(in: preview, options: options)
                if shortfalls.isEmpty {
                    print("# this kernel would enforce all of it")
                } else {
                    // The level decides what a shortfall does to the rest.
                    let consequence: String
                    switch options.compatibility {
                    case .bestEffort: consequence = "the rest would be enforced"
                    case .softRequirement: consequence = "so under soft, nothing at all would be enforced"
                    case .hardRequirement: consequence = "so under hard/strict, netfence run would refuse to run (exit 125)"
                    }
                    print("# this kernel would not enforce:\n" + shortfalls.map { "#   " + $0.line }.joined(separator: "\n")
                          + "\n# " + consequence)
                }
            } catch let error as CLIError {
                printError(error.description)
                throw ExitCode(error.exitCode)
            } catch let error as NetFenceError {
                printError(error.message)
                throw ExitCode(Exit.ownError)
            }
        }
    }
}
