import Foundation

/// A small template language for comments and docs (Markdown, so nothing is escaped):
///
/// - `{{name}}`, `{{pr.number}}`: a value looked up by a dotted path;
/// - `{{#if path}} ... {{else}} ... {{/if}}` and `{{#unless path}} ... {{/unless}}`: truthiness;
/// - `{{#each path}} ... {{/each}}`: once per list item, whose fields are then in scope, with
///   `{{this}}` for the item itself and `{{@index}}` (from 0) and `{{@number}}` (from 1);
/// - `{{! a comment }}`.
///
/// Parsing checks the structure and reports `line:column`; rendering in strict mode reports a
/// variable that is missing instead of printing nothing.
public struct Template: Sendable, Equatable {
    indirect enum Node: Sendable, Equatable {
        case text(String)
        case variable(path: String, line: Int, column: Int)
        case conditional(path: String, negated: Bool, then: [Node], otherwise: [Node], line: Int, column: Int)
        case each(path: String, body: [Node], line: Int, column: Int)
    }

    let nodes: [Node]
    public let name: String

    public struct Error: Swift.Error, Sendable, Equatable, CustomStringConvertible {
        public let template: String
        public let line: Int
        public let column: Int
        public let message: String
        public var description: String { "\(template):\(line):\(column): \(message)" }

        public init(template: String, line: Int, column: Int, message: String) {
            self.template = template
            self.line = line
            self.column = column
            self.message = message
        }
    }

    public init(_ text: String, name: String = "template") throws(Template.Error) {
        self.name = name
        var parser = TemplateParser(text: Array(text), name: name)
        nodes = try parser.parseAll()
    }

    /// Renders with `context`. In strict mode a variable or section path that resolves to
    /// nothing is an error (docs must have no placeholders left).
    public func render(_ context: TemplateValue, strict: Bool = false) throws(Template.Error) -> String {
        var out = ""
        try render(nodes, scopes: [context], strict: strict, into: &out)
        return out
    }

    private func render(_ nodes: [Node], scopes: [TemplateValue], strict: Bool, into out: inout String) throws(Template.Error) {
        for node in nodes {
            switch node {
            case .text(let text):
                out += text
            case .variable(let path, let line, let column):
                guard let value = lookup(path, scopes) else {
                    if strict { throw Error(template: name, line: line, column: column, message: "no value for '\(path)'") }
                    continue
                }
                if strict, value == .null {
                    throw Error(template: name, line: line, column: column, message: "'\(path)' is empty")
                }
                out += value.rendered
            case .conditional(let path, let negated, let then, let otherwise, _, _):
                let truthy = lookup(path, scopes)?.isTruthy ?? false
                try render(truthy != negated ? then : otherwise, scopes: scopes, strict: strict, into: &out)
            case .each(let path, let body, let line, let column):
                guard let value = lookup(path, scopes) else {
                    if strict { throw Error(template: name, line: line, column: column, message: "no list '\(path)'") }
                    continue
                }
                guard case .list(let items) = value else {
                    if value == .null { continue }
                    throw Error(template: name, line: line, column: column, message: "'\(path)' is not a list")
                }
                for (index, item) in items.enumerated() {
                    let loop: TemplateValue = ["@index": .number(Double(index)), "@number": .number(Double(index + 1)), "this": item]
                    try render(body, scopes: scopes + [item, loop], strict: strict, into: &out)
                }
            }
        }
    }

    /// Innermost scope first; `a.b.c` walks objects.
    private func lookup(_ path: String, _ scopes: [TemplateValue]) -> TemplateValue? {
        let parts = path.split(separator: ".").map(String.init)
        guard let first = parts.first else { return nil }
        for scope in scopes.reversed() {
            guard var value = scope[first] else { continue }
            for part in parts.dropFirst() {
                guard let next = value[part] else { return nil }
                value = next
            }
            return value
        }
        return nil
    }
}

struct TemplateParser {
    let text: [Character]
    let name: String
    var index = 0
    var line = 1
    var column = 1

    mutating func parseAll() throws(Template.Error) -> [Template.Node] {
        let (nodes, end) = try parseNodes(until: [])
        if let end { throw error("'{{\(end)}}' without an opening section", at: (line, column)) }
        return nodes
    }

    /// Parses until one of `closers` (`/if`, `else`, ...) and returns which one ended it.
    mutating func parseNodes(until closers: Set<String>) throws(Template.Error) -> ([Template.Node], String?) {
        var nodes: [Template.Node] = []
        var buffer = ""
        while index < text.count {
            if text[index] == "{", index + 1 < text.count, text[index + 1] == "{" {
                let start = (line, column)
                advance(2)
                var tag = ""
                while index < text.count, !(text[index] == "}" && index + 1 < text.count && text[index + 1] == "}") {
                    tag.append(text[index])
                    advance(1)
                }
                guard index < text.count else { throw error("unclosed '{{'", at: start) }
                advance(2)
                let trimmed = tag.trimmingCharacters(in: .whitespaces)
                if trimmed.hasPrefix("!") { continue }
                if !buffer.isEmpty { nodes.append(.text(buffer)); buffer = "" }
                if closers.contains(trimmed) { return (nodes, trimmed) }
                if trimmed.hasPrefix("#if ") || trimmed.hasPrefix("#unless ") {
                    let negated = trimmed.hasPrefix("#unless ")
                    let path = String(trimmed.dropFirst(negated ? 8 : 4)).trimmingCharacters(in: .whitespaces)
                    let closer = negated ? "/unless" : "/if"
                    let (then, end) = try parseNodes(until: [closer, "else"])
                    var otherwise: [Template.Node] = []
                    if end == "else" {
                        let (rest, last) = try parseNodes(until: [closer])
                        guard last == closer else { throw error("'{{\(trimmed)}}' is never closed with '{{\(closer)}}'", at: start) }
                        otherwise = rest
                    } else if end != closer {
                        throw error("'{{\(trimmed)}}' is never closed with '{{\(closer)}}'", at: start)
                    }
                    nodes.append(.conditional(path: path, negated: negated, then: then, otherwise: otherwise, line: start.0, column: start.1))
                } else if trimmed.hasPrefix("#each ") {
                    let path = String(trimmed.dropFirst(6)).trimmingCharacters(in: .whitespaces)
                    let (body, end) = try parseNodes(until: ["/each"])
                    guard end == "/each" else { throw error("'{{\(trimmed)}}' is never closed with '{{/each}}'", at: start) }
                    nodes.append(.each(path: path, body: body, line: start.0, column: start.1))
                } else if trimmed.hasPrefix("/") || trimmed == "else" || trimmed.hasPrefix("#") {
                    throw error("unexpected '{{\(trimmed)}}'", at: start)
                } else if trimmed.isEmpty || trimmed.contains(" ") {
                    throw error("'{{\(trimmed)}}' is not a variable name", at: start)
                } else {
                    nodes.append(.variable(path: trimmed, line: start.0, column: start.1))
                }
            } else {
                buffer.append(text[index])
                advance(1)
            }
        }
        if !buffer.isEmpty { nodes.append(.text(buffer)) }
        return (nodes, nil)
    }

    mutating func advance(_ count: Int) {
        for _ in 0..<count where index < text.count {
            if text[index] == "\n" { line += 1; column = 1 } else { column += 1 }
            index += 1
        }
    }

    func error(_ message: String, at position: (Int, Int)) -> Template.Error {
        Template.Error(template: name, line: position.0, column: position.1, message: message)
    }
}
