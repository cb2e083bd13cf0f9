/// What the parser found for one command invocation.
public struct ParsedArguments: Sendable, Equatable {
    public private(set) var values: [String: [String]] = [:]
    public private(set) var flags: Set<String> = []
    public private(set) var positionals: [String] = []

    public init() {}

    /// The last value given for `--name`, if any.
    public func value(_ name: String) -> String? { values[name]?.last }
    /// Every value given for a repeatable `--name`, in order.
    public func allValues(_ name: String) -> [String] { values[name] ?? [] }
    public func flag(_ name: String) -> Bool { flags.contains(name) }
    public func positional(_ index: Int) -> String? {
        index < positionals.count ? positionals[index] : nil
    }

    mutating func add(value: String, for name: String) { values[name, default: []].append(value) }
    mutating func add(flag name: String) { flags.insert(name) }
    mutating func add(positional: String) { positionals.append(positional) }
}
