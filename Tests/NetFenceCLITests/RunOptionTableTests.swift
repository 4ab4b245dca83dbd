// SPDX-License-Identifier: MIT
import ArgumentParser
import Foundation
import XCTest
@testable import NetFenceCLI
import NetFence

/// `netfence run`'s options are declared once, in `RunOptionSpec.table`. What
/// is not generated from it is checked against it here: swift-argument-parser's
/// view of `Run` (and so the help), the shell completions, man/netfence.1 and
/// docs/cli.md. Each must list exactly the table's options, in its order, with
/// the same value syntax and repeatability.
final class RunOptionTableTests: XCTestCase {
    /// An option as one source shows it: `--name`, the value syntax (nil for a
    /// flag), and whether it repeats.
    struct Listed: Equatable, CustomStringConvertible {
        var name: String
        var value: String?
        var repeats: Bool
        var description: String { name + (value.map { " " + $0 } ?? "") + (repeats ? " (repeats)" : "") }
    }

    /// The table as every other source must show it.
    let expected = RunOptionSpec.table.map { Listed(name: "--" + $0.name, value: $0.valueName, repeats: $0.repeats) }

    /// swift-argument-parser's own options of every command (not the table's).
    let builtins: [[String]] = [["--version"], ["-h", "--help"]]

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    func source(_ path: String) throws -> String {
        try String(contentsOf: Self.root.appendingPathComponent(path), encoding: .utf8)
    }

    /// Fails with one message per difference between `listed` (what `source`
    /// shows) and the table.
    func assertListsTheTable(_ listed: [Listed], _ source: String, file: StaticString = #filePath, line: UInt = #line) {
        let names = listed.map(\.name), tableNames = expected.map(\.name)
        for option in expected where !names.contains(option.name) {
            XCTFail("\(source): \(option.name) is missing", file: file, line: line)
        }
        for option in listed {
            if let entry = expected.first(where: { $0.name == option.name }) {
                if option != entry { XCTFail("\(source) shows \(option); the table: \(entry)", file: file, line: line) }
            } else {
                XCTFail("\(source): \(option.name) is not in RunOptionSpec.table", file: file, line: line)
            }
        }
        if names.count != Set(names).count { XCTFail("\(source): an option is listed twice: \(names)", file: file, line: line) }
        let order = names.filter(tableNames.contains)
        if order != tableNames.filter(names.contains) {
            XCTFail("\(source): not in the table's order: \(order)", file: file, line: line)
        }
    }

    func testTableIsWellFormed() {
        let names = RunOptionSpec.table.map(\.name)
        XCTAssertEqual(Set(names).count, names.count, "an option is declared twice")
        // RunOptions.values(for:) finds an option by its effect.
        for (position, option) in RunOptionSpec.table.enumerated() {
            XCTAssertEqual(RunOptionSpec.table.firstIndex { $0.effect == option.effect }, position, "\(option.effect) twice")
        }
        for option in RunOptionSpec.table {
            XCTAssertFalse(option.name.hasPrefix("-") || option.name.contains("=") || option.name.isEmpty, option.name)
            XCTAssertFalse(option.help.isEmpty, option.name)
            XCTAssertFalse(option.valueName?.isEmpty ?? false, option.name)
            XCTAssertFalse(option.isFlag && option.repeats, "\(option.name): a flag does not repeat")
            XCTAssertEqual(RunOptionSpec.position(named: option.name).map { RunOptionSpec.table[$0] }, option)
        }
        // One flag per compatibility level, and the levels exclude one another.
        for level in CompatibilityLevel.allCases {
            let entries = RunOptionSpec.table.filter { $0.effect == .compatibility(level) }
            XCTAssertEqual(entries.count, 1, "\(level)")
            if let entry = entries.first {
                XCTAssert(entry.isFlag, entry.name)
                XCTAssertEqual(entry.onceKey, RunOptionSpec.bestEffort.onceKey, entry.name)
            }
        }
    }

    // MARK: swift-argument-parser

