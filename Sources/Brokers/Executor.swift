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
    /// Orders to submit that were not sent because the run was stopped (SIGINT / SIGTERM); 0 when it was not.
    public var unsent: Int

    public init(
        targets: [PositionTarget], account: AccountSnapshot, planned: [PlannedOrder], decisions: [RiskDecision],
        outcomes: [OrderOutcome], unsent: Int = 0
    ) {
        self.targets = targets
        self.account = account
        self.planned = planned
        self.decisions = decisions
        self.outcomes = outcomes
        self.unsent = unsent
    }

    public func count(_ status: OrderStatus) -> Int { outcomes.filter { $0.status == status }.count }
}

/// Opens the broker an `execute:` section asks for, after the live-trading gate.
public enum BrokerFactory {
    /// - paper: `PaperBroker(path: paperLedgerPath, session:, prices: lastCloses, config: paperConfig)`;
    /// - alpaca: `AlpacaTradingClient` on the paper or live endpoint, keys from `environment`; endpoints
    ///   from `tradingBaseURL`/`dataBaseURL` when given, else `APCA_API_BASE_URL`/`APCA_API_DATA_URL` in
    ///   `environment` (`AlpacaConfiguration.fromEnvironment`, which refuses a paper spec on the live host).
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
            var configuration = try AlpacaConfiguration.fromEnvironment(
                mode: settings.mode, environment: environment, confirmLive: confirmLive)
            if let tradingBaseURL { configuration.tradingBaseURL = tradingBaseURL }
            if let dataBaseURL { configuration.dataBaseURL = dataBaseURL }
            return try AlpacaTradingClient(
                configuration: configuration, environment: environment, lastCloses: lastCloses)
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

    /// Runs one execute for `runId` on `session`. `orderKey` (the spec name; default `runId`) is what
    /// client_order_ids derive from, so any run of the same spec on the same session finds the orders an
    /// earlier one sent. Open orders (`Broker.openOrders`, e.g. Alpaca market orders placed after the close,
    /// still `accepted`) count towards the position before planning: a retried or hand-started run of the
    /// same night never adds exposure twice. Rerunning sends nothing new and reports the earlier orders as
    /// `skipped`. Throws (after a `run_failed` notification) when the account or a needed quote cannot be
    /// read, or the account does not accept orders (`tradingBlockedReason`); per-order failures are
    /// outcomes, not errors. Sends `run_complete` at the end. Marks a `PaperBroker` to market.
    /// `shouldStop` is asked between orders (see `OrderSubmitter`); a stopped execute reports its `unsent`
    /// orders and ends with `run_failed` ("interrupted") instead of `run_complete`.
    public func run(
        runId: String, orderKey: String? = nil, session: SessionDate, candidates: [StrategyCandidate],
        broker: any Broker, shouldStop: @escaping @Sendable () -> Bool = { false }
    ) async throws -> ExecutionReport {
        do {
            let targets = TargetSelector.targets(
                candidates: candidates, minScore: settings.minScore, symbols: settings.symbols)
            let account = try await Self.accountIncludingOpenOrders(broker)
            if let why = account.tradingBlockedReason {
                throw BrokerError.rejected(symbol: "*", message: "\(broker.name) does not accept orders: \(why)")
            }
            var quotes: [String: Decimal] = [:]
            for t in targets where needsQuote(t, account) {
                quotes[t.symbol] = try await broker.latestPrice(symbol: t.symbol)
            }
            let planned = try OrderPlanner.plan(
                targets: targets, account: account, quotes: quotes, sizing: settings.sizing, costs: settings.costs)
            let decisions = RiskGate(rules: settings.rules).evaluate(planned, account: account)
            let plan = ExecutionPlan(
                runId: runId, orderKey: orderKey, session: session, targets: targets, decisions: decisions)
            let submission = await OrderSubmitter(notifier: notifier, timestamp: timestamp).submit(
                plan: plan, broker: broker, shouldStop: shouldStop)
            if let paper = broker as? PaperBroker { try await paper.markToMarket() }
            let report = ExecutionReport(
                targets: targets, account: account, planned: planned, decisions: decisions,
                outcomes: submission.outcomes, unsent: submission.unsent)
            let summary = OrderStatus.allCases.map { "\($0.rawValue)=\(report.count($0))" }.joined(separator: " ")
            if report.unsent > 0 {
                await notifier.notify(
                    .runFailed(
                        runId: runId, timestamp: timestamp,
                        error:
                            "execute on \(broker.name) interrupted: \(summary), \(report.unsent) not sent "
                            + "(stratopt resume sends them; orders already sent are not sent again)"))
                await notifier.flush()
                return report
            }
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

    /// The broker's account with every open order's unfilled shares added to its position, as if it had
    /// filled at the position's price (else the latest quote): what the account will hold once the
    /// orders already sent tonight fill. Planning and risk rules see this account.
    public static func accountIncludingOpenOrders(_ broker: any Broker) async throws -> AccountSnapshot {
        var account = try await broker.account()
        for o in try await broker.openOrders() {
            let pending = o.pendingSignedShares
            guard pending != 0 else { continue }
            let price: Decimal
            if let p = account.position(o.symbol)?.price, p > 0 {
                price = p
            } else {
                price = try await broker.latestPrice(symbol: o.symbol)
            }
            account = account.applying(
                PlannedOrder(
                    symbol: o.symbol, strategy: "", side: o.side, shares: abs(pending), price: price,
                    currentShares: account.shares(of: o.symbol)))
        }
        return account
    }

    private func needsQuote(_ t: PositionTarget, _ account: AccountSnapshot) -> Bool {
        let held = account.shares(of: t.symbol)
        switch t.direction {
        case .long: return held <= 0
        case .flat: return held != 0
        }
    }
}
