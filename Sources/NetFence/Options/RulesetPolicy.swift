// SPDX-License-Identifier: MIT

extension Ruleset {
    /// Adds the rules of a policy: the text format of `netfence run --policy` (docs/cli.md,
    /// "POLICY FILES"), read by the same parser and option table as the command-line tool.
    ///
    /// One option of `netfence run` per line, without the dashes (`connect-tcp = 443, 5432-5439`,
    /// `allow-socket = ip:stream`, `rox = /usr`, `no-network`), `#` comments, blank lines; a key
    /// given twice adds up. Each key does what the option does: a port key handles its right and
    /// allows its ports, `allow-socket` handles socket creation, a path key handles the fixed
    /// filesystem rights of the path options, and so on; `best-effort`, `soft`, `hard` or `strict`
    /// set the compatibility level. Keys about one run of the tool (`policy`, `listen`, `status`,
    /// `status-json`, `pretty`, `quiet`) and Landlock's log flags (arguments of
    /// ``restrictSelf(_:)``) are refused.
    ///
    /// The policy is added whole or not at all: it is parsed, then tried on a scratch ruleset
    /// (paths opened, capability names checked), then added.
    ///
    /// - Parameter text: The policy.
    /// - Throws: ``NetFenceError/Code/invalidArgument`` with a message naming the line and column
    ///   (`policy:3:15: connect-tcp: port 70000 is out of range (ports are 0-65535)`);
    ///   ``NetFenceError/Code/alreadyEnforced``; or `open(2)`'s errno for a path, as
    ///   ``allow(_:beneath:)``.
    ///
    /// The corresponding C function is `netfence_ruleset_add_policy`.
    public func addPolicy(_ text: String) throws(NetFenceError) {
        try addPolicy(bytes: Array(text.utf8))
    }

    /// ``addPolicy(_:)`` for bytes that may not be UTF-8 (the C ABI's buffer).
    package func addPolicy(bytes: [UInt8]) throws(NetFenceError) {
        try checkNotSpent()
        do {
            var options = RunOptions()
            var level: CompatibilityLevel?
            for entry in try PolicyFile.parse(bytes, source: "policy") {
                let option = RunOptionSpec.table[entry.position]
                switch option.effect {
                case .restrictFlag:
                    throw OptionError(message: "policy: \(option.name) is a flag of restrict_self, not a rule of the ruleset")
                case .compatibility(let given): level = given
                case .strict: level = .hardRequirement
                default: break
                }
                options.record(entry.position, value: entry.value)
            }
            // A policy never changes a level the caller chose.
            if let level, compatibility != .bestEffort, level != compatibility {
                throw OptionError(message: "policy: \(RunOptionSpec.entry(for: level).name) contradicts the ruleset's compatibility level (\(RunOptionSpec.entry(for: compatibility).name))")
            }
            // Whole or not at all: a scratch ruleset meets every failure first;
            // the level is set last.
            try options.addRules(to: Ruleset())
            try options.addRules(to: self)
            if let level { try setCompatibility(level) }
        } catch let error as OptionError {
            let message = error.message + (error.hint.map { " (\($0))" } ?? "")
            if let underlying = error.underlying { throw underlying.withMessage(message) }
            throw .invalid(message)
        } catch let error as NetFenceError {
            throw error
        } catch {
            throw .invalid("policy: \(error)")
        }
    }
}
