import Foundation
import JSON

/// Where tests find the repository's fixtures and the shared data beside the clone.
public enum TestPaths {
    /// The package root (three levels above this file).
    public static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    public static let fixtures = root + "/Tests/Fixtures"

    /// ../shared beside the clone (CI lays a copy there), or $PREFIXLAB_SHARED.
    public static let shared: String = {
        if let env = ProcessInfo.processInfo.environment["PREFIXLAB_SHARED"] { return env }
        return URL(fileURLWithPath: root).deletingLastPathComponent().appendingPathComponent("shared").path
    }()

    public static let gpt2Tokenizer = shared + "/tokenizers/gpt2"

    /// The folder that holds the built products (the `prefixlab` executable).
    public static var products: URL {
        #if os(macOS)
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            return bundle.bundleURL.deletingLastPathComponent()
        }
        #endif
        return Bundle.main.bundleURL
    }

    /// A fresh empty folder under the system temporary directory, removed when the test
    /// process exits.
    public static func tempDir(_ label: String = "test") -> String {
        let d = NSTemporaryDirectory() + "prefixlab-\(label)-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        TempDirs.shared.add(d)
        return d
    }

    /// A runnable model folder: a fixture model's weights and config plus the real GPT-2
    /// tokenizer files (under Hugging Face's names), in a temporary folder.
    public static func modelFolder(_ fixture: String) throws -> String {
        let d = tempDir(fixture)
        let fm = FileManager.default
        for f in ["config.json", "model.safetensors"] {
            try fm.copyItem(atPath: "\(fixtures)/models/\(fixture)/\(f)", toPath: "\(d)/\(f)")
        }
        try fm.copyItem(atPath: gpt2Tokenizer + "/encoder.json", toPath: d + "/vocab.json")
        try fm.copyItem(atPath: gpt2Tokenizer + "/vocab.bpe", toPath: d + "/merges.txt")
        return d
    }
}

/// Runs a program and returns (exit status, stdout, stderr); `cwd` is its working folder.
public func runProcess(_ executable: URL, _ args: [String], cwd: String? = nil) throws -> (status: Int32, out: String, err: String) {
    let p = Process()
    p.executableURL = executable
    p.arguments = args
    if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

/// Temporary folders of this test process, removed at exit so test runs leave nothing behind.
final class TempDirs: @unchecked Sendable {
    static let shared = TempDirs()
    private let lock = NSLock()
    private var paths: [String] = []
    private init() { atexit { TempDirs.shared.removeAll() } }
    func add(_ p: String) { lock.lock(); paths.append(p); lock.unlock() }
    func removeAll() {
        lock.lock(); let ps = paths; paths = []; lock.unlock()
        for p in ps { try? FileManager.default.removeItem(atPath: p) }
    }
}

/// The `status` of a run folder's run.json ("" when it cannot be read).
public func runStatus(_ runDir: String) -> String {
    guard let d = FileManager.default.contents(atPath: runDir + "/run.json"), let j = try? JSONParser.parse(bytes: [UInt8](d)) else { return "" }
    return j["status"]?.string ?? ""
}
