import Environments
import Foundation
import SlipwayCore
import Testing
import TestSupport

/// A valid preview spec to mutate in tests.
let validPreview = """
kind: preview
name: "pr-{{pr.number}}"
match:
  pull_request: { base: main }
build:
  - run: "sh build.sh"
    timeout: 5m
deploy:
  driver: process
  run: "sh serve.sh"
health: { path: /healthz, timeout: 60s }
ttl: 72h
env: { APP_ENV: preview, WORKERS: 2, DEBUG: true }
secrets:
  STRIPE_KEY: stripe-test
neutralize:
  mail: catch-all
  crons: off
  forbid: ["sk_live_*"]
"""

func diagnostics(_ text: String, file: String = "environments/x.yaml") -> [Diagnostic] {
    SpecParser.parse(text, file: file).diagnostics
}

func positions(_ text: String) -> [String] {
    diagnostics(text).map { "\($0.line):\($0.column)" }
}

@Suite("Environment spec parsing")
struct SpecParserTests {
    @Test("the contract example parses into every field")
    func parsesContract() throws {
        let (spec, problems) = SpecParser.parse(validPreview, file: "environments/preview.yaml")
        #expect(problems.isEmpty, "\(problems)")
        let s = try #require(spec)
        #expect(s.kind == .preview)
        #expect(s.name == "pr-{{pr.number}}")
        #expect(s.match.pullRequestBase == "main")
        #expect(s.match.trustLabel == "safe-to-build")
        #expect(s.build == [EnvironmentSpec.BuildStep(run: "sh build.sh", timeout: .minutes(5))])
        #expect(s.deploy == EnvironmentSpec.Deploy(driver: .process, run: "sh serve.sh"))
        #expect(s.health == EnvironmentSpec.Health(path: "/healthz", timeout: .seconds(60)))
        #expect(s.ttl == .hours(72))
        #expect(s.env.map(\.name) == ["APP_ENV", "WORKERS", "DEBUG"])
        #expect(s.env.map(\.value) == ["preview", "2", "true"])
        #expect(s.secrets == [EnvironmentSpec.SecretRef(name: "STRIPE_KEY", grant: "stripe-test")])
        #expect(s.neutralize == EnvironmentSpec.Neutralization(mail: .catchAll, cronsOff: true, forbid: ["sk_live_*"]))
    }

    @Test("an unknown or misspelled key names its position and suggests the right one")
    func unknownKey() {
        let text = validPreview.replacingOccurrences(of: "ttl: 72h", with: "tll: 72h")
        let found = diagnostics(text)
        #expect(found.count == 1)
        #expect(found.first?.line == 12)
        #expect(found.first?.column == 1)
        #expect(found.first?.message == "unknown key 'tll' in the spec (did you mean 'ttl'?)")
        let nested = diagnostics(validPreview.replacingOccurrences(of: "    timeout: 5m", with: "    timout: 5m"))
        #expect(nested.map(\.description) == ["environments/x.yaml:7:5: error: unknown key 'timout' in build[0] (did you mean 'timeout'?)"])
    }

    @Test("wrong types are reported where the value is")
    func wrongTypes() {
        let text = validPreview.replacingOccurrences(of: "  driver: process", with: "  driver: [process]")
        #expect(diagnostics(text).map(\.description) == ["environments/x.yaml:9:11: error: deploy.driver must be a string, found a sequence"])
        let build = validPreview.replacingOccurrences(of: "build:\n  - run: \"sh build.sh\"\n    timeout: 5m", with: "build: sh build.sh")
        #expect(positions(build) == ["5:8"])
        let env = validPreview.replacingOccurrences(of: "env: { APP_ENV: preview, WORKERS: 2, DEBUG: true }", with: "env: { APP_ENV: [a] }")
        #expect(diagnostics(env).first?.message.contains("env.APP_ENV must be a single value") == true)
        #expect(positions(env) == ["13:17"])
    }

    @Test("bad durations are reported with the accepted forms")
    func badDurations() {
        let text = validPreview.replacingOccurrences(of: "ttl: 72h", with: "ttl: 3 days")
        let found = diagnostics(text)
        #expect(found.map { "\($0.line):\($0.column)" } == ["12:6"])
        #expect(found.first?.message.contains("'3 days' is not a duration") == true)
        #expect(positions(validPreview.replacingOccurrences(of: "timeout: 5m", with: "timeout: 5")) == ["7:14"])
        #expect(positions(validPreview.replacingOccurrences(of: "timeout: 60s", with: "timeout: 0s")) == ["11:36"])
    }

