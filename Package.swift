// swift-tools-version:6.0
import PackageDescription

// Code is compiled for AVX2+FMA (every x86_64 machine this project targets has them);
// without `-target-cpu` Swift emits SSE2 code and SIMD fused multiply-adds become libm calls.
let cpuFlags: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell"], .when(platforms: [.linux]))]
// -Ounchecked only for the kernels' inner loops (Kernels/): everywhere else an out-of-range
// index or an overflow must trap, not corrupt memory. Measured in the README ("Speed").
let kernelFlags: [SwiftSetting] = cpuFlags + [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]

let package = Package(
    name: "PrefixLab",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "prefixlab", targets: ["prefixlab"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "CIntrinsics"),
        .target(name: "Support"),
        .target(name: "JSON"),
        .target(
            name: "Kernels",
            dependencies: [.target(name: "CBLAS", condition: .when(platforms: [.linux])), "CIntrinsics", "Support"],
            swiftSettings: kernelFlags
        ),
        .target(name: "Models", dependencies: ["Kernels", "JSON", "Support"], swiftSettings: cpuFlags),
        .target(name: "Text", dependencies: ["JSON", "Support"], swiftSettings: cpuFlags),
        .target(name: "Specs", dependencies: ["Support"]),
        .target(name: "Tuning", dependencies: ["Kernels", "Models", "JSON", "Support", "Specs"], swiftSettings: cpuFlags),
        .target(name: "Metrics", dependencies: ["CZlib", "Support"], swiftSettings: cpuFlags),
        .target(name: "Decoding", dependencies: ["Models", "Kernels", "Support"], swiftSettings: cpuFlags),
        .target(name: "Events", dependencies: ["JSON", "Support"]),
        .target(name: "Jobs", dependencies: ["Events", "Specs", "Tuning", "Decoding", "Models", "Metrics", "Text", "Kernels", "JSON", "Support"]),
        .target(name: "Runs", dependencies: ["Events", "Specs", "Jobs", "Tuning", "Models", "Text", "JSON", "Support"]),
        .target(name: "Benchmarks", dependencies: ["Kernels", "Models", "Tuning", "Decoding", "Text", "Events", "Runs", "Specs", "JSON", "Support"], swiftSettings: cpuFlags),
        .target(name: "Fuzzing", dependencies: ["Models", "Text", "JSON", "Tuning", "Jobs", "Runs", "Specs", "Support"]),
        .target(name: "Screen", dependencies: ["Support"]),
        .target(name: "Workbench", dependencies: ["Screen", "Events", "Specs"]),
        .systemLibrary(name: "CNCursesw", pkgConfig: "ncursesw", providers: [.apt(["libncursesw5-dev"])]),
        .target(name: "Terminal", dependencies: ["CNCursesw", "Screen"]),
        .executableTarget(
            name: "prefixlab",
            dependencies: [
                "Kernels", "Models", "Text", "JSON", "Tuning", "Runs", "Metrics", "Decoding", "Screen", "Workbench", "Terminal",
                "Support", "Events", "Specs", "Jobs", "Benchmarks", "Fuzzing",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: cpuFlags
        ),
        .target(name: "TestSupport", dependencies: ["JSON"], path: "Tests/TestSupport"),
        .testTarget(name: "JSONTests", dependencies: ["JSON"]),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels", "TestSupport"], swiftSettings: kernelFlags),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "Kernels", "Text", "JSON", "Support", "TestSupport"], swiftSettings: cpuFlags),
        .testTarget(name: "TextTests", dependencies: ["Text", "JSON", "TestSupport"]),
        .testTarget(name: "TuningTests", dependencies: ["Tuning", "Decoding", "Models", "Kernels", "JSON", "Specs", "Support", "TestSupport"], swiftSettings: cpuFlags),
        .testTarget(name: "DecodingTests", dependencies: ["Decoding", "Models", "Kernels", "Tuning", "Text", "JSON", "Support", "TestSupport"], swiftSettings: cpuFlags),
        .testTarget(name: "JobsTests", dependencies: ["Jobs", "Runs", "Events", "Specs", "Tuning", "TestSupport"]),
        .testTarget(name: "RunsTests", dependencies: ["Runs", "Events", "Jobs", "Specs", "Tuning", "TestSupport"]),
        .testTarget(name: "MetricsTests", dependencies: ["Metrics", "Text", "JSON", "TestSupport"]),
        .testTarget(name: "ScreenTests", dependencies: ["Screen"]),
        .testTarget(name: "WorkbenchTests", dependencies: ["Workbench", "Screen", "Events", "Specs", "Tuning"]),
        .testTarget(name: "PrefixlabTests", dependencies: ["Models", "Text", "JSON", "Specs", "Tuning", "Decoding", "TestSupport"]),
    ]
)
