import Foundation
import JSON
import Support

/// Loads a GPT-2 BPE from the files Hugging Face and OpenAI ship.
public enum TokenizerFiles {
    /// From a folder: `tokenizer.json`, else `vocab.json` + `merges.txt`, else OpenAI's
    /// original names `encoder.json` + `vocab.bpe`.
    /// `specials`: the special tokens a vocab.json holds by their strings (GPT-2:
    /// `<|endoftext|>`; BART's RobertaTokenizer: `<s>`, `<pad>`, `</s>`, `<unk>`, `<mask>`);
    /// tokenizer.json lists its own.
    public static func load(folder: String, specials: [String] = ["<|endoftext|>"]) throws -> BPETokenizer {
        func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }
        let fm = FileManager.default
        if fm.fileExists(atPath: path("vocab.json")), fm.fileExists(atPath: path("merges.txt")) {
            return try load(vocabJSON: path("vocab.json"), merges: path("merges.txt"), specials: specials)
        }
        if fm.fileExists(atPath: path("tokenizer.json")) { return try load(tokenizerJSON: path("tokenizer.json")) }
        if fm.fileExists(atPath: path("encoder.json")), fm.fileExists(atPath: path("vocab.bpe")) {
            return try load(vocabJSON: path("encoder.json"), merges: path("vocab.bpe"))
        }
        throw TokenizerError("\(folder): no tokenizer found (expected vocab.json + merges.txt, or tokenizer.json)")
    }

    public static func load(vocabJSON: String, merges mergesPath: String, specials: [String] = ["<|endoftext|>"]) throws -> BPETokenizer {
        let vocab = try readVocab(try parseJSON(vocabJSON), path: vocabJSON)
        let text: String
        do { text = try TextFile.read(mergesPath, maxBytes: 256 << 20) } catch { throw TokenizerError("\(error)") }
        var merges: [(String, String)] = []
        for (n, line) in TextFile.lines(text).enumerated() {
            if line.hasPrefix("#version") || line.isEmpty { continue }
            let parts = line.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw TokenizerError("\(mergesPath):\(n + 1): expected two tokens separated by one space, got '\(Escaped(line))'")
            }
            merges.append((String(parts[0]), String(parts[1])))
        }
        let present = specials.filter { vocab[$0] != nil }
        do { return try BPETokenizer(vocab: vocab, merges: merges, specialTokens: present.isEmpty ? ["<|endoftext|>"] : present) } catch let e as TokenizerError {
            throw TokenizerError("\(vocabJSON): \(e.description)")
        }
    }

    /// Hugging Face `tokenizer.json` with a BPE model; merges as "a b" strings or [a, b] pairs.
    public static func load(tokenizerJSON path: String) throws -> BPETokenizer {
        let root = try parseJSON(path)
        guard let model = root["model"], model["type"]?.string == "BPE" || model["type"] == nil,
              let vocabValue = model["vocab"], let mergeValues = model["merges"]?.array else {
            throw TokenizerError("\(path): expected a BPE model with vocab and merges")
        }
        var vocab = try readVocab(vocabValue, path: path)
        var merges: [(String, String)] = []
        for (n, m) in mergeValues.enumerated() {
            if let s = m.string {
                let parts = s.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2 else { throw TokenizerError("\(path): merge \(n) '\(s)' is not two tokens") }
                merges.append((String(parts[0]), String(parts[1])))
            } else if let a = m.array, a.count == 2, let x = a[0].string, let y = a[1].string {
                merges.append((x, y))
            } else {
                throw TokenizerError("\(path): merge \(n) is neither \"a b\" nor [a, b]")
            }
        }
        var specials: [String] = []
        for (n, t) in (root["added_tokens"]?.array ?? []).enumerated() {
            if let content = t["content"]?.string, let idValue = t["id"] {
                guard let id = idValue.int, id >= 0, id <= vocabIdLimit(vocab.count) else {
                    throw TokenizerError("\(path): added_tokens[\(n)] '\(Escaped(content))' has id \(idValue.serialized.prefix(24)); expected 0 to \(vocabIdLimit(vocab.count))")
                }
                vocab[content] = Int32(id)
                if t["special"]?.bool ?? true { specials.append(content) }
            }
        }
        if specials.isEmpty { specials = ["<|endoftext|>"] }
        do { return try BPETokenizer(vocab: vocab, merges: merges, specialTokens: specials) } catch let e as TokenizerError {
            throw TokenizerError("\(path): \(e.description)")
        }
    }

    static func parseJSON(_ path: String) throws -> JSONValue {
        let data: Data
        do { data = try TextFile.bytes(path, maxBytes: 512 << 20) } catch { throw TokenizerError("\(error)") }
        do { return try JSONParser.parse(bytes: [UInt8](data)) } catch { throw TokenizerError("\(path): not valid JSON (\(error))") }
    }

    static func readVocab(_ value: JSONValue, path: String) throws -> [String: Int32] {
        guard let pairs = value.object else { throw TokenizerError("\(path): vocabulary is not a JSON object of token → id") }
        guard pairs.count <= maxVocabulary else { throw TokenizerError("\(path): \(pairs.count) tokens; at most \(maxVocabulary) are read") }
        var vocab: [String: Int32] = [:]
        vocab.reserveCapacity(pairs.count)
        let limit = vocabIdLimit(pairs.count)
        for (token, id) in pairs {
            guard let n = id.int, n >= 0, n <= limit else {
                throw TokenizerError("\(path): token '\(Escaped(token))' has id \(id.serialized.prefix(24)); expected 0 to \(limit) for a vocabulary of \(pairs.count) tokens")
            }
            vocab[token] = Int32(n)
        }
        return vocab
    }

    /// Vocabularies are read up to this size (GPT-2: 50,257; the largest published: ~256k).
    static let maxVocabulary = 10_000_000

    /// The largest id a vocabulary of `count` tokens may use: ids are dense in Hugging Face
    /// files; a few gaps (added tokens) are allowed, a far-away id (which would size the id →
    /// token table) is not.
    static func vocabIdLimit(_ count: Int) -> Int { count + 4096 }
}
