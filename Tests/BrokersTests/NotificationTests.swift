import Brokers
import Foundation
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
        let hook = WebhookNotifier(
            url: URL(string: "http://127.0.0.1:\(server.port)/hook?token=abc")!, sleeper: sleeper,
            log: { box.append($0) })
        await hook.notify(blocked)
        #expect(server.requests.count == 3)
        #expect(await sleeper.waits == [0.5, 1.0])
        #expect(box.lines.count == 1)
        #expect(box.lines.first?.contains("HTTP 500") == true)
        #expect(box.lines.first?.contains("token") == false)
    }
}
