import Foundation
@testable import Runner
import SlipwayCore
import Store
import Testing
import TestSupport

@Suite("Runner: the router moves to a healthy new version before the old one is retired")
struct RouterTests {
    @Test("the process driver routes its upstream, records the router's URL, moves the route before stopping the old version, and removes it at teardown")
    func processDriverRoutes() throws {
        let router = try ProxyRouter()
        let harness = try RunnerHarness()
        defer { harness.close() }
        harness.startService { $0.router = router }
        let first = try harness.git.head("main")
        let job = try harness.enqueueDeploy(first)
        #expect(try harness.finished(job.id).status == .succeeded)
        let env = try harness.environment()
        let port = try #require(env.port)
        #expect(env.url == "\(router.base)/staging")
        #expect(try harness.observer.report(job.id).url == env.url)
        #expect(router.upstreams("staging") == ["127.0.0.1:\(port)"])
        #expect(harness.get("\(router.base)/staging/healthz")?.body == first + "\n")

        let second = try harness.commit(["note.txt": "two"])
        #expect(try harness.finished(try harness.enqueueDeploy(second).id).status == .succeeded)
        let moved = try harness.environment()
        #expect(moved.url == "\(router.base)/staging")
        #expect(router.upstreams("staging") == ["127.0.0.1:\(try #require(moved.port))"])
        #expect(router.previousStillServedAtSwitch == [true])
        #expect(harness.get("\(router.base)/staging/healthz")?.body == second + "\n")

        #expect(try harness.finished(try harness.enqueueTeardown().id).status == .succeeded)
        #expect(router.history.last == "remove staging")
        #expect(router.upstreams("staging") == nil)
    }

    @Test("a router that cannot take the route fails the deploy and the old version keeps serving on its URL")
    func routerDownKeepsOldVersion() throws {
        let router = try ProxyRouter()
        let harness = try RunnerHarness()
        defer { harness.close() }
        harness.startService { $0.router = router }
        let first = try harness.git.head("main")
        #expect(try harness.finished(try harness.enqueueDeploy(first).id).status == .succeeded)
        let before = try harness.environment()

        router.failing = true
        let job = try harness.enqueueDeploy(try harness.commit(["note.txt": "two"]))
        #expect(try harness.finished(job.id).status == .failed)
        let report = try harness.observer.report(job.id)
        #expect(report.failedPhase == .deploy)
        #expect(report.failure?.contains("the router is down; the previous version keeps serving") == true, "\(report.failure ?? "")")
        let after = try harness.environment()
        #expect(after.pid == before.pid)
        #expect(after.url == before.url)
        #expect(harness.get("\(router.base)/staging/healthz")?.body == first + "\n")
    }

    @Test("a restarted bot syncs the router with the routes of its healthy environments")
    func restartSyncs() throws {
        let router = try ProxyRouter()
        let harness = try RunnerHarness()
        defer { harness.close() }
        let instance = "test-sync"
        let first = harness.startService { $0.router = router; $0.instance = instance }
        #expect(try harness.finished(try harness.enqueueDeploy(try harness.git.head("main")).id).status == .succeeded)
        let port = try #require(try harness.environment().port)
        first.stop()
        try router.sync([])
        #expect(router.upstreams("staging") == nil)
        harness.startService { $0.router = router; $0.instance = instance }
        #expect(router.history.last == "sync staging")
        #expect(router.upstreams("staging") == ["127.0.0.1:\(port)"])
    }
}