    /// `netfence --experimental-dump-help`: the arguments of `run` as
    /// swift-argument-parser sees them (what its help and completions show).
    /// (Asked of the root: after `run`, the flag would start the command.)
    func dumpedArguments() throws -> [[String: Any]] {
        var dump = ""
        do {
            _ = try Netfence.parseAsRoot(["--experimental-dump-help"])
            XCTFail("no dump")
        } catch {
            dump = Netfence.fullMessage(for: error)
        }
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(dump.utf8)) as? [String: Any])
        let root = try XCTUnwrap(json["command"] as? [String: Any])
        let subcommands = try XCTUnwrap(root["subcommands"] as? [[String: Any]])
        let command = try XCTUnwrap(subcommands.first { $0["commandName"] as? String == "run" })
        return try XCTUnwrap(command["arguments"] as? [[String: Any]])
    }

    func testArgumentParserDeclaresExactlyTheTable() throws {
        var listed: [Listed] = [], helps: [String] = [], others: [[String]] = []
        for argument in try dumpedArguments() where argument["kind"] as? String != "positional" {
            let names = (argument["names"] as? [[String: String]] ?? []).map {
                ($0["kind"] == "short" ? "-" : "--") + ($0["name"] ?? "")
            }
            if builtins.contains(names) {
                others.append(names)
                continue
            }
            XCTAssertEqual(names.count, 1, "\(names): only a long name, as in the table")
            let isFlag = argument["kind"] as? String == "flag"
            listed.append(Listed(name: names.first ?? "", value: isFlag ? nil : argument["valueName"] as? String,
                                 repeats: argument["isRepeating"] as? Bool ?? false))
            helps.append(argument["abstract"] as? String ?? "")
        }
        assertListsTheTable(listed, "swift-argument-parser's Run")
        XCTAssertEqual(helps, RunOptionSpec.table.map(\.help))
        XCTAssertEqual(others, builtins)
    }

    /// Each option parsed by swift-argument-parser lands in its own entry:
    /// `Run.options` maps every property to the right one.
    func testArgumentParserRecordsEachOptionAsItsEntry() throws {
        for (position, option) in RunOptionSpec.table.enumerated() {
            let parsed = try Run.parse(["--" + option.name] + (option.isFlag ? [] : ["value"]) + ["--", "x"]).options
            var recorded = RunOptions(command: ["x"])
            recorded.record(position, value: option.isFlag ? nil : "value")
            XCTAssertEqual(parsed, recorded, option.name)
            if case .compatibility(let level) = option.effect {
                XCTAssertEqual(parsed.compatibility, level)
            } else {
                XCTAssertEqual(parsed.given.enumerated().filter { $0.element != nil }.map(\.offset), [position], option.name)
            }
        }
    }

    // MARK: Shell completions (generated by swift-argument-parser from `Run`)

    /// The text between `start` and the next `end` (the part of a completion
    /// script or a page about `run`).
    func section(of script: String, from start: String, to end: String) throws -> String {
        let from = try XCTUnwrap(script.range(of: start), start)
        let to = script.range(of: end, range: from.upperBound..<script.endIndex)?.lowerBound ?? script.endIndex
        return String(script[from.upperBound..<to])
    }

    func testBashCompletionListsTheTable() throws {
        let run = try section(of: Netfence.completionScript(for: .bash), from: "_netfence_run() {", to: "\n}")
        func array(_ name: String) throws -> [String] {
            let line = try XCTUnwrap(run.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix(name + "=(") })
            return line.drop { $0 != "(" }.dropFirst().prefix { $0 != ")" }.split(separator: " ").map(String.init)
        }
        let table = RunOptionSpec.table
        XCTAssertEqual(try array("non_repeating_flags"), table.filter(\.isFlag).map { "--" + $0.name } + builtins.flatMap { $0 })
        XCTAssertEqual(try array("repeating_options"), table.filter { !$0.isFlag && $0.repeats }.map { "--" + $0.name })
        XCTAssertEqual(try array("non_repeating_options"), table.filter { !$0.isFlag && !$0.repeats }.map { "--" + $0.name })
    }

    func testZshCompletionListsTheTable() throws {
        let run = try section(of: Netfence.completionScript(for: .zsh), from: "_netfence_run() {", to: "\n}")
        // '--bind-tcp[help]:PORTS:', '*--ro[help]:PATH:' (repeats), '--status[help]'.
        var listed: [Listed] = []
        for line in run.split(separator: "\n") {
            var spec = line.trimmingCharacters(in: .whitespaces)
            guard spec.hasPrefix("'"), spec.hasSuffix("'") else { continue }
            spec = String(spec.dropFirst().dropLast())
            let repeats = spec.hasPrefix("*")
            if repeats { spec.removeFirst() }
            guard spec.hasPrefix("--"), let bracket = spec.firstIndex(of: "[") else { continue }
            let name = String(spec[..<bracket])
            if builtins.joined().contains(name) { continue }
            // The help ends at the first "]" not escaped with a backslash; then
            // ":VALUE:" for an option, with zsh's escapes.
            var end = spec.index(after: bracket)
            while end < spec.endIndex && spec[end] != "]" {
                end = spec.index(end, offsetBy: spec[end] == "\\" ? 2 : 1)
            }
            let after = end < spec.endIndex ? spec[spec.index(after: end)...] : ""
            let value = after.isEmpty ? nil : String(after.dropFirst().dropLast()).replacingOccurrences(of: "\\", with: "")
            listed.append(Listed(name: name, value: value, repeats: repeats))
        }
        assertListsTheTable(listed, "zsh completion")
    }

    func testFishCompletionListsTheTable() throws {
        let run = try section(of: Netfence.completionScript(for: .fish), from: "case 'run'\n", to: "\n")
        // 'bind-tcp=' takes a value, 'ro=+' repeats, 'status' is a flag.
        let words = run.split(separator: " ").filter { $0.hasPrefix("'") }.map { String($0.dropFirst().dropLast()) }
        let table = RunOptionSpec.table.map { $0.name + ($0.isFlag ? "" : $0.repeats ? "=+" : "=") }
        XCTAssertEqual(words, table + ["version", "h/help"])
        // Each option has a `complete` line with its help.
        let script = Netfence.completionScript(for: .fish)
        for option in RunOptionSpec.table {
            XCTAssert(script.contains("-l '\(option.name)' -d '\(option.help.replacingOccurrences(of: "'", with: "\\'"))'"), option.name)
        }
    }

    // MARK: Documentation

    /// Plain text of a roff request's arguments: `.BI \-\-bind\-tcp " ports"`
    /// → `--bind-tcp ports` (quoted or bare arguments, joined; font escapes removed).
    func roffText(_ line: Substring) -> String {
        var rest = line.drop { $0 != " " }.dropFirst()
        var text = ""
        while !rest.isEmpty {
            if rest.first == "\"" {
                let argument = rest.dropFirst().prefix { $0 != "\"" }
                text += argument
                rest = rest.dropFirst(argument.count + 2)
            } else {
                let argument = rest.prefix { $0 != " " }
                text += argument
                rest = rest.dropFirst(argument.count)
            }
            rest = rest.drop { $0 == " " }
        }
        for font in ["\\fB", "\\fI", "\\fR", "\\fP"] { text = text.replacingOccurrences(of: font, with: "") }
        return text.replacingOccurrences(of: "\\-", with: "-")
    }

    /// man/netfence.1's OPTIONS (the options of `run`): each `.TP` tag is an
    /// option and its value syntax in lowercase; "Repeatable." in its paragraph.
    func testManPageListsTheTable() throws {
        let page = try source("man/netfence.1")
        let options = try section(of: page, from: "\n.SH OPTIONS\n", to: "\n.SH ")
        var listed: [Listed] = [], builtinTags: [String] = []
        var lines = options.split(separator: "\n", omittingEmptySubsequences: false)[...]
        while let line = lines.popFirst() {
            guard line == ".TP", let tag = lines.popFirst() else { continue }
            // The paragraph, up to the next tag or subsection; "Repeatable." is a line of its own.
            let body = lines.prefix { !$0.hasPrefix(".TP") && !$0.hasPrefix(".SS") }
            let text = roffText(tag)
            if text.hasPrefix("--version") {
                builtinTags.append(text)
                continue
            }
            let parts = text.split(separator: " ", maxSplits: 1).map(String.init)
            listed.append(Listed(name: parts[0], value: parts.count > 1 ? parts[1].uppercased() : nil,
                                 repeats: body.contains("Repeatable.")))
        }
        assertListsTheTable(listed, "man/netfence.1, OPTIONS")
        XCTAssertEqual(builtinTags, [builtins.joined().joined(separator: ", ")])
    }

    /// docs/cli.md's `### run` section: "`--bind-tcp PORTS`", "`--ro PATH` (repeatable)".
    func testDocsListTheTable() throws {
        let page = try source("docs/cli.md")
        let run = try section(of: page, from: "\n### run\n", to: "\n### ")
        var listed: [Listed] = [], builtinLines: [String] = []
        for line in run.split(separator: "\n") where line.hasPrefix("`-") {
            if line.hasPrefix("`--version`") {
                builtinLines.append(String(line))
                continue
            }
            let code = line.dropFirst().prefix { $0 != "`" }
            let rest = line.dropFirst(code.count + 2)
            XCTAssert(rest.isEmpty || rest == " (repeatable)", String(line))
            let parts = code.split(separator: " ", maxSplits: 1).map(String.init)
            listed.append(Listed(name: parts[0], value: parts.count > 1 ? parts[1] : nil, repeats: rest == " (repeatable)"))
        }
        assertListsTheTable(listed, "docs/cli.md, run")
        XCTAssertEqual(builtinLines, [builtins.joined().map { "`\($0)`" }.joined(separator: ", ")])
    }
}
