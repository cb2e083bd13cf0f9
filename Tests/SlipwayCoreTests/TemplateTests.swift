import SlipwayCore
import Testing

@Suite("Template language")
struct TemplateTests {
    static let context: TemplateValue = [
        "env": ["name": "pr-7", "url": "http://127.0.0.1:4100", "healthy": true],
        "steps": [["run": "sh build.sh", "code": 0], ["run": "sh test.sh", "code": 2]],
        "empty": [],
        "count": 3,
        "none": .null,
    ]

    @Test("variables, dotted paths, numbers and comments")
    func variables() throws {
        let t = try Template("{{! hidden }}Env {{env.name}} at {{ env.url }}: {{count}} steps")
        #expect(try t.render(Self.context) == "Env pr-7 at http://127.0.0.1:4100: 3 steps")
    }

    @Test("conditionals with else, unless, and truthiness")
    func conditionals() throws {
        let t = try Template("{{#if env.healthy}}up{{else}}down{{/if}} {{#if empty}}x{{else}}none{{/if}} {{#unless none}}no value{{/unless}}")
        #expect(try t.render(Self.context) == "up none no value")
    }

    @Test("loops see item fields, this, @index and @number, and outer values")
    func loops() throws {
        let t = try Template("{{#each steps}}{{@number}}. {{run}} -> {{code}} ({{env.name}})\n{{/each}}{{#each empty}}never{{/each}}")
        #expect(try t.render(Self.context) == "1. sh build.sh -> 0 (pr-7)\n2. sh test.sh -> 2 (pr-7)\n")
        let list = try Template("{{#each items}}[{{this}}:{{@index}}]{{/each}}")
        #expect(try list.render(["items": ["a", "b"]]) == "[a:0][b:1]")
    }

    @Test("structure errors name line and column")
    func parseErrors() {
        #expect(throws: Template.Error(template: "t.md", line: 2, column: 3, message: "'{{#if x}}' is never closed with '{{/if}}'")) {
            try Template("line one\n  {{#if x}} open", name: "t.md")
        }
        #expect(throws: Template.Error(template: "t.md", line: 1, column: 5, message: "unclosed '{{'")) {
            try Template("abc {{ oops", name: "t.md")
        }
        #expect(throws: Template.Error.self) { try Template("{{/each}}") }
        #expect(throws: Template.Error.self) { try Template("{{#each a}}{{/if}}") }
        #expect(throws: Template.Error.self) { try Template("{{two words}}") }
    }

    @Test("strict rendering refuses missing values; lenient rendering leaves them empty")
    func strict() throws {
        let t = try Template("a{{missing}}b", name: "doc.md")
        #expect(try t.render([:]) == "ab")
        #expect(throws: Template.Error(template: "doc.md", line: 1, column: 2, message: "no value for 'missing'")) {
            try t.render([:], strict: true)
        }
        #expect(throws: Template.Error.self) { try Template("{{none}}").render(Self.context, strict: true) }
    }
}
