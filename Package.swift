// swift-tools-version:6.0
import PackageDescription

// Layers, lowest first; a target imports only targets above it in this list.
//   CCurl        libcurl through pkg-config + a C shim for its variadic calls
//   Curl         the one Swift wrapper around libcurl (network)
//   CByteScan    vectorised byte scans in C (pure)
//   MailMessage  RFC 5322 / MIME parsing and building (pure)
//   IMAP, SMTP   small typed clients on Curl (network)
//   Routing      threading rules, robots, classifier (pure)
//   Store        SQLite through GRDB (disk)
//   KontaktCore  use cases: Poller, Outbox, Campaigns, Replies, Health, ...
//   kontakt      the CLI: one file per command
let package = Package(
    name: "Kontakt",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "kontakt", targets: ["kontakt"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .target(name: "Curl", dependencies: ["CCurl"]),
        .target(name: "CByteScan"),
        .target(
            name: "MailMessage",
            dependencies: ["CByteScan", .product(name: "Crypto", package: "swift-crypto")],
            exclude: ["VIOLATIONS.md"]
        ),
        .target(name: "IMAP", dependencies: ["Curl"]),
        .target(name: "SMTP", dependencies: ["Curl"]),
        .target(name: "Routing", dependencies: ["MailMessage"]),
        .target(
            name: "Store",
            dependencies: [
                "MailMessage", "Routing",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .target(
            name: "KontaktCore",
            dependencies: [
                "Curl", "MailMessage", "IMAP", "SMTP", "Routing", "Store",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ]
        ),
        .executableTarget(
            name: "kontakt",
            dependencies: [
                "KontaktCore", "MailMessage", "Routing", "Store",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Benchmarks that BENCHMARKS.md reports; never part of the test suite.
        .executableTarget(
            name: "kontakt-bench",
            dependencies: ["MailMessage", "KontaktCore", "Store", "Routing"]
        ),
        .testTarget(name: "MailMessageTests", dependencies: ["MailMessage"], resources: [.copy("Corpus")]),
        .testTarget(name: "RoutingTests", dependencies: ["Routing", "MailMessage"], exclude: ["HeldOut"]),
        .testTarget(name: "IMAPTests", dependencies: ["IMAP"]),
        .testTarget(name: "SMTPTests", dependencies: ["SMTP", "Curl"]),
        .testTarget(name: "StoreTests", dependencies: ["Store", "MailMessage", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "KontaktCoreTests", dependencies: ["KontaktCore", "Store", "MailMessage", "Routing"]),
        .testTarget(name: "EndToEndTests", dependencies: ["KontaktCore", "Curl", "IMAP", "SMTP", "MailMessage", "Store"]),
    ]
)
