/// METEOR 1.5's aligner (edu.cmu.meteor.aligner.Aligner): every exact, stem, synonym and
/// paraphrase match between a test and a reference, the unambiguous ones fixed, the rest
/// resolved by a beam search (40 paths, left to right over the reference) that prefers more
/// matched words, then fewer chunks, then less distance. The jar's own quirks are kept
/// because they decide its scores: weighted match counts are truncated to integers (the
/// Java adds doubles into ints, so a lone stem match at weight 0.5 adds nothing), a
/// branch's distance is added to the path it branched from, and words are compared by
/// Java's String.hashCode.
struct MeteorAligner {
    enum Module: Int, CaseIterable { case exact, stem, synonym, paraphrase }

    /// What the matchers need of a word, computed once per distinct word.
    struct Word {
        let key: Int32, stemKey: Int32, synsets: Set<Int32>, paraphraseID: Int32, isFunction: Bool
    }

    struct Match { let start: Int, length: Int, matchStart: Int, matchLength: Int, module: Int }

    struct Result {
        var contentMatches1 = [Int](repeating: 0, count: 4), contentMatches2 = [Int](repeating: 0, count: 4)
        var functionMatches1 = [Int](repeating: 0, count: 4), functionMatches2 = [Int](repeating: 0, count: 4)
        var functionWords1 = 0, functionWords2 = 0, chunks = 0
        var matches: [Match?] = []
    }

    /// The search's module weights (MeteorScorer sets them so, apart from the scoring weights).
    static let searchWeights = [1.0, 0.5, 0.5, 0.5]
    static let beamSize = 40

    let paraphrases: MeteorParaphrases?

    /// The unambiguous matches every path starts with, and the words they use.
    struct Fixed {
        var matches: [Match?], used1: [Bool], used2: [Bool]
    }

    /// The matches a path chose, as a list through an arena shared by all paths (a branch
    /// adds one node instead of copying arrays: 40 paths × ~20 positions × every candidate).
    struct Chosen { let match: Match, previous: Int32 }

    /// A search path (edu.cmu.meteor.aligner.PartialAlignment without its arrays).
    struct Path {
        var last: Int32 = -1
        var matches1 = 0, matches2 = 0, chunks = 0, idx = 0, lastMatchEnd = -1, distance = 0

        mutating func take(_ m: Match) {
            matches1 = Int(Double(matches1) + Double(m.matchLength) * MeteorAligner.searchWeights[m.module])
            matches2 = Int(Double(matches2) + Double(m.length) * MeteorAligner.searchWeights[m.module])
            if lastMatchEnd != -1 && m.matchStart != lastMatchEnd { chunks += 1 }
            idx = m.start + m.length
            lastMatchEnd = m.matchStart + m.matchLength
        }

        /// Constants.PARTIAL_COMPARE_TOTAL: negative when `self` ranks first.
        func compare(_ y: Path) -> Int {
            let matchDiff = (y.matches1 + y.matches2) - (matches1 + matches2)
            if matchDiff != 0 { return matchDiff > 0 ? 1 : -1 }
            if chunks != y.chunks { return chunks - y.chunks }
            return distance - y.distance
        }
    }

    struct Search {
        let fixed: Fixed
        var arena: [Chosen] = []

        func isUsed(_ m: Match, by path: Path) -> Bool {
            for k in 0..<m.length where fixed.used2[m.start + k] { return true }
            for k in 0..<m.matchLength where fixed.used1[m.matchStart + k] { return true }
            var node = path.last
            while node >= 0 {
                let c = arena[Int(node)].match
                if m.start < c.start + c.length && c.start < m.start + m.length { return true }
                if m.matchStart < c.matchStart + c.matchLength && c.matchStart < m.matchStart + m.matchLength { return true }
                node = arena[Int(node)].previous
            }
            return false
        }

        func usesReference(_ i: Int, _ path: Path) -> Bool {
            if fixed.used2[i] { return true }
            var node = path.last
            while node >= 0 {
                let c = arena[Int(node)].match
                if c.start <= i && i < c.start + c.length { return true }
                node = arena[Int(node)].previous
            }
            return false
        }

        func match(at i: Int, _ path: Path) -> Match? {
            if let m = fixed.matches[i] { return m }
            var node = path.last
            while node >= 0 {
                if arena[Int(node)].match.start == i { return arena[Int(node)].match }
                node = arena[Int(node)].previous
            }
            return nil
        }

        func matches(_ path: Path) -> [Match?] {
            var out = fixed.matches
            var node = path.last
            while node >= 0 { out[arena[Int(node)].match.start] = arena[Int(node)].match; node = arena[Int(node)].previous }
            return out
        }
    }

