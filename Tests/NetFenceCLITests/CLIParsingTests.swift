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
        XCTAssertEqual(try parseSocketSpec("inet:stream"), SocketRule(family: 2, type: 1))
        XCTAssertEqual(try parseSocketSpec("inet6:dgram:udp"), SocketRule(family: 10, type: 2, protocol: 17))
        XCTAssertEqual(try parseSocketSpec("UNIX"), SocketRule(family: 1))
        XCTAssertEqual(try parseSocketSpec("netlink:raw:0"), SocketRule(family: 16, type: 3, protocol: 0))
        XCTAssertEqual(try parseSocketSpec("inet:any:mptcp"), SocketRule(family: 2, type: -1, protocol: 262))
        for bad in ["", "inet:", "bogus", "inet:weird", "inet:stream:tcp:extra", "inet:stream:-3"] {
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
            ["run", "--connect-tcp", "70000", "--", "x"], // semantic errors are checked later, by both alike
        ]
        for arguments in invocations {
            let quick = try XCTUnwrap(RunOptions(quickParsing: arguments), "\(arguments)")
            XCTAssertEqual(quick, try full(arguments), "\(arguments)")
        }
    }

    func testLeavesEverythingElseToArgumentParser() {
        let invocations: [[String]] = [
            [], ["status"], ["run"], ["run", "--bind-tcp", "1"], ["run", "--bind-tcp", "1", "--"],
            ["run", "--help"], ["run", "-h"], ["--version"], ["run", "--bind-tcp"],
            ["run", "--bind-tcp", "1", "--bind-tcp", "2", "--", "x"], ["run", "--soft", "--hard", "--", "x"],
            ["run", "--status", "--status", "--", "x"], ["run", "--status=1", "--", "x"],
            ["run", "--unknown", "--", "x"], ["run", "positional", "--", "x"], ["run", "--bind-tcp", "-1", "--", "x"],
            ["sandboxer", "--", "x"], ["run", "--bind-tcp=", "--", "x"], ["run", "--keep-caps=", "--", "x"],
        ]
        for arguments in invocations {
            XCTAssertNil(RunOptions(quickParsing: arguments), "\(arguments)")
        }
    }
}
