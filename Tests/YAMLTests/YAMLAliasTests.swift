import Testing
import YAML

@Suite("YAML anchors, aliases and merge keys")
struct YAMLAliasTests {
    @Test("an alias of a mapping used twice expands to copies of the anchored node")
    func aliasOfMappingReusedTwice() throws {
        let text = """
        defaults: &defaults
          timeout: 30
          retries: 2
        staging:
          settings: *defaults
        production:
          settings: *defaults
        name: &name web
        service: *name
        """
        let root = try #require(try YAML.parse(text))
        let defaults = try #require(root["defaults"])
        #expect(defaults.anchor == "defaults")
        #expect(defaults.mark == YAMLMark(line: 1, column: 11))
        let staging = try #require(root["staging"]?["settings"])
        let production = try #require(root["production"]?["settings"])
        #expect(staging == defaults)
        #expect(production == defaults)
        #expect(staging["timeout"]?.int == 30)
        #expect(production["retries"]?.int == 2)
        // The copy's marks point at the anchored definition.
        #expect(production["timeout"]?.mark == YAMLMark(line: 2, column: 12))
        #expect(root["service"]?.string == "web")
    }

    @Test("merge keys add the merged pairs the mapping does not define itself")
    func mergeKeys() throws {
        let text = """
        base: &base
          image: alpine
          timeout: 10
        extra: &extra
          image: debian
          env: prod
        job:
          <<: *base
          timeout: 60
          run: make
        multi:
          <<: [*base, *extra]
          run: test
        inline:
          <<: {a: 1}
          b: 2
        quoted:
          "<<": *base
        """
        let root = try #require(try YAML.parse(text))
        let job = try #require(root["job"])
        #expect(job.mapping?.map { $0.key.string } == ["image", "timeout", "run"])
        #expect(job["image"]?.string == "alpine")
        #expect(job["timeout"]?.int == 60)
        let multi = try #require(root["multi"])
        // Earlier merged mappings win over later ones; own keys win over all.
        #expect(multi.mapping?.map { $0.key.string } == ["image", "timeout", "env", "run"])
        #expect(multi["image"]?.string == "alpine")
        #expect(multi["env"]?.string == "prod")
        #expect(root["inline"]?.mapping?.map { $0.key.string } == ["a", "b"])
        // A quoted "<<" is an ordinary key.
        #expect(root["quoted"]?.mapping?.map { $0.key.string } == ["<<"])
        #expect(root["quoted"]?["<<"]?["image"]?.string == "alpine")
    }

    @Test("a merge key whose value is not a mapping is an error at the value")
    func invalidMergeKey() throws {
        let error = try #require(throws: YAMLError.self) { try YAML.parse("job:\n  <<: 5\n") }
        #expect(error.kind == .invalidMergeKey)
        #expect(error.mark == YAMLMark(line: 2, column: 7))
        #expect(error.function == nil)
        let listError = try #require(throws: YAMLError.self) { try YAML.parse("a: &a {x: 1}\nb:\n  <<: [*a, 3]\n") }
        #expect(listError.kind == .invalidMergeKey)
    }

    @Test("an undefined alias is an error at the alias with a readable description")
    func undefinedAlias() throws {
        let error = try #require(throws: YAMLError.self) { try YAML.parse("a: 1\nb:\n  - *missing\n") }
        #expect(error.kind == .undefinedAlias)
        #expect(error.mark == YAMLMark(line: 3, column: 5))
        #expect(error.description == "line 3, column 5: undefined alias '*missing'")
    }

    @Test("an alias cannot refer to its own anchor or to an earlier document's anchor")
    func aliasScope() throws {
        let recursive = try #require(throws: YAMLError.self) { try YAML.parse("a: &loop\n  - *loop\n") }
        #expect(recursive.kind == .undefinedAlias)
        #expect(recursive.mark == YAMLMark(line: 2, column: 5))
        let acrossDocuments = try #require(throws: YAMLError.self) { try YAML.parseAll("a: &x 1\n---\nb: *x\n") }
        #expect(acrossDocuments.kind == .undefinedAlias)
        #expect(acrossDocuments.mark == YAMLMark(line: 3, column: 4))
    }

    @Test("a redefined anchor applies to the aliases after it")
    func redefinedAnchor() throws {
        let root = try #require(try YAML.parse("- &v one\n- *v\n- &v two\n- *v\n"))
        #expect(root.sequence?.compactMap(\.string) == ["one", "one", "two", "two"])
    }

    @Test("an alias bomb stops at a raised node limit instead of expanding")
    func aliasBomb() throws {
        let limits = YAML.Limits(maximumNodes: 1_000_000)
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...9 {
            let previous = "*a\(level - 1)"
            text += "a\(level): &a\(level) [\(Array(repeating: previous, count: 10).joined(separator: ", "))]\n"
        }
        let error = try #require(throws: YAMLError.self) { try YAML.parse(text, limits: limits) }
        #expect(error.kind == .tooManyNodes)
        #expect(error.message.contains("1000000"))
        // The first level past the limit is a5 (1 + 10 * 111,111 nodes), on line 6.
        #expect(error.mark.line == 6)
        // Up to a4 (111,111 nodes, about 124,000 in all) still fits: the limit is not too tight.
        let upToFour = text.split(separator: "\n").prefix(5).joined(separator: "\n")
        let root = try #require(try YAML.parse(upToFour, limits: limits))
        #expect(root["a4"]?.sequence?.count == 10)
        #expect(root["a4"]?.sequence?[9].sequence?[9].sequence?[9].sequence?[9].sequence?[9].string == "x")
    }

    @Test("collections nested deeper than the limit are refused")
    func tooDeep() throws {
        let depth = YAML.maximumDepth + 1
        let text = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        let error = try #require(throws: YAMLError.self) { try YAML.parse(text) }
        #expect(error.kind == .tooDeep)
        #expect(error.mark == YAMLMark(line: 1, column: depth))
        let fits = String(repeating: "[", count: depth - 1) + String(repeating: "]", count: depth - 1)
        #expect(try YAML.parse(fits)?.kindName == "sequence")
    }
}
