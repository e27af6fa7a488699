import Events
import Runs
import Tuning
import Foundation
import JSON
import Kernels
import Models
import Support

public struct BusBench: Sendable {
    public init() {}
    public var config = "gpt2"
    public var steps = 10
    public var events = 1_000_000
    public var json = false

    public func run(_ out: (String) -> Void) throws {
        // 1. Throughput: one subscriber that takes everything (drained), one UI-like that never reads.
        let bus = EventBus()
        let (stream, _) = runBlocking { await bus.subscribe(.everything) }
        _ = runBlocking { await bus.subscribe(.coalescingSteps(maxPending: 1000)) }
        let drained = DispatchSemaphore(value: 0)
        let n = events
        Task.detached {
            var count = 0
            for await _ in stream { count += 1; if count == n { break } }
            drained.signal()
        }
        let t0 = now()
        for i in 1...n {
            bus.post(RunEvent(run: "bench", time: "", .step(.init(step: i, totalSteps: n, epoch: 0, loss: 1, lr: 1, tokensPerS: 1, gradNorm: 1))))
        }
        let postSeconds = now() - t0
        drained.wait()
        let carried = Double(n) / (now() - t0)
        out(String(format: "bus: %d step events posted in %.2f s (%.0f/s), delivered to the draining subscriber at %.0f/s",
                     n, postSeconds, Double(n) / postSeconds, carried))

        // 2. Training on a dedicated thread, posting a step event per step.
        let cfg = try benchConfig(config)
        let model = GPT2Model(config: cfg)
        model.randomize(seed: 1)
        let method = Prefix(length: 10, reparam: .mlp, midDim: 512)
        let tm = TrainingModel(model: model, method: method, maxBatch: 5, maxT: 64)
        tm.encoder?.randomInit(seed: 2)
        let batch = TrainStepBench.randomBatch(cfg: cfg, layout: method.layout, B: 5, T: 64, seed: 3)
        func trainOnThread(_ bus: EventBus) -> Double {
            let done = DispatchSemaphore(value: 0)
            let box = UncheckedSendable(tm)
            let times = ResultBox<[Double]>()
            times.value = []
            let thread = Thread {
                for s in 0..<(self.steps + 2) {
                    let t = now()
                    let loss = box.value.computeGradients([batch])
                    box.value.update(lr: 1e-4)
                    let dt = now() - t
                    if s >= 2 { times.value!.append(dt) }
                    bus.post(RunEvent(run: "bench", .step(.init(step: s + 1, totalSteps: self.steps + 2, epoch: 0, loss: loss, lr: 1e-4,
                                                              tokensPerS: 320 / dt, gradNorm: 0))))
                }
                done.signal()
            }
            thread.stackSize = 8 << 20
            thread.start()
            done.wait()
            return 320 / median(times.value!)
        }
        let quiet = EventBus()
        let alone = trainOnThread(quiet)
        let busy = EventBus()
        let (ui, _) = runBlocking { await busy.subscribe(.coalescingSteps(maxPending: 1000)) }
        let (logStream, _) = runBlocking { await busy.subscribe(.everything) }
        // A busy UI: every event it reads costs it 5 ms of computation (a render), and a log
        // writer formats every event.
        Task.detached { var x = 0.0; for await _ in ui { let end = now() + 0.005; while now() < end { x += 1 } }; _ = x }
        Task.detached { var bytes = 0; for await e in logStream { bytes += e.jsonLine.utf8.count }; _ = bytes }
        let withSubscribers = trainOnThread(busy)
        runBlocking { await busy.close() }
        out(String(format: "training (%@, prefix 10, batch 5 × 64) on its own thread: %.1f tokens/s alone, %.1f with a busy UI subscriber and a log writer: %.1f%%",
                     config, alone, withSubscribers, 100 * withSubscribers / alone))
        if json {
            out(JSONValue.object([("events_per_s", .number(carried.rounded())), ("tokens_per_s_alone", .number(alone)),
                                    ("tokens_per_s_with_subscribers", .number(withSubscribers)),
                                    ("ratio", .number(withSubscribers / alone))]).serialized)
        }
    }
}
