import Foundation
import Server
import Testing

@Suite("Dashboard templates")
struct DashboardTemplateTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized

    @Test("the built-in dashboard templates are templates/dashboard/*.html")
    func builtInCopies() throws {
        let index = try String(contentsOf: Self.root.appendingPathComponent("templates/dashboard/index.html"), encoding: .utf8)
        let evidence = try String(contentsOf: Self.root.appendingPathComponent("templates/dashboard/evidence.html"), encoding: .utf8)
        #expect(index == DashboardTemplates.index)
        #expect(evidence == DashboardTemplates.evidence)
    }
}
