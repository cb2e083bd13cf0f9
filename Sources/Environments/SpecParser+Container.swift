import SlipwayCore
import Foundation
import YAML

/// `deploy.driver: container` and `route:`.
///
/// ```yaml
/// deploy:
///   driver: container
///   build: { dockerfile: Dockerfile }   # or image: NAME:TAG
///   port: 8080
///   resources: { memory: 256m, cpus: 0.5, pids: 256 }
///   read_only: true
///   mode: single                        # or swarm, with replicas: N and placement: [...]
/// route: { host: staging.example.com }  # staging and production only
/// ```
///
/// `deploy.build` is the image's build (a Dockerfile in the checkout); the spec's top-level
/// `build:` stays the list of build steps run before it.
extension SpecParser {
    static let containerKeys = ["build", "image", "port", "resources", "read_only", "mode", "replicas", "placement"]
    static let containerBuildKeys = ["dockerfile"]
    static let resourceKeys = ["memory", "cpus", "pids"]
    static let routeKeys = ["host"]
    /// The most Swarm tasks a spec may ask for (the spec is code under review).
    static let maximumReplicas = 32

    mutating func container(_ map: [String: YAMLNode], in node: YAMLNode) -> EnvironmentSpec.Container? {
        var source: EnvironmentSpec.Container.Source?
        switch (map["build"], map["image"]) {
        case (let build?, nil):
            if let buildMap = mapping(build, "deploy.build", keys: Self.containerBuildKeys) {
                if let fileNode = required(buildMap, "dockerfile", in: build), let file = string(fileNode, "deploy.build.dockerfile") {
                    if Self.isInsideCheckout(file) {
                        source = .dockerfile(file)
                    } else {
                        error(fileNode, "deploy.build.dockerfile '\(file)' must be a relative path inside the repository (no '..', not absolute)")
                    }
                }
            }
        case (nil, let image?):
            if let reference = string(image, "deploy.image") {
                if Self.isImageReference(reference) {
                    source = .image(reference)
                } else {
                    error(image, "deploy.image '\(reference.prefix(100))' is not an image reference like NAME:TAG (lowercase name, optional registry and tag)")
                }
            }
        case (let build?, _?):
            error(build, "deploy.build and deploy.image exclude each other: build the image from a Dockerfile or name one")
        case (nil, nil):
            error(node, "the container driver needs deploy.build ({ dockerfile: Dockerfile }) or deploy.image (NAME:TAG)")
        }
        var port: Int?
        if let portNode = required(map, "port", in: node) {
            port = count(portNode, "deploy.port", range: 1...65535)
        }
        var container = EnvironmentSpec.Container(source: source ?? .image(""), port: port ?? 0)
        if let resources = map["resources"], let resourceMap = mapping(resources, "deploy.resources", keys: Self.resourceKeys) {
            container.memory = resourceMap["memory"].flatMap { size($0, "deploy.resources.memory", minimum: 6 << 20) }
            container.pids = resourceMap["pids"].flatMap { count($0, "deploy.resources.pids", range: 1...1_000_000) }
            if let cpusNode = resourceMap["cpus"], let text = string(cpusNode, "deploy.resources.cpus") {
                if let cpus = Double(text), cpus.isFinite, cpus >= 0.01, cpus <= 1024 {
                    container.cpus = cpus
                } else {
                    error(cpusNode, "deploy.resources.cpus '\(text)' is not a number of CPUs: use a number from 0.01 to 1024, like 0.5 or 2")
                }
            }
        }
        if let readOnly = map["read_only"] {
            if let value = readOnly.bool { container.readOnly = value } else { error(readOnly, "deploy.read_only must be true or false") }
        }
        if let modeNode = map["mode"], let text = string(modeNode, "deploy.mode") {
            if let mode = EnvironmentSpec.Container.Mode(rawValue: text) {
                container.mode = mode
            } else {
                error(modeNode, "deploy.mode must be single or swarm (got '\(text)')\(suggest(text, ["single", "swarm"]))")
            }
        }
        if let replicas = map["replicas"] {
            if container.mode == .swarm {
                container.replicas = count(replicas, "deploy.replicas", range: 1...Self.maximumReplicas) ?? 1
            } else {
                error(replicas, "deploy.replicas applies to mode: swarm (a single container is one replica)")
            }
        }
        if let placement = map["placement"] {
            if container.mode == .swarm {
                container.placement = stringList(placement, "deploy.placement")
                for (index, constraint) in container.placement.enumerated() where !Self.isConstraint(constraint) {
                    error(placement.sequence?[index] ?? placement, "deploy.placement: '\(constraint.prefix(100))' is not a constraint like node.labels.previews==true or node.role!=manager")
                }
            } else {
                error(placement, "deploy.placement applies to mode: swarm (placement constraints of the Swarm service)")
            }
        }
        guard source != nil, port != nil else { return nil }
        return container
    }

