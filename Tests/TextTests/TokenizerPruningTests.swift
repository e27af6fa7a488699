import Foundation
import XCTest
import JSON
import Text
import TestSupport

final class TokenizerPruningTests: XCTestCase {
    func testPrunedTokenizerEncodesTheCorpusAlikeAndAnyTextStillRoundTrips() throws {
        let full = try TokenizerFiles.load(folder: TestPaths.gpt2Tokenizer)
        let corpus = ["The Eagle is a coffee shop near Burger King.", "name : The Eagle | Type : coffee shop | price : £20-25",
                      "It's family-friendly; prices are moderate."]
        let (vocab, merges) = TokenizerPruning.prune(full, corpus: corpus)
        XCTAssertLessThan(vocab.count, 400)
        let pruned = try BPETokenizer(vocab: vocab, merges: merges)
        for line in corpus {
            XCTAssertEqual(pruned.encode(line).map { pruned.tokens[Int($0)] }, full.encode(line).map { full.tokens[Int($0)] }, line)
        }
        XCTAssertEqual(pruned.tokens.last, "<|endoftext|>")
        for text in ["Zürich 😀 中文 never seen", "tabs\tand\nnewlines"] {
            XCTAssertEqual(pruned.decode(pruned.encode(text)), text, "every byte is still a token")
        }
    }
}
