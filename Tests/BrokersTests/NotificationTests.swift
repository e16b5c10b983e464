import Brokers
import Foundation
import LoopbackSupport
import Testing

@Suite struct NotificationTests {
    let blocked = NotificationEvent(
        kind: .riskBlock, runId: "r1", timestamp: "2024-01-03T22:00:00Z",
        message: "MAX_POSITION_SIZE: symbol=A, value_pct=15.0, limit_pct=10.0",
        fields: ["symbol": "A", "client_order_id": "c1"])
    let done = NotificationEvent.runComplete(runId: "r1", timestamp: "2024-01-03T22:00:01Z", message: "2 orders")

    @Test func eventsJsonlHasOneObjectPerLineWithSortedKeys() async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let path = dir.path("events.jsonl")
        let sink = JSONLinesNotifier(path: path)
        await sink.notify(blocked)
        await sink.notify(done)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(
            text == """
                {"fields":{"client_order_id":"c1","symbol":"A"},"kind":"risk_block","message":"MAX_POSITION_SIZE: symbol=A, value_pct=15.0, limit_pct=10.0","priority":"high","run_id":"r1","timestamp":"2024-01-03T22:00:00Z"}
                {"fields":{},"kind":"run_complete","message":"2 orders","priority":"medium","run_id":"r1","timestamp":"2024-01-03T22:00:01Z"}

                """)
    }

    @Test func defaultPrioritiesFollowTheEventKind() {
        #expect(NotificationKind.orderSubmitted.defaultPriority == .medium)
        #expect(NotificationKind.riskBlock.defaultPriority == .high)
        #expect(NotificationKind.runComplete.defaultPriority == .medium)
        #expect(NotificationKind.runFailed.defaultPriority == .high)
    }

    @Test func stderrSinkWritesOneLineAtOrAboveItsPriority() async {
        let box = LineBox()
        let sink = StderrNotifier(minPriority: .high, write: { box.append($0) })
        await MultiNotifier([sink]).notify(done)
        await MultiNotifier([sink]).notify(blocked)
        #expect(box.lines == ["[high] risk_block run=r1: MAX_POSITION_SIZE: symbol=A, value_pct=15.0, limit_pct=10.0"])
    }

    @Test func webhookPostsJsonAtOrAboveMinPriority() async throws {
        let server = try LoopbackHTTPServer { _ in .respond(status: 204, body: "") }
        defer { server.stop() }
        let hook = WebhookNotifier(
            url: server.baseURL.appendingPathComponent("hook"), minPriority: .high, sleeper: RecordingSleeper())
        await hook.notify(done)
        await hook.notify(blocked)
        await hook.flush()
        let reqs = server.requests
        #expect(reqs.count == 1)
        #expect(reqs.first?.method == "POST")
        #expect(reqs.first?.path == "/hook")
        #expect(reqs.first.map { String(decoding: $0.body, as: UTF8.self) } == blocked.jsonLine)
        #expect(reqs.first?.headers["content-type"] == "application/json")
    }

    @Test func failingWebhookIsRetriedThenLoggedAndNeverThrows() async throws {
        let server = try LoopbackHTTPServer { _ in .respond(status: 500, body: "{}") }
        defer { server.stop() }
        let box = LineBox()
        let sleeper = RecordingSleeper()
        // Generous deadlines: on a loaded machine three quick exchanges once missed the default 15 s flush.
        let hook = WebhookNotifier(
            url: URL(string: "http://127.0.0.1:\(server.port)/hook?token=abc")!, timeout: 60, flushDeadline: 240,
            sleeper: sleeper, log: { box.append($0) })
        await hook.notify(blocked)
        await hook.flush()
        #expect(server.requests.count == 3)
        #expect(await sleeper.waits == [0.5, 1.0])
        #expect(box.lines.count == 1)
        #expect(box.lines.first?.contains("HTTP 500") == true)
        #expect(box.lines.first?.contains("token") == false)
    }

    @Test func aHangingWebhookDoesNotDelayTheCaller() async throws {
        let server = try LoopbackHTTPServer { _ in .hold }
        defer { server.stop() }
        let box = LineBox()
        let hook = WebhookNotifier(
            url: server.baseURL.appendingPathComponent("hook"), timeout: 0.5, retry: .none, flushDeadline: 50,
            sleeper: RecordingSleeper(), log: { box.append($0) })
        for _ in 0..<5 { await hook.notify(blocked) }
        // Delivered inline, each notify would return only after its 0.5 s attempt failed: five failures
        // logged by now. Queued, the fifth event cannot have failed yet (it was only just queued).
        #expect(box.lines.count < 5)
        let started = ContinuousClock.now
        await hook.flush()
        // Five events, each given up after its 0.5 s deadline: the flush waits about 2.5 s, never forever
        // (its own deadline, 50 s, only stops a machine too loaded to fail five exchanges in time).
        #expect(ContinuousClock.now - started < .seconds(60))
        #expect(box.lines.count == 5)
        #expect(box.lines.allSatisfy { $0.contains("deadline") && $0.contains("not delivered") })
    }

    @Test func flushGivesUpAtItsDeadline() async throws {
        let server = try LoopbackHTTPServer { _ in .hold }
        defer { server.stop() }
        let box = LineBox()
        let hook = WebhookNotifier(
            url: server.baseURL.appendingPathComponent("hook"), timeout: 120, retry: .none, flushDeadline: 0.5,
            sleeper: RecordingSleeper(), log: { box.append($0) })
        for _ in 0..<3 { await hook.notify(blocked) }
        let started = ContinuousClock.now
        await hook.flush()
        // The held requests would take 120 s each: returning well before that is the flush deadline at work
        // (the bound is loose because a loaded CI machine stretches every wait).
        #expect(ContinuousClock.now - started < .seconds(60))
        #expect(box.lines.contains { $0.contains("3 events not delivered within the 0.5 s flush deadline") })
    }

    @Test func aFullQueueDropsAndCountsEvents() async throws {
        let server = try LoopbackHTTPServer { _ in .hold }
        defer { server.stop() }
        let box = LineBox()
        let hook = WebhookNotifier(
            url: server.baseURL.appendingPathComponent("hook"), timeout: 0.3, retry: .none, queueCapacity: 2,
            flushDeadline: 5, sleeper: RecordingSleeper(), log: { box.append($0) })
        for _ in 0..<10 { await hook.notify(blocked) }
        await hook.flush()
        // At most the capacity plus the one in flight are tried; the others are dropped and counted.
        #expect((2...3).contains(server.requests.count))
        #expect(box.lines.contains { $0.contains("dropped (queue of 2 full") })
    }

    @Test(arguments: [
        "http://169.254.169.254/latest/meta-data/", "http://[fd00:ec2::254]/latest", "http://[fe80::1]:9/x",
    ])
    func metadataAndLinkLocalAddressesAreRefused(url: String) async throws {
        let box = LineBox()
        let hook = WebhookNotifier(
            url: URL(string: url)!, timeout: 0.5, sleeper: RecordingSleeper(), log: { box.append($0) })
        await hook.notify(blocked)
        await hook.flush()
        #expect(box.lines.count == 1)
        #expect(box.lines.first?.contains("refused") == true)
        #expect(box.lines.first?.contains("link-local") == true || box.lines.first?.contains("metadata") == true)
    }

    @Test func aCrossHostRedirectIsNotFollowedAndNotADelivery() async throws {
        let other = try LoopbackHTTPServer { _ in .respond(status: 204, body: "") }
        defer { other.stop() }
        let server = try LoopbackHTTPServer { _ in
            .respond(status: 307, body: "", headers: ["Location": "http://127.0.0.1:\(other.port)/collect"])
        }
        defer { server.stop() }
        let box = LineBox()
        let hook = WebhookNotifier(
            url: server.baseURL.appendingPathComponent("hook"), sleeper: RecordingSleeper(), log: { box.append($0) })
        await hook.notify(blocked)
        await hook.flush()
        #expect(server.requests.count == 1)
        #expect(other.requests.isEmpty)
        #expect(box.lines.count == 1)
        #expect(box.lines.first?.contains("redirected to another host") == true)
    }

    @Test func aRedirectStatusIsNotADelivery() async throws {
        let server = try LoopbackHTTPServer { _ in .respond(status: 300, body: "choose") }
        defer { server.stop() }
        let box = LineBox()
        let hook = WebhookNotifier(
            url: server.baseURL.appendingPathComponent("hook"), sleeper: RecordingSleeper(), log: { box.append($0) })
        await hook.notify(blocked)
        await hook.flush()
        #expect(server.requests.count == 1)
        #expect(box.lines.first?.contains("HTTP 300") == true)
    }
}
