/// Templates, style sheet and script of report.html and reports/index.html, as Swift constants.
///
/// Rules: `{{x}}` (escaped) for every value; `{{{x}}}` only for SVG built by `SVGChart`, which escapes its
/// own text. The page makes no network request (the CSP meta tag forbids it) and reads fully without
/// JavaScript: symbol tabs work through `:target`, the script only adds table sorting and the active tab.
/// In the large per-symbol tables (ranking, monthly returns, trades) `</td>` is omitted between cells, as
/// HTML allows (the DOM is the same); this keeps a 500-symbol report well under 10 MB.
enum HTMLTemplates {
    static let csp =
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">"

    static let css = """
        :root{--fg:#1f2328;--mut:#59636e;--bd:#d1d9e0;--line:#eaeef2;--bg:#f6f8fa;--acc:#0969da;--pos:#1a7f37;--neg:#cf222e;--best:#e6f6ea}
        *{box-sizing:border-box}
        body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:var(--bg)}
        .in{max-width:1240px;margin:0 auto;padding:0 24px}
        header.top{background:#0d1117;color:#f0f6fc;padding:18px 0 16px}
        .eyebrow{color:#9198a1;font-size:12px;text-transform:uppercase;letter-spacing:.08em}
        h1{margin:2px 0 4px;font-size:24px;font-weight:600;word-break:break-word}
        header .sub{color:#c9d1d9}
        header code{color:#f0f6fc}
        h2{font-size:18px;margin:0 0 12px}
        h3{font-size:16px;margin:18px 0 8px}
        h4{font-size:13px;margin:18px 0 6px;color:var(--mut);text-transform:uppercase;letter-spacing:.05em}
        code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:rgba(175,184,193,.2);padding:1px 4px;border-radius:4px;word-break:break-all}
        nav.toc{background:#fff;border-bottom:1px solid var(--bd);position:sticky;top:0;z-index:2}
        nav.toc a{display:inline-block;padding:10px 14px 9px;color:var(--fg);text-decoration:none;border-bottom:2px solid transparent}
        nav.toc a:hover{border-bottom-color:var(--acc)}
        main{padding-bottom:40px}
        .card{background:#fff;border:1px solid var(--bd);border-radius:8px;padding:18px 20px;margin:16px 0}
        .kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(200px,1fr));gap:12px;margin:16px 0}
        .kpi{background:#fff;border:1px solid var(--bd);border-radius:8px;padding:12px 16px}
        .kpi .l{color:var(--mut);font-size:12px;text-transform:uppercase;letter-spacing:.05em}
        .kpi .v{font-size:22px;font-weight:600;margin-top:2px;word-break:break-word}
        .kpi .n{color:var(--mut);font-size:12px}
        dl.facts{display:grid;grid-template-columns:max-content minmax(0,1fr) max-content minmax(0,1fr);gap:6px 18px;margin:0}
        dt{color:var(--mut)}
        dd{margin:0;word-break:break-word}
        .mut{color:var(--mut)}
        .badge{display:inline-block;padding:0 8px;border-radius:10px;font-size:12px;font-weight:600;line-height:18px;vertical-align:1px;border:1px solid var(--bd);background:#fff;color:var(--fg)}
        .badge.warn,.badge.quarantined,.badge.blocked,.badge.skipped{background:#fff8c5;color:#7d4e00;border-color:#d4a72c}
        .badge.failed{background:#ffebe9;color:#a40e26;border-color:#ff8182}
        .badge.submitted{background:#dafbe1;color:#116329;border-color:#4ac26b}
        .scroll{overflow-x:auto}
        .tall{max-height:640px;overflow-y:auto}
        .tall thead th{position:sticky;top:0;z-index:1}
        table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
        th,td{padding:5px 9px;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap}
        thead th{font-size:12px;font-weight:600;color:var(--mut);background:var(--bg);border-bottom:1px solid var(--bd)}
        tbody th{font-weight:600}
        .t{text-align:left}
        td.wrap{white-space:normal;word-break:break-word;min-width:120px}
        td.p{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
        table.rank{font-size:13px}
        table.rank th,table.rank td{padding:5px 6px}
        table.rank thead th{white-space:normal;vertical-align:bottom}
        table.grid{width:auto}
        tbody tr:hover td{background:#f6f8fa}
        tr.best td{background:var(--best);font-weight:600}
        tr.best:hover td{background:#d2f0da}
        .star{color:#bf8700}
        .pos{color:var(--pos)}
        .neg{color:var(--neg)}
        .sc{min-width:100px}
        .bt{display:inline-block;width:56px;height:8px;border-radius:4px;background:var(--line);margin-right:8px;vertical-align:0;overflow:hidden}
        .bar{display:block;height:8px;background:#54aeff}
        tr.best .bar{background:var(--pos)}
        th.sh{cursor:pointer;user-select:none}
        th[aria-sort=ascending]::after{content:" ▲"}
        th[aria-sort=descending]::after{content:" ▼"}
        table.heat td{text-align:center;min-width:64px}
        table.heat td.t{text-align:left}
        .h0{background:#f7fcf5}.h1{background:#e5f5e0}.h2{background:#c7e9c0}.h3{background:#a1d99b}.h4{background:#74c476}
        .h5{background:#41ab5d;color:#fff}.h6{background:#238b45;color:#fff}.h7{background:#006d2c;color:#fff}.h8{background:#00441b;color:#fff}.h9{background:#002910;color:#fff}
        td.na{background:#fff;color:var(--mut)}
        td.hb{font-weight:700;outline:2px solid #bf8700;outline-offset:-2px}
        .legend{margin-top:8px;font-size:12px;color:var(--mut)}
        .legend span{display:inline-block;padding:0 6px;border-radius:3px}
        .tabs{display:flex;flex-wrap:wrap;gap:6px;max-height:92px;overflow:auto;padding:10px;background:#fff;border:1px solid var(--bd);border-radius:8px}
        .tabs a{padding:2px 12px;border:1px solid var(--bd);border-radius:14px;text-decoration:none;color:var(--fg);font-size:13px}
        .tabs a:hover{border-color:var(--acc)}
        .tabs a.cur{background:var(--acc);border-color:var(--acc);color:#fff}
        @supports selector(:has(*)){.sym{display:none}.sym:target{display:block}.syms:not(:has(.sym:target)) .sym:first-child{display:block}}
        @media print{.sym{display:block!important}nav,.tabs{display:none}.tall{max-height:none}}
        .sym{scroll-margin-top:150px}
        .symh{display:flex;gap:12px;align-items:baseline;flex-wrap:wrap}
        .symh h3{margin:0;font-size:20px}
        .bestline{margin:6px 0 0}
        figure{margin:0}
        .ch{display:block;width:100%;height:auto;font-family:inherit}
        .ch text{font-size:24px;fill:#59636e}
        .ch .yl{text-anchor:end}
        .ch .xl{text-anchor:middle}
        .ch .lg{fill:#1f2328}
        .ch .nt{text-anchor:end}
        .ch .grid{stroke:#eaeef2;stroke-width:2}
        .ch .ax{stroke:#8c959f;stroke-width:2}
        .ch .s1{stroke:#0969da;stroke-width:3.4;stroke-linejoin:round}
        .ch .s2{stroke:#8c959f;stroke-width:2.6;stroke-dasharray:10 6}
        .ch .dd{fill:rgba(207,34,46,.16);stroke:#cf222e;stroke-width:2.2;stroke-linejoin:round}
        .ch .ks1{fill:#0969da}.ch .ks2{fill:#8c959f}.ch .kdd{fill:#cf222e}
        table.monthly td{min-width:54px}
        table.tl tr.pos td:nth-child(n+7){color:var(--pos)}
        table.tl tr.neg td:nth-child(n+7){color:var(--neg)}
        td.yt{font-weight:600;border-left:1px solid var(--bd)}
        details{margin-top:14px}
        summary{cursor:pointer;font-weight:600;color:var(--acc)}
        ul.skips{columns:2;margin:8px 0}
        .verdict{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
        footer{color:var(--mut);font-size:12px;padding:16px 24px 32px}
        @media (max-width:760px){dl.facts{grid-template-columns:max-content minmax(0,1fr)}}
        """

