import Foundation

/// Slot errors of E2E outputs as the E2E cleaning study counts them (Dušek, Howcroft & Rieser
/// 2019; its slot_error.py): the values an output mentions (`SlotRealizations`' patterns) against
/// its MR's. Per slot, values the output lacks are `missing`, values of a slot the MR does not
/// have are `added`, another value for a slot the MR has is `wrong` (as many as both sides
/// allow; the rest missing or added), a value mentioned more often than the MR has it is
/// `repeated`. SER = (missing + added + wrong + repeated) / MR values.
public enum SlotErrors {
    public struct Counts: Sendable, Equatable {
        public var missing = 0, added = 0, wrong = 0, repeated = 0, mrValues = 0
        public init(missing: Int = 0, added: Int = 0, wrong: Int = 0, repeated: Int = 0, mrValues: Int = 0) {
            self.missing = missing; self.added = added; self.wrong = wrong; self.repeated = repeated; self.mrValues = mrValues
        }
        public var errors: Int { missing + added + wrong + repeated }
        /// The slot error rate, a fraction.
        public var rate: Double { mrValues == 0 ? 0 : Double(errors) / Double(mrValues) }
        public static func + (a: Counts, b: Counts) -> Counts {
            Counts(missing: a.missing + b.missing, added: a.added + b.added, wrong: a.wrong + b.wrong, repeated: a.repeated + b.repeated,
                   mrValues: a.mrValues + b.mrValues)
        }
    }

    /// A slot and one of its values under the study's names (`eat_type`, `coffee shop`).
    public struct SlotValue: Sendable, Hashable {
        public var slot: String, value: String
        public init(slot: String, value: String) { self.slot = slot; self.value = value }
        /// As Compare lists it: `riverside (area)`.
        public var label: String { "\(value) (\(slot.replacingOccurrences(of: "_", with: " ")))" }
    }

    /// A value the output mentions, at UTF-16 offsets of the output.
    public struct Mention: Sendable, Equatable {
        public var slot: String, value: String
        public var start: Int, end: Int
        func isStrictlyInside(_ o: Mention) -> Bool { (start > o.start && end <= o.end) || (start >= o.start && end < o.end) }
        func hasSameSpan(_ o: Mention) -> Bool { start == o.start && end == o.end }
    }

    /// One output against its MR.
    public struct Check: Sendable, Equatable {
        public var counts: Counts
        /// Per slot and value: the output's mentions minus the MR's, repeated ones left out (the
        /// study's diff): below zero missing, above zero added or a wrong value.
        public var diff: [String: [String: Int]]
        /// The mentions that count, after overlapping ones are resolved.
        public var mentions: [Mention]

        public var missing: [SlotValue] { entries { $0 < 0 } }
        public var added: [SlotValue] { entries { $0 > 0 } }
        private func entries(_ keep: (Int) -> Bool) -> [SlotValue] {
            diff.flatMap { slot, values in values.filter { keep($0.value) }.map { SlotValue(slot: slot, value: $0.key) } }
                .sorted { ($0.slot, $0.value) < ($1.slot, $1.value) }
        }

        /// Indices of the words of `output` (split at spaces, as Compare wraps it) that belong to
        /// a mention of an added or wrong value.
        public func addedWords(in output: String) -> Set<Int> {
            let spans = mentions.filter { (diff[$0.slot]?[$0.value] ?? 0) > 0 }
            guard !spans.isEmpty else { return [] }
            var out = Set<Int>(), at = 0, index = 0
            for piece in output.split(separator: " ", omittingEmptySubsequences: false) {
                let len = piece.utf16.count
                if len > 0 {
                    if spans.contains(where: { $0.start < at + len && $0.end > at }) { out.insert(index) }
                    index += 1
                }
                at += len + 1
            }
            return out
        }
    }

    /// An MR's slot values under the study's names, from the E2E CSV form
    /// (`name[Blue Spice], eatType[coffee shop]`) or this program's linearisation
    /// (`name : Blue Spice | Type : coffee shop`); nil when it is not an E2E MR (a slot or value
    /// the study's patterns do not know).
    public static func mr(_ text: String) -> [SlotValue]? {
        var pairs: [(String, String)] = []
        if text.contains("[") {
            // The study reads slots as tgen does: letters and underscores before "[", so
            // `customer rating[...]` is `rating`, camel case becomes snake case.
            let ns = text as NSString
            for m in bracketed.matches(in: text, range: NSRange(location: 0, length: ns.length)) {
                let raw = ns.substring(with: m.range(at: 1)), value = ns.substring(with: m.range(at: 2))
                var slot = ""
                for ch in raw { if ch.isUppercase { slot += "_" }; slot += ch.lowercased() }
                pairs.append((slot, value))
            }
        } else {
            for part in text.components(separatedBy: " | ") {
                let f = part.components(separatedBy: " : ")
                guard f.count == 2, let slot = linearisedSlots[f[0].trimmingCharacters(in: .whitespaces)] else { return nil }
                pairs.append((slot, f[1].trimmingCharacters(in: .whitespaces)))
            }
        }
        guard !pairs.isEmpty else { return nil }
        var out: [SlotValue] = []
        for (slot, value) in pairs {
            guard let canonical = canonicalValues[slot]?[value.lowercased()] else { return nil }
            out.append(SlotValue(slot: slot, value: canonical))
        }
        return out
    }

