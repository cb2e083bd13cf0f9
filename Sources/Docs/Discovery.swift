import Environments
import Foundation
import SlipwayCore
import YAML

/// Reads what a repository declares from its files and builds the knowledge graph. Pure: the
/// input is `(path, contents)` for the files `isInteresting` selects.
public enum Discovery {
    /// The files discovery reads: environment specs, Compose files, Kubernetes manifests, GitHub
    /// workflows and package manifests. Slipway's own output (`docs/llm/`, `evidence/`) is not.
    public static func isInteresting(_ path: String) -> Bool {
        if path.hasPrefix("docs/llm/") || path.hasPrefix("evidence/") || path.hasPrefix("templates/") { return false }
        let name = path.split(separator: "/").last.map(String.init) ?? path
        if ["Package.swift", "package.json", "pyproject.toml", "go.mod", "Cargo.toml"].contains(name) {
            return !path.contains("node_modules/") && !path.contains("/.build/") && !path.hasPrefix(".build/")
        }
        return isYAML(name)
    }

    static func isYAML(_ name: String) -> Bool { name.hasSuffix(".yml") || name.hasSuffix(".yaml") }

    static func isCompose(_ path: String) -> Bool {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        return isYAML(name) && (name.hasPrefix("docker-compose") || name.hasPrefix("compose"))
    }

    static func isWorkflow(_ path: String) -> Bool {
        path.hasPrefix(".github/workflows/") && path.split(separator: "/").count == 3 && isYAML(path)
    }

    static func isSpec(_ path: String) -> Bool {
        path.hasPrefix("environments/") && path.split(separator: "/").count == 2 && isYAML(path)
    }

    /// With `observed`, the graph also holds what the bot observed running (`deploy:` nodes).
    public static func discover(files: [(path: String, contents: String)], observed state: ObservedState? = nil) -> KnowledgeGraph {
        var builder = GraphBuilder()
        let sorted = files.sorted { $0.path < $1.path }
        var composeServices: [String: [String]] = [:]
        var workloads: [String] = []
        for file in sorted {
            let name = file.path.split(separator: "/").last.map(String.init) ?? file.path
            if isSpec(file.path) { continue }
            if isCompose(file.path) {
                composeServices[file.path] = compose(file.path, file.contents, into: &builder)
            } else if isWorkflow(file.path) {
                workflow(file.path, file.contents, into: &builder)
            } else if isYAML(name) {
                workloads += kubernetes(file.path, file.contents, into: &builder)
            } else {
                PackageManifests.read(file.path, file.contents, into: &builder)
            }
        }
        environments(sorted.filter { isSpec($0.path) }, composeServices: composeServices, workloads: workloads, into: &builder)
        if let state { observed(state, into: &builder) }
        return builder.build()
    }

    // MARK: Environment specs

