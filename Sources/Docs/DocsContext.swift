import SlipwayCore

/// Turns the knowledge graph into the values the page templates render. Every list is sorted
/// and every item has every key (empty when absent), so nested sections never read a value of
/// an outer item and strict rendering never meets a missing value. Every fact carries its
/// citation (`src`, `*_src`): the ids of the graph nodes it comes from, with their sources.
enum DocsContext {
    static let kindMeanings: [String: String] = [
        "environment": "a place the stack runs: a preview, staging or production, declared in `environments/`.",
        "branch": "a git branch that an environment follows or previews pull requests into.",
        "service": "a service in a Compose file.",
        "image": "a container image, named by its reference (`name:tag`).",
        "port": "a port a service or workload exposes (`published:target/protocol`).",
        "volume": "a named Compose volume.",
        "bind-mount": "a host path mounted into a Compose service.",
        "network": "a Compose network.",
        "workflow": "a GitHub Actions workflow in `.github/workflows/`.",
        "job": "a job of a workflow (`workflow/job`).",
        "action": "a GitHub Action or reusable workflow a job uses.",
        "package": "a package: one declared by a manifest here, or a dependency.",
        "target": "a Swift package target.",
        "deployment": "an environment observed running: read from the bot's store (`observed:` sources), not from files.",
    ]

    static let predicateMeanings: [String: String] = [
        "DEPLOYS": "the environment runs this service or workload.",
        "FOLLOWS": "the environment deploys the head of this branch.",
        "PREVIEWS_PULL_REQUESTS_INTO": "each open pull request into this branch gets a preview.",
        "PROMOTES_TO": "the environment's commit is promoted to the next environment.",
        "DEPENDS_ON": "the subject needs the object (a service, job or package).",
        "DEV_DEPENDS_ON": "the package needs the object for development only.",
        "USES_IMAGE": "the subject runs this container image.",
        "EXPOSES": "the subject listens on this port.",
        "MOUNTS": "the subject mounts this volume, path, config or secret.",
        "ATTACHES_TO": "the service joins this network.",
        "RUNS_JOB": "the workflow runs this job.",
        "USES_ACTION": "the job uses this action.",
        "ROUTES_TO": "traffic for the subject goes to the object.",
        "READS_CONFIG": "the workload reads its environment from this config map.",
        "READS_SECRET": "the workload reads its environment from this secret.",
        "CONTAINS": "the package contains this target.",
        "DEPLOYMENT_OF": "the observed deployment runs this environment declared in files.",
    ]

    static func meaning(ofKind kind: String) -> String {
        if let meaning = kindMeanings[kind] { return meaning }
        if kind.hasPrefix("k8s-") { return "a Kubernetes \(kind.dropFirst(4)) declared in a manifest." }
        return "a \(kind)."
    }

    static func label(_ graph: KnowledgeGraph, _ id: String) -> String { graph.node(id)?.label ?? id }

    static func joined(_ items: [String]) -> TemplateValue {
        .string(items.map { "`\($0)`" }.joined(separator: ", "))
    }

    /// At most this many nodes are named in one citation; the rest are counted.
    static let maximumCited = 4

    /// The citation that ends a fact line: `<!-- src: env:staging @ environments/staging.yaml:12;
    /// service:web @ docker-compose.yml:3 -->`, each node with its first source (the first node
    /// with the source of `property`, when the fact is that property). Ids that are not nodes
    /// are left out; "" when none is (a line without a node must not claim one).
    static func cite(_ graph: KnowledgeGraph, _ ids: [String], property: String? = nil) -> String {
        var seen = Set<String>()
        let nodes = ids.filter { seen.insert($0).inserted }.compactMap(graph.node)
        guard !nodes.isEmpty else { return "" }
        var items = nodes.prefix(maximumCited).enumerated().map { position, node in
            let source = position == 0 && property != nil ? node.source(of: property!) : node.sources.first
            return commentSafe(node.id) + (source.map { " @ " + commentSafe($0) } ?? "")
        }
        if nodes.count > maximumCited { items.append("+\(nodes.count - maximumCited) more") }
        return "<!-- src: " + items.joined(separator: "; ") + " -->"
    }

    /// Text inside an HTML comment must not close it.
    static func commentSafe(_ text: String) -> String { text.replacingOccurrences(of: ">", with: "&gt;") }

