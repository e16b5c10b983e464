import Strategies

/// The dashboard at `/`: one self-contained page (its script and style come from this server, nothing from
/// elsewhere; the CSP says so). Every value from a job or a user reaches the page through `textContent`,
/// never as HTML, so nothing in a ticker, a spec name or an error can become markup.
enum Dashboard {
    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
        + "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

    /// Escapes text for HTML element content and attribute values.
    static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    static let html: String = {
        let options = StrategyRegistry.ids.map { "<option value=\"\(escape($0))\">\(escape($0))</option>" }
            .joined(separator: "")
        return """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>stratopt optimizer</title>
            <link rel="icon" href="data:,">
            <link rel="stylesheet" href="/dashboard.css">
            </head>
            <body>
            <header>
            <h1>stratopt optimizer</h1>
            <form id="signin" autocomplete="off">
            <label>Token <input type="password" id="token" required></label>
            <button type="submit" id="signin-button">Sign in</button>
            <span id="who"></span>
            </form>
            </header>
            <main>
            <section id="analyze">
            <h2>Analyze</h2>
            <form id="form">
            <label>Tickers <input id="tickers" value="AAPL, MSFT, GOOGL, TSLA, NVDA" required></label>
            <span id="ticker-count" aria-live="polite"></span>
            <label>Start <input type="date" id="start" required></label>
            <label>End <input type="date" id="end" required></label>
            <label>Strategies <select id="strategies" multiple size="6"><option value="all" selected>all (every built-in, default grids)</option>\(options)</select></label>
            <label>Initial capital <input type="number" id="capital" value="100000" min="1" step="any" required></label>
            <label>Position size % <input type="number" id="position" value="10" min="0.01" max="100" step="any" required></label>
            <button type="submit" id="submit">Analyze</button>
            </form>
            <div id="form-error" class="error" role="alert"></div>
            </section>
            <section id="progress-section" hidden>
            <h2>Progress</h2>
            <progress id="progress" max="1" value="0"></progress>
            <span id="progress-text" aria-live="polite"></span>
            </section>
            <section id="results-section" hidden>
            <h2>Results <span id="results-job"></span></h2>
            <p><button type="button" id="execute-all">Execute all</button>
            <label><input type="checkbox" id="dry-run"> dry run</label>
            <a id="report-link" target="_blank" rel="noopener noreferrer">report.html</a></p>
            <div id="execute-result" aria-live="polite"></div>
            <div id="tabs" role="tablist"></div>
            <div id="tab-panel" role="tabpanel"></div>
            <h3>Full ranking</h3>
            <table id="ranking"><thead><tr><th>Symbol</th><th>Rank</th><th>Strategy</th><th>Params</th><th>Score</th><th>Return %</th><th>Sharpe</th><th>Max DD %</th><th>Trades</th></tr></thead><tbody></tbody></table>
            </section>
            <section id="history-section">
            <h2>History <button type="button" id="history-refresh">Refresh</button></h2>
            <table id="history"><thead><tr><th>Job</th><th>Status</th><th>Spec</th><th>Submitted</th><th>Report</th><th></th></tr></thead><tbody></tbody></table>
            </section>
            </main>
            <script src="/dashboard.js"></script>
            </body>
            </html>

            """
    }()

    static let style = """
        body { font: 14px/1.4 system-ui, sans-serif; margin: 0 auto; max-width: 1100px; padding: 0 1em; color: #222; }
        header { display: flex; justify-content: space-between; align-items: center; border-bottom: 1px solid #ccc; }
        form label { display: inline-block; margin: .3em 1em .3em 0; }
        input#tickers { width: 28em; }
        table { border-collapse: collapse; margin: .5em 0; }
        th, td { border: 1px solid #ddd; padding: .2em .5em; text-align: left; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; }
        tr.best { background: #fff6c8; font-weight: 600; }
        .pos { color: #17803d; } .neg { color: #b3261e; }
        .error { color: #b3261e; white-space: pre-wrap; }
        #tabs button { margin-right: .3em; } #tabs button[aria-selected="true"] { font-weight: 700; border-bottom: 2px solid #333; }
        .status-submitted { color: #17803d; } .status-blocked { color: #a15c00; } .status-failed { color: #b3261e; }
        progress { width: 30em; }

        """

