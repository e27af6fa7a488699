import Foundation
import Support

/// The E2E NLG Challenge CSV (`mr,ref` columns): rows with the same MR, anywhere in the file,
/// are one example with several references.
///
/// Linearisation, as the prefix-tuning paper's code writes E2E sources:
/// `name : The Eagle | Type : coffee shop | food : French | ...` — each `slot[value]` of the MR
/// in its order, slot names as the original data files write them (`eatType` → `Type`,
/// `priceRange` → `price`, `familyFriendly` → `family friendly`; `name`, `food`, `area`,
/// `near` and `customer rating` unchanged), values exactly as in the CSV, joined by ` | `.
public enum E2EReader {
    static let slotNames = ["eatType": "Type", "priceRange": "price", "familyFriendly": "family friendly"]

    /// The (slot, value) pairs of an MR such as `name[The Eagle], eatType[coffee shop]`.
    public static func parseMR(_ mr: String) -> [(String, String)]? {
        var slots: [(String, String)] = []
        var rest = Substring(mr)
        while let open = rest.firstIndex(of: "[") {
            let name = rest[..<open].trimmingCharacters(in: CharacterSet(charactersIn: ", "))
            guard let close = rest[open...].firstIndex(of: "]"), !name.isEmpty, !name.contains("]") else { return nil }
            let value = rest[rest.index(after: open)..<close]
            guard !value.contains("[") else { return nil }  // a slot's "]" is missing: name[The Eagle, eatType[pub]
            slots.append((name, String(value)))
            rest = rest[rest.index(after: close)...]
            // Slots are separated by a comma (and spaces) and nothing else.
            guard rest.first.map({ $0 == "," || $0 == " " }) ?? true else { return nil }
        }
        guard rest.trimmingCharacters(in: .whitespaces).isEmpty, !slots.isEmpty else { return nil }
        return slots
    }

    public static func linearise(_ slots: [(String, String)]) -> String {
        slots.map { "\(slotNames[$0.0] ?? $0.0) : \($0.1)" }.joined(separator: " | ")
    }

    public static func read(path: String) throws -> Dataset {
        let records = try CSVReader.parse([UInt8](try TextFile.bytes(path)), path: path)
        guard let header = records.first else { throw DataFileError(path: path, "empty file") }
        let cols = header.fields.map { $0.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() }
        guard let mrCol = cols.firstIndex(of: "mr") else {
            throw DataFileError(path: path, line: header.line, "no 'mr' column (header: \(Escaped(header.fields.joined(separator: ","))))")
        }
        let refCol = cols.firstIndex(of: "ref")
        var examples: [DataExample] = []
        for r in records.dropFirst() {
            guard r.fields.count == cols.count else {
                throw DataFileError(path: path, line: r.line, "\(r.fields.count) fields, the header has \(cols.count)")
            }
            let mr = r.fields[mrCol]
            let ref = refCol.map { r.fields[$0] }
            guard let slots = parseMR(mr) else {
                throw DataFileError(path: path, line: r.line, "meaning representation is not slot[value], slot[value], ...: \(Escaped(mr))")
            }
            examples.append(DataExample(id: "\(r.line)", source: linearise(slots), references: ref.map { [$0] } ?? [], raw: mr))
        }
        guard !examples.isEmpty else { throw DataFileError(path: path, "contains no rows after the header") }
        return Dataset(name: (path as NSString).lastPathComponent, format: "e2e-csv", examples: DataExample.grouped(examples))
    }
}