    /// The output's mentions against the MR, counted as the study counts them.
    public static func check(mr: [SlotValue], output: String) -> Check {
        var gold: [String: [String: Int]] = [:]
        for v in mr { gold[v.slot, default: [:]][v.value, default: 0] += 1 }
        let found = mentions(in: output)
        // Of mentions over the same words, one stays: a strictly larger one wins; on equal
        // spans, the value the MR has (or the one already kept).
        var kept: [Mention] = []
        for (i, m) in found.enumerated() {
            let beaten = found.indices.contains { j in
                guard j != i else { return false }
                let o = found[j]
                return m.isStrictlyInside(o) || (m.hasSameSpan(o) && (gold[o.slot]?[o.value] != nil || kept.contains(o)))
            }
            if !beaten { kept.append(m) }
        }
        var said: [String: [String: Int]] = [:]
        for m in kept {
            // The study's counter reads a leftover loop variable (the last value of its pattern
            // table, rating `low`): each mention sets its value's count to one more than that
            // slot's count of `low`, so a value mentioned twice counts once (but `low` itself
            // counts up). Kept so that counts are the study's.
            said[m.slot, default: [:]][m.value] = (said[m.slot]?["low"] ?? 0) + 1
        }
        var c = Counts(mrValues: mr.count), diff: [String: [String: Int]] = [:]
        for slot in Set(gold.keys).union(said.keys) {
            switch (gold[slot], said[slot]) {
            case (let g?, nil):
                c.missing += g.values.reduce(0, +)
                diff[slot] = g.mapValues { -$0 }
            case (nil, let o?):
                c.added += o.values.reduce(0, +)
                diff[slot] = o
            case (let g?, var o?):
                for (v, n) in o { if let want = g[v], want < n { c.repeated += n - want; o[v] = want } }
                var mrNotSaid = 0, saidNotMR = 0, d: [String: Int] = [:]
                for v in Set(g.keys).union(o.keys) {
                    let delta = (o[v] ?? 0) - (g[v] ?? 0)
                    if delta != 0 { d[v] = delta }
                    if delta < 0 { mrNotSaid -= delta } else { saidNotMR += delta }
                }
                c.wrong += min(mrNotSaid, saidNotMR)
                c.missing += max(mrNotSaid - saidNotMR, 0)
                c.added += max(saidNotMR - mrNotSaid, 0)
                if !d.isEmpty { diff[slot] = d }
            case (nil, nil): break
            }
        }
        return Check(counts: c, diff: diff, mentions: kept)
    }

    /// The counts summed over outputs; nil unless every source is an E2E MR.
    public static func corpus(sources: [String], outputs: [String]) -> Counts? {
        var total = Counts()
        for (s, o) in zip(sources, outputs) {
            guard let mr = mr(s) else { return nil }
            total = total + check(mr: mr, output: o).counts
        }
        return sources.isEmpty ? nil : total
    }

    /// Every match of every value's patterns, in the table's order.
    static func mentions(in output: String) -> [Mention] {
        let range = NSRange(location: 0, length: (output as NSString).length)
        var out: [Mention] = []
        for (slot, values) in compiled {
            for (value, regex) in values {
                for m in regex.matches(in: output, range: range) {
                    let name = value.isEmpty ? canonicalValues[slot]![(output as NSString).substring(with: m.range).lowercased()] ?? "" : value
                    out.append(Mention(slot: slot, value: name, start: m.range.location, end: m.range.location + m.range.length))
                }
            }
        }
        return out
    }

    // The study's slot names for this program's linearised E2E slots (`Text.E2EReader`).
    static let linearisedSlots = ["name": "name", "Type": "eat_type", "eatType": "eat_type", "food": "food", "price": "price_range",
                                  "priceRange": "price_range", "customer rating": "rating", "area": "area",
                                  "family friendly": "family_friendly", "familyFriendly": "family_friendly", "near": "near"]

    /// Per slot, each value's lowercase form to the form the patterns give it.
    static let canonicalValues: [String: [String: String]] = Dictionary(uniqueKeysWithValues: SlotRealizations.slots.map { slot, values in
        let names = values.count == 1 && values[0].value.isEmpty ? values[0].patterns : values.map(\.value)
        return (slot, Dictionary(names.map { ($0.lowercased(), $0) }, uniquingKeysWith: { a, _ in a }))
    })

    /// Each value's patterns as one alternation, each pattern on whole words (case-insensitive);
    /// NSRegularExpression matches as Python's `re` does here (leftmost, first alternative).
    nonisolated(unsafe) static let compiled: [(String, [(String, NSRegularExpression)])] = SlotRealizations.slots.map { slot, values in
        (slot, values.map { v in
            // `\bA\b|\bB\b` as `\b(?:A\b|B\b)`: the same matches in the same order, and ICU then
            // finds candidate starts by the patterns' first characters (3× faster here).
            let joined = #"\b(?:"# + v.patterns.map { $0 + #"\b"# }.joined(separator: "|") + ")"
            return (v.value, try! NSRegularExpression(pattern: joined, options: [.caseInsensitive]))
        })
    }
    nonisolated(unsafe) static let bracketed = try! NSRegularExpression(pattern: #"([a-z_A-Z]+)\[([^\]]*)\]"#)
}
