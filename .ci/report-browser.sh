#!/usr/bin/env bash
# Drives report.html in a real browser (Selenium + Debian's chromium-driver) the way a reviewer does.
#
#   .ci/report-browser.sh REPORT_DIR DATA_DIR OUT_DIR
#
# REPORT_DIR is the example pipeline's run folder (DATA_DIR its --data-dir, so `stratopt report` finds the
# run). Fails (exit 1) unless:
#   - at 1024, 1400 and 1920 px no table is wider than its container without a scroll affordance
#     (overflow-x auto/scroll), and the page itself never scrolls sideways (screenshots in OUT_DIR);
#   - a link from a non-best ranking row opens that backtest's detail with its price chart and trade markers;
#   - the symbol search filters the symbols, and a header click sorts its table;
#   - hovering a chart shows a date and a value; the console has no error;
#   - `stratopt report RUN_ID --pdf` writes report.pdf whose text (pdftotext) has every strategy column;
#   - a 500-symbol report (synthetic spec, the release binary) is at most 10 MB and its index links to
#     per-symbol pages where a non-best backtest's detail has its price chart with trade markers.
# Installs chromium, chromium-driver and poppler-utils (apt) and selenium (pip) only when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$#" -ne 3 ]; then
    echo "usage: $0 REPORT_DIR DATA_DIR OUT_DIR" >&2
    exit 2
fi
report_dir="$(cd "$1" && pwd)"
data_dir="$(cd "$2" && pwd)"
out="$3"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

export DEBIAN_FRONTEND=noninteractive
need=()
for p in chromium chromium-driver poppler-utils; do
    dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    for attempt in 1 2 3; do
        if $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" </dev/null; then break; fi
        [ "$attempt" -eq 3 ] && { echo "report-browser: apt-get failed for: ${need[*]}" >&2; exit 1; }
        sleep 5
    done
fi
if ! python3 -c "import selenium" 2>/dev/null; then
    python3 -m pip install -q selenium || python3 -m pip install -q --break-system-packages selenium
fi

bin="$(swift build -c release --show-bin-path)/stratopt"
test -x "$bin" || swift build -c release --product stratopt
run_id="$(basename "$report_dir")"

echo "== report.pdf of the example run"
rm -f "$report_dir/report.pdf"
"$bin" report "$run_id" --pdf --data-dir "$data_dir"
test -s "$report_dir/report.pdf" || { echo "report-browser: FAIL: no report.pdf" >&2; exit 1; }
pdftotext -layout "$report_dir/report.pdf" "$out/report.txt"
python3 - "$report_dir/results.csv" "$out/report.txt" <<'PY'
import csv
import sys

strategies = sorted({r["strategy"] for r in csv.DictReader(open(sys.argv[1], newline=""))})
text = open(sys.argv[2], encoding="utf-8", errors="replace").read()
columns = ["Return", "CAGR", "Volatility", "Sharpe", "Max DD", "Win rate", "Trades", "Profit factor", "Exposure",
           "Final equity", "Score"]
missing = [s for s in strategies + columns if s not in text]
pages = text.count("\f") + 1
print("report-browser: PDF %d pages, strategy columns %s" % (pages, ", ".join(strategies)))
if missing:
    print("report-browser: FAIL: the PDF lacks %s" % ", ".join(missing), file=sys.stderr)
    sys.exit(1)
PY

echo "== a 500-symbol report (synthetic, release binary)"
big="$out/big"
rm -rf "$big"
mkdir -p "$big"
python3 - "$big/spec.yaml" <<'PY'
import sys

tickers = ", ".join("S%03d" % i for i in range(500))
open(sys.argv[1], "w").write("""version: 1
name: browser-500
data:
  provider: synthetic
  seed: 7
universe:
  tickers: [%s]
period:
  start: 2022-01-03
  end: 2023-12-29
capital:
  initial: 100000
strategies: all
""" % tickers)
PY
start=$(date +%s)
"$bin" run "$big/spec.yaml" --data-dir "$big/data" --reports-dir "$big/reports" >"$big/run.log" 2>&1 \
    || { echo "report-browser: FAIL: the 500-symbol run failed" >&2; tail -20 "$big/run.log" >&2; exit 1; }
