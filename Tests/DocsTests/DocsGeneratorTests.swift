import Docs
import Foundation
import Git
import Reconcile
import SlipwayCore
import Testing
import TestSupport

/// A bare remote holding the stack fixture on main, and a mirror of it.
struct DocsWorld {
    let git: GitFixture
    let work: TemporaryDirectory
    let repository: ManagedRepository
    let sha: String

    init(extra: [String: String] = [:]) throws {
        git = try GitFixture()
        sha = try git.commit("main", StackFixture.files.merging(extra) { _, new in new }, message: "stack")
        work = try TemporaryDirectory(prefix: "slipway-docs")
        repository = try ManagedRepository.prepare(source: git.path, workDir: work.child("mirror"))
    }

    func generate(_ generator: DocsGenerator = DocsGenerator(), at sha: String? = nil) throws -> [String: Data] {
        try repository.withRepository { repo in try generator.generate(repo: repo, commit: ObjectID(hex: sha ?? self.sha)!) }
    }

    func git(_ arguments: [String]) throws -> String { try GitCLI.run(["--git-dir", git.path] + arguments) }
}

func text(_ files: [String: Data], _ name: String) -> String {
    String(decoding: files["docs/llm/\(name)"] ?? Data(), as: UTF8.self)
}

@Suite("LLM docs")
struct DocsGeneratorTests {
    @Test("the docs are byte-identical across two runs, a new generator and a new mirror (a restart)")
    func deterministic() throws {
        let world = try DocsWorld()
        let generator = DocsGenerator()
        let first = try world.generate(generator)
        #expect(first.keys.sorted() == DocsGenerator.expectedFiles)
        #expect(try world.generate(generator) == first)
        #expect(try world.generate(DocsGenerator()) == first)
        let other = try ManagedRepository.prepare(source: world.git.path, workDir: world.work.child("restarted"))
        let again = try other.withRepository { try DocsGenerator().generate(repo: $0, commit: ObjectID(hex: world.sha)!) }
        #expect(again == first)
        #expect(DocsGenerator().validate(first).isEmpty, "\(DocsGenerator().validate(first))")
        // No timestamp or commit id anywhere.
        for (path, data) in first {
            let body = String(decoding: data, as: UTF8.self)
            #expect(!body.contains(world.sha) && !body.contains(String(world.sha.prefix(7))), "\(path) names the commit")
            #expect(body.range(of: #"20[0-9]{2}-[0-9]{2}-[0-9]{2}"#, options: .regularExpression) == nil, "\(path) has a date")
        }
    }

