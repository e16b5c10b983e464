import Brokers
import Foundation
import Market
import Reports
import Risk
import Spec
import Strategies

/// What the execute stage needs from a finished run, per symbol: its best strategy and where it stands.
///
/// Written to `candidates.json` in the report folder so `stratopt execute RUN_ID` can act on a stored run
/// without recomputing it. Holds no run id or clock time, so it is as reproducible as the result files.
public struct ExecutionCandidate: Sendable, Codable, Equatable {
    public var symbol: String
    public var strategy: String
    /// In candidates.json: their canonical text (`fast=10;slow=20`).
    public var params: Parameters
    public var score: Double
    /// The strategy wants to hold the symbol after the last bar's close.
    public var longOnLastBar: Bool
    public var lastDate: String
    public var lastClose: Double

    enum CodingKeys: String, CodingKey {
        case symbol, strategy, params, score
        case longOnLastBar = "long_on_last_bar"
        case lastDate = "last_date"
        case lastClose = "last_close"
    }

    /// `sma_crossover(fast=10;slow=20)`, the name orders carry.
    public var label: String { params.isEmpty ? strategy : "\(strategy)(\(params))" }
}

/// candidates.json holds the params as their canonical text.
extension ExecutionCandidate {
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let text = try c.decode(String.self, forKey: .params)
        guard let params = Parameters(canonical: text) else {
            throw DecodingError.dataCorruptedError(
                forKey: .params, in: c, debugDescription: "\"\(text)\" is not canonical parameter text (name=value;…)")
        }
        self.init(
            symbol: try c.decode(String.self, forKey: .symbol), strategy: try c.decode(String.self, forKey: .strategy),
            params: params, score: try c.decode(Double.self, forKey: .score),
            longOnLastBar: try c.decode(Bool.self, forKey: .longOnLastBar),
            lastDate: try c.decode(String.self, forKey: .lastDate),
            lastClose: try c.decode(Double.self, forKey: .lastClose))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(symbol, forKey: .symbol)
        try c.encode(strategy, forKey: .strategy)
        try c.encode(params.text, forKey: .params)
        try c.encode(score, forKey: .score)
        try c.encode(longOnLastBar, forKey: .longOnLastBar)
        try c.encode(lastDate, forKey: .lastDate)
        try c.encode(lastClose, forKey: .lastClose)
    }
}

/// Everything one execute needs; built by the CLI from a fresh run or a stored one.
public struct ExecuteRequest: Sendable {
    public var spec: PipelineSpec
    public var runId: String
    public var reportDirectory: String
    public var dataDirectory: String
    public var candidates: [ExecutionCandidate]
    /// Only these symbols (`--symbol`), within the spec's `execute.symbols`; empty = all of those.
    public var onlySymbols: [String]
    public var confirmLive: Bool
    public var dryRun: Bool
    /// ISO 8601 time stamped on notifications.
    public var timestamp: String
    public var environment: [String: String]
    public var quiet: Bool
    /// Asked between orders: true stops the stage after the order in flight (the run's stop signal).
    public var shouldStop: @Sendable () -> Bool = { false }

    public init(
        spec: PipelineSpec, runId: String, reportDirectory: String, dataDirectory: String,
        candidates: [ExecutionCandidate], onlySymbols: [String] = [], confirmLive: Bool = false, dryRun: Bool = false,
        timestamp: String, environment: [String: String], quiet: Bool = false
    ) {
        self.spec = spec
        self.runId = runId
        self.reportDirectory = reportDirectory
        self.dataDirectory = dataDirectory
        self.candidates = candidates
        self.onlySymbols = onlySymbols
        self.confirmLive = confirmLive
        self.dryRun = dryRun
        self.timestamp = timestamp
        self.environment = environment
        self.quiet = quiet
    }
}

/// The outcome of the execute stage.
public struct ExecuteResult: Sendable {
    /// One row per order considered (report.html, orders.csv).
    public var rows: [ExecutionRow]
    /// The plan and verdicts, for `--dry-run` (nothing was submitted).
    public var planText: String
    public var submitted: Int
    public var blocked: Int
    public var failed: Int
    public var skipped: Int
    /// Orders left unsent because the run was stopped between orders; resume sends them.
    public var unsent: Int = 0
}

