/// RFC 4180 CSV: fields separated by commas, quoted with double quotes (a quote inside is
/// doubled), records ending in LF or CRLF; quoted fields may hold commas and line breaks.
/// Errors name the file and the line where the bad record starts.
public enum CSVReader {
    /// Records with the 1-based line each starts on.
    public static func parse(_ bytes: [UInt8], path: String) throws -> [(line: Int, fields: [String])] {
        var records: [(Int, [String])] = []
        var fields: [String] = []
        var field: [UInt8] = []
        var i = 0, line = 1, recordLine = 1
        var inQuotes = false, wasQuoted = false
        func endField() throws {
            guard let s = String(validating: field, as: UTF8.self) else {
                throw DataFileError(path: path, line: recordLine, "not valid UTF-8")
            }
            fields.append(s)
            field.removeAll(keepingCapacity: true)
            wasQuoted = false
        }
        while i < bytes.count {
            let c = bytes[i]
            if inQuotes {
                if c == UInt8(ascii: "\"") {
                    if i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "\"") { field.append(c); i += 2; continue }
                    inQuotes = false
                    i += 1
                    if i < bytes.count, ![UInt8(ascii: ","), 0x0A, 0x0D].contains(bytes[i]) {
                        throw DataFileError(path: path, line: line, "text after a closing quote (a quote inside a quoted field must be doubled)")
                    }
                    continue
                }
                if c == 0x0A { line += 1 }
                field.append(c)
                i += 1
                continue
            }
            switch c {
            case UInt8(ascii: "\""):
                guard field.isEmpty, !wasQuoted else {
                    throw DataFileError(path: path, line: line, "quote inside an unquoted field")
                }
                inQuotes = true
                wasQuoted = true
                i += 1
            case UInt8(ascii: ","):
                try endField()
                i += 1
            case 0x0D where i + 1 < bytes.count && bytes[i + 1] == 0x0A:
                i += 1
            case 0x0A:
                try endField()
                records.append((recordLine, fields))
                fields.removeAll()
                i += 1
                line += 1
                recordLine = line
            default:
                field.append(c)
                i += 1
            }
        }
        if inQuotes { throw DataFileError(path: path, line: recordLine, "unterminated quoted field") }
        if !field.isEmpty || !fields.isEmpty {
            try endField()
            records.append((recordLine, fields))
        }
        return records.filter { !($0.1.count == 1 && $0.1[0].isEmpty) }
    }
}