    mutating func route(_ node: YAMLNode, kind: EnvironmentKind?) -> EnvironmentSpec.Route? {
        if kind == .preview {
            error(node, "'route' applies to staging and production: a preview is always served as <env>.<preview-domain>")
            return nil
        }
        guard let map = mapping(node, "route", keys: Self.routeKeys) else { return nil }
        guard let hostNode = required(map, "host", in: node), let host = string(hostNode, "route.host") else { return nil }
        let lowered = host.lowercased()
        guard Self.isHostName(lowered) else {
            error(hostNode, "route.host '\(host.prefix(100))' is not a host name like staging.example.com (letters, digits, dashes and dots; no scheme, port or path)")
            return nil
        }
        return EnvironmentSpec.Route(host: lowered)
    }

    /// A DNS name of at least two labels, each 1–63 of letters, digits and inner dashes.
    static func isHostName(_ host: String) -> Bool {
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        guard host.utf8.count <= 253, labels.count >= 2 else { return false }
        return labels.allSatisfy { label in
            !label.isEmpty && label.count <= 63 && label.first != "-" && label.last != "-"
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }

    static func isInsideCheckout(_ path: String) -> Bool {
        !path.isEmpty && !path.hasPrefix("/") && path.utf8.count <= 255 && !path.contains("\0")
            && !path.split(separator: "/").contains("..")
    }

    /// `[registry[:port]/]name[/name...][:tag][@sha256:digest]` with lowercase names.
    static func isImageReference(_ reference: String) -> Bool {
        guard !reference.isEmpty, reference.utf8.count <= 255,
              reference.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || "._-/:@".contains($0) || $0.isUppercase) }),
              let first = reference.first, first.isLetter || first.isNumber else { return false }
        var rest = Substring(reference)
        if let at = rest.firstIndex(of: "@") {
            let digest = rest[rest.index(after: at)...]
            guard digest.hasPrefix("sha256:"), digest.count == 71 else { return false }
            rest = rest[..<at]
        }
        let components = rest.split(separator: "/", omittingEmptySubsequences: false)
        guard components.allSatisfy({ !$0.isEmpty }) else { return false }
        // A tag after the last component's colon; a registry's port only in the first component.
        let last = components.last!
        let nameParts = last.split(separator: ":", omittingEmptySubsequences: false)
        guard nameParts.count <= 2, nameParts.allSatisfy({ !$0.isEmpty }) else { return false }
        if nameParts.count == 2, !nameParts[1].allSatisfy({ $0.isLetter || $0.isNumber || "._-".contains($0) }) { return false }
        let names = components.dropLast().map(String.init) + [String(nameParts[0])]
        for (index, name) in names.enumerated() {
            if index == 0, components.count > 1, name.contains(".") || name.contains(":") || name == "localhost" { continue }
            guard name.allSatisfy({ $0.isLowercase || $0.isNumber || "._-".contains($0) }) else { return false }
        }
        return true
    }

    /// `key==value` or `key!=value`.
    static func isConstraint(_ text: String) -> Bool {
        for op in ["==", "!="] {
            let parts = text.components(separatedBy: op)
            if parts.count == 2 {
                let key = parts[0].trimmingCharacters(in: .whitespaces), value = parts[1].trimmingCharacters(in: .whitespaces)
                return !key.isEmpty && !value.isEmpty && key.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
                    && !value.contains("\0") && value.utf8.count <= 255
            }
        }
        return false
    }
}