    static let script = """
        "use strict";
        const $ = (id) => document.getElementById(id);
        let token = sessionStorage.getItem("stratopt_token") || "";
        let currentJob = null;
        let pollTimer = null;

        function setToken(t) {
          token = t;
          sessionStorage.setItem("stratopt_token", t);
          document.cookie = "stratopt_token=" + encodeURIComponent(t) + "; Path=/; SameSite=Strict";
        }

        async function api(method, path, body) {
          const headers = { "Authorization": "Bearer " + token };
          if (body !== undefined) headers["Content-Type"] = "application/json";
          const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
          let data = null;
          try { data = await r.json(); } catch (e) { data = null; }
          if (!r.ok) {
            let msg = "HTTP " + r.status;
            if (data && data.error) {
              msg = data.error.message;
              for (const d of data.error.diagnostics || []) msg += "\\n" + d.key_path + ": " + d.message;
            }
            throw new Error(msg);
          }
          return data;
        }

        function el(tag, text, cls) {
          const e = document.createElement(tag);
          if (text !== undefined && text !== null) e.textContent = String(text);
          if (cls) e.className = cls;
          return e;
        }

        function num(v, digits) { return (v === null || v === undefined) ? "–" : Number(v).toFixed(digits); }

        function tickers() { return $("tickers").value.split(/[\\s,]+/).filter((t) => t.length > 0); }

        function countTickers() {
          const n = tickers().length;
          $("ticker-count").textContent = n + (n === 1 ? " ticker" : " tickers");
        }

        function isoDate(d) { return d.toISOString().slice(0, 10); }

        function defaultDates() {
          const end = new Date();
          const start = new Date(end);
          start.setFullYear(end.getFullYear() - 1);
          $("start").value = isoDate(start);
          $("end").value = isoDate(end);
        }

        async function submitForm(ev) {
          ev.preventDefault();
          $("form-error").textContent = "";
          const chosen = Array.from($("strategies").selectedOptions).map((o) => o.value);
          const body = {
            tickers: tickers(), start: $("start").value, end: $("end").value,
            initial_capital: Number($("capital").value), position_size_pct: Number($("position").value),
            strategies: (chosen.length === 0 || chosen.includes("all")) ? "all" : chosen,
          };
          try {
            const r = await api("POST", "/api/v1/optimizer/analyze", body);
            watch(r.job_id);
            loadHistory();
          } catch (e) { $("form-error").textContent = e.message; }
        }

        function watch(jobId) {
          currentJob = jobId;
          $("progress-section").hidden = false;
          $("results-section").hidden = true;
          $("execute-result").textContent = "";
          if (pollTimer) clearTimeout(pollTimer);
          poll();
        }

        async function poll() {
          const jobId = currentJob;
          try {
            const s = await api("GET", "/api/v1/optimizer/status/" + encodeURIComponent(jobId));
            if (jobId !== currentJob) return;
            $("progress").max = Math.max(1, s.total);
            $("progress").value = s.done;
            let text = jobId + ": " + s.status + (s.status === "running" && s.stage ? " — " + s.stage + " " + s.done + "/" + s.total : "");
            if (s.queue_position) text += " (queue position " + s.queue_position + ")";
            if (s.eta_seconds !== undefined && s.eta_seconds !== null) text += ", about " + s.eta_seconds + " s left";
            $("progress-text").textContent = text;
            if (["succeeded", "partial", "failed"].includes(s.status)) {
              loadHistory();
              if (s.status !== "failed" || s.backtests > 0) await loadResults(jobId, s);
              return;
            }
            if (["interrupted", "cancelled"].includes(s.status)) { loadHistory(); return; }
          } catch (e) {
            $("progress-text").textContent = e.message;
            return;
          }
          pollTimer = setTimeout(poll, 1000);
        }

        function returnCell(v) {
          const td = el("td", num(v, 2), "num");
          if (v !== null && v !== undefined) td.classList.add(Number(v) >= 0 ? "pos" : "neg");
          return td;
        }

        function rowCells(tr, r, withSymbol) {
          if (withSymbol) tr.appendChild(el("td", r.symbol));
          tr.appendChild(el("td", r.rank, "num"));
          tr.appendChild(el("td", r.strategy));
          tr.appendChild(el("td", r.params));
          tr.appendChild(el("td", num(r.score, 1), "num"));
          tr.appendChild(returnCell(r.total_return_pct));
          tr.appendChild(el("td", num(r.sharpe, 2), "num"));
          tr.appendChild(el("td", num(r.max_drawdown_pct, 1), "num"));
          tr.appendChild(el("td", r.trades, "num"));
          if (Number(r.rank) === 1) tr.className = "best";
        }

        async function loadResults(jobId, status) {
          const data = await api("GET", "/api/v1/optimizer/results/" + encodeURIComponent(jobId));
          if (jobId !== currentJob) return;
          const rows = data.results || [];
          const bySymbol = new Map();
          for (const r of rows) {
            if (!bySymbol.has(r.symbol)) bySymbol.set(r.symbol, []);
            bySymbol.get(r.symbol).push(r);
          }
          $("results-section").hidden = false;
          $("results-job").textContent = jobId;
          const link = $("report-link");
          if (status.report_url) { link.href = status.report_url; link.hidden = false; } else { link.hidden = true; }
          const tabs = $("tabs");
          tabs.replaceChildren();
          const symbols = Array.from(bySymbol.keys());
          symbols.forEach((sym, i) => {
            const b = el("button", sym);
            b.type = "button";
            b.setAttribute("role", "tab");
            b.dataset.symbol = sym;
            b.addEventListener("click", () => showTab(sym, bySymbol.get(sym)));
            tabs.appendChild(b);
            if (i === 0) showTab(sym, bySymbol.get(sym));
          });
          const body = $("ranking").querySelector("tbody");
          body.replaceChildren();
          for (const sym of symbols) {
            for (const r of bySymbol.get(sym).slice().sort((a, b) => a.rank - b.rank)) {
              const tr = el("tr");
              rowCells(tr, r, true);
              body.appendChild(tr);
            }
          }
        }

        function showTab(sym, rows) {
          for (const b of $("tabs").children) b.setAttribute("aria-selected", b.dataset.symbol === sym ? "true" : "false");
          const panel = $("tab-panel");
          panel.replaceChildren();
          const best = rows.find((r) => Number(r.rank) === 1);
          if (best) panel.appendChild(el("p", "Best: " + best.strategy + " " + best.params + " — return " + num(best.total_return_pct, 2) + " %, score " + num(best.score, 1)));
          const exec = el("button", "Execute " + sym);
          exec.type = "button";
          exec.className = "execute-symbol";
          exec.addEventListener("click", () => execute([sym]));
          panel.appendChild(exec);
          const table = el("table");
          const head = el("tr");
          for (const h of ["Rank", "Strategy", "Params", "Score", "Return %", "Sharpe", "Max DD %", "Trades"]) head.appendChild(el("th", h));
          table.appendChild(head);
          for (const r of rows.slice().sort((a, b) => a.rank - b.rank)) {
            const tr = el("tr");
            rowCells(tr, r, false);
            table.appendChild(tr);
          }
          panel.appendChild(table);
        }

        async function execute(symbols) {
          const out = $("execute-result");
          out.replaceChildren(el("p", "executing…"));
          try {
            const r = await api("POST", "/api/v1/optimizer/execute", { job_id: currentJob, symbols, dry_run: $("dry-run").checked });
            out.replaceChildren();
            out.appendChild(el("p", (r.dry_run ? "dry run: " : "") + r.submitted + " submitted, " + r.blocked + " blocked, " + r.failed + " failed, " + r.skipped + " skipped", "execute-summary"));
            if (r.error) out.appendChild(el("p", r.error, "error"));
            if (r.plan) out.appendChild(el("pre", r.plan));
            const table = el("table");
            const head = el("tr");
            for (const h of ["Symbol", "Side", "Shares", "Value", "Status", "Order id", "Details"]) head.appendChild(el("th", h));
            table.appendChild(head);
            for (const o of r.orders) {
              const tr = el("tr");
              tr.appendChild(el("td", o.symbol));
              tr.appendChild(el("td", o.side));
              tr.appendChild(el("td", num(o.shares, 2), "num"));
              tr.appendChild(el("td", num(o.value, 2), "num"));
              tr.appendChild(el("td", o.status, "status-" + o.status));
              tr.appendChild(el("td", o.order_id || o.client_order_id));
              tr.appendChild(el("td", (o.breaches || []).concat(o.error ? [o.error] : []).join("; ")));
              table.appendChild(tr);
            }
            out.appendChild(table);
          } catch (e) { out.replaceChildren(el("p", e.message, "error")); }
        }

        async function loadHistory() {
          if (!token) return;
          try {
            const h = await api("GET", "/api/v1/optimizer/history?per_page=50");
            const body = $("history").querySelector("tbody");
            body.replaceChildren();
            for (const j of h.jobs) {
              const tr = el("tr");
              const idCell = el("td");
              const open = el("a", j.job_id);
              open.href = "#";
              open.addEventListener("click", (ev) => { ev.preventDefault(); watch(j.job_id); });
              idCell.appendChild(open);
              tr.appendChild(idCell);
              tr.appendChild(el("td", j.status));
              tr.appendChild(el("td", j.spec_name || ""));
              tr.appendChild(el("td", j.submitted_at));
              const rep = el("td");
              if (j.report_url) {
                const a = el("a", "report.html");
                a.href = j.report_url;
                a.target = "_blank";
                a.rel = "noopener noreferrer";
                rep.appendChild(a);
              }
              tr.appendChild(rep);
              const del = el("button", ["running", "cancelling"].includes(j.status) ? "Cancel" : "Delete");
              del.type = "button";
              del.addEventListener("click", async () => {
                try { await api("DELETE", "/api/v1/optimizer/jobs/" + encodeURIComponent(j.job_id)); } catch (e) { $("form-error").textContent = e.message; }
                loadHistory();
              });
              const c = el("td");
              c.appendChild(del);
              tr.appendChild(c);
              body.appendChild(tr);
            }
          } catch (e) { $("form-error").textContent = e.message; }
        }

        $("signin").addEventListener("submit", (ev) => {
          ev.preventDefault();
          setToken($("token").value);
          $("who").textContent = "signed in";
          loadHistory();
        });
        $("tickers").addEventListener("input", countTickers);
        $("form").addEventListener("submit", submitForm);
        $("execute-all").addEventListener("click", () => execute([]));
        $("history-refresh").addEventListener("click", loadHistory);
        defaultDates();
        countTickers();
        if (token) { $("who").textContent = "signed in"; loadHistory(); }

        """
}
