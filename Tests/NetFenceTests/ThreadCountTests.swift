// SPDX-License-Identifier: MIT
//
// The thread count behind status.thread_count and the thread rule: the link
// count of /proc/self/task must agree with its entries. Counted in a forked
// child, which has exactly the threads it creates (the test runner's own
// threads come and go).
import XCTest
import Glibc
import CNetFenceShim

final class ThreadCountTests: XCTestCase {
    func testLinkCountAgreesWithEntries() throws {
        var fds: [Int32] = [-1, -1]
        XCTAssertEqual(pipe(&fds), 0)
        let pid = fork()
        if pid == 0 {
            var ok = nf_thread_count() == 1 && nf_thread_count_by_entries() == 1
            for _ in 0..<3 {
                var thread = pthread_t()
                // Each thread waits on the pipe, which is never written.
                ok = ok && pthread_create(&thread, nil, { argument in
                    var byte: UInt8 = 0
                    _ = read(Int32(Int(bitPattern: argument)), &byte, 1)
                    return nil
                }, UnsafeMutableRawPointer(bitPattern: Int(fds[0]))) == 0
            }
            ok = ok && nf_thread_count() == 4 && nf_thread_count_by_entries() == 4
            _exit(ok ? 0 : 1)
        }
        XCTAssertGreaterThan(pid, 0)
        var status: Int32 = 0
        XCTAssertEqual(waitpid(pid, &status, 0), pid)
        XCTAssertEqual(status, 0, "the child counted its threads wrongly (exit status \(status))")
        close(fds[0])
        close(fds[1])
    }
}
