import Crypto
import Foundation
import HTTPClient
import HTTPTypes
import Server
import Testing
import TestSupport

@Suite("Bad traffic never stops the server")
struct BadTrafficTests {
    /// A signed delivery still goes through: the server is alive and journaling.
    static func stillServes(_ bot: TestBot, id: String) throws {
        let response = try bot.deliver(event: "ping", id: id, body: TestBot.fixture("ping.json", nonce: id))
        #expect(response.status == 202)
        #expect(try bot.finished(id).status == .processed)
    }

    @Test("malformed request lines and garbage bytes are answered or dropped, and the server goes on")
    func malformedHTTP() throws {
        let bot = try TestBot()
        for garbage in ["GARBAGE\r\n\r\n", "POST /webhook HTTP/9.9\r\n\r\n", "\u{0}\u{1}\u{2}\u{3}\r\n\r\n",
                        "POST /webhook HTTP/1.1\r\nContent-Length: -5\r\n\r\n", "POST /webhook HTTP/1.1\r\nno colon here\r\n\r\n"] {
            let socket = try RawSocket(port: bot.app.port)
            socket.send(garbage)
            let answer = socket.readUntilClosed(timeout: 15)
            #expect(answer.closed || answer.text.hasPrefix("HTTP/1.1 4"), "no answer to \(garbage.debugDescription)")
        }
        try Self.stillServes(bot, id: "after-garbage")
        #expect(try bot.app.store.deliveries(limit: 10).map(\.id) == ["after-garbage"])
    }

    @Test("a client that stalls mid-body is dropped after the timeout while others are served")
    func slowClient() throws {
        let bot = try TestBot(connectionTimeout: 1)
        let body = try TestBot.fixture("ping.json")
        let socket = try RawSocket(port: bot.app.port)
        socket.send("POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-GitHub-Event: ping\r\nX-GitHub-Delivery: slow\r\nX-Hub-Signature-256: \(WebhookSignature.sign(body: body, secret: TestBot.secret))\r\nContent-Length: \(body.count)\r\n\r\n")
        socket.send(body.prefix(100))
        // Meanwhile a normal client is served at once.
        try Self.stillServes(bot, id: "during-stall")
        let result = socket.readUntilClosed(timeout: 15)
        #expect(result.closed)
        #expect(try bot.app.store.delivery(id: "slow") == nil)
        try Self.stillServes(bot, id: "after-stall")
    }

    @Test("a half-closed client is dropped and nothing is journaled")
    func halfClosed() throws {
        let bot = try TestBot(connectionTimeout: 2)
        let socket = try RawSocket(port: bot.app.port)
        socket.send("POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-GitHub-Event: ping\r\nX-GitHub-Delivery: half\r\nContent-Length: 5000\r\n\r\n{\"zen\":")
        socket.shutdownWrite()
        let result = socket.readUntilClosed(timeout: 15)
        #expect(result.closed)
        #expect(try bot.app.store.delivery(id: "half") == nil)
        try Self.stillServes(bot, id: "after-half-close")
    }

    @Test("huge headers are refused without harm")
    func hugeHeaders() throws {
        let bot = try TestBot()
        let socket = try RawSocket(port: bot.app.port)
        let big = String(repeating: "a", count: 256 * 1024)
        socket.send("POST /webhook HTTP/1.1\r\nHost: x\r\nX-Big: \(big)\r\nContent-Length: 0\r\n\r\n")
        let result = socket.readUntilClosed(timeout: 15)
        #expect(result.closed || result.text.hasPrefix("HTTP/1.1 4"))
        // Many headers, each small.
        let many = try RawSocket(port: bot.app.port)
        let lines = (0..<5000).map { "X-H\($0): v" }.joined(separator: "\r\n")
        many.send("POST /webhook HTTP/1.1\r\nHost: x\r\n\(lines)\r\nContent-Length: 0\r\n\r\n")
        let second = many.readUntilClosed(timeout: 15)
        #expect(second.closed || second.text.hasPrefix("HTTP/1.1 4"))
        try Self.stillServes(bot, id: "after-huge")
    }

    @Test("10,000 bad-signature requests in a row are all refused and a good one still goes through")
    func manyBadSignatures() throws {
        let bot = try TestBot()
        let body = try TestBot.fixture("ping.json")
        let lock = NSLock()
        nonisolated(unsafe) var statuses: [Int: Int] = [:]
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            let client = HTTPClient()
            for index in 0..<2500 {
                var headers = HTTPHeaders()
                headers.add("Content-Type", "application/json")
                headers.add("X-GitHub-Event", "ping")
                headers.add("X-GitHub-Delivery", "bad-\(worker)-\(index)")
                headers.add("X-Hub-Signature-256", "sha256=" + String(repeating: "ab", count: 32))
                let status = (try? client.send(HTTPClientRequest(method: "POST", url: bot.base + "/webhook", headers: headers, body: body)))?.status ?? -1
                lock.lock(); statuses[status, default: 0] += 1; lock.unlock()
            }
        }
        #expect(statuses == [401: 10_000])
        #expect(try bot.app.store.deliveries(limit: 5).isEmpty)
        try Self.stillServes(bot, id: "after-10000")
        let metrics = String(decoding: try bot.get("/metrics").body, as: UTF8.self)
        #expect(metrics.contains("slipway_webhook_deliveries_total{event=\"unverified\",outcome=\"unauthorized\"} 10000"))
    }
}
