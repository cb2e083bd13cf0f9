// swift-tools-version:6.1
// Slipway: a GitOps repository bot. No SwiftPM package dependencies: only the toolchain and
// Debian's C libraries, each wrapped by exactly one thin Swift target (see docs/architecture.md).
import PackageDescription

/// Settings shared by every Swift target: Swift 6 language mode is the tools default; C modules
/// are imported `internal` by default so no C type can leak into a public API.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("ExistentialAny"),
]

/// One system library target per C library, found through pkg-config, installed by apt.
func cLibrary(_ name: String, pkgConfig: String, apt: String) -> Target {
    .systemLibrary(name: name, path: "Sources/\(name)", pkgConfig: pkgConfig, providers: [.apt([apt])])
}

let package = Package(
    name: "Slipway",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "slipway", targets: ["slipway"]),
        .executable(name: "slipway-demo", targets: ["slipway-demo"]),
    ],
    targets: [
        // C libraries (module maps and tiny shims for variadic functions and macros).
        cLibrary("CGit2", pkgConfig: "libgit2", apt: "libgit2-dev"),
        cLibrary("CCurl", pkgConfig: "libcurl", apt: "libcurl4-openssl-dev"),
        cLibrary("CPQ", pkgConfig: "libpq", apt: "libpq-dev"),
        cLibrary("COpenSSL", pkgConfig: "libcrypto", apt: "libssl-dev"),
        cLibrary("CMicroHTTPD", pkgConfig: "libmicrohttpd", apt: "libmicrohttpd-dev"),
        cLibrary("CYAML", pkgConfig: "yaml-0.1", apt: "libyaml-dev"),
        cLibrary("CSQLite", pkgConfig: "sqlite3", apt: "libsqlite3-dev"),
        // glibc's process-control extensions (posix_spawn chdir/closefrom, pipe2, prctl).
        .systemLibrary(name: "CProcess", path: "Sources/CProcess"),
        cLibrary("CZlib", pkgConfig: "zlib", apt: "zlib1g-dev"),

        // Plain HTTP value types shared by the server and client wrappers (no C).
        .target(name: "HTTPTypes", dependencies: [], swiftSettings: swiftSettings),

        // One thin wrapper per C library; only these import a C module.
        .target(name: "Git", dependencies: ["CGit2"], swiftSettings: swiftSettings),
        .target(name: "HTTPServer", dependencies: ["CMicroHTTPD", "HTTPTypes"], swiftSettings: swiftSettings),
        .target(name: "HTTPClient", dependencies: ["CCurl", "HTTPTypes"], swiftSettings: swiftSettings),
        .target(name: "Crypto", dependencies: ["COpenSSL"], swiftSettings: swiftSettings),
        .target(name: "YAML", dependencies: ["CYAML"], swiftSettings: swiftSettings),
        .target(name: "SQLite", dependencies: ["CSQLite"], swiftSettings: swiftSettings),
        .target(name: "Postgres", dependencies: ["CPQ"], swiftSettings: swiftSettings),
        .target(name: "Zlib", dependencies: ["CZlib"], swiftSettings: swiftSettings),

        // The pure domain: decoded events, specs, planner, templates, redaction. No C, no I/O.
        .target(name: "SlipwayCore", dependencies: [], swiftSettings: swiftSettings),

        // Environment specs read from the repository: parsing with positions, and validation.
        .target(name: "Environments", dependencies: ["YAML", "SlipwayCore"], swiftSettings: swiftSettings),

        // State (SQLite embedded default, PostgreSQL for replicas) behind one protocol.
        .target(name: "Store", dependencies: ["SQLite", "Postgres", "SlipwayCore"], swiftSettings: swiftSettings),

        // Environment data on the operator's PostgreSQL server: sanitized production snapshots
        // (pg_dump/pg_restore, sanitize, verify, credential scan) kept as template databases, and
        // a database and role per environment copied from them.
        .target(name: "Data", dependencies: ["Postgres", "SlipwayCore"], swiftSettings: swiftSettings),

        // Desired state from git: the managed repository mirror, specs and content ids at
        // commits, and the reconciler that plans and enqueues.
        .target(name: "Reconcile", dependencies: ["Git", "Crypto", "Environments", "Store", "SlipwayCore"], swiftSettings: swiftSettings),

        // The forge (GitHub REST): client with retries and App tokens, the sticky PR comment,
        // commit statuses, and an update queue where the latest state wins.
        .target(name: "Forge", dependencies: ["HTTPClient", "HTTPTypes", "Crypto", "SlipwayCore"], swiftSettings: swiftSettings),
        // An in-process fake GitHub API over real HTTP (loopback), for tests and the demo.
        .target(name: "FakeGitHub", dependencies: ["HTTPServer", "HTTPTypes", "Crypto", "SlipwayCore"], swiftSettings: swiftSettings),
        // The worker side: builds, the process, command and container deploy drivers, health checks,
        // supervision and teardown, driven by the store's job queue.
        .target(name: "Runner", dependencies: ["CProcess", "Docker", "Git", "HTTPClient", "Crypto", "Store", "Reconcile", "Environments", "SlipwayCore"], swiftSettings: swiftSettings),
        // Commit-back: deployment evidence on the evidence branch (indexed in the store), and the
        // LLM docs (knowledge graph + Markdown) regenerated from the repository.
        .target(name: "Evidence", dependencies: ["Git", "Crypto", "Zlib", "Store", "Reconcile", "SlipwayCore"], swiftSettings: swiftSettings),
        .target(name: "Docs", dependencies: ["YAML", "Git", "Crypto", "Environments", "Reconcile", "SlipwayCore"], swiftSettings: swiftSettings),

        // A client of the Docker Engine API (also served by Podman) over its Unix socket or TCP
        // with TLS, through the libcurl wrapper: images, containers, Swarm services; a tar writer.
        .target(name: "Docker", dependencies: ["HTTPClient", "HTTPTypes"], swiftSettings: swiftSettings),

        // Preview URLs: environments routed by host through Caddy, programmed over its admin API
        // (the EnvironmentRouter protocol lives in Runner, where the deploy drivers call it).
        .target(name: "Router", dependencies: ["HTTPClient", "HTTPTypes", "Crypto", "Runner", "SlipwayCore"], swiftSettings: swiftSettings),

        // Wiring: webhook ingress -> journal -> workers; health, readiness and metrics.
        .target(name: "Server", dependencies: ["Data", "Reconcile", "Docker", "Runner", "Router", "Forge", "Evidence", "Docs", "Store", "HTTPServer", "HTTPClient", "HTTPTypes", "Crypto", "YAML", "Git", "SlipwayCore"], swiftSettings: swiftSettings),

        // A throwaway PostgreSQL cluster (initdb, pg_ctl) for the demo and the tests.
        .target(name: "LocalPostgres", dependencies: [], swiftSettings: swiftSettings),

        // The demo's scenario (also driven by the end-to-end tests): an example repository, signed
        // webhooks, the fake GitHub and the bot, step by step.
        .target(name: "Demo", dependencies: ["LocalPostgres", "Data", "Docker", "Docs", "Reconcile", "Server", "Runner", "FakeGitHub", "Forge", "Git", "HTTPClient", "HTTPTypes", "Crypto", "Store", "SlipwayCore"], swiftSettings: swiftSettings),

        // The command line: a small argument parser (no domain knowledge), the command tree, and a
        // thin executable that only hands its arguments to the tree.
        .target(name: "CommandLineKit", dependencies: ["SlipwayCore"], swiftSettings: swiftSettings),
        .target(name: "SlipwayCLI", dependencies: ["CommandLineKit", "Data", "Server", "Reconcile", "Runner", "Store", "Environments", "Evidence", "Docs", "SlipwayCore"], swiftSettings: swiftSettings),
        .executableTarget(name: "slipway", dependencies: ["SlipwayCLI"], swiftSettings: swiftSettings),
        // The demo (with the fake GitHub) is a program of its own: never in the shipped binary.
        .executableTarget(name: "slipway-demo", dependencies: ["SlipwayCLI", "CommandLineKit", "Demo", "Runner", "Store", "SlipwayCore"], swiftSettings: swiftSettings),
        // Benchmarks that print figures (scripts/bench/*.sh run them in release mode).
        .executableTarget(name: "slipway-bench", dependencies: ["Data", "Demo", "Docker", "Router", "Runner", "Server", "Forge", "FakeGitHub", "HTTPClient", "HTTPTypes", "Crypto", "Reconcile", "Store", "Git", "SlipwayCore"], swiftSettings: swiftSettings),

        // Shared test support: temp directories, child processes, a throwaway PostgreSQL cluster.
        .target(name: "TestSupport", dependencies: ["Git", "LocalPostgres", "Docker", "HTTPClient"], path: "Tests/TestSupport", swiftSettings: swiftSettings),

        // Runs the CLI in-process for the test targets that exercise commands.
        .target(name: "CLITestSupport", dependencies: ["SlipwayCLI", "CommandLineKit"], path: "Tests/CLITestSupport", swiftSettings: swiftSettings),

        .testTarget(name: "GitTests", dependencies: ["Git", "TestSupport"], exclude: ["Fixtures"], swiftSettings: swiftSettings),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer", "HTTPClient", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "HTTPClientTests", dependencies: ["HTTPClient", "HTTPServer", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "CryptoTests", dependencies: ["Crypto", "TestSupport"], exclude: ["Fixtures"], swiftSettings: swiftSettings),
        .testTarget(name: "YAMLTests", dependencies: ["YAML"], swiftSettings: swiftSettings),
        .testTarget(name: "SQLiteTests", dependencies: ["SQLite", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "SlipwayCoreTests", dependencies: ["SlipwayCore", "TestSupport"], exclude: ["Fixtures"], swiftSettings: swiftSettings),
        .testTarget(name: "EnvironmentsTests", dependencies: ["Environments", "SlipwayCore", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "ReconcileTests", dependencies: ["Reconcile", "Git", "Store", "SlipwayCore", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "StoreTests", dependencies: ["Store", "SQLite", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "DataTests", dependencies: ["Data", "Postgres", "SlipwayCore", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "ServerTests", dependencies: ["Server", "Docs", "Store", "HTTPClient", "HTTPTypes", "Forge", "FakeGitHub", "Git", "Reconcile", "Runner", "Crypto", "LocalPostgres", "HTTPServer", "Router", "TestSupport"], exclude: ["Fixtures"], swiftSettings: swiftSettings),
        .testTarget(name: "ForgeTests", dependencies: ["Forge", "FakeGitHub", "HTTPClient", "HTTPTypes", "Crypto", "SlipwayCore", "TestSupport"], exclude: ["Fixtures"], swiftSettings: swiftSettings),
        .testTarget(name: "RunnerTests", dependencies: ["CLITestSupport", "Runner", "SlipwayCLI", "CommandLineKit", "Reconcile", "Store", "Git", "Docker", "HTTPClient", "HTTPServer", "HTTPTypes", "SlipwayCore", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "EvidenceTests", dependencies: ["CLITestSupport", "Evidence", "SlipwayCLI", "CommandLineKit", "Zlib", "Git", "Store", "Reconcile", "SlipwayCore", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "DocsTests", dependencies: ["CLITestSupport", "Docs", "SlipwayCLI", "CommandLineKit", "Git", "Reconcile", "SlipwayCore", "Store", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "EndToEndTests", dependencies: ["CLITestSupport", "Demo", "Docs", "Evidence", "Docker", "Server", "Forge", "FakeGitHub", "Store", "Git", "SlipwayCore", "TestSupport", "Router", "HTTPClient"], swiftSettings: swiftSettings),
        .testTarget(name: "DockerTests", dependencies: ["Docker", "HTTPClient", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "RouterTests", dependencies: ["Router", "Runner", "HTTPClient", "HTTPServer", "HTTPTypes", "Crypto", "SlipwayCore", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "CLITests", dependencies: ["CLITestSupport", "SlipwayCLI", "CommandLineKit", "HTTPClient", "HTTPTypes", "Crypto", "Store", "FakeGitHub", "TestSupport"], swiftSettings: swiftSettings),
    ]
)
