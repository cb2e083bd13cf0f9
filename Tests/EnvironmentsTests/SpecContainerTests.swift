import Environments
import SlipwayCore
import Testing

/// A preview whose `deploy:` section is `deploy` (indented two spaces).
private func preview(deploy: String, extra: String = "") -> String {
    """
    kind: preview
    name: "pr-{{pr.number}}"
    match:
      pull_request: { base: main }
    build:
      - run: "sh build.sh"
    deploy:
    \(deploy)
    neutralize: { mail: catch-all, crons: off }
    \(extra)
    """
}

private let staging = """
kind: staging
name: staging
match: { branch: main }
deploy: { driver: container, image: "shop/web:1.2" , port: 80 }
neutralize: { mail: catch-all, crons: off }
"""

@Suite("Environment spec parsing: the container driver and routes")
struct SpecContainerTests {
    @Test("deploy.driver container with a Dockerfile, port, resources, read_only and mode parses; the top-level build stays the steps")
    func parsesContainer() throws {
        let text = preview(deploy: """
          driver: container
          build: { dockerfile: docker/Dockerfile }
          port: 8080
          resources: { memory: 256m, cpus: 0.5, pids: 256 }
          read_only: false
          mode: single
        """)
        let parsed = SpecParser.parse(text, file: "environments/preview.yaml")
        #expect(parsed.diagnostics.isEmpty, "\(parsed.diagnostics)")
        let spec = try #require(parsed.spec)
        #expect(spec.build == [EnvironmentSpec.BuildStep(run: "sh build.sh")])
        #expect(spec.deploy.driver == .container)
        #expect(spec.deploy.container == EnvironmentSpec.Container(source: .dockerfile("docker/Dockerfile"), port: 8080, memory: 256 << 20,
                                                                     cpus: 0.5, pids: 256, readOnly: false, mode: .single))
        #expect(spec.deploy.run == nil)
    }

    @Test("an image by name, the defaults (read-only, single), swarm with replicas and placement, and a staging route host")
    func parsesImageSwarmAndRoute() throws {
        let named = try #require(SpecParser.parse(staging + "\nroute: { host: Staging.Example.com }\n", file: "environments/staging.yaml").spec)
        #expect(named.deploy.container == EnvironmentSpec.Container(source: .image("shop/web:1.2"), port: 80))
        #expect(named.deploy.container?.readOnly == true)
        #expect(named.route == EnvironmentSpec.Route(host: "staging.example.com"))
        let swarm = preview(deploy: """
          driver: container
          image: registry.example.com:5000/shop/web@sha256:\(String(repeating: "a", count: 64))
          port: 8080
          mode: swarm
          replicas: 3
          placement: ["node.labels.previews==true", "node.role != manager"]
        """)
        let parsed = SpecParser.parse(swarm, file: "environments/preview.yaml")
        #expect(parsed.diagnostics.isEmpty, "\(parsed.diagnostics)")
        let container = try #require(parsed.spec?.deploy.container)
        #expect(container.mode == .swarm)
        #expect(container.replicas == 3)
        #expect(container.placement == ["node.labels.previews==true", "node.role != manager"])
    }

    @Test("bad container keys are reported where they are, with what is accepted")
    func badContainer() {
        let text = preview(deploy: """
          driver: container
          build: { dockerfile: ../outside/Dockerfile }
          image: nginx
          port: 70000
          resources: { memory: 1k, cpus: lots, disk: 1g }
          read_only: maybe
          mode: cluster
          replicas: 2
          run: "sh serve.sh"
        """)
        let messages = diagnostics(text).map(\.message)
        #expect(messages.contains("deploy.build and deploy.image exclude each other: build the image from a Dockerfile or name one"), "\(messages)")
        #expect(messages.contains("deploy.port '70000' must be a whole number from 1 to 65535"))
        #expect(messages.contains("unknown key 'disk' in deploy.resources"))
        #expect(messages.contains("deploy.resources.memory '1k' is too small: at least 6m"))
        #expect(messages.contains("deploy.resources.cpus 'lots' is not a number of CPUs: use a number from 0.01 to 1024, like 0.5 or 2"))
        #expect(messages.contains("deploy.read_only must be true or false"))
        #expect(messages.contains("deploy.mode must be single or swarm (got 'cluster')"))
        #expect(messages.contains("deploy.replicas applies to mode: swarm (a single container is one replica)"))
        #expect(messages.contains("deploy.run does not apply to the container driver (the image's command runs)"))

        let outside = diagnostics(preview(deploy: "  driver: container\n  build: { dockerfile: ../Dockerfile }\n  port: 80")).map(\.message)
        #expect(outside == ["deploy.build.dockerfile '../Dockerfile' must be a relative path inside the repository (no '..', not absolute)"])
        let neither = diagnostics(preview(deploy: "  driver: container\n  port: 80")).map(\.message)
        #expect(neither == ["the container driver needs deploy.build ({ dockerfile: Dockerfile }) or deploy.image (NAME:TAG)"])
        let noPort = diagnostics(preview(deploy: "  driver: container\n  image: web:1")).map(\.message)
        #expect(noPort == ["missing required key 'port'"])
        let badImage = diagnostics(preview(deploy: "  driver: container\n  image: \"Web App:latest\"\n  port: 80")).map(\.message)
        #expect(badImage == ["deploy.image 'Web App:latest' is not an image reference like NAME:TAG (lowercase name, optional registry and tag)"])
        let badPlacement = diagnostics(preview(deploy: "  driver: container\n  image: web:1\n  port: 80\n  mode: swarm\n  placement: [anywhere]")).map(\.message)
        #expect(badPlacement == ["deploy.placement: 'anywhere' is not a constraint like node.labels.previews==true or node.role!=manager"])
    }

    @Test("container keys under another driver, a preview's route, and a bad route host are refused")
    func misplacedKeys() {
        let process = diagnostics(preview(deploy: "  driver: process\n  run: serve\n  port: 8080")).map(\.message)
        #expect(process == ["deploy.port applies to the container driver only (deploy.driver: container)"])
        let previewRoute = diagnostics(preview(deploy: "  run: serve", extra: "route: { host: pr.example.com }")).map(\.message)
        #expect(previewRoute == ["'route' applies to staging and production: a preview is always served as <env>.<preview-domain>"])
        for host in ["https://staging.example.com", "staging", "staging.example.com:443", "-a.example.com", "a..example.com"] {
            let found = diagnostics(staging + "\nroute: { host: \"\(host)\" }\n").map(\.message)
            #expect(found == ["route.host '\(host)' is not a host name like staging.example.com (letters, digits, dashes and dots; no scheme, port or path)"])
        }
        let unknown = diagnostics(preview(deploy: "  driver: kuberetes\n  run: x")).map(\.message)
        #expect(unknown.first?.hasPrefix("deploy.driver must be process, command or container (got 'kuberetes')") == true, "\(unknown)")
    }
}
