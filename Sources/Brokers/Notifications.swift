import Foundation
import Market
import Risk

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

public enum NotificationPriority: String, Sendable, Codable, Comparable, CaseIterable {
    case low, medium, high

    private var rank: Int {
        switch self {
        case .low: return 0
        case .medium: return 1
        case .high: return 2
        }
    }

    public static func < (a: NotificationPriority, b: NotificationPriority) -> Bool { a.rank < b.rank }
}

public enum NotificationKind: String, Sendable, Codable, CaseIterable {
    /// An order went to the broker (medium; high when an `alert` rule fired).
    case orderSubmitted = "order_submitted"
    /// The broker refused an order or its outcome stayed unknown (high).
    case orderFailed = "order_failed"
    /// A risk rule blocked an order (high).
    case riskBlock = "risk_block"
    case runComplete = "run_complete"
    case runFailed = "run_failed"

    public var defaultPriority: NotificationPriority {
        switch self {
        case .orderSubmitted, .runComplete: return .medium
        case .orderFailed, .riskBlock, .runFailed: return .high
        }
    }
}

/// One notification. `timestamp` is supplied by the caller (no clock is read here).
public struct NotificationEvent: Sendable, Equatable, Codable {
    public var kind: NotificationKind
    public var priority: NotificationPriority
    public var runId: String
    /// ISO-8601 text chosen by the caller, e.g. the run's start time.
    public var timestamp: String
    public var message: String
    /// Extra key/value context (symbol, client_order_id, verdict codes…). Encoded with sorted keys.
    public var fields: [String: String]

    public init(
        kind: NotificationKind, priority: NotificationPriority? = nil, runId: String, timestamp: String,
        message: String, fields: [String: String] = [:]
    ) {
        self.kind = kind
        self.priority = priority ?? kind.defaultPriority
        self.runId = runId
        self.timestamp = timestamp
        self.message = message
        self.fields = fields
    }

    enum CodingKeys: String, CodingKey {
        case kind, priority, message, fields, timestamp
        case runId = "run_id"
    }

    /// One line of JSON with keys sorted (`fields, kind, message, priority, run_id, timestamp`), no newline.
    public var jsonLine: String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? enc.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }

    /// `[high] risk_block run=r1: MAX_POSITION_SIZE: …`.
    public var textLine: String { "[\(priority.rawValue)] \(kind.rawValue) run=\(runId): \(message)" }

    public static func runComplete(runId: String, timestamp: String, message: String, fields: [String: String] = [:])
        -> NotificationEvent
    {
        NotificationEvent(kind: .runComplete, runId: runId, timestamp: timestamp, message: message, fields: fields)
    }

    public static func runFailed(runId: String, timestamp: String, error: String) -> NotificationEvent {
        NotificationEvent(kind: .runFailed, runId: runId, timestamp: timestamp, message: error)
    }
}

/// Receives notifications. Implementations never throw: a failing sink logs and the run goes on.
public protocol Notifier: Sendable {
    func notify(_ event: NotificationEvent) async
}

/// Drops everything.
public struct NullNotifier: Notifier {
    public init() {}
    public func notify(_ event: NotificationEvent) async {}
}

/// Keeps events in memory (tests, summaries).
public actor RecordingNotifier: Notifier {
    public private(set) var events: [NotificationEvent] = []
    public init() {}
    public func notify(_ event: NotificationEvent) async { events.append(event) }
}

/// Sends each event to every sink, in order.
public struct MultiNotifier: Notifier {
    public var sinks: [any Notifier]
    public init(_ sinks: [any Notifier]) { self.sinks = sinks }
    public func notify(_ event: NotificationEvent) async {
        for s in sinks { await s.notify(event) }
    }
}

/// Writes `textLine` to standard error (or the given writer).
public struct StderrNotifier: Notifier {
    public var minPriority: NotificationPriority
    private let write: @Sendable (String) -> Void

    public init(minPriority: NotificationPriority = .low, write: (@Sendable (String) -> Void)? = nil) {
        self.minPriority = minPriority
        self.write = write ?? { line in FileHandle.standardError.write(Data((line + "\n").utf8)) }
    }

    public func notify(_ event: NotificationEvent) async {
        guard event.priority >= minPriority else { return }
        write(event.textLine)
    }
}

/// Appends one JSON object per line to a file (e.g. `<run dir>/events.jsonl`), creating it if needed.
public actor JSONLinesNotifier: Notifier {
    public let path: String
    private let log: @Sendable (String) -> Void

    public init(path: String, log: (@Sendable (String) -> Void)? = nil) {
        self.path = path
        self.log = log ?? { line in FileHandle.standardError.write(Data((line + "\n").utf8)) }
    }

    public func notify(_ event: NotificationEvent) async {
        let data = Data((event.jsonLine + "\n").utf8)
        let fm = FileManager.default
        if !fm.fileExists(atPath: path) { _ = fm.createFile(atPath: path, contents: nil) }
        guard let h = FileHandle(forWritingAtPath: path) else {
            log("events: cannot open \(path) for writing; event \(event.kind.rawValue) not recorded")
            return
        }
        defer { try? h.close() }
        do {
            try h.seekToEnd()
            try h.write(contentsOf: data)
        } catch {
            log("events: cannot write \(path): \(error)")
        }
    }
}

/// POSTs the event's JSON to a URL. Events below `minPriority` are not sent. 429, 5xx and transport
/// failures are retried with backoff; a final failure is logged (URL host only) and never fails the run.
public struct WebhookNotifier: Notifier, CustomStringConvertible, CustomDebugStringConvertible {
    public let url: URL
    public let minPriority: NotificationPriority
    public let retry: RetryPolicy
    private let transport: HTTPTransport
    private let sleeper: any RetrySleeper
    private let log: @Sendable (String) -> Void

    public init(
        url: URL, minPriority: NotificationPriority = .low, timeout: Double = 5,
        retry: RetryPolicy = RetryPolicy(maxAttempts: 3, baseDelay: 0.5, maxDelay: 2),
        sleeper: any RetrySleeper = TaskSleeper(), log: (@Sendable (String) -> Void)? = nil
    ) {
        self.url = url
        self.minPriority = minPriority
        self.retry = retry
        self.transport = HTTPTransport(timeout: timeout)
        self.sleeper = sleeper
        self.log = log ?? { line in FileHandle.standardError.write(Data((line + "\n").utf8)) }
    }

    /// Scheme and host only: the URL's path and query may be a token.
    public var description: String { "WebhookNotifier(\(Redaction.webhookDisplay(url.absoluteString)))" }
    public var debugDescription: String { description }

    public func notify(_ event: NotificationEvent) async {
        guard event.priority >= minPriority else { return }
        let req = HTTPRequest(
            method: "POST", url: url, headers: [("Content-Type", "application/json")], body: Data(event.jsonLine.utf8))
        var last = ""
        for attempt in 1...max(1, retry.maxAttempts) {
            do {
                let r = try await transport.send(req)
                if (200..<300).contains(r.status) { return }
                last = "HTTP \(r.status)"
                if r.status != 429 && r.status < 500 { break }
            } catch {
                last = error.message
            }
            if attempt < retry.maxAttempts { await sleeper.sleep(seconds: retry.delay(afterAttempt: attempt)) }
        }
        // The URL may carry a token in its path or query: name only the host.
        log(
            "webhook to \(Redaction.webhookDisplay(url.absoluteString)) failed (\(last)); event \(event.kind.rawValue) not delivered"
        )
    }
}
