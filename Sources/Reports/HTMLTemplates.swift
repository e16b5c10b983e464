import Digests
import Foundation

/// Templates, style sheet and script of report.html and reports/index.html, as Swift constants.
///
/// Rules: `{{x}}` (escaped) for every value; `{{{x}}}` only for SVG built by `SVGChart`, which escapes its
/// own text. The page makes no network request (the CSP meta tag forbids it) and reads fully without
/// JavaScript: symbol tabs work through `:target`, the script only adds table sorting and the active tab.
/// In the large per-symbol tables (ranking, monthly returns, trades) `</td>` is omitted between cells, as
/// HTML allows (the DOM is the same); this keeps a 500-symbol report well under 10 MB.
enum HTMLTemplates {
    /// No request of any kind; the one inline script is allowed by its SHA-256 (`scriptHash`), styles inline.
    static let csp =
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-\(scriptHash)'; img-src data:\">"

    /// The script element's text exactly as the pages embed it (the CSP hash covers these bytes).
    static let scriptElementText = "\n" + script + "\n"
    static let scriptHash = Data(SHA256Hex.digest(Array(scriptElementText.utf8))).base64EncodedString()

    static let css = """
        :root{--fg:#1f2328;--mut:#59636e;--bd:#d1d9e0;--line:#eaeef2;--bg:#f6f8fa;--acc:#0969da;--pos:#1a7f37;--neg:#cf222e;--best:#e6f6ea}
        *{box-sizing:border-box}
        body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:var(--bg)}
        .in{margin:0;padding:0 24px}
        header.top{background:#0d1117;color:#f0f6fc;padding:18px 0 16px}
        .eyebrow{color:#9198a1;font-size:12px;text-transform:uppercase;letter-spacing:.08em}
        h1{margin:2px 0 4px;font-size:24px;font-weight:600;word-break:break-word}
        header .sub{color:#c9d1d9}
        header code{color:#f0f6fc}
        header a{color:#9ecbff}
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
        .tall{max-height:75vh;overflow:auto}
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
        @supports selector(:has(*)){.syms .sym{display:none}.syms .sym:target{display:block}.syms .sym:has(.det:target){display:block}.syms:not(:has(.sym:target,.det:target)) .sym:first-child{display:block}}
        .det{display:none;border-color:var(--acc);scroll-margin-top:50px}.det:target{display:block}
        .det .symh h3{font-size:17px}
        dl.mets{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:6px 14px;margin:10px 0}
        dl.mets div{border-bottom:1px solid var(--line);padding:2px 0}
        dl.mets dt{font-size:12px}dl.mets dd{font-weight:600;font-variant-numeric:tabular-nums}
        input.search{font:inherit;padding:6px 10px;border:1px solid var(--bd);border-radius:6px;width:min(360px,100%);margin:0 0 10px}
        .off{display:none!important}
        .two{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:0 24px}
        .logl{float:right;font-size:13px;color:var(--mut);cursor:pointer}
        .tsh .log{display:none}.tsh:has(.logt:checked) .log{display:block}.tsh:has(.logt:checked) .lin{display:none}
        table.monthly td.pos{background:#e6f6ea}table.monthly td.neg{background:#ffebe9}
        .hint{margin:0 0 6px;font-size:12px}
        @media print{@page{size:A4 landscape;margin:8mm}body{background:#fff;font-size:10px}.in{padding:0 4px}
        .syms .sym{display:block!important}.sym{break-before:page}.det,nav,.tabs,input.search,.logl,details.trades,.tsh .log,.tsh .two,.tsh .dist,.hint,.extra{display:none!important}
        .scroll,.tall{overflow:visible!important;max-height:none!important}.card{border:0;padding:4px 0;margin:4px 0}
        table{font-size:8px}table.rank{font-size:7.5px}th,td,table.rank th,table.rank td{padding:2px 3px}thead th{position:static!important}
        .bt{width:24px}.sc{min-width:0}figure{break-inside:avoid}.ch{max-height:58mm}td.p,code{font-size:7.5px}header.top{padding:6px 0}}
        .sym{scroll-margin-top:150px}
        .symh{display:flex;gap:12px;align-items:baseline;flex-wrap:wrap}
        .symh h3{margin:0;font-size:20px}
        .bestline{margin:6px 0 0}
        figure{margin:0}
        .ch{display:block;width:100%;max-width:1500px;height:auto;font-family:inherit}
        .ch text{font-size:24px;fill:#59636e}
        .ch .yl{text-anchor:end}
        .ch .xl{text-anchor:middle}
        .ch .lg{fill:#1f2328}
        .ch .nt{text-anchor:end}
        .ch .grid{stroke:#eaeef2;stroke-width:2}
        .ch .ax{stroke:#8c959f;stroke-width:2}
        .ch .s1{stroke:#0969da;stroke-linejoin:round}
        .ch .s2{stroke:#8c959f;stroke-dasharray:6 4}
        .ch .pa path{vector-effect:non-scaling-stroke}
        .ch .s1{stroke-width:1.8px}.ch .s2{stroke-width:1.4px}
        .ch .dd{fill:rgba(207,34,46,.16);stroke:#cf222e;stroke-width:1.2px;stroke-linejoin:round}
        .ch .px{stroke:#57606a;stroke-width:1.4px;stroke-linejoin:round}
        .ch .s3{stroke:#8250df;stroke-width:1.6px;stroke-linejoin:round}
        .ch .me,.ch .mx{stroke-width:7px;stroke-linecap:round;fill:none}
        .ch .me{stroke:#1a7f37}.ch .mx{stroke:#cf222e}
        .ch .plp,.ch .pln{stroke-width:2.5px}.ch .plp{stroke:#1a7f37}.ch .pln{stroke:#cf222e}
        .ch .hi{fill:#54aeff}
        .ch .kpx{fill:#57606a}.ch .ks3{fill:#8250df}.ch .kme,.ch .kplp{fill:#1a7f37}.ch .kmx,.ch .kpln{fill:#cf222e}
        .ch .hl{stroke:#1f2328;stroke-width:1px;vector-effect:non-scaling-stroke;pointer-events:none}
        .ch text.hv{text-anchor:end;fill:#1f2328;paint-order:stroke;stroke:#fff;stroke-width:8px;pointer-events:none}
        .ch .sel{fill:rgba(9,105,218,.14);pointer-events:none}
        .ch.zm .xl,.ch.zm .xt,.ch.zm .xa{visibility:hidden}
        svg.ch.defs{position:absolute;width:0;height:0;overflow:hidden}
        .sh text{font-size:24px;fill:#59636e}.sh .yl{text-anchor:end}.sh .xl{text-anchor:middle}.sh .lg{fill:#1f2328}
        .sh .grid{stroke:#eaeef2;stroke-width:2}.sh .ax{stroke:#8c959f;stroke-width:2}.sh .kpx{fill:#57606a}.sh .kme{fill:#1a7f37}.sh .kmx{fill:#cf222e}
        .sh.px{stroke:#57606a;stroke-width:1.4px;stroke-linejoin:round;vector-effect:non-scaling-stroke}
        .sh.s2{stroke:#8c959f;stroke-dasharray:6 4;stroke-width:1.4px;vector-effect:non-scaling-stroke}
        .sh .kdd{fill:#cf222e}.sh .kplp{fill:#1a7f37}.sh .kpln{fill:#cf222e}
        svg.ch[data-g]{cursor:crosshair}
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

    /// Progressive enhancement only: click/Enter on a heading sorts its table; the search box filters
    /// symbols; the active symbol tab is highlighted; charts get a hover read-out (date and values) and a
    /// time-axis zoom (drag or wheel; double-click resets). Data is read from the DOM: each chart's geometry
    /// (`data-g`, `data-r`, `data-f`), its path points and the symbol's dates (`data-dd`). No request is made.
    static let script = """
        (function(){
        "use strict";
        var A=Array.prototype;
        function each(sel,f){A.forEach.call(document.querySelectorAll(sel),f);}
        function key(td){
        var t=td.getAttribute("data-v");
        if(t===null){t=td.textContent.replace(/[,%\\u2605\\s]/g,"").replace(/^\\u2212/,"-");}
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
        each("table.sortable",function(tb){
        if(!tb.tHead||!tb.tBodies.length){return;}
        var head=tb.tHead.rows[tb.tHead.rows.length-1];
        A.forEach.call(head.cells,function(th,i){
        th.classList.add("sh");
        th.tabIndex=0;
        function go(){
        var asc=th.getAttribute("aria-sort")!=="ascending";
        A.forEach.call(head.cells,function(o){o.removeAttribute("aria-sort");});
        th.setAttribute("aria-sort",asc?"ascending":"descending");
        var body=tb.tBodies[0];
        var rows=A.slice.call(body.rows);
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
        each("input.search",function(inp){
        inp.hidden=false;
        inp.addEventListener("input",function(){
        var q=inp.value.trim().toLowerCase();
        each("input.search",function(o){if(o!==inp){o.value=inp.value;}});
        each("[data-sym]",function(el){
        el.classList.toggle("off",q!==""&&el.getAttribute("data-sym").toLowerCase().indexOf(q)<0);
        });
        });
        });
        function mark(){
        var links=document.querySelectorAll(".tabs a");
        var h=location.hash;
        var t=h.length>1?document.getElementById(h.slice(1)):null;
        var sym=t&&t.closest?t.closest(".sym"):null;
        var any=false;
        A.forEach.call(links,function(a){
        var on=sym!==null&&a.getAttribute("href")==="#"+sym.id;
        any=any||on;
        a.classList.toggle("cur",on);
        if(on){a.setAttribute("aria-current","true");}else{a.removeAttribute("aria-current");}
        });
        if(!any&&links.length){links[0].classList.add("cur");}
        }
        window.addEventListener("hashchange",mark);
        mark();
        var cache=new WeakMap();
        function dates(svg){
        var host=svg.closest("[data-dd]");
        if(!host){return null;}
        if(cache.has(host)){return cache.get(host);}
        var t=host.getAttribute("data-dd"),c=t.indexOf(":"),p=t.slice(0,c).split("-");
        var d=Date.UTC(+p[0],p[1]-1,+p[2]),out=[d],re=/\\(([0-9a-z]+)\\)|([0-9a-z])/g,m,s=t.slice(c+1);
        while((m=re.exec(s))!==null){d+=parseInt(m[1]||m[2],36)*864e5;out.push(d);}
        cache.set(host,out);
        return out;
        }
        function points(path){
        var d=path.getAttribute("d");
        if(d===null){var ref=document.getElementById((path.getAttribute("href")||"").slice(1));d=ref?ref.getAttribute("d")||"":"";}
        var v=(d.match(/-?\\d+/g)||[]).map(Number),x=v[0],y=v[1],out=[[x,y]];
        for(var i=2;i+1<v.length;i+=2){x+=v[i];y+=v[i+1];out.push([x,y]);}
        return path.hasAttribute("data-a")?out.slice(1,-1):out;
        }
        function nearest(p,x){
        var lo=0,hi=p.length-1;
        while(hi-lo>1){var m=(lo+hi)>>1;if(p[m][0]<x){lo=m;}else{hi=m;}}
        return Math.abs(p[lo][0]-x)<=Math.abs(p[hi][0]-x)?p[lo]:p[hi];
        }
        each("svg.ch[data-g]",function(svg){
        var g=svg.getAttribute("data-g").split(" ").map(Number),r=svg.getAttribute("data-r").split(" ").map(Number);
        var f=svg.getAttribute("data-f"),pct=f.charAt(0)==="p",log=f.indexOf("l")>0;
        var x0=g[0],x1=g[1],y0=g[2],y1=g[3],n=g[4],view=[x0,x1],pa=svg.querySelector("svg.pa");
        if(!pa){return;}
        var ph=pa.viewBox.baseVal.height,ns=svg.namespaceURI;
        var series=null;
        function ser(){if(series===null){series=A.map.call(pa.querySelectorAll("[data-l]"),function(p){return{l:p.getAttribute("data-l"),p:points(p)};});}return series;}
        function el(name,cls){var e=document.createElementNS(ns,name);e.setAttribute("class",cls);e.style.display="none";svg.appendChild(e);return e;}
        var line=el("path","hl"),sel=el("rect","sel"),txt=el("text","hv");
        txt.setAttribute("x",x1);txt.setAttribute("y",y0-6);
        sel.setAttribute("y",y0);sel.setAttribute("height",y1-y0);
        function local(e){var pt=svg.createSVGPoint();pt.x=e.clientX;pt.y=e.clientY;return pt.matrixTransform(svg.getScreenCTM().inverse());}
        function dataX(sx){return view[0]+(sx-x0)/(x1-x0)*(view[1]-view[0]);}
        function value(y){var t=r[0]+(y1-y)/(y1-y0)*r[1];return log?Math.pow(10,t):t;}
        var dec=Math.max(0,Math.min(4,Math.ceil(-Math.log10(Math.abs(log?value(y0)-value(y1):r[1])/400))));
        function fmt(v){return v.toLocaleString("en-US",{minimumFractionDigits:dec,maximumFractionDigits:dec})+(pct?"%":"");}
        function dateAt(x){
        var i=Math.max(0,Math.min(n-1,Math.round((x-x0)/(x1-x0)*(n-1)))),ds=dates(svg);
        return ds&&i<ds.length?new Date(ds[i]).toISOString().slice(0,10):"bar "+(i+1);
        }
        function zoomed(){return view[0]>x0||view[1]<x1;}
        function caption(){
        if(zoomed()){txt.textContent="zoom "+dateAt(view[0])+" \\u2013 "+dateAt(view[1])+" \\u00b7 double-click resets";txt.style.display="";}
        else{txt.style.display="none";}
        }
        function apply(){pa.setAttribute("viewBox",view[0]+" 0 "+(view[1]-view[0])+" "+ph);svg.classList.toggle("zm",zoomed());caption();}
        function zoomTo(a,b){
        var w=Math.max((x1-x0)*4/Math.max(n-1,1),(x1-x0)/200);
        if(b-a<w){var c=(a+b)/2;a=c-w/2;b=c+w/2;}
        if(a<x0){b+=x0-a;a=x0;}
        if(b>x1){a-=b-x1;b=x1;}
        view=[Math.max(x0,a),Math.min(x1,b)];
        apply();
        }
        var start=null;
        svg.addEventListener("mousedown",function(e){var q=local(e);if(q.x>=x0&&q.x<=x1){start=q.x;e.preventDefault();}});
        svg.addEventListener("mousemove",function(e){
        var q=local(e);
        if(start!==null){sel.setAttribute("x",Math.min(start,q.x));sel.setAttribute("width",Math.abs(q.x-start));sel.style.display="";}
        if(q.x<x0||q.x>x1){line.style.display="none";caption();return;}
        var x=dataX(q.x),parts=[dateAt(x)];
        ser().forEach(function(s){if(s.p.length){parts.push(s.l+" "+fmt(value(nearest(s.p,x)[1])));}});
        txt.textContent=parts.join(" \\u00b7 ");
        txt.style.display="";
        line.setAttribute("d","M"+q.x+" "+y0+"V"+y1);
        line.style.display="";
        });
        window.addEventListener("mouseup",function(e){
        if(start===null){return;}
        var q=local(e),a=Math.min(start,q.x),b=Math.max(start,q.x);
        start=null;sel.style.display="none";
        if(b-a>6){zoomTo(dataX(Math.max(a,x0)),dataX(Math.min(b,x1)));}
        });
        svg.addEventListener("mouseleave",function(){if(start===null){line.style.display="none";caption();}});
        svg.addEventListener("wheel",function(e){
        var q=local(e);
        if(q.x<x0||q.x>x1){return;}
        e.preventDefault();
        var x=dataX(q.x),k=e.deltaY<0?0.8:1.25;
        zoomTo(x-(x-view[0])*k,x+(view[1]-x)*k);
        },{passive:false});
        svg.addEventListener("dblclick",function(){view=[x0,x1];apply();});
        });
        })();
        """

    /// One symbol: its ranking (every row links to its detail), the winner's tearsheet, the score grids,
    /// the best strategy's trades and every backtest's detail (`id="bt-N"`, shown when targeted). Shared by
    /// report.html (small runs) and the per-symbol pages.
    static let section = """
        <section class="sym card" id="{{anchor}}" data-dd="{{dateData}}">
        <div class="symh"><h3>{{symbol}}</h3><span class="mut">{{bars}} bars · {{first}} – {{last}}</span></div>
        {{#hasBest}}<p class="bestline">Best: <strong>{{bestStrategy}}</strong> <code>{{bestParams}}</code> · score <strong>{{bestScore}}</strong> · return <span class="{{bestReturnCls}}">{{bestReturn}}</span> vs buy &amp; hold <span class="{{bhReturnCls}}">{{bhReturn}}</span> <span class="mut">(period's first to last close)</span></p>
        {{#hasOverfitting}}<p class="overfit">{{overfittingNote}}</p>{{/hasOverfitting}}
        <p class="mut">{{bestStats}}</p>{{/hasBest}}
        {{#hasFolds}}<h4>Validation folds of the best strategy</h4><p>{{outOfSampleNote}}</p>
        <div class="scroll"><table class="sortable folds"><thead><tr><th>Fold</th><th class="t">Train</th><th class="t">Test</th><th class="t">Params chosen on train</th><th>In-sample score</th><th>Test return</th><th>Test score</th></tr></thead><tbody>
        {{#folds}}<tr><td>{{n}}</td><td class="t">{{train}}</td><td class="t">{{test}}</td><td class="t p">{{params}}</td><td>{{inSampleScore}}</td><td class="{{outOfSampleReturnCls}}">{{outOfSampleReturn}}</td><td>{{outOfSampleScore}}</td></tr>
        {{/folds}}</tbody></table></div>{{/hasFolds}}
        <h4>Ranking</h4><p class="mut hint">Each backtest links to its detail: price with entries and exits, equity against buy &amp; hold, drawdown, per-trade P&amp;L, trades and every metric. Row = its line in results.csv.</p>
        <div class="scroll tall"><table class="sortable rank"><thead><tr><th>Rank</th><th>Row</th><th class="t">Strategy</th><th class="t">Params</th>{{{metricHeadersHTML}}}<th class="t">Score</th></tr></thead><tbody>
        {{{rankRowsHTML}}}</tbody></table></div>{{#rowsTruncated}}<p class="mut">{{rowsNote}}</p>{{/rowsTruncated}}
        {{#hasCharts}}<div class="tsh"><h4>Tearsheet of the winner: {{bestStrategy}} <code>{{bestParams}}</code></h4>
        {{#hasTearsheet}}<label class="logl"><input type="checkbox" class="logt"> log scale</label>{{/hasTearsheet}}
        <figure class="lin">{{{equitySVG}}}</figure>{{#hasTearsheet}}<figure class="log">{{{equityLogSVG}}}</figure>{{/hasTearsheet}}
        <figure>{{{drawdownSVG}}}</figure>
        {{#hasTearsheet}}<div class="two"><div><h4>Yearly returns vs buy &amp; hold</h4><div class="scroll"><table class="sortable years"><thead><tr><th class="t">Year</th><th>Strategy</th><th>Buy &amp; hold</th><th>Difference</th></tr></thead><tbody>
        {{{yearRowsHTML}}}</tbody></table></div></div>
        <div><h4>Worst 5 drawdowns</h4><div class="scroll"><table class="sortable dds"><thead><tr><th>#</th><th>Start (peak)</th><th>Trough</th><th>Recovery</th><th>Depth</th><th>Length, bars</th><th>Length, days</th></tr></thead><tbody>
        {{{drawdownRowsHTML}}}</tbody></table></div></div></div>
        <div class="two"><figure>{{{rollingSharpeSVG}}}</figure><figure>{{{rollingVolSVG}}}</figure></div>
        <div class="dist"><h4>Distribution of bar returns</h4><figure>{{{distributionSVG}}}</figure></div>{{/hasTearsheet}}
        </div>{{/hasCharts}}
        {{^hasCharts}}<p class="mut">No equity curve recorded for this symbol.</p>{{/hasCharts}}
        <div class="extra">{{#hasMonthly}}<h4>Monthly returns of the best strategy, %</h4>
        <div class="scroll"><table class="sortable monthly"><thead><tr><th class="t">Year</th><th>Jan</th><th>Feb</th><th>Mar</th><th>Apr</th><th>May</th><th>Jun</th><th>Jul</th><th>Aug</th><th>Sep</th><th>Oct</th><th>Nov</th><th>Dec</th><th>Year</th></tr></thead><tbody>
        {{{monthlyRowsHTML}}}</tbody></table></div>{{/hasMonthly}}
        {{{gridsHTML}}}</div>
        {{#hasBest}}<details class="trades"><summary>Trades of the best strategy ({{tradeCount}})</summary>
        {{#hasTrades}}{{{tradesHTML}}}{{/hasTrades}}
        {{^hasTrades}}<p class="mut">No closed trades.</p>{{/hasTrades}}</details>{{/hasBest}}
        {{{detailsHTML}}}
        </section>
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
        <p class="mut">Composite score of each strategy's best parameter set per symbol (higher is better); ★ marks the symbol's best strategy. Bars, first and last date show the data each symbol was tested on. Colours use the score's full scale (legend below).</p>
        <input type="search" class="search" placeholder="Filter symbols…" aria-label="Filter symbols" hidden>
        {{#hasOverview}}<div class="scroll tall"><table class="sortable heat overview"><thead><tr><th class="t">Symbol</th><th>Bars</th><th>First</th><th>Last</th>{{#strategies}}<th>{{.}}</th>{{/strategies}}<th class="t">Best</th></tr></thead><tbody>
        {{#overview}}<tr data-sym="{{symbol}}"><td class="t"><a href="{{href}}">{{symbol}}</a></td><td>{{bars}}</td><td>{{first}}</td><td>{{last}}</td>{{#cells}}<td class="{{cls}}" title="{{tip}}">{{text}}</td>{{/cells}}<td class="t">{{best}}</td></tr>
        {{/overview}}</tbody></table></div>
        <div class="legend">Score: {{#scale}}<span class="{{cls}}">{{text}}</span> {{/scale}}</div>{{/hasOverview}}
        {{^hasOverview}}<p class="mut">No results.</p>{{/hasOverview}}
        </section>
        <section id="symbols"><h2>Symbols</h2>
        <input type="search" class="search" placeholder="Filter symbols…" aria-label="Filter symbols" hidden>
        {{#detailsInline}}<nav class="tabs" aria-label="Symbols">{{#symbols}}<a href="#{{anchor}}" data-sym="{{symbol}}">{{symbol}}</a>{{/symbols}}</nav>
        <div class="syms">
        {{#symbols}}\(section){{/symbols}}</div>
        {{^symbols}}<p class="mut card">No symbol produced results.</p>{{/symbols}}{{/detailsInline}}
        {{^detailsInline}}<div class="card"><p class="mut">This run is large: each symbol's ranking, its winner's tearsheet and every backtest's detail are on the symbol's own page in <code>symbols/</code> beside this file. The symbol opens its page; the strategy opens the winner's detail.</p>
        <div class="scroll tall"><table class="sortable symtab"><thead><tr><th class="t">Symbol</th><th>Bars</th><th class="t">Best strategy</th><th class="t">Params</th><th>Score</th><th>Return</th><th>Buy &amp; hold</th><th>Sharpe</th><th>Max DD</th><th>Trades</th></tr></thead><tbody>
        {{#symbolRows}}<tr data-sym="{{symbol}}"><td class="t"><a href="{{href}}">{{symbol}}</a><td>{{bars}}<td class="t"><a href="{{bestHref}}">{{strategy}}</a><td class="t p">{{params}}<td>{{score}}<td class="{{retCls}}">{{ret}}<td class="{{bhCls}}">{{bhReturn}}<td>{{sharpe}}<td>{{maxDD}}<td>{{trades}}</td></tr>
        {{/symbolRows}}</tbody></table></div></div>{{/detailsInline}}
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

    /// A symbol's page of a large run (`symbols/<name>.html`): same offline rules as report.html.
    static let symbolPage = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        \(csp)
        <title>{{symbol}} — {{specName}} — stratopt report</title>
        <style>
        \(css)
        </style>
        </head>
        <body>
        <header class="top"><div class="in">
        <div class="eyebrow">stratopt · symbol report</div>
        <h1>{{symbol}}</h1>
        <div class="sub">{{specName}} · {{period}} · <a href="../report.html">all symbols (report.html)</a></div>
        </div></header>
        <main class="in">
        {{#symbols}}\(section){{/symbols}}
        </main>
        <footer class="in">Generated by stratopt {{toolVersion}} · the files beside ../report.html hold every value (columns in docs/reports.md).</footer>
        <script>
        \(script)
        </script>
        </body>
        </html>

        """
}
