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
