// SPDX-License-Identifier: MIT
import XCTest
@testable import NetFenceCLI
import NetFence

final class CLIParsingTests: XCTestCase {
    func testPortLists() throws {
        XCTAssertEqual(try parsePortList("80,443,8000-8100", option: "--x"), [80...80, 443...443, 8000...8100])
        XCTAssertEqual(try parsePortList("", option: "--x"), [])
        XCTAssertEqual(try parsePortList("0-65535", option: "--x"), [0...65535])
        for bad in ["70000", "10-5", "abc", "80,,81", ",", "1-", "-1", "+5", "0x10", "99999999999999999999", "1-2-3"] {
            XCTAssertThrowsError(try parsePortList(bad, option: "--x"), bad)
        }
    }

    func testSocketSpecs() throws {
        XCTAssertEqual(try parseSocketSpec("inet:stream"), [SocketRule(family: 2, type: 1)])
        XCTAssertEqual(try parseSocketSpec("inet6:dgram:udp"), [SocketRule(family: 10, type: 2, protocol: 17)])
        XCTAssertEqual(try parseSocketSpec("UNIX"), [SocketRule(family: 1)])
        XCTAssertEqual(try parseSocketSpec("netlink:raw:0"), [SocketRule(family: 16, type: 3, protocol: 0)])
        XCTAssertEqual(try parseSocketSpec("inet:any:mptcp"), [SocketRule(family: 2, type: -1, protocol: 262)])
        // Both IP families: `ip`, and the kinds `tcp` and `udp` with their protocol.
        XCTAssertEqual(try parseSocketSpec("ip:stream"), [SocketRule(family: 2, type: 1), SocketRule(family: 10, type: 1)])
        XCTAssertEqual(try parseSocketSpec("TCP"), [SocketRule(family: 2, type: 1, protocol: 6), SocketRule(family: 10, type: 1, protocol: 6)])
        XCTAssertEqual(try parseSocketSpec("udp"), [SocketRule(family: 2, type: 2, protocol: 17), SocketRule(family: 10, type: 2, protocol: 17)])
        for bad in ["", "inet:", "bogus", "inet:weird", "inet:stream:tcp:extra", "inet:stream:-3", "tcp:stream", "ip6"] {
            XCTAssertThrowsError(try parseSocketSpec(bad), bad)
        }
    }

    func testListenSpecs() throws {
        XCTAssertEqual(try parseListenSpec("8080"), ListenSpec(family: 10, address: nil, port: 8080, text: "8080"))
        XCTAssertEqual(try parseListenSpec("127.0.0.1:80").family, 2)
        XCTAssertEqual(try parseListenSpec("[::1]:8443"), ListenSpec(family: 10, address: "::1", port: 8443, text: "[::1]:8443"))
        for bad in ["::1:80", "[::1]", "host:http", "70000", ""] {
            XCTAssertThrowsError(try parseListenSpec(bad), bad)
        }
    }

    func testScopes() throws {
        XCTAssertEqual(try parseScopes("abstract-unix,signal"), [.abstractUnixSocket, .signal])
        XCTAssertEqual(try parseScopes(""), [])
        XCTAssertThrowsError(try parseScopes("signal,,"))
    }
}

/// `netfence run`'s fast parser against swift-argument-parser: the same
/// options for every invocation it accepts, and nil (the full parser decides)
/// for everything else.
final class RunFastParserTests: XCTestCase {
    func full(_ arguments: [String]) throws -> RunOptions {
        try Run.parse(Array(arguments.dropFirst())).options
    }

    func assertAgree(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) {
        guard let quick = RunOptions(quickParsing: arguments) else {
            return XCTFail("the fast parser refused \(arguments)", file: file, line: line)
        }
        do {
            let full = try full(arguments)
            if quick != full {
                XCTFail("\(arguments): fast parser \(describe(quick)), swift-argument-parser \(describe(full))", file: file, line: line)
            }
        } catch {
            XCTFail("\(arguments): swift-argument-parser: \(error)", file: file, line: line)
        }
    }

    /// The options given, by name: "--bind-tcp [80] --hard -- x".
    func describe(_ options: RunOptions) -> String {
        let given = zip(RunOptionSpec.table, options.given).compactMap { option, values in
            values.map { "--" + option.name + ($0.isEmpty ? "" : " \($0)") }
        }
        return (given + ["(\(options.compatibility))", "--"] + options.command).joined(separator: " ")
    }

