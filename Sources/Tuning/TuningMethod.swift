import Models
import Specs

/// A tuning method of the paper's comparison (fine-tuning, prefix-tuning, embedding-only,
/// infix, ...): one file each under Tuning/Methods, registered once in `MethodRegistry`.
///
/// The value type is the method with its options, as a run spec names it: it knows its
/// descriptor (name, label, options for the CLI, experiment files and the launch form), where
/// its virtual rows go, its parameter counts, what a model must allow, and what its
/// checkpoints decode with. Its trainable state on a model is a `MethodState`.
public protocol TuningMethod: Sendable {
    static var descriptor: MethodDescriptor { get }
    /// The method from a spec's options, already resolved against `descriptor` (every option
    /// present and in range); throws for combinations the ranges cannot say.
    init(spec: MethodSpec) throws
    /// The spec of this method: its name and every option.
    var spec: MethodSpec { get }

    /// Where the method's virtual rows go in a sequence: its batch layout.
    var layout: VirtualLayout { get }
    /// What it adds inside the blocks of this model (LoRA updates, adapters): what a training
    /// graph allocates for.
    func additions(for model: ModelSummary) -> BlockAdditions
    /// Checks that need the model's sizes, made before anything is created.
    func check(against model: ModelSummary) throws
    /// What tells this run's method apart from the method's plain form in a comparison
    /// ("top2" for FT-top2, "lin b5", "r8"), nil for the plain form; the Ablation screen groups
    /// and labels rows by method, variant and prefix length.
    var variant: String? { get }
    /// Parameters AdamW updates (a prefix's MLP included).
    func trainedParameters(_ model: ModelSummary) -> Int
    /// Parameters the run stores and generates with (the folded prefix; the whole model for
    /// fine-tuning): the paper's "% of parameters".
    func storedParameters(_ model: ModelSummary) -> Int

    /// The method's trainable state on a model.
    func makeState(for model: any LanguageModel) -> any MethodState
    /// What one of its checkpoint folders decodes with.
    func decoding(checkpoint dir: String, baseModel: String) throws -> DecodingSetup
    /// The format `export` writes this method's checkpoints in ("peft": a Hugging Face PEFT
    /// adapter; "bottleneck": our adapter layout), nil when there is none.
    static var exportFormat: String? { get }
    /// A checkpoint as that format's files; throws, saying why, for a method without one.
    func export(checkpoint dir: String, model: ModelSummary, baseModel: String) throws -> any AdapterExport

    /// The PEFT adapter kind this method reads (`lm-score --adapter`, `generate --adapter`), if any.
    static var peftKind: PEFTAdapter.Kind? { get }
    /// What decoding and scoring through a PEFT adapter of `peftKind` use; throws when the
    /// adapter does not fit the model (naming the tensor and both shapes).
    static func conditioning(peft: PEFTAdapter, model: ModelSummary) throws -> (layout: VirtualLayout, conditioning: Conditioning)
}

/// Files a run exports to (`prefixlab export`): a PEFT adapter, or our bottleneck-adapter layout.
public protocol AdapterExport {
    /// The files it writes, which a folder being replaced may hold.
    var fileNames: Set<String> { get }
    /// One line for the terminal: what was written.
    var summary: String { get }
    func write(_ dir: String) throws
}

extension TuningMethod {
    public var name: String { Self.descriptor.name }
    public func additions(for model: ModelSummary) -> BlockAdditions { .none }
    public var variant: String? { nil }
    public static var peftKind: PEFTAdapter.Kind? { nil }
    public static var exportFormat: String? { "peft" }
    public static func conditioning(peft: PEFTAdapter, model: ModelSummary) throws -> (layout: VirtualLayout, conditioning: Conditioning) {
        throw MethodError("\(descriptor.name) reads no PEFT adapter")
    }
}

/// A method's trainable state on one model: its parameters (with gradients and AdamW moments),
/// how it conditions the training graph, its initialisation, and its checkpoint tensors.
public protocol MethodState: AnyObject {
    /// What AdamW updates: the method's own arena, or (a part of) the model's.
    var params: ParameterSet { get }
    /// The model's weights that get weight gradients (fine-tuning); none when frozen.
    var trainableWeights: TrainableWeights { get }
    /// GPT-2's own dropout, for methods that train the model itself (0: off).
    var modelDropoutRate: Float { get }

    /// Before a pass: computes what the graph reads from the parameters (a prefix's MLP).
    /// `step` (0-based) draws the method's dropout masks for that training step; nil (validation,
    /// decoding) uses none.
    func prepare(step: Int?, seed: UInt64)
    /// The buffers the graph reads and accumulates gradients into.
    var graphConditioning: GraphConditioning { get }
    /// After the backward of every micro-batch: the parameters' gradients from those buffers.
    func finishBackward()
    /// After AdamW moved the parameters.
    func parametersDidUpdate()

    /// A new run's starting point: random, from words (encoded with the run's tokenizer), or
    /// from a PEFT adapter, as the method's spec says.
    func initialize(seed: UInt64, encode: (String) -> [Int32]) throws
    /// Writes the method's tensors (and their AdamW moments) into a checkpoint folder being made.
    func save(to dir: String, baseModelDir: String) throws
    /// Reads them back (the counters are the trainer's).
    func load(from dir: String) throws
    /// What decoding with the current parameters (and the training model itself) is
    /// conditioned on: validation BLEU during training.
    func currentConditioning() -> Conditioning
}

/// What a checkpoint decodes with: a model folder (the base model, or a fine-tuned
/// checkpoint's own) and what generation is conditioned on.
public struct DecodingSetup: Sendable {
    public var modelFolder: String
    public var conditioning: Conditioning
    public init(modelFolder: String, conditioning: Conditioning) { self.modelFolder = modelFolder; self.conditioning = conditioning }
}

/// A checkpoint or adapter that cannot be used, or a method combination that is refused.
public struct MethodError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