public enum ExecuteStage {
    public static let candidatesFile = "candidates.json"

    /// A symbol's rank-1 strategy, with what it wants to hold after the last bar.
    public static func candidate(
        row: ResultRow, series: BarSeries, indicators: IndicatorCache,
        firstDecisionOffset: Int, tradingStart: Int
    ) -> ExecutionCandidate {
        var long = false
        if let strategy = StrategyRegistry.make(id: row.strategy, parameters: row.params) {
            let signals = strategy.signals(on: series, indicators: indicators)
            long = wantsLong(signals, firstDecisionBar: max(signals.warmup + firstDecisionOffset, tradingStart))
        }
        return ExecutionCandidate(
            // With validation the out-of-sample score is the one `execute.min_score` gates.
            symbol: row.symbol, strategy: row.strategy, params: row.params,
            score: row.outOfSample?.score.total ?? row.score.total,
            longOnLastBar: long, lastDate: series.dates.last?.iso ?? "", lastClose: series.close.last ?? 0)
    }

    /// The position the signals ask for after the last bar: entries act when flat, exits when long
    /// (SEMANTICS.md §2), replayed from the first decision bar.
    static func wantsLong(_ s: Signals, firstDecisionBar: Int) -> Bool {
        var long = false
        var entryBar = 0
        var t = firstDecisionBar
        while t < s.entry.count {
            if !long && s.entry[t] {
                long = true
                entryBar = t + 1  // filled at the next bar's open
            } else if long && s.exits(at: t, held: t - entryBar) {
                long = false
            }
            t += 1
        }
        return long
    }

