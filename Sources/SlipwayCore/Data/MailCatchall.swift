/// The operator's mail sink for neutralized environments (`--mail-catchall smtp://host:port`).
public struct MailCatchall: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `smtp://host:port` (the port defaults to 25); nil for anything else.
    public init?(_ text: String) {
        guard text.hasPrefix("smtp://") else { return nil }
        var rest = Substring(text.dropFirst("smtp://".count))
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.isEmpty, !rest.contains("@"), !rest.contains("/") else { return nil }
        if let colon = rest.lastIndex(of: ":") {
            guard let port = Int(rest[rest.index(after: colon)...]), (1...65_535).contains(port), colon != rest.startIndex else { return nil }
            host = String(rest[..<colon])
            self.port = port
        } else {
            host = String(rest)
            port = 25
        }
        guard host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "[" || $0 == "]" || $0 == ":") }) else { return nil }
    }

    public var url: String { "smtp://\(host):\(port)" }
    public var description: String { url }

    /// Where `mail: off` points mail: a port nothing listens on (the discard port on loopback).
    public static let closed = MailCatchall(host: "127.0.0.1", port: 9)
}
