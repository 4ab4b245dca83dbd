// SPDX-License-Identifier: MIT
//
// Ruleset.addPolicy: the tool's policy format read by the library, with
// nothing applied to the kernel (the rules are compared, not enforced).
import XCTest
@testable import NetFence

final class PolicyTests: XCTestCase {
    func testAPolicyAddsWhatItsOptionsSay() throws {
        let ruleset = Ruleset()
        try ruleset.addPolicy("# client\nconnect-tcp = 443, 5432-5439\nbind-tcp =\nallow-socket = ip:stream\nstrict\n")
        XCTAssertEqual(ruleset.handledNet, [.connectTCP, .bindTCP])
        XCTAssertTrue(ruleset.ports.contains(.connectTCP, port: 5433))
        XCTAssertFalse(ruleset.ports.contains(.connectTCP, port: 80))
        XCTAssertTrue(ruleset.socketsHandled)
        XCTAssertEqual(ruleset.socketRules.count, 2)
        XCTAssertEqual(ruleset.compatibility, .hardRequirement)
        // The same as the option table builds for the tool.
        var options = RunOptions()
        options.record(RunOptionSpec.position(named: "connect-tcp")!, value: "443,5432-5439")
        options.record(RunOptionSpec.position(named: "bind-tcp")!, value: "")
        options.record(RunOptionSpec.position(named: "allow-socket")!, value: "ip:stream")
        let tool = Ruleset()
        try options.addRules(to: tool)
        XCTAssertEqual(tool.handledNet, ruleset.handledNet)
        XCTAssertEqual(tool.socketRules, ruleset.socketRules)
    }

    func testABadPolicyNamesTheLineAndColumnAndAddsNothing() {
        let ruleset = Ruleset()
        XCTAssertThrowsError(try ruleset.addPolicy("connect-tcp = 443\nbind-tcp = 1, 70000\n")) { error in
            let failure = error as? NetFenceError
            XCTAssertEqual(failure?.code, .invalidArgument)
            XCTAssertTrue(failure?.message.hasPrefix("policy:2:12: bind-tcp: port 70000 is out of range") ?? false, "\(error)")
        }
        XCTAssertThrowsError(try ruleset.addPolicy("connect-tcp = 443\nro = /nonexistent/netfence\n")) { error in
            XCTAssertEqual((error as? NetFenceError)?.code.rawValue, ENOENT)
        }
        XCTAssertThrowsError(try ruleset.addPolicy("log-new-exec-on\n"))
        XCTAssertEqual(ruleset.handledNet, [], "nothing of a refused policy is added")
        XCTAssertEqual(ruleset.handledFS, [])
    }
}
