// SPDX-License-Identifier: MIT
//
// Enforcement through the Swift API: each test spawns the netfence-scenario
// executable (built next to the test bundle), which restricts itself.
// The test process is never restricted.
import XCTest
import Glibc
import NetFence

final class ScenarioTests: XCTestCase {
    /// The directory holding the built products (the test bundle's own directory).
    func productsDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, Int(PATH_MAX))
        precondition(length > 0)
        let path = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var directory = path[..<path.lastIndex(of: "/")!]
        // swift-testing/xctest helpers may run from inside a .xctest bundle.
        if let bundle = directory.range(of: ".xctest") {
            directory = directory[..<bundle.lowerBound]
            directory = directory[..<directory.lastIndex(of: "/")!]
        }
        return String(directory)
    }

    /// Runs the scenario; returns its exit code (128 + signal when killed).
    func run(_ scenario: String) throws -> Int32 {
        let executable = productsDirectory() + "/netfence-scenario"
        XCTAssertEqual(access(executable, X_OK), 0, "missing \(executable)")
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup(executable), strdup(scenario), nil]
        defer { argv.forEach { free($0) } }
        let rc = posix_spawn(&pid, executable, nil, nil, argv, environ)
        XCTAssertEqual(rc, 0, "posix_spawn: \(String(cString: strerror(rc)))")
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // The W* macros do not import: decode by hand.
        return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    func testBindDenied() throws {
        try KernelExpectation.require(abi: 4, "TCP port rules need Landlock ABI 4 (Linux 6.7)")
        XCTAssertEqual(try run("bind-denied"), 0)
    }

    func testConnectRange() throws {
        try KernelExpectation.require(abi: 4, "TCP port rules need Landlock ABI 4 (Linux 6.7)")
        XCTAssertEqual(try run("connect-range"), 0)
    }

    func testSpentRuleset() throws {
        try KernelExpectation.require(abi: 1, "needs Landlock")
        XCTAssertEqual(try run("spent-ruleset"), 0)
    }

    func testCapsDropAll() throws {
        try XCTSkipIf(geteuid() != 0, "dropping every capability needs root")
        XCTAssertEqual(try run("caps-drop-all"), 0)
    }

    func testSocketsTCPOnly() throws {
        XCTAssertEqual(try run("sockets-tcp-only"), 0)
    }

    /// Ruleset.spawn from this multi-threaded test process: only the child is restricted.
    func testSpawnFromThreadedProcess() throws {
        try KernelExpectation.require(abi: 4, "TCP port rules need Landlock ABI 4 (Linux 6.7)")
        let executable = productsDirectory() + "/netfence-scenario"
        let ruleset = try Ruleset().handle(.bindTCP)
        let child = try ruleset.spawn(executable, arguments: ["netfence-scenario", "expect-restricted"])
        XCTAssertEqual(child.status.enforcement, .fullyEnforced)
        XCTAssertTrue(child.status.allThreads)
        var status: Int32 = 0
        while waitpid(child.pid, &status, 0) < 0 && errno == EINTR {}
        XCTAssertEqual(status & 0x7f, 0)
        XCTAssertEqual((status >> 8) & 0xff, 0, "the child saw itself restricted")
        // This process is not restricted.
        XCTAssertNotEqual(bindProbe(), EACCES)
        // Exec failure comes back as an error, and the child is reaped.
        XCTAssertThrowsError(try ruleset.spawn("/nonexistent/netfence", arguments: ["x"])) { error in
            XCTAssertEqual((error as? NetFenceError)?.code.rawValue, ENOENT)
        }
        XCTAssertEqual(waitpid(-1, nil, WNOHANG), -1, "no zombie left")
    }

    func bindProbe() -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return rc == 0 ? 0 : errno
    }

    func testUnknownScenarioFails() throws {
        // Guards against a runner that passes whatever the helper does.
        XCTAssertEqual(try run("no-such-scenario"), 2)
    }
}