    static func environments(
        _ files: [(path: String, contents: String)], composeServices: [String: [String]], workloads: [String],
        into builder: inout GraphBuilder
    ) {
        let (set, diagnostics) = SpecSet.load(files: files)
        for diagnostic in diagnostics { builder.error("\(diagnostic.description)") }
        // The spec parser keeps no positions for us: the files are parsed again (they are small)
        // for the line of each key.
        var roots: [String: YAMLNode] = [:]
        for file in files { roots[file.path] = try? YAML.parse(file.contents, limits: Self.yamlLimits) }
        for spec in set.specs {
            let id = envID(spec)
            let root = roots[spec.file]
            func at(_ keyPaths: String...) -> String { keyLine(spec.file, root, keyPaths) }
            var properties: [String: GraphValue] = [
                "environment_kind": .text(spec.kind.rawValue),
                "driver": .text(spec.deploy.driver.rawValue),
                "build": .list(spec.build.map { readable($0.run) }),
            ]
            properties["name"] = .text(readable(spec.name))
            if let run = spec.deploy.run { properties["run"] = .text(readable(run)) }
            if let teardown = spec.deploy.teardown { properties["teardown"] = .text(readable(teardown)) }
            if let url = spec.deploy.url { properties["url"] = .text(readable(url)) }
            if let health = spec.health { properties["health"] = .text("\(health.path) within \(health.timeout)") }
            if let ttl = spec.ttl { properties["ttl"] = .text(ttl.description) }
            if !spec.env.isEmpty { properties["variables"] = .list(spec.env.map(\.name)) }
            if !spec.secrets.isEmpty { properties["secrets"] = .list(spec.secrets.map(\.name)) }
            if let neutralize = spec.neutralize {
                var lines = ["mail: \(neutralize.mail.rawValue)", "crons: \(neutralize.cronsOff ? "off" : "on")"]
                if !neutralize.forbid.isEmpty { lines.append("forbidden values: " + neutralize.forbid.joined(separator: ", ")) }
                properties["neutralization"] = .list(lines)
            }
            if let promotion = spec.promotion {
                var text = "from \(promotion.from) when a pull request gets the label '\(promotion.label)'"
                if !promotion.approvers.isEmpty { text += "; approvers: " + promotion.approvers.joined(separator: ", ") }
                properties["promotion"] = .text(text)
            }
            let keys: [String: [String]] = [
                "environment_kind": ["kind"], "driver": ["deploy.driver", "deploy"], "build": ["build"], "name": ["name"],
                "run": ["deploy.run"], "teardown": ["deploy.teardown"], "url": ["deploy.url"], "health": ["health"], "ttl": ["ttl"],
                "variables": ["env"], "secrets": ["secrets"], "neutralization": ["neutralize"], "promotion": ["promotion"],
            ]
            var lines: [String: String] = [:]
            for key in properties.keys { if let paths = keys[key] { lines[key] = keyLine(spec.file, root, paths) } }
            builder.add(GraphNode(id: id, kind: "environment", label: readable(spec.name), properties: properties,
                                  sources: [at("name", "kind")], propertySources: lines))
            if let branch = spec.match.branch {
                builder.add(GraphNode(id: "branch:\(branch)", kind: "branch", label: branch, sources: [at("match.branch", "match")]))
                builder.link(id, "FOLLOWS", "branch:\(branch)", source: at("match.branch", "match"))
            }
            if let base = spec.match.pullRequestBase {
                let line = at("match.pull_request.base", "match.pull_request", "match")
                builder.add(GraphNode(id: "branch:\(base)", kind: "branch", label: base, sources: [line]))
                builder.link(id, "PREVIEWS_PULL_REQUESTS_INTO", "branch:\(base)", source: line)
            }
            if let promotion = spec.promotion {
                let from = set.spec(named: promotion.from).map(envID) ?? "env:\(promotion.from)"
                builder.link(from, "PROMOTES_TO", id, source: at("promotion.from", "promotion"))
            }
            // What it runs, only as far as its spec says so: the Kubernetes workloads for the
            // kubernetes driver; Compose services only when its commands run Compose (naming the
            // file, or `docker compose up` for the root one). A Compose file that exists is not a
            // claim that an environment runs it (the process driver never does).
            if spec.deploy.driver == .kubernetes {
                for workload in workloads { builder.link(id, "DEPLOYS", workload, source: at("deploy.driver", "deploy")) }
            } else {
                let commands = (spec.build.map(\.run) + [spec.deploy.run, spec.deploy.teardown].compactMap { $0 }).joined(separator: "\n")
                let runsCompose = commands.contains("docker compose") || commands.contains("docker-compose")
                var named = composeServices.filter { runsCompose && commands.contains($0.key) }
                if named.isEmpty, runsCompose { named = composeServices.filter { !$0.key.contains("/") } }
                for service in named.values.flatMap({ $0 }) { builder.link(id, "DEPLOYS", service, source: at("deploy.run", "deploy", "build")) }
            }
        }
    }

    /// `path:line` of the first of the dotted `keyPaths` (`deploy.run`) whose key is in `root`;
    /// line 1 when none is (the file declares the fact as a whole).
    static func keyLine(_ path: String, _ root: YAMLNode?, _ keyPaths: [String]) -> String {
        for keyPath in keyPaths {
            var node = root
            var key: YAMLNode?
            for part in keyPath.split(separator: ".") {
                let pair = node?.mapping?.first { $0.key.string == String(part) }
                key = pair?.key
                node = pair?.value
                if pair == nil { break }
            }
            if node != nil, let key { return GraphSource.line(path, key.mark.line) }
        }
        return GraphSource.line(path, 1)
    }

