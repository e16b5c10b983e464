import ArgumentParser
import Foundation
import Market
import Pipeline
import Reports
import RunStore
import Spec

/// Shared CLI helpers; errors leave through `CLIFailure` (ExitStatus.swift) and `Stratopt.main`.
enum CLI {
    static let calendar = NYSECalendar()

    static func stderr(_ line: String) {
        // A closed stderr is not a reason to stop (EPIPE is ignored, see `Stratopt.main`).
        try? FileHandle.standardError.write(contentsOf: Data((line + "\n").utf8))
    }

    /// A usage error: printed by ArgumentParser, exit 2.
    static func usage(_ message: String) -> ValidationError { ValidationError(message) }

    /// Loads and validates a spec; prints every diagnostic and exits 2 when it is invalid.
    static func loadSpec(_ path: String) throws -> LoadedSpec {
        do {
            return try SpecLoader.load(path: path)
        } catch {
            let n = error.diagnostics.count
            throw CLIFailure(
                lines: error.diagnostics.map(\.description) + [
                    "stratopt: \(n) error\(n == 1 ? "" : "s") in \(path); see docs/spec.md"
                ],
                .usage)
        }
    }

    /// `--as-of`, else $STRATOPT_AS_OF, else the last completed session of `calendar` at this instant.
    /// A date after the last completed day (`AsOfCheck`) is a usage error (exit 2).
    static func asOfDate(_ option: String?, calendar: CalendarKind = .nyse) throws -> SessionDate {
        let text = option ?? ProcessInfo.processInfo.environment["STRATOPT_AS_OF"].flatMap { $0.isEmpty ? nil : $0 }
        let now = Int64(Date().timeIntervalSince1970)
        if let text {
            guard let d = SessionDate(iso: text) else {
                throw usage("--as-of expects a date as YYYY-MM-DD, got \"\(text)\"")
            }
            if let why = AsOfCheck.validate(asOf: d, lastCompleted: AsOfCheck.lastCompletedDay(asOfUTC: now)) {
                throw usage(why)
            }
            return d
        }
        return TradingCalendars.lastCompletedSession(calendar, asOfUTC: now)
    }

    /// Opens `<dataDir>/runs.sqlite`; exit 1 when it cannot.
    static func openStore(_ dataDir: String) throws -> RunStore {
        do { return try RunStore(dataDir: dataDir) } catch {
            throw CLIFailure.failed(error.description)
        }
    }

    /// Opens `<dataDir>/runs.sqlite` for a read-only command (`history`, `status`, `show`): creates, migrates
    /// and writes nothing, so a read-only data folder still answers; nil when there is no history yet.
    static func openStoreReadOnly(_ dataDir: String) throws -> RunStore? {
        do { return try RunStore.openReadOnly(dataDir: dataDir) } catch {
            throw CLIFailure.failed(error.description)
        }
    }

    /// A record as a read-only command shows it: a `running` run whose process is gone is shown
    /// `interrupted` (exit code 130). The next write command (a run, resume, delete) records it so.
    static func asSeen(_ r: RunRecord) -> RunRecord {
        guard r.status == .running, !isAlive(r.pid) else { return r }
        var seen = r
        seen.status = .interrupted
        seen.exitCode = seen.exitCode ?? 130
        return seen
    }

    /// `<dataDir>/runs.sqlite` when it exists, nil when it does not: reading commands (history, show, status)
    /// answer "no runs" for a folder without one instead of creating it.
    static func existingStore(_ dataDir: String) throws -> RunStore? { try openStoreReadOnly(dataDir) }

    /// The run a unique prefix names, for a reading command: exit 2 when none or several do, without creating
    /// a run store where there is none.
    static func findRun(readOnly dataDir: String, _ prefix: String) throws -> RunRecord {
        guard let store = try openStoreReadOnly(dataDir) else {
            throw CLIFailure.usage(
                "no run \"\(prefix)\": no runs are recorded in \(dataDir)/ (check --data-dir or $STRATOPT_DATA_DIR)")
        }
        return try findRun(store, prefix)
    }

    /// Takes the data folder's lock for a command that writes its stores; exit 2 when another process holds it.
    /// `quiet` drops the "waiting for …" notice.
    static func lockDataFolder(_ dataDir: String, runId: String, wait: Bool, quiet: Bool = false) throws -> RunLock {
        do {
            return try RunLock.acquire(
                dataDir: dataDir, runId: runId, pid: ProcessInfo.processInfo.processIdentifier, wait: wait,
                onWait: { holder in
                    if quiet { return }
                    stderr(
                        "stratopt: waiting for \(holder?.description ?? "another stratopt process") to release \(dataDir)/"
                    )
                })
        } catch {
            throw CLIFailure.usage(error.description)
        }
    }

    /// Whether a run's process is alive (this process always is).
    @Sendable static func isAlive(_ pid: Int32) -> Bool {
        pid == ProcessInfo.processInfo.processIdentifier || ProcessLiveness.isAlive(pid: pid)
    }

    /// The run a unique prefix names; exit 2 when none or several do.
    static func findRun(_ store: RunStore, _ prefix: String) throws -> RunRecord {
        do { return try store.find(prefix: prefix) } catch {
            throw CLIFailure.usage(error.description)
        }
    }

    /// `20261125T104406Z-3f9a`: sortable by start time, unique across runs started the same second.
    static func newRunId() -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let suffix = String(UInt16.random(in: 0...UInt16.max), radix: 16)
        return f.string(from: Date()) + "-" + String(repeating: "0", count: 4 - suffix.count) + suffix
    }
}

/// The short ranking printed on stdout after a run.
enum Summary {
    static func text(_ o: RunOutcome, top: Int = 3) -> String {
        let r = o.report
        var s =
            "\(r.info.specName): \(Plural.count(o.plan.symbols.count, "symbol")) × \(Plural.count(o.plan.combinations.count, "combination")), "
        s += "\(r.info.periodStart.iso) … \(r.info.periodEnd.iso), \(r.info.provider)"
        s += r.info.isSynthetic ? " (synthetic data)\n" : "\n"
        for sym in r.symbols {
            let rows = sym.rowIndices.map { r.rows[$0] }.sorted { $0.rank < $1.rank }.prefix(top)
            for row in rows {
                let label = row.rank == 1 ? sym.symbol.rightPad(8) : "        "
                let name = (row.strategy + (row.params.isEmpty ? "" : " " + row.params.text))
                let m = row.metrics
                s += "\(label)\(row.rank). \(name.rightPad(44))"
                s += " score \(HTMLReport.fixed(row.score.total, 1).leftPad(5))"
                s += "  return \(HTMLReport.fixed(m.totalReturnPct, 1).leftPad(7)) %"
                s += "  sharpe \(m.sharpe.map { HTMLReport.fixed($0, 2) }?.leftPad(5) ?? "    –")"
                s += "  max dd \(HTMLReport.fixed(m.maxDrawdownPct, 1).leftPad(5)) %"
                s += "  trades \(m.trades)\n"
            }
        }
        for i in r.issues { s += "\(i.symbol) \(i.kind.rawValue): \(i.reasons.joined(separator: "; "))\n" }
        s += "status: \(o.status.name)\n"
        s += "report: \(o.reportDirectory)/report.html\n"
        return s
    }
}

extension String {
    fileprivate func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
    fileprivate func rightPad(_ n: Int) -> String {
        count >= n ? self : self + String(repeating: " ", count: n - count)
    }
}
