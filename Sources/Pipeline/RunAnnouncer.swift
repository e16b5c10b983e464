import Brokers
import Foundation
import Spec

/// The end of every run, announced to every sink: `optimization_complete` (medium) when its results are
/// written, `optimization_failed` (high) when it failed or its execute stage did — with or without the
/// execute stage, so a nightly job's failure always reaches the webhook and events.jsonl.
struct RunAnnouncer {
    var notifier: MultiNotifier

    /// events.jsonl in the report folder, the run's log (stderr, quiet-aware), and the spec's webhooks.
    init(spec: PipelineSpec, reportDirectory: String, log: @escaping @Sendable (String) -> Void) {
        var sinks: [any Notifier] = [
            JSONLinesNotifier(path: reportDirectory + "/events.jsonl"),
            StderrNotifier(minPriority: .medium, write: { log("event: " + $0) }),
        ]
        for w in spec.notify {
            guard let url = URL(string: w.url) else { continue }
            sinks.append(
                WebhookNotifier(
                    url: url, minPriority: NotificationPriority(rawValue: w.minPriority.rawValue) ?? .medium,
                    allowLinkLocal: w.allowLinkLocal))
        }
        notifier = MultiNotifier(sinks)
    }

    func completed(_ outcome: RunOutcome, runId: String, timestamp: String) async {
        let r = outcome.report
        var fields = [
            "status": outcome.status.name, "symbols": String(outcome.plan.symbols.count),
            "backtests": String(r.rows.count), "failed_symbols": String(r.issues.count),
        ]
        if let e = outcome.execution?.error {
            fields["error"] = e
            await send(
                NotificationEvent(
                    kind: .optimizationFailed, runId: runId, timestamp: timestamp,
                    message: "\(r.info.specName): the execute stage failed: \(e)", fields: fields))
            return
        }
        let kind: NotificationKind = outcome.status == .failed ? .optimizationFailed : .optimizationComplete
        let what =
            outcome.status == .failed
            ? "no symbol produced results"
            : "\(r.rows.count) backtests over \(outcome.plan.symbols.count - r.issues.count) symbols ranked"
        await send(
            NotificationEvent(
                kind: kind, runId: runId, timestamp: timestamp,
                message: "\(r.info.specName): \(outcome.status.name): \(what)", fields: fields))
    }

    func failed(_ error: String, specName: String, runId: String, timestamp: String) async {
        await send(
            NotificationEvent(
                kind: .optimizationFailed, runId: runId, timestamp: timestamp, message: "\(specName): \(error)"))
    }

    private func send(_ event: NotificationEvent) async {
        await notifier.notify(event)
        await notifier.flush()
    }
}
