import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// WebNLG Challenge 2017 XML: `<entry category=… eid=…>` with `<modifiedtripleset>` of
/// `<mtriple>subject | property | object</mtriple>` and `<lex>` references.
///
/// Linearisation, as the prefix-tuning paper's code: each triple as
/// `subject : property : object` with underscores turned into spaces, triples joined by
/// ` | `. The category is kept, and whether it is one of the 10 categories of the training
/// data (WebNLG 2017's "seen" categories; its test set adds 5 unseen ones).
public enum WebNLGReader {
    public static let seenCategories: Set<String> = ["Airport", "Astronaut", "Building", "City", "ComicsCharacter", "Food",
                                                     "Monument", "SportsTeam", "University", "WrittenWork"]

    public static func lineariseTriple(_ triple: String) -> String {
        triple.split(separator: "|", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "_", with: " ") }
            .joined(separator: " : ")
    }

    public static func read(path: String) throws -> [DataExample] {
        let data = try TextFile.bytes(path)
        // swift-corelibs' XMLParser crashes on an element or attribute name that is not
        // UTF-8 (found by `prefixlab fuzz`): check the whole text first.
        if String(validating: data, as: UTF8.self) == nil {
            let bad = TextFile.firstInvalidUTF8(data)
            throw DataFileError(path: path, line: data[..<bad].reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }, "not valid UTF-8 (byte \(bad))")
        }
        // A document type declaration can define entities the parser would drop: refuse it
        // rather than read text with pieces missing.
        if let dtd = data.range(of: Data("<!DOCTYPE".utf8)) ?? data.range(of: Data("<!ENTITY".utf8)) {
            let line = data[..<dtd.lowerBound].reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
            throw DataFileError(path: path, line: line, "a document type declaration (<!DOCTYPE or <!ENTITY); WebNLG files have none and this reader does not expand entities")
        }
        let delegate = Collector()
        let parser = XMLParser(data: data)
        parser.delegate = delegate
        guard parser.parse() else {
            let e = parser.parserError.map { "\($0.localizedDescription)" } ?? "malformed XML"
            throw DataFileError(path: path, line: parser.lineNumber, "broken XML (\(e))")
        }
        if let problem = delegate.problem { throw DataFileError(path: path, line: problem.0, "broken XML (\(problem.1))") }
        if let open = delegate.stack.last {
            throw DataFileError(path: path, line: parser.lineNumber, "broken XML (<\(open)> is never closed)")
        }
        guard !delegate.entries.isEmpty else { throw DataFileError(path: path, "contains no <entry>") }
        return delegate.entries.map { e in
            DataExample(id: "\(e.category)/\(e.eid)", source: e.triples.map(lineariseTriple).joined(separator: " | "),
                        references: e.lexes, raw: e.triples.joined(separator: "\n"), category: e.category,
                        seen: seenCategories.contains(e.category))
        }
    }

    /// Every `*.xml` under a folder (sorted by path), or one file.
    public static func read(folderOrFile path: String) throws -> Dataset {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { throw DataFileError(path: path, "no such file or folder") }
        var files = [path]
        if isDir.boolValue {
            let all = (FileManager.default.enumerator(atPath: path)?.allObjects as? [String]) ?? []
            files = all.filter { $0.hasSuffix(".xml") }.sorted().map { path + "/" + $0 }
            guard !files.isEmpty else { throw DataFileError(path: path, "no .xml files") }
        }
        return Dataset(name: (path as NSString).lastPathComponent, format: "webnlg-xml", examples: DataExample.grouped(try files.flatMap(read(path:))))
    }

    final class Collector: NSObject, XMLParserDelegate {
        struct Entry { var category = "", eid = "", triples: [String] = [], lexes: [String] = [] }
        var entries: [Entry] = []
        var current: Entry? = nil
        var text = ""
        var inModified = false
        var problem: (Int, String)? = nil
        /// Open elements: swift-corelibs' XMLParser accepts mismatched and unclosed tags.
        var stack: [String] = []

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            stack.append(name)
            text = ""
            switch name {
            case "entry":
                current = Entry(category: attributes["category"] ?? "", eid: attributes["eid"] ?? "\(entries.count + 1)")
                if attributes["category"] == nil { problem = problem ?? (parser.lineNumber, "an <entry> without a category attribute") }
            case "modifiedtripleset": inModified = true
            default: break
            }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

        func parser(_ parser: XMLParser, foundCDATA block: Data) {
            guard let s = String(data: block, encoding: .utf8) else { problem = problem ?? (parser.lineNumber, "CDATA that is not UTF-8"); return }
            text += s
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if stack.last == name { stack.removeLast() } else if problem == nil {
                problem = (parser.lineNumber, "</\(name)> closes <\(stack.last ?? "nothing")>")
            }
            switch name {
            case "mtriple" where inModified: current?.triples.append(text.trimmingCharacters(in: .whitespacesAndNewlines))
            case "modifiedtripleset": inModified = false
            case "lex": current?.lexes.append(text.trimmingCharacters(in: .whitespacesAndNewlines))
            case "entry":
                if let c = current {
                    if c.triples.isEmpty { problem = problem ?? (parser.lineNumber, "entry \(c.eid) has no <mtriple>") }
                    entries.append(c)
                }
                current = nil
            default: break
            }
        }
    }
}
