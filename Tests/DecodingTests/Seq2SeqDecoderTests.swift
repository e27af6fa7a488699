import Foundation
import XCTest
import JSON
import Decoding
import Models
import TestSupport

/// Greedy and beam search of BART against transformers' `generate` (5.24), token for token,
/// on the fixture models (tools/make_bart_fixtures.py; </s> made likely enough that some
/// outputs end early): three documents batched, greedy to max_length 21, four beams with
/// defaults, and BART-XSUM's settings (6 beams, min_length 11, max_length 62,
/// no_repeat_ngram_size 3, length_penalty 1, forced </s>, early stopping).
final class Seq2SeqDecoderTests: XCTestCase {
    func testGreedyAndBeamSearchEqualTransformersGenerate() throws {
        for name in ["tiny", "deep"] {
            let dir = TestPaths.fixtures + "/bart/" + name
            let model = try XCTUnwrap(try HFModelFolder.load(dir) as? any Seq2SeqLM)
            let meta = try JSONParser.parse(bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/reference.json"))))
            let documents = meta["batch"]!["encoder_ids"]!.array!.map { $0.array!.map { Int32($0.int!) } }
            for (key, entry) in meta["generate"]!.object! {
                let kw = entry["settings"]!
                var s = GenerationSettings()
                s.beams = kw["num_beams"]!.int!
                // max_length and min_length count the decoder's start token.
                s.maxNewTokens = kw["max_length"]!.int! - 1
                s.minNewTokens = max(0, (kw["min_length"]?.int ?? 0) - 1)
                s.noRepeatNgram = kw["no_repeat_ngram_size"]?.int ?? 0
                s.lengthPenalty = kw["length_penalty"]?.number ?? 1
                s.earlyStopping = kw["early_stopping"]?.bool ?? false
                let want = entry["output_ids"]!.array!.map { $0.array!.map { Int32($0.int!) } }
                XCTAssertEqual(Seq2SeqDecoder(model: model, settings: s).generate(documents: documents), want, "\(name) \(key)")
                // One document at a time gives the same outputs.
                for (d, w) in zip(documents, want) {
                    XCTAssertEqual(Seq2SeqDecoder(model: model, settings: s).generate(documents: [d]), [w], "\(name) \(key), alone")
                }
            }
        }
    }
}
