import Foundation
import GRDB
import Market
import Risk

/// What the paper ledger holds, for `stratopt paper`: cash, positions valued at their last fill price,
/// the equity history (one mark per session) and the realised P&L of every sale. Money in cents.
public struct PaperStatement: Sendable, Equatable, Codable {
    public struct Holding: Sendable, Equatable, Codable {
        public var symbol: String
        public var shares: Int
        /// Remaining cost basis (fills plus buy commissions), cents.
        public var costCents: Int64
        /// The last fill price, cents: the ledger's valuation price when no quote is given.
        public var lastPriceCents: Int64
        /// shares × last price, cents.
        public var marketValueCents: Int64
        /// market value − cost, cents.
        public var unrealisedCents: Int64

        public init(
            symbol: String, shares: Int, costCents: Int64, lastPriceCents: Int64, marketValueCents: Int64,
            unrealisedCents: Int64
        ) {
            self.symbol = symbol
            self.shares = shares
            self.costCents = costCents
            self.lastPriceCents = lastPriceCents
            self.marketValueCents = marketValueCents
            self.unrealisedCents = unrealisedCents
        }
    }

    public struct Mark: Sendable, Equatable, Codable {
        public var session: String
        public var equityCents: Int64
        public var cashCents: Int64
    }

    public var initialCashCents: Int64
    public var cashCents: Int64
    public var positions: [Holding]
    /// cash + Σ market values, cents.
    public var equityCents: Int64
    public var equityHistory: [Mark]
    /// Σ over sales of (proceeds after commission − the cost basis the sale removed), cents.
    public var realisedCents: Int64
    /// Σ commissions paid, cents.
    public var commissionCents: Int64
    public var orderCount: Int

    /// Reads the ledger at `path` (nothing is written). Throws `BrokerError.ledger` when there is none.
    public static func read(path: String) throws -> PaperStatement {
        guard FileManager.default.fileExists(atPath: path) else {
            throw BrokerError.ledger(
                "no paper ledger at \(path); `stratopt run` with execute: {enabled: true} creates it")
        }
        do {
            var config = Configuration()
            config.readonly = true
            let db = try DatabaseQueue(path: path, configuration: config)
            return try db.read { db in
                let account = try Row.fetchOne(
                    db, sql: "SELECT cash_cents, initial_cash_cents FROM account WHERE id = 1")
                let cash: Int64 = account?["cash_cents"] ?? 0
                let initial: Int64 = account?["initial_cash_cents"] ?? 0
                var holdings: [Holding] = []
                for r in try Row.fetchAll(
                    db, sql: "SELECT symbol, shares, cost_cents, last_fill_price_cents FROM positions ORDER BY symbol")
                {
                    let shares: Int = r["shares"]
                    let price: Int64 = r["last_fill_price_cents"]
                    let cost: Int64 = r["cost_cents"]
                    let value = Int64(shares) * price
                    holdings.append(
                        Holding(
                            symbol: r["symbol"], shares: shares, costCents: cost, lastPriceCents: price,
                            marketValueCents: value, unrealisedCents: value - cost))
                }
                let marks = try Row.fetchAll(
                    db, sql: "SELECT session_date, equity_cents, cash_cents FROM equity_history ORDER BY session_date"
                ).map {
                    Mark(session: $0["session_date"], equityCents: $0["equity_cents"], cashCents: $0["cash_cents"])
                }
                // Replay the fills with the broker's own cost-basis rule (pro rata, whole cents).
                var held: [String: (shares: Int, cost: Int64)] = [:]
                var realised: Int64 = 0
                var commission: Int64 = 0
                for f in try Row.fetchAll(
                    db,
                    sql: """
                        SELECT o.symbol, o.side, f.shares, f.price_cents, f.commission_cents, f.cash_delta_cents
                        FROM fills f JOIN orders o ON o.id = f.order_id ORDER BY f.id
                        """)
                {
                    let symbol: String = f["symbol"]
                    let side: String = f["side"]
                    let shares: Int = f["shares"]
                    let delta: Int64 = f["cash_delta_cents"]
                    commission += f["commission_cents"] as Int64
                    var h = held[symbol] ?? (0, 0)
                    if side == "buy" {
                        h.shares += shares
                        h.cost += -delta
                    } else {
                        let after = h.shares - shares
                        let removed = after == 0 ? h.cost : h.cost * Int64(shares) / Int64(max(1, h.shares))
                        realised += delta - removed
                        h.shares = after
                        h.cost -= removed
                    }
                    held[symbol] = h
                }
                let orders = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM orders") ?? 0
                return PaperStatement(
                    initialCashCents: initial, cashCents: cash, positions: holdings,
                    equityCents: cash + holdings.reduce(0) { $0 + $1.marketValueCents }, equityHistory: marks,
                    realisedCents: realised, commissionCents: commission, orderCount: orders)
            }
        } catch let e as BrokerError {
            throw e
        } catch {
            throw BrokerError.ledger("cannot read \(path): \(error)")
        }
    }

    /// Deletes the ledger at `path` (and its WAL/SHM files): the next execute starts from the spec's
    /// `capital.initial` with no positions, orders or history. Returns false when there was none.
    @discardableResult
    public static func reset(path: String) throws -> Bool {
        let fm = FileManager.default
        guard fm.fileExists(atPath: path) else { return false }
        for p in [path, path + "-wal", path + "-shm", path + "-journal"] where fm.fileExists(atPath: p) {
            do { try fm.removeItem(atPath: p) } catch {
                throw BrokerError.ledger("cannot delete \(p): \(error.localizedDescription)")
            }
        }
        return true
    }

    /// The statement as text: account, positions table, equity history, realised P&L.
    public var text: String {
        func m(_ c: Int64) -> String { Money.format2(Money.decimal(cents: c)) }
        var out = "paper account: cash \(m(cashCents)), equity \(m(equityCents)) (initial \(m(initialCashCents)))\n"
        out += "realised P&L \(m(realisedCents)), commissions \(m(commissionCents)), \(orderCount) order(s)\n"
        if positions.isEmpty {
            out += "no open positions\n"
        } else {
            let rows =
                [["symbol", "shares", "last price", "market value", "cost", "unrealised"]]
                + positions.map {
                    [
                        $0.symbol, String($0.shares), m($0.lastPriceCents), m($0.marketValueCents), m($0.costCents),
                        m($0.unrealisedCents),
                    ]
                }
            out += Self.table(rows)
        }
        if equityHistory.isEmpty {
            out += "no equity history yet\n"
        } else {
            out += "equity history:\n"
            out += Self.table(
                [["session", "equity", "cash"]]
                    + equityHistory.map { [$0.session, m($0.equityCents), m($0.cashCents)] })
        }
        return out
    }

    /// Left-aligned first column, right-aligned others, two spaces apart.
    static func table(_ rows: [[String]]) -> String {
        guard let first = rows.first else { return "" }
        var widths = first.map(\.count)
        for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
        return rows.map { r in
            r.enumerated().map { i, c in
                let pad = String(repeating: " ", count: widths[i] - c.count)
                return i == 0 ? c + pad : pad + c
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }
}