    @Test("a preview or staging environment without neutralization is refused")
    func missingNeutralization() {
        let text = validPreview.components(separatedBy: "\nneutralize:")[0]
        let found = diagnostics(text)
        #expect(found.count == 1)
        #expect(found.first?.line == 1)
        #expect(found.first?.message.contains("must be neutralized") == true)
        let noMail = validPreview.replacingOccurrences(of: "  mail: catch-all\n", with: "")
        #expect(diagnostics(noMail).first?.message.contains("neutralize.mail is required") == true)
        let cronsOn = validPreview.replacingOccurrences(of: "crons: off", with: "crons: on")
        #expect(positions(cronsOn) == ["18:10"])
    }

    @Test("a value matching a forbid pattern is refused where it is written")
    func forbiddenValue() {
        let text = validPreview.replacingOccurrences(of: "APP_ENV: preview,", with: "APP_ENV: preview, PAY: sk_live_abc123,")
        let found = diagnostics(text)
        #expect(found.count == 1)
        #expect(found.first.map { "\($0.line):\($0.column)" } == "13:31")
        #expect(found.first?.message.contains("forbidden pattern 'sk_live_*'") == true)
        // In a build command too.
        let inBuild = validPreview.replacingOccurrences(of: "sh build.sh", with: "sh build.sh sk_live_zzz")
        #expect(positions(inBuild) == ["6:10"])
    }

    @Test("secrets name operator grants: never a file, a variable of the bot, or a value")
    func secretsNameGrants() {
        let fromEnv = validPreview.replacingOccurrences(of: "STRIPE_KEY: stripe-test", with: "STRIPE_KEY: { env: SLIPWAY_FORGE_TOKEN }")
        #expect(diagnostics(fromEnv).map(\.message) == ["secrets.STRIPE_KEY: specs no longer say where a secret comes from (no env or file); name a grant the operator configured, e.g. STRIPE_KEY: stripe-test"])
        #expect(positions(fromEnv) == ["15:15"])
        let fromFile = validPreview.replacingOccurrences(of: "STRIPE_KEY: stripe-test", with: "STRIPE_KEY: { file: /etc/slipway/forge-token }")
        #expect(diagnostics(fromFile).first?.message.contains("no longer say where a secret comes from") == true)
        let inline = validPreview.replacingOccurrences(of: "STRIPE_KEY: stripe-test", with: "STRIPE_KEY: \"sk test/123\"")
        #expect(diagnostics(inline).first?.message.contains("secret values are never written in git") == true)
        let reserved = validPreview.replacingOccurrences(of: "APP_ENV: preview,", with: "PORT: 80,")
        #expect(diagnostics(reserved).first?.message.contains("'PORT' is set by Slipway") == true)
    }

    @Test("kind-specific rules: previews template their name, staging follows a branch, production needs promotion")
    func kindRules() {
        let fixed = validPreview.replacingOccurrences(of: "\"pr-{{pr.number}}\"", with: "preview")
        #expect(diagnostics(fixed).first?.message.contains("must contain {{pr.number}}") == true)
        let staging = """
        kind: staging
        name: staging
        match: { pull_request: { base: main } }
        deploy: { run: "sh serve.sh" }
        neutralize: { mail: catch-all, crons: off }
        """
        let messages = diagnostics(staging).map(\.message)
        #expect(messages.contains { $0.contains("follows a branch") })
        let production = """
        kind: production
        name: production
        match: { branch: production }
        deploy: { driver: command, run: "sh deploy.sh" }
        """
        let prodMessages = diagnostics(production).map(\.message)
        #expect(prodMessages.contains { $0.contains("moves only by promotion") })
        #expect(prodMessages.contains { $0.contains("needs deploy.teardown") })
    }

    @Test("duplicate keys and YAML syntax errors carry positions")
    func duplicatesAndSyntax() {
        let dup = validPreview.replacingOccurrences(of: "ttl: 72h", with: "ttl: 72h\nttl: 24h")
        #expect(diagnostics(dup).map(\.description) == ["environments/x.yaml:13:1: error: duplicate key 'ttl' (first at line 12, column 1)"])
        let broken = "kind: preview\nmatch: { pull_request: { base: main }\nname: x\n"
        let found = diagnostics(broken)
        #expect(found.count == 1)
        #expect(found.first?.message.hasPrefix("YAML syntax:") == true)
        #expect(found.first?.line == 3)
    }