    /// `path:line` where `node` starts.
    static func at(_ path: String, _ node: YAMLNode) -> String { GraphSource.line(path, node.mark.line) }

    /// Previews are one node (`env:preview`); staging and production use their name.
    static func envID(_ spec: EnvironmentSpec) -> String {
        spec.kind == .preview ? "env:preview" : "env:\(spec.name)"
    }

    /// `pr-{{pr.number}}` → `pr-<pr.number>` (docs must not contain template tags).
    static func readable(_ text: String) -> String {
        text.replacingOccurrences(of: "{{", with: "<").replacingOccurrences(of: "}}", with: ">")
            .replacingOccurrences(of: "< ", with: "<").replacingOccurrences(of: " >", with: ">")
    }

    // MARK: Compose

    /// Returns the ids of the services the file defines.
    static func compose(_ path: String, _ text: String, into builder: inout GraphBuilder) -> [String] {
        guard let root = parse(path, text, into: &builder) else { return [] }
        var ids: [String] = []
        for pair in root["volumes"]?.mapping ?? [] {
            guard let name = pair.key.string else { continue }
            builder.add(GraphNode(id: "volume:\(name)", kind: "volume", label: name, sources: [at(path, pair.key)]))
        }
        for pair in root["networks"]?.mapping ?? [] {
            guard let name = pair.key.string else { continue }
            builder.add(GraphNode(id: "network:\(name)", kind: "network", label: name, sources: [at(path, pair.key)]))
        }
        for pair in root["services"]?.mapping ?? [] {
            guard let name = pair.key.string else { continue }
            let service = pair.value
            let id = "service:\(name)"
            let here = at(path, pair.key)
            func src(_ node: YAMLNode?) -> String { node.map { at(path, $0) } ?? here }
            ids.append(id)
            var properties: [String: GraphValue] = ["compose_file": .text(path)]
            if let image = service["image"]?.string {
                properties["image"] = .text(image)
                builder.add(GraphNode(id: "image:\(image)", kind: "image", label: image, sources: [src(service["image"])]))
                builder.link(id, "USES_IMAGE", "image:\(image)", source: src(service["image"]))
            }
            if let build = service["build"] {
                properties["build"] = .text(build.string ?? build["context"]?.string ?? ".")
            }
            if let command = service["command"] {
                properties["command"] = .text(command.string ?? (command.sequence ?? []).compactMap(\.string).joined(separator: " "))
            }
            let environment = service["environment"]
            let names = (environment?.mapping?.compactMap(\.key.string) ?? [])
                + (environment?.sequence?.compactMap { $0.string?.split(separator: "=").first.map(String.init) } ?? [])
            if !names.isEmpty { properties["environment"] = .list(names) }
            var ports: [String] = []
            for port in service["ports"]?.sequence ?? [] {
                guard let normal = composePort(port) else { continue }
                ports.append(normal)
                builder.add(GraphNode(id: "port:\(normal)", kind: "port", label: normal, sources: [src(port)]))
                builder.link(id, "EXPOSES", "port:\(normal)", source: src(port))
            }
            if !ports.isEmpty { properties["ports"] = .list(ports) }
            let dependsOn = service["depends_on"]
            for dependency in (dependsOn?.sequence ?? []) + (dependsOn?.mapping?.map(\.key) ?? []) {
                guard let name = dependency.string else { continue }
                builder.link(id, "DEPENDS_ON", "service:\(name)", source: src(dependency))
            }
            var mounts: [String] = []
            for volume in service["volumes"]?.sequence ?? [] {
                let source: String?
                if let short = volume.string {
                    let parts = short.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
                    source = parts.count > 1 ? parts[0] : nil
                } else {
                    source = volume["source"]?.string
                }
                guard let source, !source.isEmpty else { continue }
                mounts.append(source)
                if source.hasPrefix(".") || source.hasPrefix("/") || source.hasPrefix("~") || source.hasPrefix("$") {
                    builder.add(GraphNode(id: "path:\(source)", kind: "bind-mount", label: source, sources: [src(volume)]))
                    builder.link(id, "MOUNTS", "path:\(source)", source: src(volume))
                } else {
                    builder.link(id, "MOUNTS", "volume:\(source)", source: src(volume))
                }
            }
            if !mounts.isEmpty { properties["volumes"] = .list(mounts) }
            let networks = service["networks"]
            for network in (networks?.sequence ?? []) + (networks?.mapping?.map(\.key) ?? []) {
                guard let name = network.string else { continue }
                builder.link(id, "ATTACHES_TO", "network:\(name)", source: src(network))
            }
            var lines: [String: String] = [:]
            for key in ["image", "build", "command", "ports", "environment", "volumes"] where properties[key] != nil {
                lines[key] = keyLine(path, service, [key])
            }
            builder.add(GraphNode(id: id, kind: "service", label: name, properties: properties, sources: [here], propertySources: lines))
        }
        return ids
    }