    func testAgreesWithArgumentParser() throws {
        let invocations: [[String]] = [
            ["run", "--bind-tcp", "1", "--", "/bin/true"],
            ["run", "--bind-tcp=80,443", "--connect-tcp", "", "--", "cmd", "--bind-tcp", "9"],
            ["run", "--no-network", "--status", "--", "a", "b", "c"],
            ["run", "--bind-udp", "53", "--connect-udp", "53-54", "--listen-tcp", "0,8080", "--", "x"],
            ["run", "--allow-socket", "inet:stream", "--allow-socket=unix", "--listen", "8080", "--listen", "127.0.0.1:9",
             "--", "x"],
            ["run", "--ro", "/usr", "--ro=/etc", "--rw", "/tmp", "--scope", "signal", "--", "x"],
            ["run", "--keep-caps", "", "--no-securebits-lock", "--hard", "--", "x"],
            ["run", "--soft", "--log-same-exec-off", "--log-new-exec-on", "--log-subdomains-off", "--", "x"],
            ["run", "--best-effort", "--status-json", "/tmp/report.json", "--keep-caps=cap_net_bind_service", "--", "x"],
            ["run", "--", "x"],
            ["run", "--", "x", "--"],
            ["run", "--connect-tcp", "70000", "--", "x"], // semantic errors are checked later, by both alike
            ["run", "--ro", "/b", "--rw", "/c", "--ro", "/a", "--", "x"], // repeats keep their order
            ["run", "--connect-tcp", "80", "--connect-tcp=443", "--bind-tcp", "", "--bind-tcp", "1", "--", "x"],
            ["run", "--scope", "signal", "--scope=abstract-unix", "--keep-caps", "chown", "--keep-caps", "", "--", "x"],
            ["run", "--rox", "/usr", "--rwx=/opt", "--strict", "--quiet", "--status-json", "-", "--pretty", "--", "x"],
            // The command without `--`: from the first argument that is not an option.
            ["run", "--connect-tcp", "443", "curl", "-v", "--bind-tcp", "1"],
            ["run", "--no-network", "x"],
            ["run", "--status-json", "-", "x", "--", "y"],
        ]
        for arguments in invocations { assertAgree(arguments) }
    }

    /// Every option of the table in every plain form: `--opt value`,
    /// `--opt=value`, an empty value, a value with `=`, and repeated.
    func testAgreesOnEveryOptionOfTheTable() throws {
        for option in RunOptionSpec.table {
            let name = "--" + option.name
            var forms: [[String]] = option.isFlag ? [[name]]
                : [[name, "value"], [name + "=value"], [name, ""], [name + "=a=b"], [name, "a b"]]
            if option.repeats { forms.append([name, "a", name + "=b", name, "", name, "a"]) }
            // Alone, and between other options.
            let other = option.name == "ro" ? "--rw" : "--ro"
            for form in forms {
                assertAgree(["run"] + form + ["--", "x"])
                assertAgree(["run", other, "/"] + form + [other, "/tmp", "--", "x"])
            }
        }
        for level in ["--best-effort", "--soft", "--hard", "--strict"] {
            assertAgree(["run", level, "--", "x"])
            XCTAssertEqual(RunOptions(quickParsing: ["run", level, "--", "x"])?.compatibility,
                           try full(["run", level, "--", "x"]).compatibility)
        }
    }

    /// What the fast parser leaves to swift-argument-parser: it gives the
    /// result (the same as `sameAs`'s) or the error.
    func testFallsBackToArgumentParser() throws {
        var fallbacks: [(arguments: [String], sameAs: [String]?)] = [
            (["run", "--soft", "--soft", "--", "x"], ["run", "--soft", "--", "x"]),
            (["run", "--soft", "--hard", "--", "x"], nil),
            (["run", "--hard", "--best-effort", "--", "x"], nil),
            (["run", "--strict", "--soft", "--", "x"], nil),
            (["run", "--hard", "--strict", "x"], nil),
            (["run", "--unknown", "--", "x"], nil),
            (["run", "--unknown", "x"], nil),
            (["run", "-x", "--", "x"], nil),
            (["run", "-x"], nil),
            (["run", "--bind-tcp", "1"], nil),
            (["run", "--bind-tcp", "1", "--"], nil),
            (["run"], nil),
            (["run", "--help"], nil),
            (["run", "-h"], nil),
            (["run", "--version"], nil),
            (["run", "--bind-tcp", "1", "--version", "--", "x"], nil),
        ]
        for option in RunOptionSpec.table {
            let name = "--" + option.name
            if option.isFlag {
                // A flag given twice, or with an empty value, is the flag;
                // with a value, an error.
                fallbacks.append((["run", name, name, "--", "x"], ["run", name, "--", "x"]))
                fallbacks.append((["run", name + "=", "--", "x"], ["run", name, "--", "x"]))
                fallbacks.append((["run", name + "=1", "--", "x"], nil))
                continue
            }
            if !option.repeats {
                // A single value given twice: the last one.
                fallbacks.append((["run", name, "1", name, "2", "--", "x"], ["run", name, "2", "--", "x"]))
            }
            // A missing value, or one that looks like an option.
            fallbacks.append((["run", name + "=", "--", "x"], nil))
            fallbacks.append((["run", name, "-1", "--", "x"], nil))
            fallbacks.append((["run", name, "--status", "--", "x"], nil))
            fallbacks.append((["run", name], nil))
            fallbacks.append((["run", name, "--", "x"], nil))
        }
        for (arguments, sameAs) in fallbacks {
            XCTAssertNil(RunOptions(quickParsing: arguments), "\(arguments)")
            if let sameAs {
                XCTAssertEqual(try full(arguments), RunOptions(quickParsing: sameAs), "\(arguments)")
            } else {
                XCTAssertThrowsError(try full(arguments), "\(arguments)")
            }
        }
    }

    func testLeavesOtherCommandsToArgumentParser() {
        for arguments in [[], ["status"], ["status", "--json"], ["--version"], ["--help"], ["help", "run"],
                          ["sandboxer", "--", "x"], ["--generate-completion-script", "bash"]] {
            XCTAssertNil(RunOptions(quickParsing: arguments), "\(arguments)")
        }
    }
}