big_html=$(sed -n 's|^report: \(.*\)/report.html$|\1|p' "$big/run.log")/report.html
echo "report-browser: 500-symbol run in $(( $(date +%s) - start )) s, report.html $(stat -c %s "$big_html") bytes, $(find "$(dirname "$big_html")/symbols" -name '*.html' | wc -l) symbol pages"

echo "== Selenium"
python3 - "$report_dir/report.html" "$big_html" "$out" <<'PY'
import re
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.actions.wheel_input import ScrollOrigin
from selenium.webdriver.common.by import By

small, big, out = sys.argv[1], sys.argv[2], sys.argv[3]
failures = []


def check(name, good, detail=""):
    print("report-browser: %s %s%s" % ("ok  " if good else "FAIL", name, (": " + detail) if detail else ""))
    if not good:
        failures.append(name)


opts = Options()
for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
          "--disable-extensions", "--disable-background-networking"]:
    opts.add_argument(a)
opts.binary_location = "/usr/bin/chromium"
opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
driver.set_page_load_timeout(60)

OVERFLOW = """
var bad = [];
document.querySelectorAll('table').forEach(function (t) {
  if (!t.offsetParent) { return; }
  var c = t.parentElement, ox = getComputedStyle(c).overflowX;
  if (t.scrollWidth > c.clientWidth + 1 && ox !== 'auto' && ox !== 'scroll') {
    bad.push((t.className || 'table') + ' ' + t.scrollWidth + '>' + c.clientWidth);
  }
});
var doc = document.documentElement;
if (doc.scrollWidth > doc.clientWidth + 1) { bad.push('page ' + doc.scrollWidth + '>' + doc.clientWidth); }
return bad;
"""


def visible(css):
    return [e for e in driver.find_elements(By.CSS_SELECTOR, css) if e.is_displayed()]


def open_detail_of_non_best(label):
    links = visible("table.rank tbody tr:not(.best) a[href^='#bt-']")
    check(label + ": a non-best row links to its detail", len(links) > 0)
    if not links:
        return
    href = links[0].get_attribute("href").split("#")[1]
    links[0].click()
    time.sleep(0.3)
    det = driver.find_element(By.ID, href)
    check(label + ": the detail %s is shown" % href, det.is_displayed())
    price = det.find_elements(By.CSS_SELECTOR, "figure.price svg .px")
    markers = det.find_elements(By.CSS_SELECTOR, "figure.price svg path.me, figure.price svg path.mx")
    check(label + ": its price chart has trade markers", len(price) == 1 and len(markers) >= 1,
          "%d price lines, %d marker paths" % (len(price), len(markers)))
    return det


driver.get("file://" + small)
for w in (1024, 1400, 1920):
    driver.set_window_size(w, 1000)
    time.sleep(0.3)
    bad = driver.execute_script(OVERFLOW)
    check("no clipped table at %d px" % w, not bad, "; ".join(bad))
    driver.save_screenshot("%s/report-%d.png" % (out, w))
driver.set_window_size(1400, 1000)

# A header click sorts: the ranking's Return column, ascending then descending.
def column(table, i):
    vals = []
    for r in table.find_elements(By.CSS_SELECTOR, "tbody tr"):
        t = r.find_elements(By.TAG_NAME, "td")[i].text.replace("\u2212", "-").replace(",", "").replace("%", "").strip()
        try:
            vals.append(float(t))
        except ValueError:
            pass
    return vals


table = visible("table.rank")[0]
heads = table.find_elements(By.CSS_SELECTOR, "thead th")
ret = [h.text for h in heads].index("Return")
heads[ret].click()
asc = column(table, ret)
heads[ret].click()
desc = column(table, ret)
check("a header click sorts", len(asc) > 1 and asc == sorted(asc) and desc == sorted(desc, reverse=True),
      "%s / %s" % (asc[:4], desc[:4]))

