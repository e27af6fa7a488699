import Foundation
import Jobs
import Workbench

/// Runs the workbench's on-demand decoding (Jobs/TryOwnDecoding: try your own, the attention
/// view; the prefix view's PrefixInspection) on its own thread and hands the results to the
/// main loop as the Workbench's values.
final class TryOwnDecoder: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [(String, String)] = []
    private var maps: [AttentionMap] = []
    private var prefixViews: [PrefixMeaning] = []
    private let decoding = TryOwnDecoding()
    private let queue = DispatchQueue(label: "prefixlab.try-own")

    func submit(source: String, runDirs: [(id: String, dir: String)]) {
        queue.async { [self] in
            decoding.decode(source: source, runDirs: runDirs) { id, text in lock.lock(); results.append((id, text)); lock.unlock() }
        }
    }

    /// The attention view: each run's greedy decoding of `source` with its attention shares.
    func submitAttention(source: String, runDirs: [(id: String, dir: String)]) {
        queue.async { [self] in
            for (id, dir) in runDirs {
                var map = AttentionMap(run: id, source: source)
                do {
                    let a = try decoding.attention(source: source, run: id, dir: dir)
                    map.kind = a.virtualKind; map.rows = a.virtualRows; map.output = a.output; map.tokens = a.tokenTexts
                    map.shares = a.trace.tokens.indices.map { k in
                        (0..<a.trace.layers).map { l in
                            let m = a.layerShares(token: k, layer: l)
                            return AttentionShare(virtual: Double(m.virtual), source: Double(m.source), generated: Double(m.generated))
                        }
                    }
                } catch { map.error = "\(error)" }
                lock.lock(); maps.append(map); lock.unlock()
            }
        }
    }

    /// The prefix view: the run's rows against the vocabulary.
    func submitPrefix(run id: String, dir: String) {
        queue.async { [self] in
            var view = PrefixMeaning(run: id)
            do {
                let p = try PrefixInspection.inspect(runDir: dir, top: 6)
                view.kind = p.kind; view.initialization = p.initialization
                view.nearest = (0..<p.layers).map { l in (0..<p.rows).map { q in p.neighbours(layer: l, position: q).map { .init(token: $0.token, cosine: Double($0.cosine)) } } }
                view.moved = p.moved?.map { .init(word: $0.word, cosine: Double($0.cosine), relative: Double($0.relative)) }
            } catch { view.error = "\(error)" }
            lock.lock(); prefixViews.append(view); lock.unlock()
        }
    }

    func takePrefixViews() -> [PrefixMeaning] { lock.lock(); defer { prefixViews = []; lock.unlock() }; return prefixViews }
    func takeAttention() -> [AttentionMap] { lock.lock(); defer { maps = []; lock.unlock() }; return maps }
    func take() -> [(String, String)] { lock.lock(); defer { results = []; lock.unlock() }; return results }
}
