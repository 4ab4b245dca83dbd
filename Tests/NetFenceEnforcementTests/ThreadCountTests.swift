// SPDX-License-Identifier: MIT
//
// The thread count behind status.thread_count and the thread rule: the
// unshare(CLONE_THREAD) test and the link count of /proc/self/task must agree
// with the directory's entries. Counted in forked children, which have exactly
// the threads they create (the test runner's own threads come and go).
import XCTest
import Glibc
import NetFenceSystem

final class ThreadCountTests: XCTestCase {
    /// Runs `body` in a forked child with three extra threads started in the middle; the child
    /// exits 0 when `body` returned true at both points.
    private func inChild(_ body: @escaping (_ threads: Int32) -> Bool, file: StaticString = #filePath, line: UInt = #line) {
        var fds: [Int32] = [-1, -1]
        XCTAssertEqual(pipe(&fds), 0)
        let pid = fork()
        if pid == 0 {
            var ok = body(1)
            for _ in 0..<3 {
                var thread = pthread_t()
                // Each thread waits on the pipe, which is never written.
                ok = ok && pthread_create(&thread, nil, { argument in
                    var byte: UInt8 = 0
                    _ = read(Int32(Int(bitPattern: argument)), &byte, 1)
                    return nil
                }, UnsafeMutableRawPointer(bitPattern: Int(fds[0]))) == 0
            }
            ok = ok && body(4)
            _exit(ok ? 0 : 1)
        }
        XCTAssertGreaterThan(pid, 0, file: file, line: line)
        var status: Int32 = 0
        XCTAssertEqual(waitpid(pid, &status, 0), pid, file: file, line: line)
        XCTAssertEqual(status, 0, "the child counted its threads wrongly (exit status \(status))", file: file, line: line)
        close(fds[0])
        close(fds[1])
    }

    func testCountAgreesWithEntries() throws {
        // The runner itself may already run under a seccomp filter (a container): then the
        // unshare test is not asked (the same PR_GET_SECCOMP check), and the count comes from procfs.
        let unshareAsked = nf_seccomp_mode() == 0
        inChild { threads in
            nf_thread_count() == threads && nf_thread_count_by_entries() == threads
                && nf_only_thread() == (unshareAsked && threads == 1 ? 1 : 0)
        }
    }

    func testUnderASeccompFilterTheCountComesFromProcfs() throws {
        inChild { threads in
            if threads == 1 {
                // An allow-everything filter of our own: the unshare test must step aside.
                var program: UnsafeMutablePointer<nf_bpf_insn>?
                var count = 0
                guard nf_set_no_new_privs() == 0, nf_seccomp_compile(nil, 0, NF_SECCOMP_KILL_PROCESS, &program, &count) == 0 else { return false }
                defer { free(program) }
                guard nf_seccomp_load(program, count, 0) == 0 else { return false }
            }
            return nf_only_thread() == 0 && nf_thread_count() == threads && nf_thread_count_by_entries() == threads
        }
    }
}
