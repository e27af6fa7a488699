import Foundation
import XCTest
import JSON
import Models
import TestSupport

/// Every official GPT-2 size maps onto the layout, checked on headers alone: the names and
/// shapes transformers gives each size (recorded by tools/make_fixtures.py) are built into a
/// safetensors header with no data behind it, which the loader's planner must accept.
final class OfficialConfigTests: XCTestCase {
    func testEveryOfficialSizeMapsWithoutWeights() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: TestPaths.fixtures + "/configs/official_gpt2_tensors.json"))
        let root = try JSONParser.parse(bytes: [UInt8](data))
        let names = root.object!.map(\.0)
        XCTAssertEqual(Set(names), Set(GPT2Config.official.keys))
        for (name, entry) in root.object! {
            let cfg = try GPT2Config(json: entry["config"]!, path: name)
            XCTAssertEqual(cfg, GPT2Config.official[name], name)
            let layout = GPT2Layout(cfg)
            let tensors = entry["tensors"]!.object!
            XCTAssertEqual(tensors.count, layout.entries.count, name)
            // Header as GPT2LMHeadModel.save_pretrained writes it, in F16, no data.
            var offset = 0
            var pairs: [(String, JSONValue)] = []
            for (tname, shape) in tensors {
                let n = shape.array!.reduce(1) { $0 * $1.int! } * 2
                pairs.append((tname, .object([("dtype", .string("F16")), ("shape", shape),
                                              ("data_offsets", .array([.number(Double(offset)), .number(Double(offset + n))]))])))
                offset += n
                let bare = String(tname.dropFirst("transformer.".count))
                XCTAssertEqual(layout[bare]?.shape, shape.array!.map { $0.int! }, "\(name) \(tname)")
            }
            let json = Array(JSONValue.object(pairs).serialized.utf8)
            let header = try json.withUnsafeBufferPointer { try SafeTensorsHeader.parse(json: $0, dataLength: offset, path: name) }
            let plan = try GPT2Weights.plan(header: header, layout: layout, path: name)
            XCTAssertEqual(plan.pairs.count, layout.entries.count)
            XCTAssertEqual(layout.total * 2, offset, "\(name): every parameter covered once")
        }
    }

    func testPlannerNamesAMissingOrMisshapenTensor() throws {
        let cfg = GPT2Config(nLayer: 1, nHead: 2, nEmbd: 4, nPositions: 8, vocabSize: 10)
        let layout = GPT2Layout(cfg)
        func header(_ edit: (inout [(String, [Int])]) -> Void) throws -> SafeTensorsHeader {
            var list = layout.entries.map { ($0.name, $0.shape) }
            edit(&list)
            var offset = 0
            let pairs: [(String, JSONValue)] = list.map { name, shape in
                let n = shape.reduce(1, *) * 4
                defer { offset += n }
                return (name, .object([("dtype", .string("F32")), ("shape", .array(shape.map { .number(Double($0)) })),
                                       ("data_offsets", .array([.number(Double(offset)), .number(Double(offset + n))]))]))
            }
            let json = Array(JSONValue.object(pairs).serialized.utf8)
            // The data section the tensors index, whole: the format allows no holes.
            return try json.withUnsafeBufferPointer { try SafeTensorsHeader.parse(json: $0, dataLength: offset, path: "m.safetensors") }
        }
        XCTAssertThrowsError(try GPT2Weights.plan(header: header { $0.removeAll { $0.0 == "h.0.mlp.c_fc.bias" } }, layout: layout, path: "m")) {
            XCTAssertTrue("\($0)".contains("missing tensor 'h.0.mlp.c_fc.bias'"), "\($0)")
        }
        XCTAssertThrowsError(try GPT2Weights.plan(header: header { $0[4].1 = [3, 12] }, layout: layout, path: "m")) {
            XCTAssertTrue("\($0)".contains("'h.0.attn.c_attn.weight' has shape [3, 12], expected [4, 12]"), "\($0)")
        }
        XCTAssertThrowsError(try GPT2Weights.plan(header: header { $0.append(("h.1.ln_1.weight", [4])) }, layout: layout, path: "m")) {
            XCTAssertTrue("\($0)".contains("unexpected tensor 'h.1.ln_1.weight'"), "\($0)")
        }
    }
}