    public static func writeCandidates(_ c: [ExecutionCandidate], to dir: String) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        var data = try enc.encode(c)
        data.append(0x0A)
        try data.write(to: URL(fileURLWithPath: dir + "/" + candidatesFile), options: .atomic)
    }

    public static func readCandidates(from dir: String) throws(RunError) -> [ExecutionCandidate] {
        let path = dir + "/" + candidatesFile
        do {
            return try JSONDecoder().decode(
                [ExecutionCandidate].self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw RunError("cannot read \(path): \(error.localizedDescription); was the run finished by this version?")
        }
    }

    /// Maps the spec's `execute:` section to the risk layer's settings, narrowed to `onlySymbols`.
    static func settings(_ spec: PipelineSpec, onlySymbols: [String]) throws(RunError) -> ExecuteSettings {
        let e = spec.execute
        var symbols: [String]
        switch e.symbols {
        case .all: symbols = spec.universe.tickers
        case .list(let l): symbols = l
        }
        if !onlySymbols.isEmpty {
            let allowed = Set(symbols)
            if let bad = onlySymbols.first(where: { !allowed.contains($0) }) {
                throw RunError(
                    "--symbol \(bad) is not among the symbols execute may trade (\(symbols.joined(separator: ", ")))")
            }
            symbols = onlySymbols
        }
        let sizing: Risk.ExecutionSizing
        switch e.sizing {
        case .auto: sizing = .auto
        case .percentOfEquity(let p): sizing = .percentOfEquity(p)
        }
        var rules: [RiskRule] = []
        for r in e.risk.rules {
            guard let kind = RiskRuleKind(rawValue: r.type.rawValue),
                let action = RiskAction(rawValue: r.action.rawValue)
            else { throw RunError("execute.risk.rules: \(r.type.rawValue)/\(r.action.rawValue) is not supported") }
            rules.append(RiskRule(kind: kind, limit: r.limit, action: action))
        }
        // Sizing leaves room for what a fill costs beyond shares × quote, so an order fits its cash.
        let dec = { (x: Double) in Decimal(string: String(x)) ?? 0 }
        var costs = OrderCosts(fraction: dec(spec.costs.slippageBps) / 10_000)
        switch spec.costs.commission {
        case .fraction(let f): costs.fraction += dec(f)
        case .perShare(let rate, let minimum):
            costs.perShare = dec(rate)
            costs.perOrder = dec(minimum)
        case .fixed(let amount): costs.perOrder = dec(amount)
        }
        return ExecuteSettings(
            enabled: true, broker: e.broker == .alpaca ? .alpaca : .paper, mode: e.mode == .live ? .live : .paper,
            minScore: e.minScore, symbols: symbols, sizing: sizing, rules: rules, costs: costs)
    }

    /// Runs the execute stage: the live-trading gate, the broker, the plan, the risk gate, exactly-once
    /// submission, notifications, `orders.csv` and `events.jsonl` in the report folder.
    ///
    /// client_order_ids derive from the spec name (not the run id), so every run of the same spec on the
    /// same session collides with the first at the broker; open orders count towards positions.
    public static func run(_ req: ExecuteRequest) async throws(RunError) -> ExecuteResult {
        let settings = try settings(req.spec, onlySymbols: req.onlySymbols)
        let candidates = req.candidates.filter { settings.symbols.contains($0.symbol) }
        guard let session = candidates.compactMap({ SessionDate(iso: $0.lastDate) }).max() else {
            return ExecuteResult(
                rows: [], planText: "nothing to execute: no symbol has results", submitted: 0, blocked: 0, failed: 0,
                skipped: 0)
        }
        let lastCloses = Dictionary(
            uniqueKeysWithValues: candidates.map { ($0.symbol, Decimal(string: String($0.lastClose)) ?? 0) })
        let broker: any Broker
        do {
            // A dry run submits nothing, so it needs no live opt-in to show a live plan.
            broker = try BrokerFactory.make(
                settings: settings, confirmLive: req.confirmLive || (req.dryRun && settings.mode == .live),
                environment: req.environment,
                session: session, lastCloses: lastCloses, paperLedgerPath: req.dataDirectory + "/paper.sqlite",
                paperConfig: paperConfig(req.spec))
        } catch {
            throw RunError("execute: \(error)")
        }
        let strategyCandidates = candidates.map {
            StrategyCandidate(symbol: $0.symbol, strategy: $0.label, score: $0.score, longOnLastBar: $0.longOnLastBar)
        }
        if req.dryRun { return try await dryRun(settings, strategyCandidates, broker) }

        var sinks: [any Notifier] = [JSONLinesNotifier(path: req.reportDirectory + "/events.jsonl")]
        if !req.quiet { sinks.append(StderrNotifier(minPriority: .medium)) }
        for w in req.spec.notify {
            guard let url = URL(string: w.url) else { continue }
            sinks.append(
                WebhookNotifier(
                    url: url, minPriority: NotificationPriority(rawValue: w.minPriority.rawValue) ?? .medium,
                    allowLinkLocal: w.allowLinkLocal))
        }
        let report: ExecutionReport
        do {
            report = try await Executor(settings: settings, notifier: MultiNotifier(sinks), timestamp: req.timestamp)
                .run(
                    runId: req.runId, orderKey: req.spec.name, session: session, candidates: strategyCandidates,
                    broker: broker, shouldStop: req.shouldStop)
        } catch {
            throw RunError("execute: \(error)")
        }
        do {
            try Data(ReportRenderer.ordersCSV(report.outcomes.map(row)).bytes).write(
                to: URL(fileURLWithPath: req.reportDirectory + "/orders.csv"), options: .atomic)
        } catch {
            throw RunError("cannot write \(req.reportDirectory)/orders.csv: \(error.localizedDescription)")
        }
        return ExecuteResult(
            rows: report.outcomes.map(row), planText: "", submitted: report.count(.submitted),
            blocked: report.count(.blocked), failed: report.count(.failed), skipped: report.count(.skipped),
            unsent: report.unsent)
    }

    /// The paper broker charges the spec's costs, like the backtest: `costs.commission` (fraction, per
    /// share with a minimum, or fixed per order) and `costs.slippage_bps`.
    static func paperConfig(_ spec: PipelineSpec) -> PaperBrokerConfig {
        func dec(_ d: Double) -> Decimal { Decimal(string: String(d)) ?? 0 }
        let commission: PaperCommission
        switch spec.costs.commission {
        case .fraction(let f): commission = .fraction(dec(f))
        case .perShare(let rate, let minimum): commission = .perShare(rate: dec(rate), minimum: dec(minimum))
        case .fixed(let amount): commission = .fixed(dec(amount))
        }
        return PaperBrokerConfig(
            initialCash: Decimal(string: String(spec.capital.initial)) ?? 100_000,
            slippageBps: dec(spec.costs.slippageBps), commission: commission)
    }

    static func dryRun(_ settings: ExecuteSettings, _ candidates: [StrategyCandidate], _ broker: any Broker)
        async throws(RunError) -> ExecuteResult
    {
        do {
            let targets = TargetSelector.targets(
                candidates: candidates, minScore: settings.minScore, symbols: settings.symbols)
            let account = try await Executor.accountIncludingOpenOrders(broker)
            var quotes: [String: Decimal] = [:]
            for t in targets { quotes[t.symbol] = try await broker.latestPrice(symbol: t.symbol) }
            let planned = try OrderPlanner.plan(
                targets: targets, account: account, quotes: quotes, sizing: settings.sizing, costs: settings.costs)
            let decisions = RiskGate(rules: settings.rules).evaluate(planned, account: account)
            var text = "dry run on \(broker.name): equity \(Money.format2(account.equity)), cash "
            text +=
                "\(Money.format2(account.cash)), \(account.positions.count) open position(s); nothing is submitted\n"
            for t in targets { text += "target \(t.symbol): \(t.direction.rawValue) (\(t.strategy))\n" }
            if planned.isEmpty { text += "no orders: every position is already at its target\n" }
            text += planTable(decisions)
            return ExecuteResult(rows: [], planText: text, submitted: 0, blocked: 0, failed: 0, skipped: 0)
        } catch {
            throw RunError("execute --dry-run: \(error)")
        }
    }

    /// The plan as a table: symbol, side, shares (`231 -> 23` when `reduce_size` shrank it), price, value,
    /// what would happen, and each verdict with its action's effect. Empty when there are no decisions.
    static func planTable(_ decisions: [RiskDecision]) -> String {
        guard !decisions.isEmpty else { return "" }
        let header = ["symbol", "side", "shares", "price", "value", "action", "verdicts"]
        var rows: [[String]] = []
        for d in decisions.sorted(by: { ($0.order.symbol, $0.order.side) < ($1.order.symbol, $1.order.side) }) {
            let o = d.order
            let shares = d.requested.shares != o.shares ? "\(d.requested.shares) -> \(o.shares)" : "\(o.shares)"
            let verdicts = d.verdicts.isEmpty ? "pass" : d.verdicts.map(\.detail).joined(separator: " | ")
            rows.append([
                o.symbol, o.side.rawValue, shares, Money.formatPrice(o.price), Money.format2(o.value),
                d.disposition == .submit ? "would submit" : "blocked", verdicts,
            ])
        }
        var widths = header.map(\.count)
        for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
        func line(_ cells: [String]) -> String {
            var out = ""
            for (i, c) in cells.enumerated() {
                let last = i == cells.count - 1
                let rightAligned = (2...4).contains(i)
                let pad = String(repeating: " ", count: widths[i] - c.count)
                out += last ? c : (rightAligned ? pad + c : c + pad) + "  "
            }
            return out + "\n"
        }
        return line(header) + rows.map(line).joined()
    }

    static func row(_ o: OrderOutcome) -> ExecutionRow {
        // Verdicts carry their action's effect (`[reduce_size: 231 -> 23]`, `[close_position: close 40]`), so a
        // reduced or replaced order shows what was asked and what was sent.
        var row = ExecutionRow(
            symbol: o.symbol, strategy: o.strategy, side: o.side.rawValue, shares: Double(o.shares),
            price: NSDecimalNumber(decimal: o.price).doubleValue, value: NSDecimalNumber(decimal: o.value).doubleValue,
            status: o.status, brokerOrderId: o.brokerOrderId ?? "", clientOrderId: o.clientOrderId,
            verdicts: o.verdicts.map(\.detail), error: o.message ?? "")
        row.priceText = Money.formatPrice(o.price)
        row.valueText = Money.format2(o.value)
        return row
    }
}
