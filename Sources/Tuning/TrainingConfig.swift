import Specs

/// A training run as the training loop sees it: the method and the settings of its spec.
/// The settings read as if they were the config's own (`config.batchSize`).
@dynamicMemberLookup
public struct TrainingConfig: Sendable {
    public var method: any TuningMethod
    public var training: TrainingSettings

    public init(method: any TuningMethod, training: TrainingSettings = TrainingSettings()) {
        self.method = method; self.training = training
    }

    public subscript<T>(dynamicMember key: KeyPath<TrainingSettings, T>) -> T { training[keyPath: key] }

    public subscript<T>(dynamicMember key: WritableKeyPath<TrainingSettings, T>) -> T {
        get { training[keyPath: key] }
        set { training[keyPath: key] = newValue }
    }
}