    /// Progressive enhancement only: click/Enter on a heading sorts its table; the active symbol tab is
    /// highlighted. No data is embedded; everything is read from the DOM.
    static let script = """
        (function(){
        "use strict";
        function key(td){
        var t=td.getAttribute("data-v");
        if(t===null){t=td.textContent.replace(/[,%\\u2605\\s]/g,"");}
        if(/^\\d{4}-\\d\\d(-\\d\\d)?$/.test(t)){return t;}
        var n=parseFloat(t);
        return isNaN(n)?t.toLowerCase():n;
        }
        function cmp(a,b){
        var na=typeof a==="number",nb=typeof b==="number";
        if(na&&nb){return a-b;}
        if(na){return -1;}
        if(nb){return 1;}
        return a<b?-1:(a>b?1:0);
        }
        Array.prototype.forEach.call(document.querySelectorAll("table.sortable"),function(tb){
        if(!tb.tHead||!tb.tBodies.length){return;}
        var head=tb.tHead.rows[tb.tHead.rows.length-1];
        Array.prototype.forEach.call(head.cells,function(th,i){
        th.classList.add("sh");
        th.tabIndex=0;
        function go(){
        var asc=th.getAttribute("aria-sort")!=="ascending";
        Array.prototype.forEach.call(head.cells,function(o){o.removeAttribute("aria-sort");});
        th.setAttribute("aria-sort",asc?"ascending":"descending");
        var body=tb.tBodies[0];
        var rows=Array.prototype.slice.call(body.rows);
        rows.sort(function(r1,r2){
        var c1=r1.cells[i],c2=r2.cells[i];
        if(!c1||!c2){return 0;}
        var d=cmp(key(c1),key(c2));
        return asc?d:-d;
        });
        rows.forEach(function(r){body.appendChild(r);});
        }
        th.addEventListener("click",go);
        th.addEventListener("keydown",function(e){if(e.key==="Enter"){go();}});
        });
        });
        function mark(){
        var links=document.querySelectorAll(".tabs a");
        var h=location.hash;
        var any=false;
        Array.prototype.forEach.call(links,function(a){
        var on=a.getAttribute("href")===h;
        any=any||on;
        a.classList.toggle("cur",on);
        if(on){a.setAttribute("aria-current","true");}else{a.removeAttribute("aria-current");}
        });
        if(!any&&links.length){links[0].classList.add("cur");}
        }
        window.addEventListener("hashchange",mark);
        mark();
        })();
        """

