import CommandLineKit
import Foundation
import Git
@testable import SlipwayCLI
import TestSupport

/// A repository with specs, a Compose file, Kubernetes manifests, a workflow and package
/// manifests of five ecosystems.
enum StackFixture {
    static let compose = """
    services:
      web:
        build: ./web
        command: ["npm", "start"]
        ports: ["8080:80", "127.0.0.1:9090:9090/udp"]
        depends_on: [db, cache]
        environment:
          DATABASE_URL: postgres://db/app
          MAIL_HOST: mailpit
        volumes: ["./uploads:/srv/uploads", "assets:/srv/assets:ro"]
        networks: [front, back]
      db:
        image: postgres:16
        volumes: ["pgdata:/var/lib/postgresql/data"]
        networks: [back]
      cache:
        image: redis:7
        networks: [back]
    volumes:
      pgdata: {}
      assets: {}
    networks:
      front: {}
      back: {}
    """

    static let kubernetes = """
    apiVersion: apps/v1
    kind: Deployment
    metadata: { name: api, namespace: shop }
    spec:
      replicas: 2
      template:
        metadata: { labels: { app: api } }
        spec:
          containers:
            - name: api
              image: ghcr.io/octo/api:1.4
              ports: [{ containerPort: 8000 }]
              envFrom: [{ configMapRef: { name: api-config } }]
    ---
    apiVersion: v1
    kind: Service
    metadata: { name: api }
    spec:
      selector: { app: api }
      ports: [{ port: 80 }]
    ---
    apiVersion: v1
    kind: ConfigMap
    metadata: { name: api-config }
    data: { LOG_LEVEL: info }
    ---
    apiVersion: networking.k8s.io/v1
    kind: Ingress
    metadata: { name: api }
    spec:
      rules:
        - host: api.example.com
          http:
            paths:
              - path: /
                backend: { service: { name: api, port: { number: 80 } } }
    """

    static let workflow = """
    name: CI
    on:
      push: { branches: [main] }
      pull_request: {}
    jobs:
      test:
        runs-on: ubuntu-latest
        services:
          postgres: { image: "postgres:16" }
        steps:
          - uses: actions/checkout@v4
          - run: npm test
      build:
        runs-on: ubuntu-latest
        needs: test
        steps:
          - uses: actions/checkout@v4
          - run: npm run build
    """

    static let productionSpec = """
    kind: production
    name: production
    match: { branch: production }
    build:
      - run: "sh build.sh"
    deploy:
      driver: command
      run: "sh deploy/production.sh"
      teardown: "sh deploy/teardown.sh"
      url: "https://example.com"
    health: { path: /healthz, timeout: 120s }
    env: { APP_ENV: production }
    secrets:
      STRIPE_KEY: stripe-live
    promotion: { from: staging, label: promote, approvers: [octocat] }
    """

    static var files: [String: String] {
        var files = GitFixture.baseFiles
        files["environments/production.yaml"] = productionSpec
        files["docker-compose.yml"] = compose
        files["k8s/api.yaml"] = kubernetes
        files[".github/workflows/ci.yml"] = workflow
        files["package.json"] = #"{"name": "shop-web", "version": "1.0.0", "scripts": {"start": "node server.js", "test": "jest"}, "dependencies": {"express": "^4.19.0"}, "devDependencies": {"jest": "^29.0.0"}}"#
        files["Package.swift"] = """
        // swift-tools-version:5.9
        import PackageDescription
        let package = Package(
            name: "ShopKit",
            dependencies: [
                .package(url: "https://github.com/apple/swift-log.git", from: "1.5.0"),
            ],
            targets: [
                .target(name: "ShopCore", dependencies: []),
                .testTarget(name: "ShopCoreTests", dependencies: ["ShopCore"]),
            ]
        )
        """
        files["tools/pyproject.toml"] = """
        [project]
        name = "shop-tools"
        dependencies = [
          "requests>=2.31",  # HTTP
          "click",
        ]
        """
        files["svc/go.mod"] = """
        module github.com/octo/shop-svc

        go 1.22

        require (
            github.com/lib/pq v1.10.9
        )
        require golang.org/x/sync v0.7.0
        """
        files["crates/Cargo.toml"] = """
        [package]
        name = "shop-cli"
        version = "0.1.0"

        [dependencies]
        serde = { version = "1.0", features = ["derive"] }
        anyhow = "1"
        """
        return files
    }
}

/// The git CLI as an independent judge, with an explicitly built environment.
enum GitCLI {
    static func run(_ arguments: [String]) throws -> String {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/git") else {
            throw Missing(description: "the git CLI is missing: install the Debian package `git`")
        }
        return try Command.check("/usr/bin/git", arguments, environment: [
            "PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory(), "GIT_CONFIG_NOSYSTEM": "1", "LANG": "C",
        ]).stdout
    }

    static func fsck(_ gitDir: String) throws {
        _ = try run(["--git-dir", gitDir, "fsck", "--strict", "--no-progress"])
    }

    struct Missing: Error, CustomStringConvertible { let description: String }
}


extension GitCLI {
    static func lines(_ text: String) -> [String] { text.split(separator: "\n").map(String.init) }
}
