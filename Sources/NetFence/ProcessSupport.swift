// SPDX-License-Identifier: MIT
import Glibc

/// Process helpers shared by spawn and the command-line tool: PATH lookup,
/// the environment, C string arrays.
package enum ProcessSupport {
    /// PATH search in the parent (execvpe is not async-signal-safe in the child).
    package static func resolveExecutable(_ path: String, environment: [String]?) throws(NetFenceError) -> String {
        if path.isEmpty { throw .invalid("empty path") }
        if path.contains("/") { return path }
        // A given environment decides alone (no PATH in it: the default); nil: this process's PATH.
        let given = environment.map { $0.first { $0.hasPrefix("PATH=") }.map { String($0.dropFirst(5)) } }
            ?? getenv("PATH").map { String(cString: $0) }
        let pathVariable = given ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in pathVariable.split(separator: ":", omittingEmptySubsequences: false) {
            let candidate = (directory.isEmpty ? "." : String(directory)) + "/" + path
            if access(candidate, X_OK) == 0 { return candidate }
        }
        throw NetFenceError(code: NetFenceError.Code(rawValue: ENOENT), message: "\"\(path)\" was not found in PATH")
    }

    package static func currentEnvironment() -> [String] {
        var result: [String] = []
        var pointer = environ
        while let entry = pointer.pointee {
            result.append(String(cString: entry))
            pointer += 1
        }
        return result
    }
}

extension String {
    func trimmingASCIISpaces() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" { scalars = scalars.dropFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars = scalars.dropLast() }
        return String(scalars)
    }
}

/// Calls `body` with a NULL-terminated C array of the strings (valid only inside).
package func withCStringArray<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    let pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) } + [nil]
    defer { pointers.forEach { free($0) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}

/// Calls `body` with `environment` as a C array, or with this process's own
/// `environ` when it is nil (passed as is: no copy).
package func withEnvironment<R>(_ environment: [String]?, _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    if let environment { return withCStringArray(environment, body) }
    return body(environ)
}

/// Refuses what would silently shorten an argv or envp: an embedded NUL.
func checkCStrings(_ strings: [String], _ what: String) throws(NetFenceError) {
    for string in strings where string.utf8.contains(0) {
        throw .invalid("\(what) has an element with an embedded NUL byte")
    }
}
