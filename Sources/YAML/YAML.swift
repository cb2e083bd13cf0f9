/// Parses YAML text (YAML 1.1/1.2 syntax via libyaml 0.2.5) into `YAMLNode` trees.
///
/// Every call uses its own parser: safe to call from several threads at once.
public enum YAML {
    /// The most nodes one document may have once aliases are expanded; beyond it parsing fails
    /// with `YAMLError.Kind.tooManyNodes` (protects against "billion laughs" alias bombs).
    public static let maximumNodeCount = 1_000_000

    /// The deepest nesting of collections accepted; beyond it parsing fails with `.tooDeep`.
    public static let maximumDepth = 1_000

    /// The first document of `text`, or nil when the stream has no document (empty text, only
    /// comments). Later documents are not parsed, so their errors are not reported.
    public static func parse(_ text: String) throws -> YAMLNode? {
        var builder = try TreeBuilder(text: text)
        return try builder.nextDocument()
    }

    /// Every document of `text` in order (e.g. a multi-document Kubernetes manifest); an empty
    /// document (`---` alone) is an empty plain scalar, which `isNull`.
    public static func parseAll(_ text: String) throws -> [YAMLNode] {
        var builder = try TreeBuilder(text: text)
        var documents: [YAMLNode] = []
        while let document = try builder.nextDocument() {
            documents.append(document)
        }
        return documents
    }
}
