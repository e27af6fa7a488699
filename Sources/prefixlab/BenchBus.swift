import ArgumentParser
import Events
import Foundation
import JSON
import Kernels
import Models
import Support
import Runs
import Tuning

struct BenchBus: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bus",
        abstract: "Event bus: events/s it carries, and training tokens/s with a busy subscriber attached vs none."
    )
    @Option(help: "Model shapes for the training part.") var config = "gpt2"
    @Option var steps = 10
    @Option(help: "Events for the throughput part.") var events = 1_000_000
    @Flag var json = false
    @OptionGroup var engine: EngineOptions

    func run() throws {
        try engine.apply()
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
        print(String(format: "bus: %d step events posted in %.2f s (%.0f/s), delivered to the draining subscriber at %.0f/s",
                     n, postSeconds, Double(n) / postSeconds, carried))

        // 2. Training on a dedicated thread, posting a step event per step.
        let cfg = try benchConfig(config)
        let model = GPT2Model(config: cfg)
        model.randomize(seed: 1)
        let method = Prefix(length: 10, reparam: .mlp, midDim: 512)
        let tm = TrainingModel(model: model, method: method, maxBatch: 5, maxT: 64)
        tm.encoder?.randomInit(seed: 2)
        let batch = BenchTrain.randomBatch(cfg: cfg, layout: method.layout, B: 5, T: 64, seed: 3)
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
        print(String(format: "training (%@, prefix 10, batch 5 × 64) on its own thread: %.1f tokens/s alone, %.1f with a busy UI subscriber and a log writer: %.1f%%",
                     config, alone, withSubscribers, 100 * withSubscribers / alone))
        if json {
            print(JSONValue.object([("events_per_s", .number(carried.rounded())), ("tokens_per_s_alone", .number(alone)),
                                    ("tokens_per_s_with_subscribers", .number(withSubscribers)),
                                    ("ratio", .number(withSubscribers / alone))]).serialized)
        }
    }
}

/// Runs async work from synchronous command code and waits for it.
func runBlocking<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
    let box = ResultBox<T>()
    let done = DispatchSemaphore(value: 0)
    Task.detached { box.value = await body(); done.signal() }
    done.wait()
    return box.value!
}

final class ResultBox<T>: @unchecked Sendable { var value: T? }