    @Test("an unknown driver or kind gets a did-you-mean")
    func enumSuggestions() {
        #expect(diagnostics(validPreview.replacingOccurrences(of: "driver: process", with: "driver: proces")).first?.message
            == "deploy.driver must be process, command or container (got 'proces') (did you mean 'process'?)")
        #expect(diagnostics(validPreview.replacingOccurrences(of: "kind: preview", with: "kind: previw")).first?.message
            == "kind must be one of preview, staging, production (got 'previw') (did you mean 'preview'?)")
    }
}

@Suite("Environment spec sets")
struct SpecSetTests {
    static let staging = """
    kind: staging
    name: staging
    match:
      branch: main
    deploy: { run: "sh serve.sh" }
    neutralize: { mail: catch-all, crons: off }
    """

    @Test("duplicate names across files are reported at the second file's name")
    func duplicateNames() {
        let other = Self.staging.replacingOccurrences(of: "branch: main", with: "branch: develop")
        let (_, found) = SpecSet.load(files: [("environments/a.yaml", Self.staging), ("environments/b.yaml", other)])
        #expect(found.map(\.description) == ["environments/b.yaml:2:7: error: duplicate environment name 'staging' (also in environments/a.yaml)"])
    }

    @Test("two specs matching the same branch are reported at the branch")
    func sameBranch() {
        let other = Self.staging.replacingOccurrences(of: "name: staging", with: "name: qa")
        let (_, found) = SpecSet.load(files: [("environments/a.yaml", Self.staging), ("environments/b.yaml", other)])
        #expect(found.map(\.description) == ["environments/b.yaml:4:11: error: branch 'main' is also matched by environments/a.yaml ('main'): one branch, one environment"])
        let glob = other.replacingOccurrences(of: "branch: main", with: "branch: \"ma*\"")
        #expect(SpecSet.load(files: [("a.yaml", Self.staging), ("b.yaml", glob)]).diagnostics.count == 1)
        let apart = other.replacingOccurrences(of: "branch: main", with: "branch: \"release/*\"")
        #expect(SpecSet.load(files: [("a.yaml", Self.staging), ("b.yaml", apart)]).diagnostics.isEmpty)
    }

    @Test("promotion must come from a staging environment that exists")
    func promotionSource() {
        let production = """
        kind: production
        name: production
        match: { branch: production }
        deploy: { driver: command, run: "sh d.sh", teardown: "sh t.sh" }
        promotion: { from: stagin, label: promote, approvers: [octocat] }
        """
        let (_, found) = SpecSet.load(files: [("a.yaml", Self.staging), ("p.yaml", production)])
        #expect(found.map(\.description) == ["p.yaml:5:20: error: promotion.from 'stagin' names no staging or production environment in these specs"])
    }

    @Test("the project's own example specs are valid")
    func examplesAreValid() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../environments").standardized
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(names == ["preview.yaml", "production.yaml", "staging.yaml"])
        let files = try names.map { ("environments/\($0)", try String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8)) }
        let (set, found) = SpecSet.load(files: files)
        #expect(found.isEmpty, "\(found)")
        #expect(set.specs.map(\.name) == ["pr-{{pr.number}}", "production", "staging"])
        #expect(set.preview(forBase: "main")?.kind == .preview)
        #expect(set.spec(followingBranch: "main")?.name == "staging")
    }
}

@Suite("Durations and globs")
struct DurationGlobTests {
    @Test("durations parse with units and print in their shortest form", arguments: [
        ("90s", 90_000, "1m30s"), ("5m", 300_000, "5m"), ("72h", 259_200_000, "3d"), ("1h30m", 5_400_000, "1h30m"),
        ("250ms", 250, "250ms"), ("2d", 172_800_000, "2d"), ("1w", 604_800_000, "7d"),
    ])
    func durations(text: String, ms: Int64, shown: String) throws {
        let duration = try #require(Duration(parsing: text))
        #expect(duration.milliseconds == ms)
        #expect(duration.description == shown)
    }