# Search filters the symbols.
rows = driver.find_elements(By.CSS_SELECTOR, "table.overview tbody tr")
first = rows[1].find_element(By.TAG_NAME, "td").text
box = visible("input.search")[0]
box.send_keys(first)
time.sleep(0.2)
shown = [r for r in driver.find_elements(By.CSS_SELECTOR, "table.overview tbody tr") if r.is_displayed()]
check("search filters symbols", 0 < len(shown) < len(rows) and all(first.lower() in r.text.lower() for r in shown),
      "%d of %d rows for %r" % (len(shown), len(rows), first))
box.clear()
box.send_keys(" ")
box.clear()
driver.execute_script("arguments[0].value='';arguments[0].dispatchEvent(new Event('input'))", box)

det = open_detail_of_non_best("example")
if det is not None:
    # Hover over the price chart shows a date and a value; a wheel zooms the time axis.
    svg = det.find_element(By.CSS_SELECTOR, "figure.price svg.ch")
    driver.execute_script("arguments[0].scrollIntoView({block:'center'})", svg)
    ActionChains(driver).move_to_element(svg).perform()
    time.sleep(0.2)
    hv = svg.find_elements(By.CSS_SELECTOR, "text.hv")
    text = hv[0].text if hv else ""
    check("hover shows date and value", bool(re.search(r"\d{4}-\d\d-\d\d .*close [\d,.]+", text)), text)
    plot = svg.find_element(By.CSS_SELECTOR, "svg.pa")
    vb0 = driver.execute_script("return arguments[0].getAttribute('viewBox')", plot)
    ActionChains(driver).scroll_from_origin(ScrollOrigin.from_element(svg), 0, -300).perform()
    time.sleep(0.2)
    vb1 = driver.execute_script("return arguments[0].getAttribute('viewBox')", plot)
    check("the wheel zooms the time axis", vb0 != vb1, "%s -> %s" % (vb0, vb1))
    driver.save_screenshot("%s/detail.png" % out)

errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
check("no console error", not errors, "; ".join(e.get("message", "") for e in errors[:3]))

# The 500-symbol report: the index links to per-symbol pages.
t0 = time.time()
driver.get("file://" + big)
check("500-symbol report.html loads", driver.find_elements(By.CSS_SELECTOR, "table.symtab"), "%.1f s" % (time.time() - t0))
for w in (1024, 1920):
    driver.set_window_size(w, 1000)
    time.sleep(0.3)
    bad = driver.execute_script(OVERFLOW)
    check("500 symbols: no clipped table at %d px" % w, not bad, "; ".join(bad))
driver.save_screenshot("%s/big-index.png" % out)
links = driver.find_elements(By.CSS_SELECTOR, "table.symtab tbody tr td:first-child a")
check("500 symbols: one link per symbol", len(links) == 500, str(len(links)))
if links:
    pick = links[min(7, len(links) - 1)]
    driver.execute_script("arguments[0].scrollIntoView({block:'center'})", pick)
    pick.click()
    time.sleep(0.5)
    check("500 symbols: the link opens a symbol page", "/symbols/" in driver.current_url, driver.current_url)
    if open_detail_of_non_best("500 symbols") is not None:
        driver.save_screenshot("%s/big-detail.png" % out)
    errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
    check("500 symbols: no console error", not errors, "; ".join(e.get("message", "") for e in errors[:3]))
driver.quit()
if failures:
    print("report-browser: FAILED: %s (screenshots in %s)" % (", ".join(failures), out), file=sys.stderr)
    sys.exit(1)
print("report-browser: OK (screenshots in %s)" % out)
PY
size=$(stat -c %s "$big_html")
# The 500 symbol pages take a few hundred MB: keep only the screenshots.
rm -rf "$big"
if [ "$size" -gt 10000000 ]; then
    echo "report-browser: FAIL: the 500-symbol report.html is $size bytes (> 10 MB)" >&2
    exit 1
fi
