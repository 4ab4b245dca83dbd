// SPDX-License-Identifier: MIT
import Glibc

/// A policy file: the long options of `netfence run`, one per line, without
/// the dashes (`connect-tcp = 443, 5432-5439`, `no-network`), `#` comments and
/// blank lines. No vocabulary of its own: the keys are the names of
/// ``RunOptionSpec/table``, a value is what the option takes, and a key given
/// more than once adds up, as a repeated option does.
///
/// Only the options that restrict belong in a policy; the ones about this run
/// (`policy` itself, socket activation, reports, warnings) stay on the command
/// line.
package enum PolicyFile {
    /// The largest file read (a policy is some lines; anything bigger is a mistake).
    package static let maximumSize = 1 << 20
    /// The longest line.
    package static let maximumLine = 4096

    /// The options a policy may hold.
    package static func allows(_ option: RunOptionSpec) -> Bool {
        switch option.effect {
        case .policy, .listen, .printStatus, .statusJSON, .prettyJSON, .quiet: return false
        default: return true
        }
    }

    /// One option of the file: its position in the table and its value (nil for a flag).
    package struct Entry: Equatable {
        var position: Int
        var value: String?
    }

    /// Reads and parses the file at `path`; errors name the file, line and column.
    package static func load(_ path: String) throws -> [Entry] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw OptionError(message: "--policy \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw OptionError(message: "--policy \(path): \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            bytes += chunk[..<count]
            if bytes.count > maximumSize {
                throw OptionError(message: "--policy \(path): larger than \(maximumSize / 1024) KiB: not a policy file")
            }
        }
        return try parse(bytes, source: path)
    }

    /// Parses a policy's bytes. `source` names it in messages (`FILE:LINE:COLUMN: ...`).
    package static func parse(_ bytes: [UInt8], source: String) throws -> [Entry] {
        if bytes.count > maximumSize {
            throw OptionError(message: "\(source): larger than \(maximumSize / 1024) KiB: not a policy")
        }
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw OptionError(message: "\(source): not UTF-8 text")
        }
        var entries: [Entry] = []
        // Lines split on the byte, so that "\r\n" ends a line too (as a
        // Character, "\r\n" is not "\n").
        for (index, rawLine) in bytes.split(separator: 10, omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            func failure(_ column: Int, _ message: String, hint: String? = nil) -> OptionError {
                OptionError(message: "\(source):\(number):\(column): \(message)", hint: hint)
            }
            if rawLine.count > maximumLine { throw failure(1, "line longer than \(maximumLine) bytes") }
            var line = Substring(String(decoding: rawLine.last == 13 ? rawLine.dropLast() : rawLine, as: UTF8.self))
            // A comment starts at '#' at the start of the line or after a blank:
            // a '#' inside a value (a path such as /src/C#/app) is part of it.
            if let hash = line.indices.first(where: { line[$0] == "#" && ($0 == line.startIndex || [" ", "\t"].contains(line[line.index(before: $0)])) }) {
                line = line[..<hash]
            }
            let keyStart = line.firstIndex { $0 != " " && $0 != "\t" } ?? line.endIndex
            if keyStart == line.endIndex { continue }
            let column = line.distance(from: line.startIndex, to: keyStart) + 1
            var key = line[keyStart...]
            var value: Substring?
            var valueColumn = column
            if let equals = key.firstIndex(of: "=") {
                value = trimmed(key[key.index(after: equals)...])
                valueColumn = line.distance(from: line.startIndex, to: value!.startIndex) + 1
                key = key[..<equals]
            }
            let name = trimmed(key)
            if name.hasPrefix("-") {
                let bare = name.drop { $0 == "-" }
                let flag = RunOptionSpec.position(named: bare).map { RunOptionSpec.table[$0].isFlag } ?? false
                throw failure(column, "\"\(name)\": keys are option names without the dashes",
                              hint: "write \(bare)" + (flag ? "" : " = ..."))
            }
            guard let position = RunOptionSpec.position(named: name) else {
                let suggestion = closestKey(to: String(name)).map { "did you mean \"\($0)\"?" }
                throw failure(column, "unknown key \"\(name)\"", hint: suggestion)
            }
            if !allows(RunOptionSpec.table[position]) {
                throw failure(column, "\(name) is about one run, not a policy: give it on the command line (--\(name))")
            }
            let option = RunOptionSpec.table[position]
            if option.isFlag {
                if let value, !value.isEmpty { throw failure(column, "\(name) takes no value") }
                entries.append(Entry(position: position, value: nil))
                continue
            }
            guard let value else {
                throw failure(column, "\(name) needs a value", hint: "write \(name) = \(option.valueName ?? "VALUE") ('\(name) =' for an empty list)")
            }
            // Lists in a file may have spaces after the commas (not paths: a path is taken as written).
            let normalised: String
            switch option.effect {
            case .allowPorts, .allowSocket, .scopes, .keepCapabilities:
                normalised = value.split(separator: ",", omittingEmptySubsequences: false).map { trimmed($0) }.joined(separator: ",")
            default:
                normalised = String(value)
            }
            do {
                try validate(option, normalised)
            } catch let error as OptionError {
                // The value parsers name the option as on the command line.
                let message = error.message.hasPrefix("--") ? String(error.message.dropFirst(2)) : error.message
                throw failure(valueColumn, message, hint: error.hint)
            }
            entries.append(Entry(position: position, value: normalised))
        }
        return entries
    }

    /// The value checks of the options, as the command line's (the same parsers).
    package static func validate(_ option: RunOptionSpec, _ value: String) throws {
        switch option.effect {
        case .allowPorts: try forEachPortRange(value, option: "--" + option.name) { _, _ in }
        case .allowSocket: _ = try parseSocketSpec(value)
        case .scopes: _ = try parseScopes(value)
        default: break // paths and capability names are checked when the ruleset is built
        }
    }

    /// The policy as it would be written back: one line per value, in table order.
    package static func normalised(_ options: RunOptions) -> String {
        var lines: [String] = []
        for (option, values) in zip(RunOptionSpec.table, options.given) where allows(option) {
            guard let values else { continue }
            if option.isFlag {
                lines.append(option.name)
            } else {
                for value in values { lines.append(option.name + (value.isEmpty ? " =" : " = " + value)) }
            }
        }
        // The level is kept apart from `given` (one is always in force).
        if options.compatibility != .bestEffort && options.values(for: .strict) == nil {
            lines.append(RunOptionSpec.entry(for: options.compatibility).name)
        }
        return lines.joined(separator: "\n") + (lines.isEmpty ? "" : "\n")
    }

    private static func trimmed(_ text: Substring) -> Substring {
        var text = text
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return text
    }

    /// The key of a policy nearest to `name` by edit distance, if it is close.
    package static func closestKey(to name: String) -> String? {
        let candidates = RunOptionSpec.table.filter(allows).map(\.name)
        let scored = candidates.map { ($0, editDistance(Array(name.utf8), Array($0.utf8))) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(2, name.count / 3) else { return nil }
        return best.0
    }

    package static func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: b.count)
            for (j, y) in b.enumerated() {
                current[j + 1] = Swift.min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
