import Foundation
import HTTPTypes
import Testing

@Suite("Router and header values (no network)")
struct RouterTests {
    private func request(_ method: String, _ path: String) -> HTTPRequest {
        HTTPRequest(method: method, path: path)
    }

    @Test("parameters and a trailing wildcard capture their segments")
    func patterns() {
        var router = Router()
        router.get("/repos/:owner/:repo") { HTTPResponse(body: "repo \($0.pathParameters["owner"]!)/\($0.pathParameters["repo"]!)") }
        router.get("/static/*") { HTTPResponse(body: "file \($0.pathParameters["*"]!)") }
        router.get("/") { _ in HTTPResponse(body: "root") }
        #expect(router.handle(request("GET", "/repos/a/b")).bodyText == "repo a/b")
        #expect(router.handle(request("GET", "/repos/a")).status == 404)
        #expect(router.handle(request("GET", "/repos/a/b/c")).status == 404)
        #expect(router.handle(request("GET", "/repos//b")).status == 404)
        #expect(router.handle(request("GET", "/static/css/site.css")).bodyText == "file css/site.css")
        #expect(router.handle(request("GET", "/")).bodyText == "root")
    }

    @Test("the first matching route wins and HEAD falls back to GET")
    func precedence() {
        var router = Router()
        router.get("/items/new") { _ in HTTPResponse(body: "literal") }
        router.get("/items/:id") { _ in HTTPResponse(body: "parameter") }
        router.post("/items/:id") { _ in HTTPResponse(body: "posted") }
        #expect(router.handle(request("GET", "/items/new")).bodyText == "literal")
        #expect(router.handle(request("GET", "/items/7")).bodyText == "parameter")
        #expect(router.handle(request("HEAD", "/items/7")).bodyText == "parameter")
        #expect(router.handle(request("POST", "/items/new")).bodyText == "posted")
        let refused = router.handle(request("DELETE", "/items/7"))
        #expect(refused.status == 405)
        #expect(refused.headers["Allow"] == "GET, POST, HEAD")
    }

    @Test("header lookup ignores case, keeps order, and set replaces every value")
    func headers() {
        var headers: HTTPHeaders = ["Set-Cookie": "a=1"]
        headers.add("X-Trace", "t")
        headers.add("set-cookie", "b=2")
        #expect(headers["SET-COOKIE"] == "a=1")
        #expect(headers.values(for: "Set-Cookie") == ["a=1", "b=2"])
        #expect(headers.count == 3)
        headers.set("Set-Cookie", "c=3")
        #expect(headers.values(for: "set-cookie") == ["c=3"])
        #expect(headers.map(\.name) == ["Set-Cookie", "X-Trace"])
        headers["x-trace"] = nil
        #expect(!headers.contains("X-Trace"))
        headers.remove("SET-COOKIE")
        #expect(headers.isEmpty)
        #expect(HTTPHeaders([("A", "1")]) == HTTPHeaders([("a", "1")]))
        #expect(HTTPHeaders([("A", "1")]) != HTTPHeaders([("A", "2")]))
    }

    @Test("JSON responses carry a JSON content type and sorted keys")
    func json() throws {
        let response = HTTPResponse.json(status: 201, ["b": 2, "a": 1])
        #expect(response.status == 201)
        #expect(response.headers["content-type"] == "application/json; charset=utf-8")
        #expect(response.bodyText == #"{"a":1,"b":2}"#)
        #expect(HTTPResponse.jsonObject(Date()).status == 500)
    }
}
