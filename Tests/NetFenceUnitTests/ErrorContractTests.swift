// SPDX-License-Identifier: MIT
//
// One source of truth for the errno lists: include/netfence.h. The lists the
// Swift API and the C ABI filter with (ErrorContract) must be the header's,
// and the netfence(3) man page must name the same codes.
import Glibc
import XCTest
@testable import NetFence

final class ErrorContractTests: XCTestCase {
    static let root: String = {
        var path = "\(#filePath)"
        for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
        return path
    }()

    func read(_ relative: String) throws -> String {
        guard let file = fopen(Self.root + "/" + relative, "r") else { throw XCTSkip("cannot read \(relative)") }
        defer { fclose(file) }
        var text = ""
        var buffer = [CChar](repeating: 0, count: 4096)
        while fgets(&buffer, Int32(buffer.count), file) != nil {
            text += String(cString: buffer)
        }
        return text
    }

    static let names: [String: Int32] = [
        "EINVAL": EINVAL, "EALREADY": EALREADY, "EBUSY": EBUSY, "ENOSYS": ENOSYS, "EOPNOTSUPP": EOPNOTSUPP,
        "ENOMEM": ENOMEM, "EMFILE": EMFILE, "ENFILE": ENFILE, "EPERM": EPERM, "E2BIG": E2BIG, "EFAULT": EFAULT,
    ]

    /// The errno names in `text` written as -ENAME (header) or \-ENAME (man page).
    func errnos(in text: Substring) -> Set<Int32> {
        var found: Set<Int32> = []
        var rest = text[...]
        while let dash = rest.firstIndex(of: "-") {
            rest = rest[rest.index(after: dash)...]
            let name = rest.prefix { $0.isUppercase || $0.isNumber }
            if name.first == "E", let value = Self.names[String(name)] { found.insert(value) }
        }
        return found
    }

    /// The @return paragraph of the header's documentation of `function`.
    func headerReturn(of function: String, in header: String) throws -> Substring {
        // The declaration, not a mention in prose: "NETFENCE_EXTERN <type> function(".
        var declaration: Range<String.Index>?
        var searchFrom = header.startIndex
        while let found = header[searchFrom...].range(of: " \(function)(") {
            let lineStart = header[..<found.lowerBound].lastIndex(of: "\n").map { header.index(after: $0) } ?? header.startIndex
            if header[lineStart...].hasPrefix("NETFENCE_EXTERN") { declaration = found; break }
            searchFrom = found.upperBound
        }
        let declarationRange = try XCTUnwrap(declaration, "\(function) is not declared")
        let comment = try XCTUnwrap(header[..<declarationRange.lowerBound].range(of: "/**", options: .backwards))
        let doc = header[comment.upperBound..<declarationRange.lowerBound]
        let returns = try XCTUnwrap(doc.range(of: "@return"), "\(function) documents no @return")
        return doc[returns.upperBound...]
    }

    /// The RETURN VALUE entry of `function` in netfence(3) (an entry may name several functions
    /// on its first line: `.BR netfence_ruleset_handle_net "(), " netfence_ruleset_handle_fs ()`).
    func manReturn(of function: String, in man: String) throws -> Substring {
        let section = try XCTUnwrap(man.range(of: ".SH RETURN VALUE\n"))
        let end = man[section.upperBound...].range(of: "\n.SH ")?.lowerBound ?? man.endIndex
        for entry in man[section.upperBound..<end].split(separator: ".TP\n") {
            let names = entry.prefix { $0 != "\n" }.split(whereSeparator: { " \"(),".contains($0) })
            if names.first == ".BR", names.contains(Substring(function)) { return entry }
        }
        XCTFail("\(function) is not in netfence(3)'s RETURN VALUE")
        return ""
    }

    func testListsAreTheHeaders() throws {
        let header = try read("include/netfence.h")
        let man = try read("man/netfence.3")
        let functions: [(String, ErrorContract)] = [
            ("netfence_ruleset_restrict_self", .restrictSelf),
            ("netfence_ruleset_set_compat", .builder), ("netfence_ruleset_handle_net", .builder),
            ("netfence_ruleset_allow_port", .builder), ("netfence_ruleset_allow_port_range", .builder),
            ("netfence_ruleset_handle_fs", .builder), ("netfence_ruleset_set_scope", .builder),
            ("netfence_ruleset_handle_sockets", .builder), ("netfence_ruleset_allow_socket", .builder),
            ("netfence_ruleset_keep_caps", .builder), ("netfence_ruleset_keep_caps_array", .builder),
            ("netfence_ruleset_set_caps_options", .builder),
            ("netfence_landlock_abi", .landlockQuery), ("netfence_landlock_errata", .landlockQuery),
            ("netfence_caps_text", .allocation), ("netfence_status_format", .allocation),
        ]
        for (function, contract) in functions {
            let documented = errnos(in: try headerReturn(of: function, in: header)).union([EFAULT])
            XCTAssertEqual(documented, Set(contract.errnos ?? []), "\(function): the header's list and ErrorContract.\(contract) differ")
            let manual = errnos(in: try manReturn(of: function, in: man)).union([EFAULT])
            XCTAssertEqual(manual, documented, "\(function): netfence(3) and the header differ")
        }
    }

    func testFilterKeepsDocumentedCodes() {
        let busy = NetFenceError(code: .otherThreads, reason: .otherThreads, message: "threads")
        XCTAssertEqual(ErrorContract.restrictSelf.filter(busy), busy)
        XCTAssertEqual(ErrorContract.builder.filter(busy).code, .internalError)
        let missing = NetFenceError(code: .init(rawValue: ENOENT), reason: .systemCall, message: "no such file")
        XCTAssertEqual(ErrorContract.allowPath.filter(missing), missing, "open(2)'s errno is part of allow_path's contract")
        XCTAssertEqual(ErrorContract.spawn.filter(missing), missing, "execve(2)'s errno is part of spawn's contract")
    }
}
