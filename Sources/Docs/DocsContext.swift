import SlipwayCore

/// Turns the knowledge graph into the values the page templates render. Every list is sorted
/// and every item has every key (empty when absent), so nested sections never read a value of
/// an outer item and strict rendering never meets a missing value.
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

    static func build(_ graph: KnowledgeGraph) -> TemplateValue {
        let environments = graph.nodes(ofKind: "environment").sorted { order($0) < order($1) }
        let services = graph.nodes(ofKind: "service")
        let projects = graph.nodes(ofKind: "package").filter { $0.text("role") == "project" }
        let kubernetes = graph.nodes.filter { $0.kind.hasPrefix("k8s-") }
        let workflows = graph.nodes(ofKind: "workflow")

        var environmentValues: [TemplateValue] = []
        var promotions: [TemplateValue] = []
        for env in environments {
            let follows: String
            if let branch = graph.edges(from: env.id, "FOLLOWS").first {
                follows = "the branch `\(label(graph, branch.to))`"
            } else if let base = graph.edges(from: env.id, "PREVIEWS_PULL_REQUESTS_INTO").first {
                follows = "each open pull request into `\(label(graph, base.to))`, as `\(env.label)`"
            } else {
                follows = "promotion only"
            }
            let runs = graph.edges(from: env.id, "DEPLOYS").map { label(graph, $0.to) }
            environmentValues.append([
                "id": .string(env.id), "name": .string(env.label), "environment_kind": .string(env.text("environment_kind") ?? ""),
                "file": .string(env.sources.first ?? ""), "follows": .string(follows), "driver": .string(env.text("driver") ?? ""),
                "build": .list(env.list("build").map(TemplateValue.string)), "run": .string(env.text("run") ?? ""),
                "teardown": .string(env.text("teardown") ?? ""), "url": .string(env.text("url") ?? ""),
                "health": .string(env.text("health") ?? ""), "ttl": .string(env.text("ttl") ?? ""),
                "runs": joined(runs), "variables": joined(env.list("variables")), "secrets": joined(env.list("secrets")),
                "neutralization": .string(env.list("neutralization").joined(separator: "; ")),
                "promotion": .string(env.text("promotion") ?? ""),
            ])
            for edge in graph.edges(to: env.id, "PROMOTES_TO") {
                let text = env.text("promotion") ?? ""
                let labelName = text.components(separatedBy: "label '").dropFirst().first?.components(separatedBy: "'").first ?? "promote"
                let approvers = text.components(separatedBy: "approvers: ").dropFirst().first ?? ""
                promotions.append(["from": .string(label(graph, edge.from)), "to": .string(env.label), "label": .string(labelName),
                                   "approvers": .string(approvers)])
            }
        }

        let serviceValues: [TemplateValue] = services.map { service in
            let deployedBy = graph.edges(to: service.id, "DEPLOYS").map { label(graph, $0.from) }
            return [
                "id": .string(service.id), "name": .string(service.label), "compose_file": .string(service.text("compose_file") ?? ""),
                "image": .string(service.text("image") ?? ""), "build": .string(service.text("build") ?? ""),
                "command": .string(service.text("command") ?? ""), "ports": joined(service.list("ports")),
                "depends_on": joined(graph.edges(from: service.id, "DEPENDS_ON").map { label(graph, $0.to) }),
                "volumes": joined(service.list("volumes")),
                "networks": joined(graph.edges(from: service.id, "ATTACHES_TO").map { label(graph, $0.to) }),
                "environment": joined(service.list("environment")), "deployed_by": joined(deployedBy),
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
                    "details": .string(details.joined(separator: "; "))]
        }

        let workflowValues: [TemplateValue] = workflows.map { workflow in
            let jobs: [TemplateValue] = graph.edges(from: workflow.id, "RUNS_JOB").compactMap { graph.node($0.to) }.map { job in
                [
                    "label": .string(job.label), "runs_on": .string(job.text("runs_on") ?? ""),
                    "needs": joined(graph.edges(from: job.id, "DEPENDS_ON").map { label(graph, $0.to) }),
                    "uses": joined(job.list("uses")),
                ]
            }
            return ["name": .string(workflow.label), "file": .string(workflow.text("file") ?? ""),
                    "triggers": joined(workflow.list("triggers")), "jobs": .list(jobs)]
        }

        let projectValues: [TemplateValue] = projects.map { project in
            let dependencies = graph.edges(from: project.id).filter { $0.predicate.hasSuffix("DEPENDS_ON") }.map { label(graph, $0.to) }
            return ["name": .string(project.label), "ecosystem": .string(project.text("ecosystem") ?? ""),
                    "manifest": .string(project.text("manifest") ?? ""), "dependencies": joined(dependencies)]
        }

        var kindCounts: [String: Int] = [:]
        for node in graph.nodes { kindCounts[node.kind, default: 0] += 1 }
        var predicateCounts: [String: Int] = [:]
        for edge in graph.edges { predicateCounts[edge.predicate, default: 0] += 1 }

        let name = projects.first?.label ?? "This repository"
        return [
            "stack": ["name": .string(name)],
            "counts": [
                "environments": .number(Double(environments.count)), "services": .number(Double(services.count)),
                "kubernetes": .number(Double(kubernetes.count)), "images": .number(Double(graph.nodes(ofKind: "image").count)),
                "workflows": .number(Double(workflows.count)), "jobs": .number(Double(graph.nodes(ofKind: "job").count)),
                "packages": .number(Double(graph.nodes(ofKind: "package").count)), "projects": .number(Double(projects.count)),
                "nodes": .number(Double(graph.nodes.count)), "edges": .number(Double(graph.edges.count)),
            ],
            "environments": .list(environmentValues),
            "promotions": .list(promotions),
            "services": .list(serviceValues),
            "kubernetes": .list(kubernetesValues),
            "workflows": .list(workflowValues),
            "projects": .list(projectValues),
            "relationships": .list(graph.edges.map { .string($0.line) }),
            "kinds": .list(kindCounts.keys.sorted().map {
                ["kind": .string($0), "count": .number(Double(kindCounts[$0]!)), "meaning": .string(meaning(ofKind: $0))]
            }),
            "predicates": .list(predicateCounts.keys.sorted().map {
                ["predicate": .string($0), "count": .number(Double(predicateCounts[$0]!)),
                 "meaning": .string(predicateMeanings[$0] ?? "a relation named \($0).")]
            }),
            "errors": .list(graph.errors.map { .string(DocsGenerator.readable($0)) }),
            "example": [
                "environment": .string(environments.first?.id ?? ""),
                "service": .string(services.first?.id ?? ""),
            ],
        ]
    }

    /// Previews, then staging, then production; by name within a kind.
    static func order(_ node: GraphNode) -> String {
        let rank = ["preview": "0", "staging": "1", "production": "2"][node.text("environment_kind") ?? ""] ?? "3"
        return rank + node.label
    }
}
