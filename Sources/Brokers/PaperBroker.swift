import Foundation
import GRDB
import Market
import Risk

/// The spec's `costs.commission`, in exact decimals: the same three models the backtest charges.
public enum PaperCommission: Sendable, Equatable {
    /// This fraction of the filled value (0.001 = 0.1 %).
    case fraction(Decimal)
    /// `rate` per share, at least `minimum` per order.
    case perShare(rate: Decimal, minimum: Decimal)
    /// This amount per order, whatever its size.
    case fixed(Decimal)

    /// Commission of one fill in cents, rounded UP to the cent (never in the trader's favour).
    public func cents(shares: Int, valueCents: Int64) -> Int64 {
        let amount: Decimal
        switch self {
        case .fraction(let f): amount = Money.decimal(cents: valueCents) * f
        case .perShare(let rate, let minimum): amount = max(Decimal(shares) * rate, minimum)
        case .fixed(let a): amount = a
        }
        return max(0, Money.cents(amount, .up))
    }
}

/// Costs of the paper broker.
public struct PaperBrokerConfig: Sendable, Equatable {
    /// Cash of a new ledger (ignored when the file already exists).
    public var initialCash: Decimal
    /// Adverse move per fill in basis points of the latest price.
    public var slippageBps: Decimal
    /// The commission model (the spec's `costs.commission`).
    public var commission: PaperCommission
    /// The fraction when `commission` is `.fraction`, else 0 (source compatibility).
    public var commissionRate: Decimal {
        if case .fraction(let f) = commission { return f }
        return 0
    }

    public init(initialCash: Decimal = 100_000, slippageBps: Decimal = 0, commissionRate: Decimal = 0) {
        self.init(initialCash: initialCash, slippageBps: slippageBps, commission: .fraction(commissionRate))
    }

    public init(initialCash: Decimal, slippageBps: Decimal, commission: PaperCommission) {
        self.initialCash = initialCash
        self.slippageBps = slippageBps
        self.commission = commission
    }
}

/// The embedded paper broker: a persistent SQLite ledger (cash, positions, orders, fills, daily equity).
///
/// Money is stored as integer cents. Roundings (all documented in docs/execute.md):
/// - shares are whole; long only (a sell larger than the position is rejected, like a broker without shorting);
/// - fill price = latest price × (1 ± slippage_bps/10⁴), rounded to the cent AGAINST the trader
///   (buys up, sells down);
/// - commission by the spec's model (fraction of value, per share with a minimum, fixed per order),
///   rounded UP to the cent;
/// - position values and equity = shares × valuation price, each position rounded half up to the cent.
///
/// Orders fill immediately and completely at submit time. `client_order_id` is UNIQUE in the schema,
/// so a duplicate cannot exist even under concurrent writers.
public final class PaperBroker: Broker {
    public let name = "paper"
    /// The session this instance trades and marks (no clock is read).
    public let session: SessionDate
    /// Latest prices (typically the last daily closes), used for fills and valuation.
    public let prices: [String: Decimal]
    public let config: PaperBrokerConfig
    private let db: DatabaseQueue

    /// Opens (creating if needed) the ledger at `path`, e.g. `<dataDir>/paper.sqlite`.
    public convenience init(
        path: String, session: SessionDate, prices: [String: Decimal], config: PaperBrokerConfig = PaperBrokerConfig()
    ) throws {
        let queue: DatabaseQueue
        do {
            var config = Configuration()
            config.busyMode = .timeout(10)
            queue = try DatabaseQueue(path: path, configuration: config)
        } catch {
            throw BrokerError.ledger("cannot open \(path): \(error)")
        }
        try self.init(queue: queue, session: session, prices: prices, config: config)
    }

    /// A ledger that lives in memory only (tests, dry runs).
    public static func inMemory(
        session: SessionDate, prices: [String: Decimal], config: PaperBrokerConfig = PaperBrokerConfig()
    ) throws -> PaperBroker {
        try PaperBroker(queue: DatabaseQueue(), session: session, prices: prices, config: config)
    }

