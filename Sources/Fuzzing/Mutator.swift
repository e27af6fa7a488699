import Foundation
import Support

/// Seeded mutations of a file's bytes, the kinds that find parser bugs: bit flips, bytes set
/// to structural characters, deletions, duplications, insertions of random or control bytes,
/// truncation, number tokens replaced by extreme numbers, and splices with another seed file.
/// The same seed gives the same mutations.
public struct Mutator {
    var rng: SplitMix64

    public init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(rng.next() % UInt64(n)) }

    static let structural: [UInt8] = Array("{}[]\",:\n\r\t\\ 0-9.eE<>/&;|#x".utf8) + [0, 0x1B, 0x7F, 0xFF, 0xC3, 0x80]
    static let numbers = ["9223372036854775807", "-9223372036854775808", "18446744073709551615", "1e308", "-1", "0", "-0", "4294967296",
                          "2147483646", "1e-320", "NaN", "1.5", "99999999999999999999999", "1099511627776"]

    /// One mutated copy of `data` (1 to 4 mutations); `other` is a second seed to splice from.
    public mutating func mutate(_ data: [UInt8], other: [UInt8]) -> [UInt8] {
        var d = data
        for _ in 0...below(4) {
            if d.isEmpty { d = [Mutator.structural[below(Mutator.structural.count)]]; continue }
            let i = below(d.count)
            switch below(10) {
            case 0: d[i] ^= UInt8(1 << below(8))
            case 1: d[i] = Mutator.structural[below(Mutator.structural.count)]
            case 2: d.removeSubrange(i..<min(d.count, i + 1 + below(16)))
            case 3: let j = min(d.count, i + 1 + below(64)); d.insert(contentsOf: d[i..<j], at: below(d.count))
            case 4: d.insert(contentsOf: (0..<(1 + below(8))).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: i)
            case 5: d.removeLast(min(d.count - 1, below(max(1, d.count / 2)) + 1))
            case 6, 7: replaceNumber(&d, at: i)
            case 8: if !other.isEmpty { let a = below(other.count); d.replaceSubrange(i..<min(d.count, i + below(64)), with: other[a..<min(other.count, a + 1 + below(64))]) }
            default: d.insert(contentsOf: [0x1B, 0x5B, 0x32, 0x4A], at: i)  // ESC [ 2 J
            }
        }
        return d
    }

    /// Replaces the run of digits at or after `i` with an extreme number.
    mutating func replaceNumber(_ d: inout [UInt8], at i: Int) {
        let isDigit: (UInt8) -> Bool = { $0 >= 0x30 && $0 <= 0x39 }
        guard let start = d[i...].firstIndex(where: isDigit) ?? d.firstIndex(where: isDigit) else { return }
        var end = start
        while end < d.count, isDigit(d[end]) || d[end] == 0x2E { end += 1 }
        d.replaceSubrange(start..<end, with: Array(Mutator.numbers[below(Mutator.numbers.count)].utf8))
    }
}