    static func build(_ graph: KnowledgeGraph, observed: ObservedState? = nil) -> TemplateValue {
        let environments = graph.nodes(ofKind: "environment").sorted { order($0) < order($1) }
        let services = graph.nodes(ofKind: "service")
        let projects = graph.nodes(ofKind: "package").filter { $0.text("role") == "project" }
        let kubernetes = graph.nodes.filter { $0.kind.hasPrefix("k8s-") }
        let workflows = graph.nodes(ofKind: "workflow")
        let images = graph.nodes(ofKind: "image")
        let jobs = graph.nodes(ofKind: "job")
        let packages = graph.nodes(ofKind: "package")

        var environmentValues: [TemplateValue] = []
        var promotions: [TemplateValue] = []
        for env in environments {
            let follows: String
            let followed: String?
            if let branch = graph.edges(from: env.id, "FOLLOWS").first {
                follows = "the branch `\(label(graph, branch.to))`"
                followed = branch.to
            } else if let base = graph.edges(from: env.id, "PREVIEWS_PULL_REQUESTS_INTO").first {
                follows = "each open pull request into `\(label(graph, base.to))`, as `\(env.label)`"
                followed = base.to
            } else {
                follows = "promotion only"
                followed = nil
            }
            let runs = graph.edges(from: env.id, "DEPLOYS").map(\.to)
            let src = cite(graph, [env.id])
            var value: [String: TemplateValue] = [
                "id": .string(env.id), "name": .string(env.label), "environment_kind": .string(env.text("environment_kind") ?? ""),
                "file": .string(env.sources.first ?? ""), "follows": .string(follows),
                "follows_src": .string(cite(graph, [env.id] + [followed].compactMap { $0 })), "driver": .string(env.text("driver") ?? ""),
                "build": .list(env.list("build").map { TemplateValue.object(["command": .string($0), "src": .string(cite(graph, [env.id], property: "build"))]) }), "run": .string(env.text("run") ?? ""),
                "teardown": .string(env.text("teardown") ?? ""), "url": .string(env.text("url") ?? ""),
                "health": .string(env.text("health") ?? ""), "ttl": .string(env.text("ttl") ?? ""),
                "runs": joined(runs.map { label(graph, $0) }), "runs_src": .string(cite(graph, [env.id] + runs)),
                "variables": joined(env.list("variables")), "secrets": joined(env.list("secrets")),
                "neutralization": .string(env.list("neutralization").joined(separator: "; ")),
                "promotion": .string(env.text("promotion") ?? ""), "src": .string(src),
            ]
            for key in ["environment_kind", "driver", "build", "run", "teardown", "url", "health", "ttl", "variables", "secrets",
                        "neutralization", "promotion"] {
                value[key + "_src"] = .string(cite(graph, [env.id], property: key))
            }
            environmentValues.append(.object(value))
            for edge in graph.edges(to: env.id, "PROMOTES_TO") {
                let text = env.text("promotion") ?? ""
                let labelName = text.components(separatedBy: "label '").dropFirst().first?.components(separatedBy: "'").first ?? "promote"
                let approvers = text.components(separatedBy: "approvers: ").dropFirst().first ?? ""
                promotions.append(["from": .string(label(graph, edge.from)), "to": .string(env.label), "label": .string(labelName),
                                   "approvers": .string(approvers), "src": .string(cite(graph, [env.id, edge.from]))])
            }
        }

        let serviceValues: [TemplateValue] = services.map { service in
            let deployedBy = graph.edges(to: service.id, "DEPLOYS").map(\.from)
            let dependsOn = graph.edges(from: service.id, "DEPENDS_ON").map(\.to)
            let networks = graph.edges(from: service.id, "ATTACHES_TO").map(\.to)
            let image = graph.edges(from: service.id, "USES_IMAGE").map(\.to)
            let ports = graph.edges(from: service.id, "EXPOSES").map(\.to)
            let mounts = graph.edges(from: service.id, "MOUNTS").map(\.to)
            func src(_ key: String, _ more: [String] = []) -> TemplateValue { .string(cite(graph, [service.id] + more, property: key)) }
            return [
                "id": .string(service.id), "name": .string(service.label), "compose_file": .string(service.sources.first ?? ""),
                "image": .string(service.text("image") ?? ""), "image_src": src("image", image),
                "build": .string(service.text("build") ?? ""), "build_src": src("build"),
                "command": .string(service.text("command") ?? ""), "command_src": src("command"), "ports": joined(service.list("ports")),
                "ports_src": src("ports", ports),
                "depends_on": joined(dependsOn.map { label(graph, $0) }), "depends_on_src": .string(cite(graph, [service.id] + dependsOn)),
                "volumes": joined(service.list("volumes")), "volumes_src": src("volumes", mounts),
                "networks": joined(networks.map { label(graph, $0) }), "networks_src": .string(cite(graph, [service.id] + networks)),
                "environment": joined(service.list("environment")), "environment_src": src("environment"), "deployed_by": joined(deployedBy.map { label(graph, $0) }),
                "deployed_by_src": .string(cite(graph, [service.id] + deployedBy)), "src": .string(cite(graph, [service.id])),
            ]
        }

        let kubernetesValues: [TemplateValue] = kubernetes.map { node in
            var details: [String] = []
            if !node.list("images").isEmpty { details.append("images " + node.list("images").map { "`\($0)`" }.joined(separator: ", ")) }
            if !node.list("ports").isEmpty { details.append("ports " + node.list("ports").joined(separator: ", ")) }
            if !node.list("hosts").isEmpty { details.append("hosts " + node.list("hosts").joined(separator: ", ")) }
            let routes = graph.edges(from: node.id, "ROUTES_TO").map(\.to)
            if !routes.isEmpty { details.append("routes to " + routes.map { "`\($0)`" }.joined(separator: ", ")) }
            return ["id": .string(node.id), "label": .string(node.label), "source": .string(node.sources.first ?? ""),
                    "details": .string(details.joined(separator: "; ")), "src": .string(cite(graph, [node.id] + routes))]
        }

        let workflowValues: [TemplateValue] = workflows.map { workflow in
            let jobs: [TemplateValue] = graph.edges(from: workflow.id, "RUNS_JOB").compactMap { graph.node($0.to) }.map { job in
                let needs = graph.edges(from: job.id, "DEPENDS_ON").map(\.to)
                return [
                    "label": .string(job.label), "runs_on": .string(job.text("runs_on") ?? ""),
                    "needs": joined(needs.map { label(graph, $0) }), "uses": joined(job.list("uses")),
                    "src": .string(cite(graph, [job.id] + needs)),
                ]
            }
            return ["name": .string(workflow.label), "file": .string(workflow.text("file") ?? ""),
                    "triggers": joined(workflow.list("triggers")), "jobs": .list(jobs), "src": .string(cite(graph, [workflow.id])),
                    "triggers_src": .string(cite(graph, [workflow.id], property: "triggers"))]
        }

        let projectValues: [TemplateValue] = projects.map { project in
            let dependencies = graph.edges(from: project.id).filter { $0.predicate.hasSuffix("DEPENDS_ON") }.map(\.to)
            return ["name": .string(project.label), "ecosystem": .string(project.text("ecosystem") ?? ""),
                    "manifest": .string(project.text("manifest") ?? ""), "dependencies": joined(dependencies.map { label(graph, $0) }),
                    "src": .string(cite(graph, [project.id] + dependencies))]
        }

        var kindCounts: [String: [String]] = [:]
        for node in graph.nodes { kindCounts[node.kind, default: []].append(node.id) }
        var predicateCounts: [String: [String]] = [:]
        for edge in graph.edges { predicateCounts[edge.predicate, default: []].append(edge.from) }

        let name = projects.first?.label ?? "This repository"
        let example = environments.first { !graph.edges(from: $0.id, "DEPLOYS").isEmpty } ?? environments.first
        func count(_ nodes: [GraphNode]) -> TemplateValue { .number(Double(nodes.count)) }
        func citeAll(_ nodes: [GraphNode]) -> TemplateValue { .string(cite(graph, nodes.map(\.id))) }
        return [
            "stack": ["name": .string(name)],
            "counts": [
                "environments": count(environments), "services": count(services), "kubernetes": count(kubernetes),
                "images": count(images), "workflows": count(workflows), "jobs": count(jobs), "packages": count(packages),
                "projects": count(projects), "nodes": .number(Double(graph.nodes.count)), "edges": .number(Double(graph.edges.count)),
            ],
            "cite": [
                "environments": citeAll(environments), "services": citeAll(services), "kubernetes": citeAll(kubernetes),
                "images": citeAll(images), "workflows": citeAll(workflows + jobs), "packages": citeAll(projects + packages),
            ],
            "environments": .list(environmentValues),
            "promotions": .list(promotions),
            "services": .list(serviceValues),
            "kubernetes": .list(kubernetesValues),
            "workflows": .list(workflowValues),
            "projects": .list(projectValues),
            "relationships": .list(graph.edges.map { edge in
                let sources = graph.edgeSources[edge] ?? []
                return .string(edge.line + (sources.isEmpty ? "" : "  # " + sources.joined(separator: ", ")))
            }),
            "kinds": .list(kindCounts.keys.sorted().map {
                ["kind": .string($0), "count": .number(Double(kindCounts[$0]!.count)), "meaning": .string(meaning(ofKind: $0)),
                 "src": .string(cite(graph, kindCounts[$0]!))]
            }),
            "predicates": .list(predicateCounts.keys.sorted().map {
                ["predicate": .string($0), "count": .number(Double(predicateCounts[$0]!.count)),
                 "meaning": .string(predicateMeanings[$0] ?? "a relation named \($0)."), "src": .string(cite(graph, predicateCounts[$0]!))]
            }),
            "errors": .list(graph.errors.map { .string(DocsGenerator.readable($0)) }),
            "example": [
                "environment": .string(example?.id ?? ""), "environment_src": .string(example.map { cite(graph, [$0.id]) } ?? ""),
                "service": .string(services.first?.id ?? ""), "service_src": .string(services.first.map { cite(graph, [$0.id]) } ?? ""),
            ],
            "observed": observedContext(graph, observed),
        ]
    }