    /// `"8080:80"` → `8080:80/tcp`; `"127.0.0.1:5432:5432/udp"` → `5432:5432/udp`; `80` → `80/tcp`.
    static func composePort(_ node: YAMLNode) -> String? {
        if let target = node["target"]?.string {
            let proto = node["protocol"]?.string ?? "tcp"
            if let published = node["published"]?.string { return "\(published):\(target)/\(proto)" }
            return "\(target)/\(proto)"
        }
        guard var text = node.string, !text.isEmpty else { return nil }
        var proto = "tcp"
        if let slash = text.firstIndex(of: "/") {
            proto = String(text[text.index(after: slash)...])
            text = String(text[..<slash])
        }
        let parts = text.split(separator: ":").map(String.init)
        switch parts.count {
        case 1: return "\(parts[0])/\(proto)"
        default: return "\(parts[parts.count - 2]):\(parts[parts.count - 1])/\(proto)"
        }
    }

    // MARK: Kubernetes

    /// Repository files (manifests with large CRD schemas, workflows) may be big: the node limit
    /// is raised from YAML's default, still bounded.
    static let yamlLimits = YAML.Limits(maximumNodes: 1_000_000)
    static let workloadKinds: Set<String> = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod"]

    /// Returns the ids of the workloads the file defines. Files whose documents have no
    /// `apiVersion` and `kind` are not manifests and are skipped silently.
    static func kubernetes(_ path: String, _ text: String, into builder: inout GraphBuilder) -> [String] {
        guard text.contains("apiVersion") else { return [] }
        let documents: [YAMLNode]
        do {
            documents = try YAML.parseAll(text, limits: Self.yamlLimits)
        } catch {
            builder.error("\(path): cannot parse YAML: \(error)")
            return []
        }
        var workloads: [String] = []
        var services: [(id: String, line: String, selector: [String: String])] = []
        var templates: [(id: String, labels: [String: String])] = []
        for document in documents {
            guard let kind = document["kind"]?.string, document["apiVersion"]?.string != nil,
                  let name = document["metadata"]?["name"]?.string else { continue }
            let id = "k8s:\(kind)/\(name)"
            let here = at(path, document)
            var properties: [String: GraphValue] = ["api_version": .text(document["apiVersion"]?.string ?? "")]
            if let namespace = document["metadata"]?["namespace"]?.string { properties["namespace"] = .text(namespace) }
            if workloadKinds.contains(kind) {
                workloads.append(id)
                let podSpec: YAMLNode?
                switch kind {
                case "Pod": podSpec = document["spec"]
                case "CronJob": podSpec = document["spec"]?["jobTemplate"]?["spec"]?["template"]?["spec"]
                default: podSpec = document["spec"]?["template"]?["spec"]
                }
                let labels = document["spec"]?["template"]?["metadata"]?["labels"] ?? document["metadata"]?["labels"]
                templates.append((id, stringMap(labels)))
                if let replicas = document["spec"]?["replicas"]?.string { properties["replicas"] = .text(replicas) }
                var images: [String] = []
                for container in (podSpec?["containers"]?.sequence ?? []) + (podSpec?["initContainers"]?.sequence ?? []) {
                    if let image = container["image"]?.string {
                        images.append(image)
                        let line = at(path, container["image"]!)
                        builder.add(GraphNode(id: "image:\(image)", kind: "image", label: image, sources: [line]))
                        builder.link(id, "USES_IMAGE", "image:\(image)", source: line)
                    }
                    for port in container["ports"]?.sequence ?? [] {
                        guard let number = port["containerPort"]?.string else { continue }
                        let normal = "\(number)/\((port["protocol"]?.string ?? "TCP").lowercased())"
                        builder.add(GraphNode(id: "port:\(normal)", kind: "port", label: normal, sources: [at(path, port)]))
                        builder.link(id, "EXPOSES", "port:\(normal)", source: at(path, port))
                    }
                    for source in container["envFrom"]?.sequence ?? [] {
                        if let map = source["configMapRef"]?["name"]?.string {
                            builder.link(id, "READS_CONFIG", "k8s:ConfigMap/\(map)", source: at(path, source))
                        }
                        if let secret = source["secretRef"]?["name"]?.string {
                            builder.link(id, "READS_SECRET", "k8s:Secret/\(secret)", source: at(path, source))
                        }
                    }
                }
                if !images.isEmpty { properties["images"] = .list(images) }
                for volume in podSpec?["volumes"]?.sequence ?? [] {
                    let line = at(path, volume)
                    if let map = volume["configMap"]?["name"]?.string { builder.link(id, "MOUNTS", "k8s:ConfigMap/\(map)", source: line) }
                    if let secret = volume["secret"]?["secretName"]?.string { builder.link(id, "MOUNTS", "k8s:Secret/\(secret)", source: line) }
                    if let claim = volume["persistentVolumeClaim"]?["claimName"]?.string {
                        builder.link(id, "MOUNTS", "k8s:PersistentVolumeClaim/\(claim)", source: line)
                    }
                }
            } else if kind == "Service" {
                services.append((id, here, stringMap(document["spec"]?["selector"])))
                var ports: [String] = []
                for port in document["spec"]?["ports"]?.sequence ?? [] {
                    guard let number = port["port"]?.string else { continue }
                    let normal = "\(number)/\((port["protocol"]?.string ?? "TCP").lowercased())"
                    ports.append(normal)
                    builder.add(GraphNode(id: "port:\(normal)", kind: "port", label: normal, sources: [at(path, port)]))
                    builder.link(id, "EXPOSES", "port:\(normal)", source: at(path, port))
                }
                if !ports.isEmpty { properties["ports"] = .list(ports) }
            } else if kind == "Ingress" {
                var hosts: [String] = []
                for rule in document["spec"]?["rules"]?.sequence ?? [] {
                    if let host = rule["host"]?.string { hosts.append(host) }
                    for route in rule["http"]?["paths"]?.sequence ?? [] {
                        if let service = route["backend"]?["service"]?["name"]?.string {
                            builder.link(id, "ROUTES_TO", "k8s:Service/\(service)", source: at(path, route))
                        }
                    }
                }
                if !hosts.isEmpty { properties["hosts"] = .list(hosts) }
            }
            // Secret values are never read: only that the object exists.
            builder.add(GraphNode(id: id, kind: "k8s-\(kind.lowercased())", label: "\(kind) \(name)", properties: properties, sources: [here]))
        }
        for service in services where !service.selector.isEmpty {
            for template in templates where service.selector.allSatisfy({ template.labels[$0.key] == $0.value }) {
                builder.link(service.id, "ROUTES_TO", template.id, source: service.line)
            }
        }
        return workloads
    }

