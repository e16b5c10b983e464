import Foundation
import Market
import Risk

/// What one execute produced.
public struct ExecutionReport: Sendable, Equatable {
    public var targets: [PositionTarget]
    /// The account before any order of this execute.
    public var account: AccountSnapshot
    public var planned: [PlannedOrder]
    public var decisions: [RiskDecision]
    /// One per order, sorted by (symbol, side); orders.csv is rendered by `ReportRenderer.ordersCSV`.
    public var outcomes: [OrderOutcome]

    public init(
        targets: [PositionTarget], account: AccountSnapshot, planned: [PlannedOrder], decisions: [RiskDecision],
        outcomes: [OrderOutcome]
    ) {
        self.targets = targets
        self.account = account
        self.planned = planned
        self.decisions = decisions
        self.outcomes = outcomes
    }

    public func count(_ status: OrderStatus) -> Int { outcomes.filter { $0.status == status }.count }
}

/// Opens the broker an `execute:` section asks for, after the live-trading gate.
public enum BrokerFactory {
    /// - paper: `PaperBroker(path: paperLedgerPath, session:, prices: lastCloses, config: paperConfig)`;
    /// - alpaca: `AlpacaTradingClient` on the paper or live endpoint (`tradingBaseURL`/`dataBaseURL`
    ///   override it), keys from `environment`.
    /// Throws `LiveTradingError` (which opt-in is missing) or `BrokerError`.
    public static func make(
        settings: ExecuteSettings, confirmLive: Bool, environment: [String: String], session: SessionDate,
        lastCloses: [String: Decimal], paperLedgerPath: String, paperConfig: PaperBrokerConfig = PaperBrokerConfig(),
        tradingBaseURL: URL? = nil, dataBaseURL: URL? = nil
    ) throws -> any Broker {
        try LiveTradingGate.check(mode: settings.mode, confirmLive: confirmLive, broker: settings.broker)
        switch settings.broker {
        case .paper:
            return try PaperBroker(path: paperLedgerPath, session: session, prices: lastCloses, config: paperConfig)
        case .alpaca:
            return try AlpacaTradingClient(
                configuration: AlpacaConfiguration(
                    mode: settings.mode, tradingBaseURL: tradingBaseURL, dataBaseURL: dataBaseURL),
                environment: environment, lastCloses: lastCloses)
        }
    }
}

/// The Execute stage end to end: targets → account → quotes → plan → risk gate → exactly-once submit
/// → notifications. No clock is read: `session` and `timestamp` are inputs.
public struct Executor: Sendable {
    public var settings: ExecuteSettings
    public var notifier: any Notifier
    /// Stamped on every notification (e.g. the run's start time, ISO 8601).
    public var timestamp: String

    public init(settings: ExecuteSettings, notifier: any Notifier = NullNotifier(), timestamp: String) {
        self.settings = settings
        self.notifier = notifier
        self.timestamp = timestamp
    }

    /// Runs one execute for `runId` on `session`. Rerunning with the same run id and session sends
    /// nothing new and reports the earlier orders as `skipped`. Throws (after a `run_failed`
    /// notification) when the account or a needed quote cannot be read, or the account does not accept
    /// orders (`tradingBlockedReason`); per-order failures are
    /// outcomes, not errors. Sends `run_complete` at the end. Marks a `PaperBroker` to market.
    public func run(runId: String, session: SessionDate, candidates: [StrategyCandidate], broker: any Broker)
        async throws -> ExecutionReport
    {
        do {
            let targets = TargetSelector.targets(
                candidates: candidates, minScore: settings.minScore, symbols: settings.symbols)
            let account = try await broker.account()
            if let why = account.tradingBlockedReason {
                throw BrokerError.rejected(symbol: "*", message: "\(broker.name) does not accept orders: \(why)")
            }
            var quotes: [String: Decimal] = [:]
            for t in targets where needsQuote(t, account) {
                quotes[t.symbol] = try await broker.latestPrice(symbol: t.symbol)
            }
            let planned = try OrderPlanner.plan(
                targets: targets, account: account, quotes: quotes, sizing: settings.sizing)
            let decisions = RiskGate(rules: settings.rules).evaluate(planned, account: account)
            let plan = ExecutionPlan(runId: runId, session: session, targets: targets, decisions: decisions)
            let outcomes = await OrderSubmitter(notifier: notifier, timestamp: timestamp).submit(
                plan: plan, broker: broker)
            if let paper = broker as? PaperBroker { try await paper.markToMarket() }
            let report = ExecutionReport(
                targets: targets, account: account, planned: planned, decisions: decisions, outcomes: outcomes)
            let summary = OrderStatus.allCases.map { "\($0.rawValue)=\(report.count($0))" }.joined(separator: " ")
            await notifier.notify(
                .runComplete(
                    runId: runId, timestamp: timestamp, message: "execute on \(broker.name): \(summary)",
                    fields: Dictionary(
                        uniqueKeysWithValues: OrderStatus.allCases.map { ($0.rawValue, String(report.count($0))) })))
            // Webhooks deliver in the background (off the order path); wait for them, bounded, here.
            await notifier.flush()
            return report
        } catch {
            await notifier.notify(.runFailed(runId: runId, timestamp: timestamp, error: "execute failed: \(error)"))
            await notifier.flush()
            throw error
        }
    }

    private func needsQuote(_ t: PositionTarget, _ account: AccountSnapshot) -> Bool {
        let held = account.shares(of: t.symbol)
        switch t.direction {
        case .long: return held <= 0
        case .flat: return held != 0
        }
    }
}