    @Test("discovery finds environments, Compose services, Kubernetes objects, workflows and packages, with typed edges")
    func discovery() throws {
        let world = try DocsWorld()
        let output = try world.repository.withRepository { try DocsGenerator().analyze(repo: $0, commit: ObjectID(hex: world.sha)!) }
        let graph = output.graph
        #expect(graph.errors.isEmpty, "\(graph.errors)")
        for id in ["env:staging", "env:production", "env:preview", "service:web", "service:db", "image:postgres:16", "image:redis:7",
                   "volume:pgdata", "network:front", "port:8080:80/tcp", "path:./uploads", "workflow:ci", "job:ci/test", "job:ci/build",
                   "action:actions/checkout@v4", "k8s:Deployment/api", "k8s:Service/api", "k8s:Ingress/api", "k8s:ConfigMap/api-config",
                   "package:ShopKit", "package:swift-log", "target:ShopCore", "package:shop-web", "package:express", "package:jest",
                   "package:shop-tools", "package:requests", "package:github.com/octo/shop-svc", "package:github.com/lib/pq",
                   "package:golang.org/x/sync", "package:shop-cli", "package:serde", "package:anyhow"] {
            #expect(graph.node(id) != nil, "no node \(id)")
        }
        let lines = Set(graph.edges.map(\.line))
        // Staging runs `sh serve.sh` with the process driver: a docker-compose.yml in the
        // repository is not a claim that staging runs its services.
        #expect(!lines.contains { $0.hasPrefix("env:staging -> DEPLOYS") }, "\(lines.filter { $0.contains("DEPLOYS") })")
        for line in ["env:staging -> FOLLOWS -> branch:main", "env:staging -> PROMOTES_TO -> env:production",
                     "env:preview -> PREVIEWS_PULL_REQUESTS_INTO -> branch:main", "service:web -> DEPENDS_ON -> service:db",
                     "service:db -> USES_IMAGE -> image:postgres:16", "service:web -> EXPOSES -> port:8080:80/tcp",
                     "service:db -> MOUNTS -> volume:pgdata", "service:web -> ATTACHES_TO -> network:front",
                     "workflow:ci -> RUNS_JOB -> job:ci/test", "job:ci/build -> DEPENDS_ON -> job:ci/test",
                     "job:ci/test -> USES_IMAGE -> image:postgres:16", "k8s:Service/api -> ROUTES_TO -> k8s:Deployment/api",
                     "k8s:Ingress/api -> ROUTES_TO -> k8s:Service/api", "k8s:Deployment/api -> USES_IMAGE -> image:ghcr.io/octo/api:1.4",
                     "package:shop-web -> DEV_DEPENDS_ON -> package:jest", "package:ShopKit -> CONTAINS -> target:ShopCore",
                     "package:shop-tools -> DEPENDS_ON -> package:requests", "package:shop-cli -> DEPENDS_ON -> package:serde"] {
            #expect(lines.contains(line), "no edge \(line)")
        }
        // One node per id even when several files name it (postgres:16: Compose and the workflow).
        #expect(graph.nodes.filter { $0.id == "image:postgres:16" }.count == 1)
        #expect(graph.node("image:postgres:16")?.sources == [".github/workflows/ci.yml:9", "docker-compose.yml:13"])
        // Environment values never reach the docs, only names.
        let services = text(output.files, "services.md")
        #expect(services.contains("`DATABASE_URL`") && !services.contains("postgres://db/app"))
        let relationships = text(output.files, "relationships.md")
        #expect(relationships.contains("\nservice:web -> DEPENDS_ON -> service:db  # docker-compose.yml:6\n"))
        let environments = text(output.files, "environments.md")
        #expect(environments.contains("### pr-<pr.number>"))
        #expect(environments.contains("- Not neutralized: it runs with real data and real side effects."))
        #expect(environments.contains("- **production** is promoted from **staging** when a pull request gets the label `promote`"))
        let json = try #require(try JSONSerialization.jsonObject(with: output.files["docs/llm/graph.json"]!) as? [String: Any])
        #expect((json["nodes"] as? [[String: Any]])?.count == graph.nodes.count)
        #expect((json["edges"] as? [[String: Any]])?.count == graph.edges.count)
    }

    @Test("an environment deploys Compose services only when its commands run Compose")
    func deploysOnlyWhatItRuns() throws {
        let staging = GitFixture.baseFiles["environments/staging.yaml"]!.replacingOccurrences(of: "run: \"sh serve.sh\"",
                                                                                               with: "run: \"docker compose -f docker-compose.yml up web\"")
        let world = try DocsWorld(extra: ["environments/staging.yaml": staging])
        let output = try world.repository.withRepository { try DocsGenerator().analyze(repo: $0, commit: ObjectID(hex: world.sha)!) }
        let lines = Set(output.graph.edges.map(\.line))
        #expect(lines.contains("env:staging -> DEPLOYS -> service:web"), "\(lines.filter { $0.contains("DEPLOYS") })")
    }

