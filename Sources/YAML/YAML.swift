/// Parses YAML text (YAML 1.1/1.2 syntax via libyaml 0.2.5) into `YAMLNode` trees.
///
/// Every call uses its own parser: safe to call from several threads at once.
public enum YAML {
    /// The default for `Limits.maximumNodes`: the most nodes one document may have once aliases
    /// are expanded; beyond it parsing fails with `YAMLError.Kind.tooManyNodes` (protects against
    /// "billion laughs" alias bombs).
    public static let maximumNodeCount = 10_000

    /// The default for `Limits.maximumDepth`: the deepest nesting of collections accepted; beyond
    /// it parsing fails with `.tooDeep`.
    public static let maximumDepth = 1_000

    /// The first document of `text`, or nil when the stream has no document (empty text, only
    /// comments). Later documents are not parsed, so their errors are not reported.
    public static func parse(_ text: String, limits: Limits = Limits()) throws -> YAMLNode? {
        if let maximumBytes = limits.maximumBytes, let error = inputTooLarge(text, limit: maximumBytes) { throw error }
        var builder = try TreeBuilder(text: text, limits: limits)
        return try builder.nextDocument()
    }

    /// Every document of `text` in order (e.g. a multi-document Kubernetes manifest); an empty
    /// document (`---` alone) is an empty plain scalar, which `isNull`.
    /// `limits.maximumNodes` applies to each document, `limits.maximumBytes` to the whole text.
    public static func parseAll(_ text: String, limits: Limits = Limits()) throws -> [YAMLNode] {
        if let maximumBytes = limits.maximumBytes, let error = inputTooLarge(text, limit: maximumBytes) { throw error }
        var builder = try TreeBuilder(text: text, limits: limits)
        var documents: [YAMLNode] = []
        while let document = try builder.nextDocument() {
            documents.append(document)
        }
        return documents
    }
}
