import Testing
import YAML

@Suite("YAML structure, marks and scalars")
struct YAMLStructureTests {
    @Test("a build list of {run, timeout} mappings parses with 1-based marks of keys and values")
    func nestedSequenceOfMappingsWithMarks() throws {
        let text = """
        name: deploy
        build:
          - run: make all
            timeout: 600
          - run: make test
            timeout: 120
        """
        let root = try #require(try YAML.parse(text))
        #expect(root.kindName == "mapping")
        #expect(root.mark == YAMLMark(line: 1, column: 1))
        #expect(root["name"]?.string == "deploy")
        let build = try #require(root["build"])
        #expect(build.kindName == "sequence")
        let steps = try #require(build.sequence)
        #expect(steps.count == 2)
        #expect(steps[0]["run"]?.string == "make all")
        #expect(steps[0]["timeout"]?.int == 600)
        #expect(steps[1]["run"]?.string == "make test")
        #expect(steps[1]["timeout"]?.int == 120)

        // `build` key at line 2, column 1; the list starts at its first `-` (line 3, column 3).
        let buildPair = try #require(root.mapping?[1])
        #expect(buildPair.key.mark == YAMLMark(line: 2, column: 1))
        #expect(build.mark == YAMLMark(line: 3, column: 3))
        // The second item: mapping starts at `run` (line 5, column 5), value `make test` at column 10.
        #expect(steps[1].mark == YAMLMark(line: 5, column: 5))
        let secondRun = try #require(steps[1].mapping?.first)
        #expect(secondRun.key.mark == YAMLMark(line: 5, column: 5))
        #expect(secondRun.value.mark == YAMLMark(line: 5, column: 10))
        // `    timeout: 120`: key at column 5, value at column 14.
        let secondTimeout = try #require(steps[1].mapping?.last)
        #expect(secondTimeout.key.mark == YAMLMark(line: 6, column: 5))
        #expect(secondTimeout.value.mark == YAMLMark(line: 6, column: 14))
        #expect(secondTimeout.value.mark.description == "line 6, column 14")
    }

    @Test("flow mappings and sequences, including empty ones, parse like block ones")
    func flowCollections() throws {
        let root = try #require(try YAML.parse("{ a: 1, b: [x, 'y', {c: d}], e: {}, f: [] }"))
        let pairs = try #require(root.mapping)
        #expect(pairs.map { $0.key.string } == ["a", "b", "e", "f"])
        #expect(root["a"]?.int == 1)
        #expect(root["a"]?.mark == YAMLMark(line: 1, column: 6))
        let b = try #require(root["b"]?.sequence)
        #expect(b.map(\.kindName) == ["scalar", "scalar", "mapping"])
        #expect(b[1].string == "y")
        #expect(b[2]["c"]?.string == "d")
        #expect(root["e"]?.mapping?.isEmpty == true)
        #expect(root["f"]?.sequence?.isEmpty == true)
        #expect(root["b"]?.mark == YAMLMark(line: 1, column: 12))
    }