    @Test("a change to a Compose file changes exactly the docs that describe it")
    func composeChange() throws {
        let world = try DocsWorld()
        let before = try world.generate()
        let changed = try world.git.commit("main", ["docker-compose.yml": StackFixture.compose.replacingOccurrences(of: "redis:7", with: "redis:7.2")])
        try world.repository.fetch()
        let after = try world.generate(at: changed)
        let differing = Set(before.keys.filter { before[$0] != after[$0] })
        // The glossary cites the first nodes of each kind, the new image among them.
        #expect(differing == ["docs/llm/glossary.md", "docs/llm/graph.json", "docs/llm/overview.md", "docs/llm/relationships.md",
                              "docs/llm/services.md"])
        #expect(text(after, "services.md").contains("- Image: `redis:7.2`."))
        #expect(text(after, "relationships.md").contains("service:cache -> USES_IMAGE -> image:redis:7.2"))
        #expect(!text(after, "relationships.md").contains("image:redis:7 "))
        // A change elsewhere (the README) changes nothing at all.
        let readme = try world.git.commit("main", ["README.md": "# app\n\nMore words.\n"])
        try world.repository.fetch()
        #expect(try world.generate(at: readme) == after)
    }

    @Test("dangling edges are reported as errors, kept out of the relationships, and listed in the overview")
    func danglingEdges() throws {
        let compose = StackFixture.compose.replacingOccurrences(of: "depends_on: [db, cache]", with: "depends_on: [db, cache, queue]")
            .replacingOccurrences(of: "networks: [back]\n  cache:", with: "networks: [back, private]\n  cache:")
        let world = try DocsWorld(extra: ["docker-compose.yml": compose])
        let output = try world.repository.withRepository { try DocsGenerator().analyze(repo: $0, commit: ObjectID(hex: world.sha)!) }
        #expect(output.errors == [
            "docker-compose.yml:15: dangling edge service:db -> ATTACHES_TO -> network:private: no node network:private",
            "docker-compose.yml:6: dangling edge service:web -> DEPENDS_ON -> service:queue: no node service:queue",
        ])
        #expect(!text(output.files, "relationships.md").contains("service:queue"))
        #expect(text(output.files, "overview.md").contains("> - docker-compose.yml:6: dangling edge service:web -> DEPENDS_ON -> service:queue: no node service:queue"))
        #expect(text(output.files, "graph.json").contains(#""errors": ["docker-compose.yml:15: dangling edge service:db"#))
    }

    @Test("the built-in templates are the project's templates/llm files, byte for byte, and a repository may override one")
    func templates() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../templates/llm").standardized
        let world = try DocsWorld()
        let builtIn = try world.generate()
        // Rendering the project's files as overrides gives the same bytes as the built-in copies.
        var overrides: [String: String] = [:]
        for page in DocsGenerator.pages {
            overrides["templates/llm/\(page).md"] = try String(contentsOf: root.appendingPathComponent("\(page).md"), encoding: .utf8)
        }
        let same = try world.git.commit("main", overrides)
        try world.repository.fetch()
        #expect(try world.generate(at: same) == builtIn)
        let custom = try world.git.commit("main", ["templates/llm/glossary.md": "# Our glossary\n\n{{#each kinds}}- {{kind}}\n{{/each}}"])
        try world.repository.fetch()
        let overridden = try world.generate(at: custom)
        #expect(text(overridden, "glossary.md").hasPrefix("# Our glossary\n\n- action\n"))
        #expect(overridden["docs/llm/overview.md"] == builtIn["docs/llm/overview.md"])
        // A broken override is refused with its position.
        let broken = try world.git.commit("main", ["templates/llm/glossary.md": "# G\n\n{{missing.value}}\n"])
        try world.repository.fetch()
        #expect { try world.generate(at: broken) } throws: { error in
            "\(error)".contains("templates/llm/glossary.md:3:1: no value for 'missing.value'")
        }
    }

    @Test("validation names every problem: missing files, no heading, no content, leftover tags")
    func validation() throws {
        let world = try DocsWorld()
        var files = try world.generate()
        files["docs/llm/playbook.md"] = nil
        files["docs/llm/glossary.md"] = Data("just words\n".utf8)
        files["docs/llm/services.md"] = Data("# Services\n".utf8)
        files["docs/llm/overview.md"] = Data("# Overview\n\nHello {{name}}.\n".utf8)
        files["docs/llm/graph.json"] = Data("{".utf8)
        #expect(DocsGenerator().validate(files) == [
            "docs/llm/playbook.md is missing",
            "docs/llm/glossary.md has no '# ' heading",
            "docs/llm/graph.json is not valid JSON",
            "docs/llm/overview.md:3: a template tag was left in the output",
            "docs/llm/services.md has no content under its heading",
        ])
    }
}