    /// Line 1 is the test, line 2 the reference.
    func align(_ w1: [Word], _ w2: [Word]) -> Result {
        var matches = [[Match]](repeating: [], count: w2.count)
        var cover1 = [Int](repeating: 0, count: w1.count), cover2 = [Int](repeating: 0, count: w2.count)
        func add(_ m: Match) {
            matches[m.start].append(m)
            for k in 0..<m.matchLength { cover1[m.matchStart + k] += 1 }
            for k in 0..<m.length { cover2[m.start + k] += 1 }
        }
        // Identical lines need only exact matches (the jar's guard against beam errors).
        let identical = w1.count == w2.count && zip(w1, w2).allSatisfy { $0.key == $1.key }
        for module in identical ? [.exact] : Module.allCases {
            let mod = module.rawValue
            switch module {
            case .exact, .stem, .synonym:
                for j in 0..<w2.count {
                    for i in 0..<w1.count {
                        let hit: Bool
                        switch module {
                        case .exact: hit = w1[i].key == w2[j].key
                        case .stem: hit = w1[i].stemKey == w2[j].stemKey && w1[i].key != w2[j].key
                        default: hit = w1[i].key != w2[j].key && !w1[i].synsets.isDisjoint(with: w2[j].synsets)
                        }
                        if hit { add(Match(start: j, length: 1, matchStart: i, matchLength: 1, module: mod)) }
                    }
                }
            case .paraphrase:
                guard let table = paraphrases else { continue }
                let line1 = w1.map(\.paraphraseID), line2 = w2.map(\.paraphraseID)
                func occurs(_ words: [Int32], in line: [Int32], at i: Int) -> Bool {
                    for k in 0..<words.count where i + k == line.count || line[i + k] != words[k] { return false }
                    return true
                }
                for j in 0..<line2.count {
                    for (len, p) in table.phrases(in: line2, from: j) {
                        let words = table.paraphrases[p]
                        for i in 0..<line1.count where occurs(words, in: line1, at: i) {
                            add(Match(start: j, length: len, matchStart: i, matchLength: words.count, module: mod))
                        }
                    }
                }
                for i in 0..<line1.count {
                    for (len, p) in table.phrases(in: line1, from: i) {
                        let words = table.paraphrases[p]
                        for j in 0..<line2.count where occurs(words, in: line2, at: j) {
                            add(Match(start: j, length: words.count, matchStart: i, matchLength: len, module: mod))
                        }
                    }
                }
            }
        }

        var fixed = Fixed(matches: [Match?](repeating: nil, count: w2.count),
                          used1: [Bool](repeating: false, count: w1.count), used2: [Bool](repeating: false, count: w2.count))
        // A reference position's only match is fixed when no other match covers its words.
        for i in 0..<matches.count where matches[i].count == 1 {
            let m = matches[i][0]
            let overlap = (0..<m.length).contains { cover2[i + $0] != 1 } || (0..<m.matchLength).contains { cover1[m.matchStart + $0] != 1 }
            if !overlap {
                fixed.matches[i] = m
                for k in 0..<m.length { fixed.used2[m.start + k] = true }
                for k in 0..<m.matchLength { fixed.used1[m.matchStart + k] = true }
            }
        }
        var search = Search(fixed: fixed)
        let bestPath = resolve(matches, &search)
        let best = search.matches(bestPath)

        var r = Result()
        for w in w1 where w.isFunction { r.functionWords1 += 1 }
        for w in w2 where w.isFunction { r.functionWords2 += 1 }
        for case let m? in best {
            for k in 0..<m.matchLength {
                if w1[m.matchStart + k].isFunction { r.functionMatches1[m.module] += 1 } else { r.contentMatches1[m.module] += 1 }
            }
            for k in 0..<m.length {
                if w2[m.start + k].isFunction { r.functionMatches2[m.module] += 1 } else { r.contentMatches2[m.module] += 1 }
            }
        }
        r.matches = best
        r.chunks = Self.chunks(best)
        return r
    }

    func resolve(_ matches: [[Match]], _ search: inout Search) -> Path {
        // Collections.sort is stable: ties keep their order.
        func ranked(_ paths: [Path]) -> [Path] {
            paths.indices.sorted {
                let c = paths[$0].compare(paths[$1])
                return c != 0 ? c < 0 : $0 < $1
            }.map { paths[$0] }
        }
        var next = [Path()]
        for current in 0...matches.count {
            let paths = ranked(next)
            next.removeAll(keepingCapacity: true)
            for var path in paths.prefix(Self.beamSize) {
                if current == matches.count {
                    if path.lastMatchEnd != -1 { path.chunks += 1 }
                    next.append(path)
                    continue
                }
                if search.usesReference(current, path) {
                    if current < path.idx {
                        next.append(path)
                    } else if let m = search.match(at: path.idx, path) {
                        path.take(m)
                        path.distance += abs(m.start - m.matchStart)
                        next.append(path)
                    }
                    continue
                }
                for m in matches[current] where !search.isUsed(m, by: path) {
                    var branch = path
                    search.arena.append(Chosen(match: m, previous: path.last))
                    branch.last = Int32(search.arena.count - 1)
                    branch.take(m)
                    // The jar adds the branch's distance to the path it branched from.
                    path.distance += abs(m.start - m.matchStart)
                    next.append(branch)
                }
                if path.lastMatchEnd != -1 { path.chunks += 1; path.lastMatchEnd = -1 }
                path.idx += 1
                next.append(path)
            }
            if next.isEmpty { next.append(paths[0]) }
        }
        return ranked(next)[0]
    }

    /// Chunks of a finished alignment: runs of matches contiguous in both lines.
    static func chunks(_ matches: [Match?]) -> Int {
        var chunks = 0, idx = 0, lastMatchEnd = -1
        while idx < matches.count {
            if let m = matches[idx] {
                if lastMatchEnd != -1 && m.matchStart != lastMatchEnd { chunks += 1 }
                idx = m.start + m.length
                lastMatchEnd = m.matchStart + m.matchLength
            } else {
                if lastMatchEnd != -1 { chunks += 1; lastMatchEnd = -1 }
                idx += 1
            }
        }
        return lastMatchEnd != -1 ? chunks + 1 : chunks
    }
}
