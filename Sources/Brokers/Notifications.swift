import Foundation
import HTTPTransport
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
    /// Every run, with or without the execute stage: its results are written (medium).
    case optimizationComplete = "optimization_complete"
    /// Every run that failed, or whose execute stage failed (high).
    case optimizationFailed = "optimization_failed"

    public var defaultPriority: NotificationPriority {
        switch self {
        case .orderSubmitted, .runComplete, .optimizationComplete: return .medium
        case .orderFailed, .riskBlock, .runFailed, .optimizationFailed: return .high
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
    /// Waits (bounded) for events a sink delivers in the background; the default returns at once.
    func flush() async
}

extension Notifier {
    public func flush() async {}
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

    public func flush() async {
        for s in sinks { await s.flush() }
    }
}

/// Writes `textLine` to standard error (or the given writer).
public struct StderrNotifier: Notifier {
    public var minPriority: NotificationPriority
    private let write: @Sendable (String) -> Void

    public init(minPriority: NotificationPriority = .low, write: (@Sendable (String) -> Void)? = nil) {
        self.minPriority = minPriority
        self.write = write ?? { line in try? FileHandle.standardError.write(contentsOf: Data((line + "\n").utf8)) }
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
        self.log = log ?? { line in try? FileHandle.standardError.write(contentsOf: Data((line + "\n").utf8)) }
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

/// POSTs the event's JSON to a URL, off the order path.
///
/// `notify` only puts the event in a bounded queue (`queueCapacity`; events beyond it are dropped and
/// counted) and returns at once, so a hanging or slow webhook cannot delay an order. One background
/// worker delivers events in order; each attempt has a deadline (`timeout`), 429/5xx/transport failures are
/// retried with backoff, and `flush()` waits at most `flushDeadline` seconds for the rest.
///
/// Safety: the address must not be link-local or a cloud metadata endpoint (169.254.0.0/16, fe80::/10,
/// fd00:ec2::254) unless `allowLinkLocal` is set; a redirect to another host is never followed; a 3xx
/// is not a delivery. A final failure is logged with the host only and never fails the run.
public struct WebhookNotifier: Notifier, CustomStringConvertible, CustomDebugStringConvertible {
    public static let defaultQueueCapacity = 256
    public static let defaultFlushDeadline = 15.0

    public let url: URL
    public let minPriority: NotificationPriority
    public let retry: RetryPolicy
    private let queue: WebhookQueue

    public init(
        url: URL, minPriority: NotificationPriority = .low, timeout: Double = 5,
        retry: RetryPolicy = RetryPolicy(maxAttempts: 3, baseDelay: 0.5, maxDelay: 2),
        queueCapacity: Int = WebhookNotifier.defaultQueueCapacity,
        flushDeadline: Double = WebhookNotifier.defaultFlushDeadline, allowLinkLocal: Bool = false,
        sleeper: any RetrySleeper = TaskSleeper(), log: (@Sendable (String) -> Void)? = nil
    ) {
        self.url = url
        self.minPriority = minPriority
        self.retry = retry
        let log = log ?? { line in try? FileHandle.standardError.write(contentsOf: Data((line + "\n").utf8)) }
        self.queue = WebhookQueue(
            url: url, retry: retry,
            // A webhook answer is a status line and a few bytes; 64 KiB is generous.
            transport: HTTPSessionTransport(limits: HTTPLimits(deadline: timeout, maxResponseBytes: 64 * 1024)),
            capacity: max(1, queueCapacity), flushDeadline: flushDeadline, allowLinkLocal: allowLinkLocal,
            sleeper: sleeper, log: log)
    }

    /// Scheme and host only: the URL's path and query may be a token.
    public var description: String { "WebhookNotifier(\(Redaction.webhookDisplay(url.absoluteString)))" }
    public var debugDescription: String { description }

    /// Queues the event (never waits for the network).
    public func notify(_ event: NotificationEvent) async {
        guard event.priority >= minPriority else { return }
        await queue.enqueue(event)
    }

    /// Waits until queued events are delivered or given up, at most `flushDeadline` seconds.
    public func flush() async { await queue.flush() }
}

/// The webhook's queue and its single delivery worker.
actor WebhookQueue {
    let url: URL
    let retry: RetryPolicy
    let transport: HTTPSessionTransport
    let capacity: Int
    let flushDeadline: Double
    let allowLinkLocal: Bool
    let sleeper: any RetrySleeper
    let log: @Sendable (String) -> Void
    private var pending: [NotificationEvent] = []
    private var dropped = 0
    private var worker: Task<Void, Never>?
    /// Events whose delivery a flush deadline cut short.
    private var abandoned = 0
    /// Nil until checked; the address is checked once, on the worker (a DNS lookup must not block `notify`).
    private var refusal: String??

    init(
        url: URL, retry: RetryPolicy, transport: HTTPSessionTransport, capacity: Int, flushDeadline: Double,
        allowLinkLocal: Bool, sleeper: any RetrySleeper, log: @escaping @Sendable (String) -> Void
    ) {
        self.url = url
        self.retry = retry
        self.transport = transport
        self.capacity = capacity
        self.flushDeadline = flushDeadline
        self.allowLinkLocal = allowLinkLocal
        self.sleeper = sleeper
        self.log = log
    }

    /// The host only: the URL may carry a token in its path or query.
    private var host: String { url.host ?? "?" }

    func enqueue(_ event: NotificationEvent) {
        guard pending.count < capacity else {
            dropped += 1
            return
        }
        pending.append(event)
        if worker == nil { worker = Task { await self.drain() } }
    }

    private func drain() async {
        while !pending.isEmpty {
            let event = pending.removeFirst()
            if Task.isCancelled {
                pending.insert(event, at: 0)
                break
            }
            await deliver(event)
        }
        worker = nil
    }

    func flush() async {
        if let w = worker {
            // A timer cancels the worker at the deadline; cancellation ends the exchange in flight at once.
            let deadline = flushDeadline
            let timer = Task {
                do {
                    try await Task.sleep(nanoseconds: UInt64(max(0, deadline) * 1_000_000_000))
                } catch {
                    return false
                }
                w.cancel()
                return true
            }
            await w.value
            timer.cancel()
            if await timer.value {
                let left = pending.count + abandoned
                pending.removeAll()
                abandoned = 0
                if left > 0 {
                    log(
                        "webhook to \(host): \(left) event\(left == 1 ? "" : "s") not delivered within the "
                            + "\(flushDeadline) s flush deadline")
                }
            }
        }
        if dropped > 0 {
            log(
                "webhook to \(host): \(dropped) event\(dropped == 1 ? "" : "s") dropped (queue of \(capacity) full; "
                    + "the webhook is slower than the events)")
            dropped = 0
        }
    }

    private func deliver(_ event: NotificationEvent) async {
        if refusal == nil {
            refusal = .some(allowLinkLocal ? nil : WebhookAddress.refusal(for: url))
        }
        if let why = refusal ?? nil {
            log("webhook to \(host) refused: \(why); event \(event.kind.rawValue) not delivered")
            return
        }
        let req = HTTPRequest(
            method: "POST", url: url, headers: [("Content-Type", "application/json")], body: Data(event.jsonLine.utf8))
        var last = ""
        for attempt in 1...max(1, retry.maxAttempts) {
            if Task.isCancelled {
                abandoned += 1
                return
            }
            do {
                let r = try await transport.send(req)
                if (200..<300).contains(r.status) { return }
                last = "HTTP \(r.status)"
                // A 3xx is an answer but not a delivery (same-host redirects were already followed).
                if (300..<400).contains(r.status) {
                    last += " redirect not followed"
                    break
                }
                if r.status != 429 && r.status < 500 { break }
            } catch {
                if case .crossHostRedirect = error {
                    last = error.description
                    break
                }
                last = error.description
            }
            if attempt < retry.maxAttempts { await sleeper.sleep(seconds: retry.delay(afterAttempt: attempt)) }
        }
        // Cut short by a flush deadline: the flush reports it.
        if Task.isCancelled {
            abandoned += 1
            return
        }
        log("webhook to \(host) failed (\(EchoedInput.clip(last))); event \(event.kind.rawValue) not delivered")
    }
}
