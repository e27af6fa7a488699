import Foundation

/// METEOR 1.5's sufficient statistics of one segment (or, summed, of a corpus) and the score
/// computed from them, as edu.cmu.meteor.scorer.MeteorStats and MeteorScorer.computeMetrics
/// define them, with the English ranking task's parameters.
public struct MeteorStats: Sendable, Equatable {
    public var testLength = 0.0, referenceLength = 0.0, testFunctionWords = 0.0, referenceFunctionWords = 0.0
    /// Per module (exact, stem, synonym, paraphrase).
    public var testContent = [Double](repeating: 0, count: 4), referenceContent = [Double](repeating: 0, count: 4)
    public var testFunction = [Double](repeating: 0, count: 4), referenceFunction = [Double](repeating: 0, count: 4)
    public var chunks = 0.0, testWordMatches = 0.0, referenceWordMatches = 0.0

    /// α, β, γ, δ and the module weights of METEOR 1.5's English default ("rank") task.
    public static let alpha = 0.85, beta = 0.20, gamma = 0.60, delta = 0.75
    public static let moduleWeights = [1.0, 0.6, 0.8, 0.6]

    public init() {}

    var testTotalMatches: Double { zip(testContent, testFunction).reduce(0) { $0 + $1.0 + $1.1 } }
    var referenceTotalMatches: Double { zip(referenceContent, referenceFunction).reduce(0) { $0 + $1.0 + $1.1 } }

    /// The 23 numbers of the jar's statistics line, in its order.
    public var line: [Double] {
        var v = [testLength, referenceLength, testFunctionWords, referenceFunctionWords]
        for m in 0..<4 { v += [testContent[m], referenceContent[m], testFunction[m], referenceFunction[m]] }
        return v + [chunks, testWordMatches, referenceWordMatches]
    }

    /// A perfect match (every word matched, one chunk) has no fragmentation, and its chunk is
    /// not summed into a corpus.
    var isPerfect: Bool { testTotalMatches == testLength && referenceTotalMatches == referenceLength && chunks == 1 }

    public mutating func add(_ s: MeteorStats) {
        testLength += s.testLength; referenceLength += s.referenceLength
        testFunctionWords += s.testFunctionWords; referenceFunctionWords += s.referenceFunctionWords
        for m in 0..<4 {
            testContent[m] += s.testContent[m]; referenceContent[m] += s.referenceContent[m]
            testFunction[m] += s.testFunction[m]; referenceFunction[m] += s.referenceFunction[m]
        }
        if !s.isPerfect { chunks += s.chunks }
        testWordMatches += s.testWordMatches; referenceWordMatches += s.referenceWordMatches
    }

    public var score: Double {
        let a = Self.alpha, d = Self.delta
        let testWeightedLength = d * (testLength - testFunctionWords) + (1 - d) * testFunctionWords
        let referenceWeightedLength = d * (referenceLength - referenceFunctionWords) + (1 - d) * referenceFunctionWords
        var testWeighted = 0.0, referenceWeighted = 0.0
        for m in 0..<4 { testWeighted += testContent[m] * Self.moduleWeights[m] * d }
        for m in 0..<4 { referenceWeighted += referenceContent[m] * Self.moduleWeights[m] * d }
        for m in 0..<4 { testWeighted += testFunction[m] * Self.moduleWeights[m] * (1 - d) }
        for m in 0..<4 { referenceWeighted += referenceFunction[m] * Self.moduleWeights[m] * (1 - d) }
        let precision = testWeighted / testWeightedLength, recall = referenceWeighted / referenceWeightedLength
        let fMean = 1.0 / ((1.0 - a) / precision + a / recall)
        let frag = isPerfect ? 0 : chunks / ((testWordMatches + referenceWordMatches) / 2)
        let score = fMean * (1.0 - Self.gamma * pow(frag, Self.beta))
        return score.isNaN ? 0 : max(score, 0)
    }
}
