import Foundation
import Market
import Risk

/// Everything one execute needs to send: the run, the session, the targets, and the risk-gated orders.
public struct ExecutionPlan: Sendable, Equatable {
    public var runId: String
    /// What the idempotency key derives from (the spec name): equal for every run of one spec, so
    /// two runs of the same night collide on the broker's client_order_id. Defaults to `runId`.
    public var orderKey: String
    public var session: SessionDate
    /// The run's targets; used to report orders an earlier execute of the same run already sent.
    public var targets: [PositionTarget]
    public var decisions: [RiskDecision]

    public init(
        runId: String, orderKey: String? = nil, session: SessionDate, targets: [PositionTarget],
        decisions: [RiskDecision]
    ) {
        self.runId = runId
        self.orderKey = orderKey ?? runId
        self.session = session
        self.targets = targets
        self.decisions = decisions
    }

    public func clientOrderId(symbol: String, side: OrderSide) -> String {
        ClientOrderID.make(key: orderKey, symbol: symbol, side: side, session: session)
    }
}

/// Sends a plan's orders exactly once.
///
/// For each order to submit: look its client_order_id up first (found → `skipped`, reported with the
/// earlier broker id); else submit; a duplicate-id refusal or an unknown outcome (timeout, dropped
/// connection, 5xx) is resolved by a second lookup — never by resubmitting. Blocked orders are never
/// sent. Finally, orders an earlier execute of the same run sent for the plan's target symbols (either
/// side) and that this plan no longer contains are reported as `skipped`. Outcomes are sorted by
/// (symbol, side).
///
/// `shouldStop` is asked before each order after the first: once it says yes (SIGINT / SIGTERM), the
/// order in flight has completed and no further one is sent; the rest count as `unsent`, and a later
/// execute of the same spec and session sends them (the ids of the orders sent make it skip those).
public struct OrderSubmitter: Sendable {
    public var notifier: any Notifier
    /// Stamped on every notification (no clock is read).
    public var timestamp: String

    public init(notifier: any Notifier = NullNotifier(), timestamp: String) {
        self.notifier = notifier
        self.timestamp = timestamp
    }

    public func submit(plan: ExecutionPlan, broker: any Broker) async -> [OrderOutcome] {
        await submit(plan: plan, broker: broker, shouldStop: { false }).outcomes
    }

    /// What `submit` did when it may be stopped: the outcomes of the orders considered, and how many
    /// orders to submit were left unsent because `shouldStop` said so.
    public struct Submission: Sendable, Equatable {
        public var outcomes: [OrderOutcome]
        public var unsent: Int
    }

    public func submit(plan: ExecutionPlan, broker: any Broker, shouldStop: @Sendable () -> Bool) async
        -> Submission
    {
        var outcomes: [OrderOutcome] = []
        var seen = Set<String>()
        var unsent = 0
        for (i, d) in plan.decisions.enumerated() {
            if shouldStop() {
                unsent = plan.decisions[i...].filter { $0.disposition != .block }.count
                break
            }
            let o = d.order
            let cid = plan.clientOrderId(symbol: o.symbol, side: o.side)
            seen.insert(cid)
            var outcome = OrderOutcome(
                symbol: o.symbol, strategy: o.strategy, side: o.side, shares: o.shares, price: o.price,
                status: .blocked, brokerOrderId: nil, clientOrderId: cid, verdicts: d.verdicts)
            if d.disposition == .block {
                outcome.message = d.verdicts.last?.detail ?? "blocked"
                outcomes.append(outcome)
                await notify(.riskBlock, plan, outcome, outcome.message!)
                continue
            }
            outcome = await send(outcome, broker: broker)
            outcomes.append(outcome)
            switch outcome.status {
            case .submitted:
                var effects: [String] = []
                for v in d.verdicts {
                    switch v.resolution {
                    case .reduced(let from, let to): effects.append("reduced from \(from) to \(to) shares by \(v.code)")
                    case .closed(let n): effects.append("closing \(n) shares: close_position on \(v.code)")
                    default: break
                    }
                }
                let msg =
                    "\(o.side.rawValue) \(o.shares) \(o.symbol) at ~\(Money.formatPrice(o.price))"
                    + (effects.isEmpty ? "" : " (\(effects.joined(separator: "; ")))")
                    + (d.isAlert
                        ? " (alert: \(d.verdicts.filter { $0.action == .alert }.map(\.description).joined(separator: "; ")))"
                        : "")
                await notify(.orderSubmitted, plan, outcome, msg, priority: d.isAlert ? .high : .medium)
            case .failed:
                await notify(.orderFailed, plan, outcome, outcome.message ?? "failed")
            case .blocked, .skipped:
                break
            }
        }
        // Stopped: report nothing about earlier executes (more lookups would only delay the exit).
        for t in plan.targets.sorted(by: { $0.symbol < $1.symbol }) where unsent == 0 {
            for side in OrderSide.allCases {
                let cid = plan.clientOrderId(symbol: t.symbol, side: side)
                guard !seen.contains(cid), let earlier = try? await broker.order(clientOrderId: cid) else { continue }
                outcomes.append(
                    OrderOutcome(
                        symbol: t.symbol, strategy: t.strategy, side: side, shares: earlier.shares,
                        price: earlier.filledAveragePrice ?? 0, status: .skipped, brokerOrderId: earlier.id,
                        clientOrderId: cid, verdicts: [],
                        message:
                            "sent by an earlier execute of this spec on this session (broker status \(earlier.status))")
                )
            }
        }
        return Submission(outcomes: outcomes.sorted { ($0.symbol, $0.side) < ($1.symbol, $1.side) }, unsent: unsent)
    }

