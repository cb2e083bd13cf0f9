/// A secret the operator grants to environments. Specs only *name* grants
/// (`secrets: { STRIPE_KEY: stripe-test }`); where the value lives and which environments may
/// use it is the operator's configuration, never the repository's.
public struct Grant: Sendable, Equatable {
    public enum Source: Sendable, Equatable, CustomStringConvertible {
        /// A variable of the bot's own environment.
        case env(String)
        /// A file on the bot's machine.
        case file(String)

        public var description: String {
            switch self {
            case .env(let name): "env:\(name)"
            case .file(let path): "file:\(path)"
            }
        }
    }

    public var name: String
    public var source: Source
    /// Who may use it: environment kinds (`preview`, `staging`, `production`) and/or name globs
    /// (`pr-*`, `staging`). Empty: nobody.
    public var environments: [String]

    public init(name: String, source: Source, environments: [String]) {
        self.name = name
        self.source = source
        self.environments = environments
    }

    /// Whether an environment of `kind` named `environment` may use this grant. An entry that
    /// is a kind's name matches that kind; any other entry is a glob over names.
    public func allows(environment: String, kind: EnvironmentKind) -> Bool {
        environments.contains { entry in
            if let entryKind = EnvironmentKind(rawValue: entry) { return entryKind == kind }
            return Glob(entry).matches(environment)
        }
    }

    /// The allowed environments as people read them (`preview, staging`).
    public var allowedDescription: String {
        environments.isEmpty ? "none" : environments.joined(separator: ", ")
    }

    /// Grant names: lowercase letters, digits, `-`, `_` and `.`, starting with a letter or digit.
    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.first, first.isASCII, first.isLetter || first.isNumber, name.count <= 100 else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }
    }

    /// Parses the command-line form `NAME=env:VARIABLE@ENV[,ENV...]` or
    /// `NAME=file:PATH@ENV[,ENV...]`. The last `@` separates the environments, so paths may
    /// hold `@` only when environments follow.
    public static func parse(flag text: String) throws(GrantError) -> Grant {
        let usage = "use NAME=env:VARIABLE@KIND_OR_GLOB[,...] or NAME=file:PATH@KIND_OR_GLOB[,...], e.g. stripe-test=env:STRIPE_TEST_KEY@preview,staging"
        guard let equals = text.firstIndex(of: "=") else { throw GrantError("--grant '\(text)': no '='; \(usage)") }
        let name = String(text[..<equals])
        let rest = text[text.index(after: equals)...]
        guard let at = rest.lastIndex(of: "@") else {
            throw GrantError("--grant \(name): no '@' naming the environments allowed to use it; \(usage)")
        }
        let sourceText = rest[..<at]
        let environments = rest[rest.index(after: at)...].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let source: Source
        if sourceText.hasPrefix("env:") {
            source = .env(String(sourceText.dropFirst(4)))
        } else if sourceText.hasPrefix("file:") {
            source = .file(String(sourceText.dropFirst(5)))
        } else {
            throw GrantError("--grant \(name): the value must come from env:VARIABLE or file:PATH; \(usage)")
        }
        let grant = Grant(name: name, source: source, environments: environments.filter { !$0.isEmpty })
        try grant.check()
        return grant
    }

    /// Refuses names, sources and environment lists that cannot work; never mentions a value.
    public func check() throws(GrantError) {
        guard Self.isValidName(name) else {
            throw GrantError("grant '\(name)': names use letters, digits, '-', '_' and '.' (at most 100)")
        }
        switch source {
        case .env(let variable):
            guard !variable.isEmpty, variable.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
                throw GrantError("grant \(name): env:\(variable) is not a variable name")
            }
            if variable.hasPrefix("SLIPWAY_") {
                throw GrantError("grant \(name): SLIPWAY_* variables hold Slipway's own secrets and are never granted to environments")
            }
        case .file(let path):
            guard path.hasPrefix("/") else {
                throw GrantError("grant \(name): file:\(path) must be an absolute path")
            }
        }
        guard !environments.isEmpty else {
            throw GrantError("grant \(name): name the environments allowed to use it (kinds preview, staging, production, or name globs)")
        }
        for entry in environments where entry.isEmpty || entry.contains(where: { $0 == " " }) {
            throw GrantError("grant \(name): '\(entry)' is not an environment kind or name glob")
        }
    }
}

/// A grant the operator's configuration got wrong, or one a spec may not use. Names grants and
/// environments, never values.
public struct GrantError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
