import Foundation

/// Package manifests, read simply (no package manager runs): `Package.swift` (by pattern),
/// `package.json`, `pyproject.toml`, `go.mod` and `Cargo.toml`. Each gives a `package:<name>`
/// node for the project and one for each dependency, linked by `DEPENDS_ON`
/// (`DEV_DEPENDS_ON` for development-only ones); Swift targets become `target:<name>` nodes.
enum PackageManifests {
    static func read(_ path: String, _ text: String, into builder: inout GraphBuilder) {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        switch name {
        case "Package.swift": swift(path, text, into: &builder)
        case "package.json": npm(path, text, into: &builder)
        case "pyproject.toml": python(path, text, into: &builder)
        case "go.mod": go(path, text, into: &builder)
        case "Cargo.toml": cargo(path, text, into: &builder)
        default: break
        }
    }

    static func project(_ name: String, ecosystem: String, path: String, extra: [String: GraphValue] = [:], into builder: inout GraphBuilder) -> String {
        var properties = extra
        properties["ecosystem"] = .text(ecosystem)
        properties["role"] = .text("project")
        properties["manifest"] = .text(path)
        builder.add(GraphNode(id: "package:\(name)", kind: "package", label: name, properties: properties, sources: [path]))
        return "package:\(name)"
    }

    static func dependency(
        _ name: String, requirement: String?, ecosystem: String, from project: String, predicate: String = "DEPENDS_ON",
        path: String, into builder: inout GraphBuilder
    ) {
        var properties: [String: GraphValue] = ["ecosystem": .text(ecosystem), "role": .text("dependency")]
        if let requirement, !requirement.isEmpty { properties["requirement"] = .text(requirement) }
        builder.add(GraphNode(id: "package:\(name)", kind: "package", label: name, properties: properties, sources: [path]))
        builder.link(project, predicate, "package:\(name)", source: path)
    }

