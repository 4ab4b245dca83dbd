// SPDX-License-Identifier: MIT
//
// NETFENCE_EXPECT_ABI=N (set by .ci/run): the running kernel must have
// Landlock ABI N, and no enforcement test may skip for lack of a kernel
// feature; a mismatch fails instead of passing with skips.
import Glibc
import NetFence
import XCTest

enum KernelExpectation {
    /// The expected ABI, when NETFENCE_EXPECT_ABI is set.
    static var expectedABI: Int32? {
        guard let text = getenv("NETFENCE_EXPECT_ABI") else { return nil }
        return Int32(String(cString: text))
    }

    /// The running kernel's Landlock ABI, 0 without Landlock.
    static var runningABI: Int32 { (try? LandlockABI.current().rawValue) ?? 0 }

    /// Skips the test for a missing kernel feature, or fails it when a kernel ABI is expected.
    static func require(abi needed: Int32, _ reason: String, file: StaticString = #filePath, line: UInt = #line) throws {
        guard runningABI < needed else { return }
        if expectedABI != nil {
            XCTFail("NETFENCE_EXPECT_ABI is set, but this test would be skipped: \(reason) (Landlock ABI \(runningABI))", file: file, line: line)
            throw XCTSkip("failed above: \(reason)")
        }
        throw XCTSkip(reason)
    }
}

final class KernelExpectationTests: XCTestCase {
    func testRunningABIIsTheExpectedOne() throws {
        XCTAssertGreaterThanOrEqual(KernelExpectation.runningABI, 0, "the ABI probe answers")
        guard let raw = getenv("NETFENCE_EXPECT_ABI") else {
            XCTAssertNil(KernelExpectation.expectedABI)
            return
        }
        let expected = try XCTUnwrap(KernelExpectation.expectedABI, "NETFENCE_EXPECT_ABI=\(String(cString: raw)) is not a number")
        XCTAssertEqual(KernelExpectation.runningABI, expected,
                       "NETFENCE_EXPECT_ABI=\(expected), but the running kernel's Landlock ABI is \(KernelExpectation.runningABI)")
    }
}
