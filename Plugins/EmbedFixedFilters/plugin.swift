// SPDX-License-Identifier: MIT
import PackagePlugin

/// Compiles the seccomp filters that do not depend on a caller's socket rules
/// at build time (netfence-filter-gen, with libseccomp) into a Swift source
/// file of the NetFence target.
@main
struct EmbedFixedFilters: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let generator = try context.tool(named: "netfence-filter-gen")
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedFilterPrograms.swift")
        return [
            .buildCommand(displayName: "Compiling the fixed seccomp filters with libseccomp",
                          executable: generator.url, arguments: [output.path], outputFiles: [output]),
        ]
    }
}