    private init(queue: DatabaseQueue, session: SessionDate, prices: [String: Decimal], config: PaperBrokerConfig)
        throws
    {
        self.db = queue
        self.session = session
        self.prices = prices
        self.config = config
        do {
            try Self.migrator.migrate(queue)
            let initial = Money.cents(config.initialCash, .halfUp)
            try queue.write { db in
                try db.execute(
                    sql: "INSERT OR IGNORE INTO account (id, cash_cents, initial_cash_cents) VALUES (1, ?, ?)",
                    arguments: [initial, initial])
            }
        } catch let e as BrokerError {
            throw e
        } catch {
            throw BrokerError.ledger("cannot initialise the schema: \(error)")
        }
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE account (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        cash_cents INTEGER NOT NULL,
                        initial_cash_cents INTEGER NOT NULL
                    );
                    CREATE TABLE positions (
                        symbol TEXT PRIMARY KEY,
                        shares INTEGER NOT NULL CHECK (shares > 0),
                        cost_cents INTEGER NOT NULL,
                        last_fill_price_cents INTEGER NOT NULL CHECK (last_fill_price_cents > 0)
                    );
                    CREATE TABLE orders (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        id TEXT NOT NULL UNIQUE,
                        client_order_id TEXT NOT NULL UNIQUE
                            CHECK (length(client_order_id) BETWEEN 1 AND 48),
                        symbol TEXT NOT NULL,
                        side TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
                        shares INTEGER NOT NULL CHECK (shares > 0),
                        status TEXT NOT NULL,
                        session_date TEXT NOT NULL
                    );
                    CREATE TABLE fills (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        order_id TEXT NOT NULL REFERENCES orders(id),
                        shares INTEGER NOT NULL CHECK (shares > 0),
                        price_cents INTEGER NOT NULL CHECK (price_cents > 0),
                        commission_cents INTEGER NOT NULL CHECK (commission_cents >= 0),
                        cash_delta_cents INTEGER NOT NULL
                    );
                    CREATE TABLE equity_history (
                        session_date TEXT PRIMARY KEY,
                        equity_cents INTEGER NOT NULL,
                        cash_cents INTEGER NOT NULL
                    );
                    """)
        }
        return m
    }

    // MARK: Broker

    public func account() async throws -> AccountSnapshot {
        let (cash, positions, history) = try await read { db in
            let cash = try Int64.fetchOne(db, sql: "SELECT cash_cents FROM account WHERE id = 1") ?? 0
            let pos = try Row.fetchAll(
                db, sql: "SELECT symbol, shares, last_fill_price_cents FROM positions ORDER BY symbol")
            let positions = pos.map { r -> (String, Int, Int64) in
                (r["symbol"], r["shares"], r["last_fill_price_cents"])
            }
            let hist = try Row.fetchAll(
                db, sql: "SELECT session_date, equity_cents FROM equity_history ORDER BY session_date")
            let history = hist.compactMap { r -> EquityPoint? in
                guard let d = SessionDate(iso: r["session_date"] as String) else { return nil }
                return EquityPoint(date: d, equity: Money.decimal(cents: r["equity_cents"]))
            }
            return (cash, positions, history)
        }
        var equityCents = cash
        var out: [Position] = []
        for (symbol, shares, lastFill) in positions {
            let price = prices[symbol] ?? Money.decimal(cents: lastFill)
            equityCents += Money.cents(Decimal(shares) * price, .halfUp)
            out.append(Position(symbol: symbol, shares: shares, price: price))
        }
        let last = history.last { $0.date < session }?.equity
        return AccountSnapshot(
            cash: Money.decimal(cents: cash), equity: Money.decimal(cents: equityCents), positions: out,
            lastEquity: last, equityHistory: history)
    }

    public func latestPrice(symbol: String) async throws -> Decimal {
        guard let p = prices[symbol], p > 0 else { throw BrokerError.noPrice(symbol: symbol) }
        return p
    }

    public func submit(_ request: OrderRequest) async throws -> BrokerOrder {
        guard request.shares > 0 else {
            throw BrokerError.rejected(symbol: request.symbol, message: "qty must be > 0")
        }
        guard !request.clientOrderId.isEmpty, request.clientOrderId.utf8.count <= 48 else {
            throw BrokerError.rejected(symbol: request.symbol, message: "client_order_id must be 1…48 characters")
        }
        let price = try await latestPrice(symbol: request.symbol)
        let slip = price * config.slippageBps / 10_000
        let fillCents =
            request.side == .buy ? Money.cents(price + slip, .up) : Money.cents(price - slip, .down)
        guard fillCents > 0 else {
            throw BrokerError.rejected(symbol: request.symbol, message: "fill price rounds to 0")
        }
        let valueCents = fillCents * Int64(request.shares)
        let commissionCents = config.commission.cents(shares: request.shares, valueCents: valueCents)
        let session = self.session
        return try await write { db in
            if try Row.fetchOne(
                db, sql: "SELECT 1 FROM orders WHERE client_order_id = ?", arguments: [request.clientOrderId]) != nil
            {
                throw BrokerError.duplicateClientOrderId(request.clientOrderId)
            }
            let cash = try Int64.fetchOne(db, sql: "SELECT cash_cents FROM account WHERE id = 1") ?? 0
            let held =
                try Int.fetchOne(
                    db, sql: "SELECT shares FROM positions WHERE symbol = ?", arguments: [request.symbol]) ?? 0
            let cost =
                try Int64.fetchOne(
                    db, sql: "SELECT cost_cents FROM positions WHERE symbol = ?", arguments: [request.symbol]) ?? 0
            let delta: Int64
            let newShares: Int
            let newCost: Int64
            switch request.side {
            case .buy:
                delta = -(valueCents + commissionCents)
                guard cash + delta >= 0 else {
                    throw BrokerError.rejected(
                        symbol: request.symbol,
                        message: "insufficient buying power: cost \(Money.format2(Money.decimal(cents: -delta))) "
                            + "> cash \(Money.format2(Money.decimal(cents: cash)))")
                }
                newShares = held + request.shares
                newCost = cost + valueCents + commissionCents
            case .sell:
                guard held >= request.shares else {
                    throw BrokerError.rejected(
                        symbol: request.symbol,
                        message: "insufficient qty available: \(held) held, \(request.shares) to sell (no shorting)")
                }
                delta = valueCents - commissionCents
                newShares = held - request.shares
                // Cost basis shrinks pro rata, in whole cents (remainder stays with the remaining shares).
                newCost = newShares == 0 ? 0 : cost - cost * Int64(request.shares) / Int64(held)
            }
            let seq = (try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM orders") ?? 0) + 1
            let id = "paper-" + String(format: "%06lld", seq)
            try db.execute(
                sql: """
                    INSERT INTO orders (seq, id, client_order_id, symbol, side, shares, status, session_date)
                    VALUES (?, ?, ?, ?, ?, ?, 'filled', ?)
                    """,
                arguments: [
                    seq, id, request.clientOrderId, request.symbol, request.side.rawValue, request.shares, session.iso,
                ])
            try db.execute(
                sql: """
                    INSERT INTO fills (order_id, shares, price_cents, commission_cents, cash_delta_cents)
                    VALUES (?, ?, ?, ?, ?)
                    """,
                arguments: [id, request.shares, fillCents, commissionCents, delta])
            try db.execute(sql: "UPDATE account SET cash_cents = cash_cents + ? WHERE id = 1", arguments: [delta])
            if newShares == 0 {
                try db.execute(sql: "DELETE FROM positions WHERE symbol = ?", arguments: [request.symbol])
            } else {
                try db.execute(
                    sql: """
                        INSERT INTO positions (symbol, shares, cost_cents, last_fill_price_cents) VALUES (?, ?, ?, ?)
                        ON CONFLICT(symbol) DO UPDATE SET shares = excluded.shares, cost_cents = excluded.cost_cents,
                            last_fill_price_cents = excluded.last_fill_price_cents
                        """,
                    arguments: [request.symbol, newShares, newCost, fillCents])
            }
            return BrokerOrder(
                id: id, clientOrderId: request.clientOrderId, symbol: request.symbol, side: request.side,
                shares: request.shares, status: "filled", filledShares: request.shares,
                filledAveragePrice: Money.decimal(cents: fillCents))
        }
    }

    public func order(clientOrderId: String) async throws -> BrokerOrder? {
        try await read { db in
            guard
                let r = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT o.id, o.client_order_id, o.symbol, o.side, o.shares, o.status,
                               f.shares AS filled, f.price_cents
                        FROM orders o LEFT JOIN fills f ON f.order_id = o.id
                        WHERE o.client_order_id = ?
                        """, arguments: [clientOrderId])
            else { return nil }
            let priceCents: Int64? = r["price_cents"]
            let filled: Int? = r["filled"]
            return BrokerOrder(
                id: r["id"], clientOrderId: r["client_order_id"], symbol: r["symbol"],
                side: OrderSide(rawValue: r["side"]) ?? .buy, shares: r["shares"], status: r["status"],
                filledShares: filled ?? 0, filledAveragePrice: priceCents.map { Money.decimal(cents: $0) })
        }
    }

    /// The paper broker fills every order completely when it is submitted, so none stays open.
    public func openOrders() async throws -> [BrokerOrder] {
        try await orders().filter { $0.filledShares < $0.shares && $0.status != "canceled" }
    }

    // MARK: Ledger extras

    /// Records the account's equity at `session`'s close (replacing an earlier mark of the same session)
    /// and returns it. Call after the day's orders.
    @discardableResult
    public func markToMarket() async throws -> EquityPoint {
        let snap = try await account()
        let equity = Money.cents(snap.equity, .halfUp)
        let cash = Money.cents(snap.cash, .halfUp)
        let date = session.iso
        try await write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO equity_history (session_date, equity_cents, cash_cents) VALUES (?, ?, ?)",
                arguments: [date, equity, cash])
        }
        return EquityPoint(date: session, equity: snap.equity)
    }

    /// Cash in whole cents (exact).
    public func cashCents() async throws -> Int64 {
        try await read { db in try Int64.fetchOne(db, sql: "SELECT cash_cents FROM account WHERE id = 1") ?? 0 }
    }

    /// Every order, oldest first.
    public func orders() async throws -> [BrokerOrder] {
        let ids = try await read { db in
            try String.fetchAll(db, sql: "SELECT client_order_id FROM orders ORDER BY seq")
        }
        var out: [BrokerOrder] = []
        for id in ids { if let o = try await order(clientOrderId: id) { out.append(o) } }
        return out
    }

    /// Fills as (order id, shares, price cents, commission cents, cash delta cents), oldest first.
    public func fills() async throws -> [PaperFill] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT order_id, shares, price_cents, commission_cents, cash_delta_cents FROM fills ORDER BY id"
            ).map {
                PaperFill(
                    orderId: $0["order_id"], shares: $0["shares"], priceCents: $0["price_cents"],
                    commissionCents: $0["commission_cents"], cashDeltaCents: $0["cash_delta_cents"])
            }
        }
    }

    private func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do { return try await db.read(body) } catch let e as BrokerError { throw e } catch {
            throw BrokerError.ledger("\(error)")
        }
    }

    private func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do { return try await db.write(body) } catch let e as BrokerError { throw e } catch let e as DatabaseError {
            if e.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE, "\(e)".contains("client_order_id") {
                throw BrokerError.duplicateClientOrderId("(unique constraint)")
            }
            throw BrokerError.ledger("\(e)")
        } catch {
            throw BrokerError.ledger("\(error)")
        }
    }
}

/// One paper fill, money in cents.
public struct PaperFill: Sendable, Equatable {
    public var orderId: String
    public var shares: Int
    public var priceCents: Int64
    public var commissionCents: Int64
    /// Signed change of cash (negative for buys).
    public var cashDeltaCents: Int64

    public init(orderId: String, shares: Int, priceCents: Int64, commissionCents: Int64, cashDeltaCents: Int64) {
        self.orderId = orderId
        self.shares = shares
        self.priceCents = priceCents
        self.commissionCents = commissionCents
        self.cashDeltaCents = cashDeltaCents
    }
}