    /// At most this many previews are named; the rest are counted.
    static let maximumPreviewsListed = 20

    /// The observed state as the pages show it: read back from the graph's `deploy:` nodes, so
    /// every value shown is one the graph holds (and was made safe to quote).
    static func observedContext(_ graph: KnowledgeGraph, _ observed: ObservedState?) -> TemplateValue {
        guard let observed else {
            return ["available": false, "as_of_environment": "", "as_of_sha": "", "environments": [], "previews": [],
                    "preview_count": 0, "previews_more": 0, "previews_src": "", "omitted": 0]
        }
        let deployments = graph.nodes(ofKind: "deployment")
        func value(_ node: GraphNode) -> TemplateValue {
            let declared = graph.edges(from: node.id, "DEPLOYMENT_OF").map(\.to)
            return [
                "name": .string(node.label), "kind": .string(node.text("environment_kind") ?? ""),
                "status": .string(node.text("status") ?? ""), "sha": .string(node.text("sha") ?? ""),
                "url": .string(node.text("url") ?? ""), "health": .string(node.text("health") ?? ""),
                "last_deploy_at": .string(node.text("last_deploy_at") ?? ""),
                "last_deploy_outcome": .string(node.text("last_deploy_outcome") ?? ""),
                "last_failure": .string(node.text("last_failure") ?? ""),
                "declared": joined(declared), "spec_file": .string(node.text("spec_file") ?? ""),
                "src": .string(cite(graph, [node.id], property: "status")),
                "declared_src": .string(cite(graph, [node.id] + declared, property: "spec_file")),
                "url_src": .string(cite(graph, [node.id], property: "url")),
                "last_deploy_src": .string(cite(graph, [node.id], property: "last_deploy_at")),
                "health_src": .string(cite(graph, [node.id], property: "health")),
                "last_failure_src": .string(cite(graph, [node.id], property: "last_failure")),
            ]
        }
        let byName = Dictionary(deployments.map { ($0.label, $0) }, uniquingKeysWith: { first, _ in first })
        var running: [TemplateValue] = []
        var previews: [GraphNode] = []
        for environment in observed.environments {
            guard let node = graph.node("deploy:\(ObservedState.idPart(environment.name))") ?? byName[ObservedState.safe(environment.name)] else {
                continue
            }
            if environment.isPreview { previews.append(node) } else { running.append(value(node)) }
        }
        let listed = previews.prefix(maximumPreviewsListed)
        return [
            "available": true,
            "as_of_environment": .string(ObservedState.safe(observed.asOfEnvironment)),
            "as_of_sha": .string(ObservedState.safe(observed.asOfSHA)),
            "environments": .list(running),
            "previews": .list(listed.map(value)),
            "preview_count": .number(Double(previews.count)),
            "previews_more": .number(Double(previews.count - listed.count)),
            "previews_src": .string(cite(graph, previews.map(\.id))),
            "omitted": .number(Double(observed.omitted)),
        ]
    }

    /// Previews, then staging, then production; by name within a kind.
    static func order(_ node: GraphNode) -> String {
        let rank = ["preview": "0", "staging": "1", "production": "2"][node.text("environment_kind") ?? ""] ?? "3"
        return rank + node.label
    }
}