    static func matches(_ pattern: String, _ text: String) -> [[String]] {
        guard let expression = try? NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators]) else { return [] }
        let range = NSRange(text.startIndex..., in: text)
        return expression.matches(in: text, range: range).map { match in
            (0..<match.numberOfRanges).map { index in
                Range(match.range(at: index), in: text).map { String(text[$0]) } ?? ""
            }
        }
    }

    static func swift(_ path: String, _ text: String, into builder: inout GraphBuilder) {
        let name = matches(#"Package\s*\(\s*name:\s*"([^"]+)""#, text).first?[1] ?? "swift-package"
        let project = project(name, ecosystem: "swift", path: path, into: &builder)
        for match in matches(#"\.package\s*\(\s*(?:name:\s*"[^"]*"\s*,\s*)?url:\s*"([^"]+)"\s*,?\s*([^)]*)\)"#, text) {
            var dependency = match[1].split(separator: "/").last.map(String.init) ?? match[1]
            if dependency.hasSuffix(".git") { dependency.removeLast(4) }
            let requirement = match[2].trimmingCharacters(in: .whitespacesAndNewlines)
            self.dependency(dependency, requirement: requirement, ecosystem: "swift", from: project, path: path, into: &builder)
        }
        for match in matches(#"\.(target|executableTarget|testTarget|systemLibrary|macro|plugin|binaryTarget)\s*\(\s*name:\s*"([^"]+)""#, text) {
            let id = "target:\(match[2])"
            builder.add(GraphNode(id: id, kind: "target", label: match[2], properties: ["target_kind": .text(match[1])], sources: [path]))
            builder.link(project, "CONTAINS", id, source: path)
        }
    }

    static func npm(_ path: String, _ text: String, into builder: inout GraphBuilder) {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
            builder.error("\(path): not a JSON object")
            return
        }
        var extra: [String: GraphValue] = [:]
        if let version = object["version"] as? String { extra["version"] = .text(version) }
        if let scripts = object["scripts"] as? [String: Any], !scripts.isEmpty { extra["scripts"] = .list(scripts.keys.sorted()) }
        let project = project(object["name"] as? String ?? "npm-package", ecosystem: "npm", path: path, extra: extra, into: &builder)
        for (key, predicate) in [("dependencies", "DEPENDS_ON"), ("devDependencies", "DEV_DEPENDS_ON"), ("peerDependencies", "DEPENDS_ON")] {
            for (name, requirement) in (object[key] as? [String: Any] ?? [:]).sorted(by: { $0.key < $1.key }) {
                dependency(name, requirement: requirement as? String, ecosystem: "npm", from: project, predicate: predicate, path: path, into: &builder)
            }
        }
    }

    /// `[section]` → `key = value` lines, with multi-line arrays joined. Enough for manifests.
    static func tomlSections(_ text: String) -> [String: [(key: String, value: String)]] {
        var sections: [String: [(key: String, value: String)]] = [:]
        var current = ""
        var pendingKey: String?
        var pendingValue = ""
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = stripComment(String(rawLine)).trimmingCharacters(in: .whitespaces)
            if let key = pendingKey {
                pendingValue += " " + line
                if line.contains("]") {
                    sections[current, default: []].append((key, pendingValue))
                    pendingKey = nil
                }
                continue
            }
            if line.hasPrefix("[") && line.hasSuffix("]") && !line.hasPrefix("[[") {
                current = String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
                continue
            }
            guard let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.hasPrefix("[") && !value.contains("]") {
                pendingKey = key
                pendingValue = value
            } else {
                sections[current, default: []].append((key, value))
            }
        }
        return sections
    }

    static func stripComment(_ line: String) -> String {
        var inString: Character?
        for (offset, character) in line.enumerated() {
            if let quote = inString {
                if character == quote { inString = nil }
            } else if character == "\"" || character == "'" {
                inString = character
            } else if character == "#" {
                return String(line.prefix(offset))
            }
        }
        return line
    }

    static func unquote(_ value: String) -> String {
        value.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
    }

    static func tomlArray(_ value: String) -> [String] {
        matches(#""([^"]*)"|'([^']*)'"#, value).map { $0[1].isEmpty ? $0[2] : $0[1] }
    }

    /// `requests>=2.0` → (`requests`, `>=2.0`).
    static func pythonRequirement(_ text: String) -> (String, String) {
        let end = text.firstIndex { !($0.isLetter || $0.isNumber || "-_.[]".contains($0)) } ?? text.endIndex
        var name = String(text[..<end])
        if let bracket = name.firstIndex(of: "[") { name = String(name[..<bracket]) }
        return (name, text[end...].trimmingCharacters(in: .whitespaces))
    }

    static func python(_ path: String, _ text: String, into builder: inout GraphBuilder) {
        let sections = tomlSections(text)
        let projectName = sections["project"]?.first { $0.key == "name" }.map { unquote($0.value) }
            ?? sections["tool.poetry"]?.first { $0.key == "name" }.map { unquote($0.value) } ?? "python-project"
        let project = project(projectName, ecosystem: "python", path: path, into: &builder)
        for entry in sections["project"] ?? [] where entry.key == "dependencies" {
            for requirement in tomlArray(entry.value) {
                let (name, version) = pythonRequirement(requirement)
                dependency(name, requirement: version, ecosystem: "python", from: project, path: path, into: &builder)
            }
        }
        for entry in sections["tool.poetry.dependencies"] ?? [] where entry.key != "python" {
            dependency(entry.key, requirement: unquote(entry.value), ecosystem: "python", from: project, path: path, into: &builder)
        }
    }

    static func go(_ path: String, _ text: String, into builder: inout GraphBuilder) {
        var module = "go-module"
        var requirements: [(String, String)] = []
        var inBlock = false
        for rawLine in text.split(separator: "\n") {
            let line = rawLine.split(separator: "//", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init)?
                .trimmingCharacters(in: .whitespaces) ?? ""
            let words = line.split(separator: " ").map(String.init)
            if inBlock {
                if line == ")" { inBlock = false; continue }
                if words.count >= 2 { requirements.append((words[0], words[1])) }
            } else if words.first == "module", words.count >= 2 {
                module = words[1]
            } else if words.first == "require" {
                if words.count >= 2 && words[1] == "(" { inBlock = true } else if words.count >= 3 { requirements.append((words[1], words[2])) }
            }
        }
        let project = project(module, ecosystem: "go", path: path, into: &builder)
        for (name, version) in requirements {
            dependency(name, requirement: version, ecosystem: "go", from: project, path: path, into: &builder)
        }
    }

    static func cargo(_ path: String, _ text: String, into builder: inout GraphBuilder) {
        let sections = tomlSections(text)
        let name = sections["package"]?.first { $0.key == "name" }.map { unquote($0.value) } ?? "rust-crate"
        let project = project(name, ecosystem: "rust", path: path, into: &builder)
        for (section, predicate) in [("dependencies", "DEPENDS_ON"), ("dev-dependencies", "DEV_DEPENDS_ON")] {
            for entry in sections[section] ?? [] {
                let version = entry.value.hasPrefix("{") ? (matches(#"version\s*=\s*"([^"]+)""#, entry.value).first?[1] ?? "") : unquote(entry.value)
                dependency(entry.key, requirement: version, ecosystem: "rust", from: project, predicate: predicate, path: path, into: &builder)
            }
        }
    }
}