    private func send(_ base: OrderOutcome, broker: any Broker) async -> OrderOutcome {
        var out = base
        let cid = base.clientOrderId
        do {
            if let existing = try await broker.order(clientOrderId: cid) {
                out.status = .skipped
                out.brokerOrderId = existing.id
                out.message = "already at the broker (status \(existing.status)); nothing sent"
                return out
            }
        } catch {
            out.status = .failed
            out.message = "cannot look up client_order_id \(cid) before submitting, so nothing was sent: \(error)"
            return out
        }
        let request = OrderRequest(symbol: base.symbol, side: base.side, shares: base.shares, clientOrderId: cid)
        do {
            let order = try await broker.submit(request)
            out.status = .submitted
            out.brokerOrderId = order.id
            return out
        } catch BrokerError.duplicateClientOrderId {
            return await resolve(out, why: "the broker reported a duplicate client_order_id", broker: broker)
        } catch BrokerError.outcomeUnknown(let m) {
            return await resolve(out, why: m, broker: broker)
        } catch {
            out.status = .failed
            out.message = "\(error)"
            return out
        }
    }

    /// After an ambiguous submit: the order exists → submitted; it does not → failed (rerun is safe).
    private func resolve(_ base: OrderOutcome, why: String, broker: any Broker) async -> OrderOutcome {
        var out = base
        do {
            if let o = try await broker.order(clientOrderId: base.clientOrderId) {
                out.status = .submitted
                out.brokerOrderId = o.id
                out.message = "resolved by lookup after: \(why)"
            } else {
                out.status = .failed
                out.message =
                    "\(why); no order with client_order_id \(base.clientOrderId) exists, so none was placed; "
                    + "rerunning execute is safe"
            }
        } catch {
            out.status = .failed
            out.message =
                "\(why); the lookup of client_order_id \(base.clientOrderId) failed too (\(error)); "
                + "rerun execute later: the same id prevents a duplicate"
        }
        return out
    }

    private func notify(
        _ kind: NotificationKind, _ plan: ExecutionPlan, _ o: OrderOutcome, _ message: String,
        priority: NotificationPriority? = nil
    ) async {
        var fields = [
            "symbol": o.symbol, "side": o.side.rawValue, "shares": String(o.shares),
            "client_order_id": o.clientOrderId, "status": o.status.rawValue,
        ]
        if let id = o.brokerOrderId { fields["broker_order_id"] = id }
        if !o.verdicts.isEmpty { fields["verdicts"] = o.verdicts.map(\.code).joined(separator: ",") }
        await notifier.notify(
            NotificationEvent(
                kind: kind, priority: priority, runId: plan.runId, timestamp: timestamp, message: message,
                fields: fields))
    }
}