    static func stringMap(_ node: YAMLNode?) -> [String: String] {
        var map: [String: String] = [:]
        for pair in node?.mapping ?? [] {
            if let key = pair.key.string, let value = pair.value.string { map[key] = value }
        }
        return map
    }

    // MARK: GitHub workflows

    static func workflow(_ path: String, _ text: String, into builder: inout GraphBuilder) {
        guard let root = parse(path, text, into: &builder) else { return }
        let file = path.split(separator: "/").last.map(String.init) ?? path
        let stem = file.hasSuffix(".yaml") ? String(file.dropLast(5)) : String(file.dropLast(4))
        let id = "workflow:\(stem)"
        var properties: [String: GraphValue] = ["file": .text(path)]
        // `on` may be read as a boolean key by YAML 1.1 tools; libyaml keeps the text.
        let on = root["on"] ?? root["true"]
        let triggers = (on?.string.map { [$0] } ?? []) + (on?.sequence?.compactMap(\.string) ?? []) + (on?.mapping?.compactMap(\.key.string) ?? [])
        if !triggers.isEmpty { properties["triggers"] = .list(triggers) }
        let jobs = root["jobs"]?.mapping ?? []
        for pair in jobs {
            guard let jobName = pair.key.string else { continue }
            let job = pair.value
            let jobID = "job:\(stem)/\(jobName)"
            let jobLine = at(path, pair.key)
            var jobProperties: [String: GraphValue] = ["workflow": .text(stem)]
            if let name = job["name"]?.string { jobProperties["name"] = .text(name) }
            if let runsOn = job["runs-on"] {
                jobProperties["runs_on"] = .text(runsOn.string ?? (runsOn.sequence ?? []).compactMap(\.string).joined(separator: ", "))
            }
            let needs = job["needs"]
            for need in (needs.map { $0.string != nil ? [$0] : [] } ?? []) + (needs?.sequence ?? []) {
                guard let name = need.string else { continue }
                builder.link(jobID, "DEPENDS_ON", "job:\(stem)/\(name)", source: at(path, need))
            }
            var uses: [String] = []
            var runs = 0
            for step in job["steps"]?.sequence ?? [] {
                if let action = step["uses"]?.string {
                    uses.append(action)
                    builder.add(GraphNode(id: "action:\(action)", kind: "action", label: action, sources: [at(path, step)]))
                    builder.link(jobID, "USES_ACTION", "action:\(action)", source: at(path, step))
                }
                if step["run"] != nil { runs += 1 }
            }
            if let reusable = job["uses"]?.string { uses.append(reusable) }
            if !uses.isEmpty { jobProperties["uses"] = .list(uses) }
            jobProperties["run_steps"] = .text(String(runs))
            var images: [(String, String)] = []
            if let container = job["container"], let image = container.string ?? container["image"]?.string {
                images.append((image, at(path, container)))
            }
            for service in job["services"]?.mapping ?? [] {
                if let image = service.value.string ?? service.value["image"]?.string { images.append((image, at(path, service.key))) }
            }
            for (image, line) in images {
                builder.add(GraphNode(id: "image:\(image)", kind: "image", label: image, sources: [line]))
                builder.link(jobID, "USES_IMAGE", "image:\(image)", source: line)
            }
            builder.add(GraphNode(id: jobID, kind: "job", label: "\(stem)/\(jobName)", properties: jobProperties, sources: [jobLine]))
            builder.link(id, "RUNS_JOB", jobID, source: jobLine)
        }
        properties["name"] = .text(root["name"]?.string ?? stem)
        let lines = triggers.isEmpty ? [:] : ["triggers": keyLine(path, root, [root["on"] != nil ? "on" : "true"])]
        builder.add(GraphNode(id: id, kind: "workflow", label: root["name"]?.string ?? stem, properties: properties,
                              sources: [keyLine(path, root, ["name", "on", "jobs"])], propertySources: lines))
    }

    static func parse(_ path: String, _ text: String, into builder: inout GraphBuilder) -> YAMLNode? {
        do {
            guard let root = try YAML.parse(text, limits: Self.yamlLimits), root.mapping != nil else {
                builder.error("\(path): not a YAML mapping")
                return nil
            }
            return root
        } catch {
            builder.error("\(path): cannot parse YAML: \(error)")
            return nil
        }
    }
}