    @Test("bad durations are refused", arguments: ["", "5", "m", "5 m", "-5m", "5x", "1.5h", "99999999999999999h"])
    func badDurations(text: String) {
        #expect(Duration(parsing: text) == nil)
    }

    @Test("globs match and detect overlap")
    func globs() {
        #expect(Glob("sk_live_*").matches("sk_live_123"))
        #expect(!Glob("sk_live_*").matches("sk_test_123"))
        #expect(Glob("release/*").matches("release/1.2"))
        #expect(Glob("a?c").matches("abc"))
        #expect(Glob("*prod*").matches("db.prod.internal"))
        #expect(Glob("main").overlaps(Glob("ma*")))
        #expect(!Glob("release/*").overlaps(Glob("hotfix/*")))
        #expect(!Glob("*-a").overlaps(Glob("*-b")))
    }
}

extension SpecParserTests {
    @Test("with the bot's grants, a secret naming a missing or disallowed grant is an error at its position, naming no value")
    func grantsChecked() {
        let file = "environments/preview.yaml"
        let allowed = GrantTable([Grant(name: "stripe-test", source: .env("STRIPE_TEST_KEY"), environments: ["preview", "staging"])])
        #expect(SpecSet.load(files: [(file, validPreview)], grants: allowed).diagnostics.isEmpty)
        // Only for production.
        let production = GrantTable([Grant(name: "stripe-test", source: .file("/etc/slipway/stripe"), environments: ["production"])])
        let refused = SpecSet.load(files: [(file, validPreview)], grants: production)
        #expect(refused.diagnostics.map(\.description) == [
            "environments/preview.yaml:15:15: error: secrets.STRIPE_KEY: the grant 'stripe-test' is not allowed for preview environment 'pr-1' (allowed: production)",
        ])
        #expect(refused.set.specs.isEmpty)
        // Missing.
        let missing = SpecSet.load(files: [(file, validPreview)], grants: GrantTable([]))
        #expect(missing.diagnostics.first?.message.contains("names the grant 'stripe-test', which does not exist") == true)
        // A name glob allows it.
        let glob = GrantTable([Grant(name: "stripe-test", source: .env("K"), environments: ["pr-*"])])
        #expect(SpecSet.load(files: [(file, validPreview)], grants: glob).diagnostics.isEmpty)
    }
}

@Suite("Environment spec parsing: promotion")
struct PromotionSpecTests {
    static let production = """
    kind: production
    name: production
    match: { branch: production }
    deploy: { run: "sh serve.sh" }
    promotion:
      from: staging
      label: promote
      approvers: [alice, bob, acme/release]
      required: 2
      require_checks: true
      allow_direct_push: false
    """

    @Test("required, require_checks and allow_direct_push are read; defaults are 1, false, false")
    func keys() throws {
        let spec = try #require(SpecParser.parse(Self.production, file: "environments/production.yaml").spec)
        #expect(spec.promotion == EnvironmentSpec.Promotion(from: "staging", label: "promote", approvers: ["alice", "bob", "acme/release"],
                                                            required: 2, requireChecks: true, allowDirectPush: false))
        let minimal = Self.production.replacingOccurrences(of: "\n  required: 2\n  require_checks: true\n  allow_direct_push: false", with: "")
        let defaults = try #require(SpecParser.parse(minimal, file: "environments/production.yaml").spec)
        #expect(defaults.promotion?.required == 1)
        #expect(defaults.promotion?.requireChecks == false)
        #expect(defaults.promotion?.allowDirectPush == false)
    }

    @Test("bad promotion values are errors at their position")
    func badValues() {
        let zero = Self.production.replacingOccurrences(of: "required: 2", with: "required: 0")
        #expect(diagnostics(zero).first?.message.contains("at least 1") == true)
        let impossible = Self.production.replacingOccurrences(of: "approvers: [alice, bob, acme/release]", with: "approvers: [alice]")
        #expect(diagnostics(impossible).first?.message.contains("could never be met") == true)
        let notBool = Self.production.replacingOccurrences(of: "require_checks: true", with: "require_checks: maybe")
        #expect(diagnostics(notBool).first?.message.contains("true or false") == true)
        let badLogin = Self.production.replacingOccurrences(of: "acme/release", with: "\"not a login\"")
        #expect(diagnostics(badLogin).first?.message.contains("not a GitHub login") == true)
    }
}
