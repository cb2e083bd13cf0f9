import Foundation

/// Package manifests, read simply (no package manager runs): `Package.swift` (by pattern),
/// `package.json`, `pyproject.toml`, `go.mod` and `Cargo.toml`. Each gives a `package:<name>`
/// node for the project and one for each dependency, linked by `DEPENDS_ON`
/// (`DEV_DEPENDS_ON` for development-only ones); Swift targets become `target:<name>` nodes.
/// Each node's source is the manifest line that names it.
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

    static func project(
        _ name: String, ecosystem: String, path: String, line: Int, extra: [String: GraphValue] = [:], into builder: inout GraphBuilder
    ) -> String {
        var properties = extra
        properties["ecosystem"] = .text(ecosystem)
        properties["role"] = .text("project")
        properties["manifest"] = .text(path)
        builder.add(GraphNode(id: "package:\(name)", kind: "package", label: name, properties: properties,
                              sources: [GraphSource.line(path, line)]))
        return "package:\(name)"
    }

    static func dependency(
        _ name: String, requirement: String?, ecosystem: String, from project: String, predicate: String = "DEPENDS_ON",
        path: String, line: Int, into builder: inout GraphBuilder
    ) {
        var properties: [String: GraphValue] = ["ecosystem": .text(ecosystem), "role": .text("dependency")]
        if let requirement, !requirement.isEmpty { properties["requirement"] = .text(requirement) }
        let source = GraphSource.line(path, line)
        builder.add(GraphNode(id: "package:\(name)", kind: "package", label: name, properties: properties, sources: [source]))
        builder.link(project, predicate, "package:\(name)", source: source)
    }

    static func matches(_ pattern: String, _ text: String) -> [[String]] { located(pattern, text).map(\.groups) }

    /// The matches with the 1-based line each starts on.
    static func located(_ pattern: String, _ text: String) -> [(groups: [String], line: Int)] {
        guard let expression = try? NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators]) else { return [] }
        let range = NSRange(text.startIndex..., in: text)
        return expression.matches(in: text, range: range).map { match in
            let groups = (0..<match.numberOfRanges).map { index in
                Range(match.range(at: index), in: text).map { String(text[$0]) } ?? ""
            }
            let line = Range(match.range, in: text).map { GraphSource.lineNumber(in: text, at: $0.lowerBound) } ?? 1
            return (groups, line)
        }
    }

    static func swift(_ path: String, _ text: String, into builder: inout GraphBuilder) {
        let package = located(#"Package\s*\(\s*name:\s*"([^"]+)""#, text).first
        let project = project(package?.groups[1] ?? "swift-package", ecosystem: "swift", path: path, line: package?.line ?? 1, into: &builder)
        for (match, line) in located(#"\.package\s*\(\s*(?:name:\s*"[^"]*"\s*,\s*)?url:\s*"([^"]+)"\s*,?\s*([^)]*)\)"#, text) {
            var dependency = match[1].split(separator: "/").last.map(String.init) ?? match[1]
            if dependency.hasSuffix(".git") { dependency.removeLast(4) }
            let requirement = match[2].trimmingCharacters(in: .whitespacesAndNewlines)
            self.dependency(dependency, requirement: requirement, ecosystem: "swift", from: project, path: path, line: line, into: &builder)
        }
        for (match, line) in located(#"\.(target|executableTarget|testTarget|systemLibrary|macro|plugin|binaryTarget)\s*\(\s*name:\s*"([^"]+)""#, text) {
            let id = "target:\(match[2])"
            let source = GraphSource.line(path, line)
            builder.add(GraphNode(id: id, kind: "target", label: match[2], properties: ["target_kind": .text(match[1])], sources: [source]))
            builder.link(project, "CONTAINS", id, source: source)
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
        // JSON keeps no positions: the line is the first that names the key (after its section's).
        let project = project(object["name"] as? String ?? "npm-package", ecosystem: "npm", path: path,
                              line: GraphSource.firstLine(in: text, containing: "\"name\"") ?? 1, extra: extra, into: &builder)
        for (key, predicate) in [("dependencies", "DEPENDS_ON"), ("devDependencies", "DEV_DEPENDS_ON"), ("peerDependencies", "DEPENDS_ON")] {
            let section = GraphSource.firstLine(in: text, containing: "\"\(key)\"") ?? 1
            for (name, requirement) in (object[key] as? [String: Any] ?? [:]).sorted(by: { $0.key < $1.key }) {
                let line = GraphSource.firstLine(in: text, containing: "\"\(name)\"", from: section) ?? section
                dependency(name, requirement: requirement as? String, ecosystem: "npm", from: project, predicate: predicate, path: path,
                           line: line, into: &builder)
            }
        }
    }

    typealias TOMLEntry = (key: String, value: String, line: Int)

    /// `[section]` → `key = value` lines (with the 1-based line of the key), with multi-line
    /// arrays joined. Enough for manifests.
    static func tomlSections(_ text: String) -> [String: [TOMLEntry]] {
        var sections: [String: [TOMLEntry]] = [:]
        var current = ""
        var pendingKey: String?
        var pendingValue = ""
        var pendingLine = 0
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = stripComment(String(rawLine)).trimmingCharacters(in: .whitespaces)
            if let key = pendingKey {
                pendingValue += " " + line
                if line.contains("]") {
                    sections[current, default: []].append((key, pendingValue, pendingLine))
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
                pendingLine = offset + 1
            } else {
                sections[current, default: []].append((key, value, offset + 1))
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
        let nameEntry = sections["project"]?.first { $0.key == "name" } ?? sections["tool.poetry"]?.first { $0.key == "name" }
        let project = project(nameEntry.map { unquote($0.value) } ?? "python-project", ecosystem: "python", path: path,
                              line: nameEntry?.line ?? 1, into: &builder)
        for entry in sections["project"] ?? [] where entry.key == "dependencies" {
            for requirement in tomlArray(entry.value) {
                let (name, version) = pythonRequirement(requirement)
                let line = GraphSource.firstLine(in: text, containing: "\"\(requirement)\"", from: entry.line)
                    ?? GraphSource.firstLine(in: text, containing: "'\(requirement)'", from: entry.line) ?? entry.line
                dependency(name, requirement: version, ecosystem: "python", from: project, path: path, line: line, into: &builder)
            }
        }
        for entry in sections["tool.poetry.dependencies"] ?? [] where entry.key != "python" {
            dependency(entry.key, requirement: unquote(entry.value), ecosystem: "python", from: project, path: path, line: entry.line,
                       into: &builder)
        }
    }

    static func go(_ path: String, _ text: String, into builder: inout GraphBuilder) {
        var module = "go-module"
        var moduleLine = 1
        var requirements: [(String, String, Int)] = []
        var inBlock = false
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.split(separator: "//", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init)?
                .trimmingCharacters(in: .whitespaces) ?? ""
            let words = line.split(separator: " ").map(String.init)
            if inBlock {
                if line == ")" { inBlock = false; continue }
                if words.count >= 2 { requirements.append((words[0], words[1], offset + 1)) }
            } else if words.first == "module", words.count >= 2 {
                module = words[1]
                moduleLine = offset + 1
            } else if words.first == "require" {
                if words.count >= 2 && words[1] == "(" {
                    inBlock = true
                } else if words.count >= 3 {
                    requirements.append((words[1], words[2], offset + 1))
                }
            }
        }
        let project = project(module, ecosystem: "go", path: path, line: moduleLine, into: &builder)
        for (name, version, line) in requirements {
            dependency(name, requirement: version, ecosystem: "go", from: project, path: path, line: line, into: &builder)
        }
    }

    static func cargo(_ path: String, _ text: String, into builder: inout GraphBuilder) {
        let sections = tomlSections(text)
        let nameEntry = sections["package"]?.first { $0.key == "name" }
        let project = project(nameEntry.map { unquote($0.value) } ?? "rust-crate", ecosystem: "rust", path: path,
                              line: nameEntry?.line ?? 1, into: &builder)
        for (section, predicate) in [("dependencies", "DEPENDS_ON"), ("dev-dependencies", "DEV_DEPENDS_ON")] {
            for entry in sections[section] ?? [] {
                let version = entry.value.hasPrefix("{") ? (matches(#"version\s*=\s*"([^"]+)""#, entry.value).first?[1] ?? "") : unquote(entry.value)
                dependency(entry.key, requirement: version, ecosystem: "rust", from: project, predicate: predicate, path: path,
                           line: entry.line, into: &builder)
            }
        }
    }
}
