// swift-tools-version:6.0
import PackageDescription

// Kernels are written for AVX2+FMA (every x86_64 machine this project targets has them);
// without `-target-cpu` Swift emits SSE2 code and SIMD fused multiply-adds become libm calls.
let kernelFlags: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked"], .when(configuration: .release)),
    .unsafeFlags(["-target-cpu", "haswell"], .when(platforms: [.linux])),
]

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
        .target(name: "CIntrinsics"),
        .target(
            name: "Kernels",
            dependencies: [.target(name: "CBLAS", condition: .when(platforms: [.linux])), "CIntrinsics"],
            swiftSettings: kernelFlags
        ),
        .target(name: "JSON"),
        .target(name: "Models", dependencies: ["Kernels", "JSON"], swiftSettings: kernelFlags),
        .target(name: "Text", dependencies: ["JSON"], swiftSettings: kernelFlags),
        .target(name: "Tuning", dependencies: ["Kernels", "Models", "Text", "JSON"], swiftSettings: kernelFlags),
        .target(name: "Runs", dependencies: ["Tuning", "Models", "JSON"]),
        .target(name: "Metrics", swiftSettings: kernelFlags),
        .target(name: "Decoding", dependencies: ["Models", "Kernels"], swiftSettings: kernelFlags),
        .target(name: "Screen"),
        .target(name: "Workbench", dependencies: ["Screen", "Runs"]),
        .systemLibrary(name: "CNCursesw", pkgConfig: "ncursesw", providers: [.apt(["libncursesw5-dev"])]),
        .target(name: "Terminal", dependencies: ["CNCursesw", "Screen"]),
        .executableTarget(
            name: "prefixlab",
            dependencies: [
                "Kernels", "Models", "Text", "JSON", "Tuning", "Runs", "Metrics", "Decoding", "Screen", "Workbench", "Terminal",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: kernelFlags
        ),
        .target(name: "TestSupport", dependencies: ["JSON"], path: "Tests/TestSupport"),
        .testTarget(name: "JSONTests", dependencies: ["JSON"]),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels", "TestSupport"], swiftSettings: kernelFlags),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "Kernels", "Text", "JSON", "TestSupport"], swiftSettings: kernelFlags),
        .testTarget(name: "TextTests", dependencies: ["Text", "JSON", "TestSupport"]),
        .testTarget(name: "TuningTests", dependencies: ["Tuning", "Models", "Kernels", "JSON", "TestSupport"], swiftSettings: kernelFlags),
        .testTarget(name: "DecodingTests", dependencies: ["Decoding", "Models", "Kernels", "Tuning", "Text", "JSON", "TestSupport"], swiftSettings: kernelFlags),
        .testTarget(name: "RunsTests", dependencies: ["Runs", "TestSupport"]),
        .testTarget(name: "MetricsTests", dependencies: ["Metrics", "Text", "JSON", "TestSupport"]),
        .testTarget(name: "ScreenTests", dependencies: ["Screen"]),
        .testTarget(name: "WorkbenchTests", dependencies: ["Workbench", "Screen", "Runs"]),
        .testTarget(name: "PrefixlabTests", dependencies: ["Models", "Text", "JSON", "TestSupport"]),
    ]
)