    @Test("block literal and folded scalars keep, clip or strip the final line breaks")
    func literalAndFoldedScalars() throws {
        let text = """
        literal: |
          line one
            indented
          line two

        keep: |+
          kept

        strip: |-
          stripped
        folded: >
          folded
          text

          new paragraph
        folded_keep: >+
          a
          b

        folded_strip: >-
          x
          y
        last: end
        """
        let root = try #require(try YAML.parse(text))
        #expect(root["literal"]?.string == "line one\n  indented\nline two\n")
        #expect(root["keep"]?.string == "kept\n\n")
        #expect(root["strip"]?.string == "stripped")
        #expect(root["folded"]?.string == "folded text\nnew paragraph\n")
        #expect(root["folded_keep"]?.string == "a b\n\n")
        #expect(root["folded_strip"]?.string == "x y")
        #expect(root["last"]?.string == "end")
        guard case .scalar(_, let literalStyle) = try #require(root["literal"]).kind,
              case .scalar(_, let foldedStyle) = try #require(root["folded_strip"]).kind else {
            Issue.record("expected scalars")
            return
        }
        #expect(literalStyle == .literal)
        #expect(foldedStyle == .folded)
        // A block scalar's mark is its indicator.
        #expect(root["literal"]?.mark == YAMLMark(line: 1, column: 10))
    }

    @Test("plain scalars are typed by the YAML 1.2 core schema; quoted ones stay strings")
    func scalarTyping() throws {
        let text = """
        t1: true
        t2: True
        t3: TRUE
        f1: false
        yes_is_string: yes
        on_is_string: on
        quoted_true: "true"
        single_true: 'false'
        n1: null
        n2: ~
        n3:
        n4: NULL
        quoted_null: "null"
        empty_quoted: ""
        i1: 42
        i2: -17
        i3: +3
        hex: 0x1F
        oct: 0o17
        bad_hex: 0x-1
        underscored: 1_000
        quoted_int: "42"
        big: 99999999999999999999
        d1: 1.5
        d2: -.5
        d3: 1e3
        d4: 2.
        inf: -.inf
        nan: .NaN
        version: 1.2.3
        text: hello world
        """
        let root = try #require(try YAML.parse(text))
        func node(_ key: String) throws -> YAMLNode { try #require(root[key], "missing \(key)") }
        for key in ["t1", "t2", "t3"] { #expect(try node(key).bool == true, "\(key)") }
        #expect(try node("f1").bool == false)
        for key in ["yes_is_string", "on_is_string", "quoted_true", "single_true", "text", "i1"] {
            #expect(try node(key).bool == nil, "\(key)")
        }
        #expect(try node("yes_is_string").string == "yes")
        #expect(try node("quoted_true").string == "true")
        for key in ["n1", "n2", "n3", "n4"] { #expect(try node(key).isNull, "\(key)") }
        for key in ["quoted_null", "empty_quoted", "text", "i1", "t1"] { #expect(try !node(key).isNull, "\(key)") }
        #expect(try node("n3").string == "")
        #expect(try node("i1").int == 42)
        #expect(try node("i2").int == -17)
        #expect(try node("i3").int == 3)
        #expect(try node("hex").int == 31)
        #expect(try node("oct").int == 15)
        for key in ["bad_hex", "underscored", "quoted_int", "big", "d1", "t1", "text", "n1"] {
            #expect(try node(key).int == nil, "\(key)")
        }
        #expect(try node("quoted_int").string == "42")
        #expect(try node("d1").double == 1.5)
        #expect(try node("d2").double == -0.5)
        #expect(try node("d3").double == 1000)
        #expect(try node("d4").double == 2)
        #expect(try node("i2").double == -17)
        #expect(try node("inf").double == -.infinity)
        #expect(try node("nan").double?.isNaN == true)
        for key in ["version", "text", "quoted_int", "hex", "t1", "n3"] { #expect(try node(key).double == nil, "\(key)") }
        // Collections have no scalar views.
        #expect(root.string == nil && root.int == nil && root.bool == nil && !root.isNull && root.sequence == nil)
        #expect(root["nope"] == nil)
        #expect(try node("text")["x"] == nil)
    }

    @Test("explicit tags: !!str stops typing, !!int types a quoted scalar, custom tags are kept")
    func tags() throws {
        let root = try #require(try YAML.parse("a: !!str 123\nb: !!int \"42\"\nc: !secret token\nd: !!bool 'true'\n"))
        #expect(root["a"]?.tag == "tag:yaml.org,2002:str")
        #expect(root["a"]?.int == nil)
        #expect(root["a"]?.string == "123")
        #expect(root["b"]?.int == 42)
        #expect(root["c"]?.tag == "!secret")
        #expect(root["c"]?.string == "token")
        #expect(root["d"]?.bool == true)
        // A tagged node's mark is its tag.
        #expect(root["a"]?.mark == YAMLMark(line: 1, column: 4))
        #expect(root["b"]?.tag == "tag:yaml.org,2002:int")
    }

    @Test("duplicate keys are preserved in order; the subscript returns the first")
    func duplicateKeys() throws {
        let root = try #require(try YAML.parse("a: 1\nb: 2\na: 3\n"))
        let pairs = try #require(root.mapping)
        #expect(pairs.map { $0.key.string } == ["a", "b", "a"])
        #expect(pairs.map { $0.value.int } == [1, 2, 3])
        #expect(root["a"]?.int == 1)
        #expect(pairs[2].key.mark == YAMLMark(line: 3, column: 1))
    }

    @Test("unicode keys and values round-trip and columns count characters, not bytes")
    func unicode() throws {
        let root = try #require(try YAML.parse("ключ: значение\nemoji: \"🚀 launch\"\nescaped: \"caf\\u00e9 \\U0001F600 a\\0b\"\n"))
        #expect(root["ключ"]?.string == "значение")
        #expect(root["ключ"]?.mark == YAMLMark(line: 1, column: 7))
        #expect(root["emoji"]?.string == "🚀 launch")
        let escaped = try #require(root["escaped"]?.string)
        #expect(escaped == "café 😀 a\u{0}b")
        #expect(escaped.unicodeScalars.count == 10)
    }

    @Test("a deterministic document of 10,000 list items parses completely under a raised node limit")
    func largeDocument() throws {
        var text = "items:\n"
        for index in 0..<10_000 {
            text += "  - id: \(index)\n    name: \"item-\(index)\"\n    enabled: \(index % 2 == 0)\n"
        }
        // 10,000 mappings of 3 pairs are about 70,000 nodes, past the default limit.
        let items = try #require(try YAML.parse(text, limits: YAML.Limits(maximumNodes: 100_000))?["items"]?.sequence)
        #expect(items.count == 10_000)
        for (index, item) in items.enumerated() where index % 997 == 0 || index == 9_999 {
            #expect(item["id"]?.int == index)
            #expect(item["name"]?.string == "item-\(index)")
            #expect(item["enabled"]?.bool == (index % 2 == 0))
            #expect(item.mark == YAMLMark(line: 2 + 3 * index, column: 5))
        }
    }

    @Test("the documents of a multi-document stream parse in order; parse returns the first")
    func multiDocumentStream() throws {
        let text = """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: settings
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        ---
        # a comment-only document body is an empty (null) document
        ---
        - just
        - a list
        ...
        """
        let documents = try YAML.parseAll(text)
        #expect(documents.count == 4)
        #expect(documents[0]["kind"]?.string == "ConfigMap")
        #expect(documents[1]["kind"]?.string == "Deployment")
        #expect(documents[1]["metadata"]?["name"]?.string == "web")
        #expect(documents[1].mark == YAMLMark(line: 6, column: 1))
        #expect(documents[2].isNull)
        #expect(documents[3].sequence?.compactMap(\.string) == ["just", "a list"])
        let first = try #require(try YAML.parse(text))
        #expect(first == documents[0])
    }

    @Test("empty input has no document; an explicit empty document is null")
    func emptyDocuments() throws {
        #expect(try YAML.parse("") == nil)
        #expect(try YAML.parse("# only a comment\n\n") == nil)
        #expect(try YAML.parseAll("") == [])
        let explicit = try #require(try YAML.parse("---\n"))
        #expect(explicit.isNull)
        #expect(explicit.string == "")
        let two = try YAML.parseAll("---\n...\n---\n")
        #expect(two.count == 2)
        #expect(two.allSatisfy { $0.isNull })
    }
}