    static let page = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        \(csp)
        <title>{{specName}} — stratopt report</title>
        <style>
        \(css)
        </style>
        </head>
        <body>
        <header class="top"><div class="in">
        <div class="eyebrow">stratopt · run report</div>
        <h1>{{specName}}</h1>
        <div class="sub">{{period}} · {{provider}}{{#synthetic}} <span class="badge warn">synthetic data</span>{{/synthetic}}</div>
        </div></header>
        <nav class="toc" aria-label="Sections"><div class="in"><a href="#summary">Summary</a><a href="#overview">Strategy × symbol</a><a href="#symbols">Symbols</a>{{#hasExecution}}<a href="#execution">Execution</a>{{/hasExecution}}</div></nav>
        <main class="in">
        <div class="kpis">{{#kpis}}<div class="kpi"><div class="l">{{label}}</div><div class="v">{{value}}</div><div class="n">{{note}}</div></div>{{/kpis}}</div>
        <section id="summary" class="card"><h2>Run summary</h2>
        <dl class="facts">
        <dt>Spec</dt><dd>{{specName}} <span class="mut">{{specPath}}</span></dd>
        <dt>Period</dt><dd>{{period}}</dd>
        <dt>Provider</dt><dd>{{provider}}{{#synthetic}} <span class="badge warn">synthetic data</span>{{/synthetic}}</dd>
        <dt>Conventions</dt><dd>{{conventions}}</dd>
        <dt>Costs</dt><dd>{{costs}}</dd>
        <dt>Sizing</dt><dd>{{sizing}}</dd>
        <dt>Initial capital</dt><dd>{{initialCapital}}</dd>
        <dt>Score weights</dt><dd>{{scoreNote}}</dd>
        {{#hasValidation}}<dt>Validation</dt><dd>{{validationNote}}</dd>{{/hasValidation}}
        <dt>Tool version</dt><dd>{{toolVersion}}</dd>
        </dl>
        <h3>Symbols without results</h3>
        {{#hasIssues}}<div class="scroll"><table class="sortable issues"><thead><tr><th class="t">Symbol</th><th class="t">Status</th><th class="t">Reason</th></tr></thead><tbody>
        {{#issues}}<tr><td class="t">{{symbol}}</td><td class="t"><span class="badge {{kind}}">{{kind}}</span></td><td class="t wrap">{{#reasons}}<div>{{.}}</div>{{/reasons}}</td></tr>
        {{/issues}}</tbody></table></div>{{/hasIssues}}
        {{^hasIssues}}<p class="mut">None: every symbol of the universe produced results.</p>{{/hasIssues}}
        {{#hasWarnings}}<h3>Warnings</h3><ul class="warnings">{{#warnings}}<li>{{.}}</li>{{/warnings}}</ul>{{/hasWarnings}}
        <h3>Skipped grid combinations</h3>
        {{#hasSkipped}}<details><summary>{{skippedCount}} combination(s) skipped by parameter constraints</summary><ul class="skips">{{#skipped}}<li><code>{{.}}</code></li>{{/skipped}}</ul>{{#skippedTruncated}}<p class="mut">{{skippedTruncatedNote}}</p>{{/skippedTruncated}}</details>{{/hasSkipped}}
        {{^hasSkipped}}<p class="mut">None.</p>{{/hasSkipped}}
        </section>
        <section id="overview" class="card"><h2>Strategy × symbol</h2>
        <p class="mut">Composite score of each strategy's best parameter set per symbol (higher is better); ★ marks the symbol's best strategy. Bars, first and last date show the data each symbol was tested on.</p>
        {{#hasOverview}}<div class="scroll tall"><table class="sortable heat overview"><thead><tr><th class="t">Symbol</th><th>Bars</th><th>First</th><th>Last</th>{{#strategies}}<th>{{.}}</th>{{/strategies}}<th class="t">Best</th></tr></thead><tbody>
        {{#overview}}<tr><td class="t"><a href="#{{anchor}}">{{symbol}}</a></td><td>{{bars}}</td><td>{{first}}</td><td>{{last}}</td>{{#cells}}<td class="{{cls}}" title="{{tip}}">{{text}}</td>{{/cells}}<td class="t">{{best}}</td></tr>
        {{/overview}}</tbody></table></div>
        <div class="legend">Score: {{#scale}}<span class="{{cls}}">{{text}}</span> {{/scale}}</div>{{/hasOverview}}
        {{^hasOverview}}<p class="mut">No results.</p>{{/hasOverview}}
        </section>
        <section id="symbols"><h2>Symbols</h2>
        <nav class="tabs" aria-label="Symbols">{{#symbols}}<a href="#{{anchor}}">{{symbol}}</a>{{/symbols}}</nav>
        <div class="syms">
        {{#symbols}}<section class="sym card" id="{{anchor}}">
        <div class="symh"><h3>{{symbol}}</h3><span class="mut">{{bars}} bars · {{first}} – {{last}}</span></div>
        {{#hasBest}}<p class="bestline">Best: <strong>{{bestStrategy}}</strong> <code>{{bestParams}}</code> · score <strong>{{bestScore}}</strong> · return <span class="{{bestReturnCls}}">{{bestReturn}}</span> vs buy &amp; hold <span class="{{bhReturnCls}}">{{bhReturn}}</span> <span class="mut">(period's first to last close)</span></p>
        {{#hasOverfitting}}<p class="overfit">{{overfittingNote}}</p>{{/hasOverfitting}}
        <p class="mut">{{bestStats}}</p>{{/hasBest}}
        {{#hasFolds}}<h4>Validation folds of the best strategy</h4><p>{{outOfSampleNote}}</p>
        <div class="scroll"><table class="folds"><thead><tr><th>Fold</th><th class="t">Train</th><th class="t">Test</th><th class="t">Params chosen on train</th><th>In-sample score</th><th>Test return</th><th>Test score</th></tr></thead><tbody>
        {{#folds}}<tr><td>{{n}}</td><td class="t">{{train}}</td><td class="t">{{test}}</td><td class="t p">{{params}}</td><td>{{inSampleScore}}</td><td class="{{outOfSampleReturnCls}}">{{outOfSampleReturn}}</td><td>{{outOfSampleScore}}</td></tr>
        {{/folds}}</tbody></table></div>{{/hasFolds}}
        <h4>Ranking</h4>
        <div class="scroll"><table class="sortable rank"><thead><tr><th>Rank</th><th class="t">Strategy</th><th class="t">Params</th>{{#columns}}<th title="{{help}}">{{title}}</th>{{/columns}}<th class="t">Score</th></tr></thead><tbody>
        {{#rows}}<tr{{#best}} class="best"{{/best}}><td>{{#best}}<span class="star" title="best for this symbol">★</span> {{/best}}{{rank}}{{#excluded}} <span class="badge warn" title="{{excludedReason}}">not ranked</span>{{/excluded}}<td class="t">{{strategy}}<td class="t p">{{params}}{{#cells}}<td{{#hasCls}} class="{{cls}}"{{/hasCls}}>{{text}}{{/cells}}<td class="t sc"><span class="bt"><span class="bar" style="width:{{scoreWidth}}%"></span></span>{{score}}</td></tr>
        {{/rows}}</tbody></table></div>{{#rowsTruncated}}<p class="mut">{{rowsNote}}</p>{{/rowsTruncated}}
        {{#hasCharts}}<h4>Equity: best strategy vs buy &amp; hold</h4><figure>{{{equitySVG}}}</figure>
        <h4>Drawdown of the best strategy</h4><figure>{{{drawdownSVG}}}</figure>{{/hasCharts}}
        {{^hasCharts}}<p class="mut">No equity curve recorded for this symbol.</p>{{/hasCharts}}
        {{#grids}}<h4>Score grid: {{strategy}}</h4><p class="mut">Rows: {{rowParam}} · columns: {{colParam}}{{#hasOther}} · best over {{other}}{{/hasOther}}</p>
        <div class="scroll"><table class="heat grid"><thead><tr><th class="t">{{rowParam}} \\ {{colParam}}</th>{{#colValues}}<th>{{.}}</th>{{/colValues}}</tr></thead><tbody>{{#gridRows}}<tr><th class="t">{{value}}</th>{{#cells}}<td class="{{cls}}" title="{{tip}}">{{text}}</td>{{/cells}}</tr>{{/gridRows}}</tbody></table></div>
        {{/grids}}
        {{#hasMonthly}}<h4>Monthly returns of the best strategy, %</h4>
        <div class="scroll"><table class="monthly"><thead><tr><th class="t">Year</th><th>Jan</th><th>Feb</th><th>Mar</th><th>Apr</th><th>May</th><th>Jun</th><th>Jul</th><th>Aug</th><th>Sep</th><th>Oct</th><th>Nov</th><th>Dec</th><th>Year</th></tr></thead><tbody>
        {{#monthly}}<tr><th class="t">{{year}}</th>{{#months}}<td{{#hasCls}} class="{{cls}}"{{/hasCls}}>{{text}}{{/months}}<td class="yt {{totalCls}}">{{totalText}}</td></tr>
        {{/monthly}}</tbody></table></div>{{/hasMonthly}}
        {{#hasBest}}<details class="trades"><summary>Trades of the best strategy ({{tradeCount}})</summary>
        {{#hasTrades}}<div class="scroll"><table class="sortable tl"><thead><tr><th>#</th><th>Entry</th><th>Entry price</th><th>Exit</th><th>Exit price</th><th>Shares</th><th>P&amp;L</th><th>Return</th></tr></thead><tbody>
        {{#trades}}<tr class="{{cls}}"><td>{{n}}<td>{{entryDate}}<td>{{entryPrice}}<td>{{exitDate}}<td>{{exitPrice}}<td>{{shares}}<td>{{pnl}}<td>{{ret}}</td></tr>
        {{/trades}}</tbody></table></div>{{#tradesTruncated}}<p class="mut">Showing the last {{tradesShown}}; trades.csv has all of them.</p>{{/tradesTruncated}}{{/hasTrades}}
        {{^hasTrades}}<p class="mut">No closed trades.</p>{{/hasTrades}}</details>{{/hasBest}}
        </section>
        {{/symbols}}</div>
        {{^symbols}}<p class="mut card">No symbol produced results.</p>{{/symbols}}
        </section>
        {{#hasExecution}}<section id="execution" class="card"><h2>Execution</h2>
        <p>{{#execCounts}}<span class="badge {{status}}">{{count}} {{status}}</span> {{/execCounts}}</p>
        {{#execGroups}}<h3>{{title}}</h3><div class="scroll"><table class="sortable exec"><thead><tr><th class="t">Symbol</th><th class="t">Strategy</th><th class="t">Side</th><th>Shares</th><th>Price</th><th>Value</th>{{#showIds}}<th class="t">Broker order id</th><th class="t">Client order id</th>{{/showIds}}{{#showVerdicts}}<th class="t">Rules breached (measured vs limit)</th>{{/showVerdicts}}{{#showError}}<th class="t">Error</th>{{/showError}}</tr></thead><tbody>
        {{#orders}}<tr><td class="t">{{symbol}}</td><td class="t">{{strategy}}</td><td class="t">{{side}}</td><td>{{shares}}</td><td>{{price}}</td><td>{{value}}</td>{{#showIds}}<td class="t">{{#hasBrokerId}}<code>{{brokerOrderId}}</code>{{/hasBrokerId}}</td><td class="t">{{#hasClientId}}<code>{{clientOrderId}}</code>{{/hasClientId}}</td>{{/showIds}}{{#showVerdicts}}<td class="t wrap">{{#verdicts}}<div class="verdict">{{.}}</div>{{/verdicts}}</td>{{/showVerdicts}}{{#showError}}<td class="t wrap neg">{{error}}</td>{{/showError}}</tr>
        {{/orders}}</tbody></table></div>
        {{/execGroups}}
        {{^execGroups}}<p class="mut">No orders.</p>{{/execGroups}}
        </section>{{/hasExecution}}
        </main>
        <footer class="in">Generated by stratopt {{toolVersion}} · the run's id and times are in manifest.json · machine-readable files beside this report: {{filesNote}} (columns in docs/reports.md, schema version {{schemaVersion}}).</footer>
        <script>
        \(script)
        </script>
        </body>
        </html>

        """
}
