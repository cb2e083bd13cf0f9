import HTTPClient

/// A one-line GET for tests.
struct HTTPClientForTests {
    let client = HTTPClient()

    func status(_ url: String) throws -> Int {
        try client.send(HTTPClientRequest(method: "GET", url: url, timeout: 10)).status
    }
}
