/// How faithfully outputs render their tables: the share of a linearised source's slot values
/// (`slot : value | slot : value`, E2E; WebNLG `subject : predicate : object` counts subject and
/// object) found verbatim (case-insensitive) in the output, the share of outputs that name the
/// source's first value (E2E: the restaurant), and how many outputs are distinct (a model that
/// ignores its table says the same sentence everywhere).
public struct SlotCoverage: Sendable, Equatable {
    public var slotAccuracy: Double
    public var nameAccuracy: Double
    public var distinctOutputs: Int

    public static func values(of source: String) -> [String] {
        var out: [String] = []
        for part in source.components(separatedBy: " | ") {
            let fields = part.components(separatedBy: " : ").map { $0.trimmingCharacters(in: .whitespaces) }
            if fields.count == 2 { out.append(fields[1]) } else if fields.count > 2 { out += [fields[0], fields[fields.count - 1]] }
        }
        return out.filter { !$0.isEmpty }
    }

    public static func compute(sources: [String], outputs: [String]) -> SlotCoverage {
        var found = 0, total = 0, named = 0
        for (src, out) in zip(sources, outputs) {
            let o = out.lowercased()
            let v = values(of: src)
            total += v.count
            found += v.filter { o.contains($0.lowercased()) }.count
            if let first = v.first, o.contains(first.lowercased()) { named += 1 }
        }
        let n = max(1, min(sources.count, outputs.count))
        return SlotCoverage(slotAccuracy: total == 0 ? 0 : Double(found) / Double(total), nameAccuracy: Double(named) / Double(n),
                            distinctOutputs: Set(outputs).count)
    }
}

import Foundation
