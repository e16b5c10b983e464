#!/usr/bin/env bash
# Renders a report.html in headless Chromium and checks what a reviewer would see.
#
#   .ci/render-report.sh REPORT_HTML OUT_DIR
#
# Writes OUT_DIR/report.png (1280×2000 screenshot), OUT_DIR/dom.html (DOM after scripts ran) and
# OUT_DIR/chromium-*.log, then fails (exit 1) when:
#   - the page logged an uncaught JavaScript error or a console error;
#   - the screenshot is missing or a single colour (decoded with python3's zlib, no extra packages);
#   - the DOM lacks ranking rows, an SVG <path, the best-row marker (tr.best with ★);
#   - the DOM contains an unescaped <script>alert(1)</script> (the sample report uses it as a ticker).
# Installs Debian's chromium (apt) only when it is missing.
set -euo pipefail

if [ "$#" -ne 2 ]; then
    echo "usage: $0 REPORT_HTML OUT_DIR" >&2
    exit 2
fi
html="$1"
out="$2"
if [ ! -f "$html" ]; then
    echo "render-report: $html does not exist (render a report first, e.g. STRATOPT_SAMPLE_REPORT_DIR=DIR swift test --filter SampleReportTests)" >&2
    exit 2
fi
mkdir -p "$out"
# A page that runs alert() would block headless Chromium until the timeout: check the source first.
if grep -qF '<script>alert(1)</script>' "$html"; then
    echo "render-report: FAIL: $html contains an unescaped <script>alert(1)</script>" >&2
    exit 1
fi
html_abs="$(cd "$(dirname "$html")" && pwd)/$(basename "$html")"
out_abs="$(cd "$out" && pwd)"

if ! command -v chromium >/dev/null 2>&1; then
    echo "render-report: installing chromium (apt)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run --no-default-browser-check
    --disable-extensions --disable-background-networking --enable-logging=stderr --v=0)
url="file://$html_abs"
rm -f "$out_abs/report.png"

start=$(date +%s.%N)
timeout 90 chromium "${flags[@]}" --window-size=1280,2000 --screenshot="$out_abs/report.png" "$url" \
    >"$out_abs/chromium-screenshot.log" 2>&1 || { echo "render-report: chromium --screenshot failed" >&2; tail -20 "$out_abs/chromium-screenshot.log" >&2; exit 1; }
mid=$(date +%s.%N)
timeout 90 chromium "${flags[@]}" --window-size=1280,2000 --dump-dom "$url" \
    >"$out_abs/dom.html" 2>"$out_abs/chromium-dom.log" || { echo "render-report: chromium --dump-dom failed" >&2; tail -20 "$out_abs/chromium-dom.log" >&2; exit 1; }
end=$(date +%s.%N)
python3 -c "print('render-report: screenshot %.2f s, dump-dom %.2f s' % ($mid - $start, $end - $mid))"

fail=0
if grep -hE "Uncaught|ERROR:CONSOLE" "$out_abs/chromium-screenshot.log" "$out_abs/chromium-dom.log"; then
    echo "render-report: FAIL: JavaScript errors in the console (above)" >&2
    fail=1
fi

python3 - "$out_abs/report.png" "$out_abs/dom.html" <<'PY' || fail=1
import struct
import sys
import zlib

png_path, dom_path = sys.argv[1], sys.argv[2]
ok = True


def fail(msg):
    global ok
    print("render-report: FAIL: " + msg, file=sys.stderr)
    ok = False


def decode_png(path):
    """Returns (width, height, bytes per pixel, list of unfiltered rows). 8-bit non-interlaced only."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG file")
    pos, idat, ihdr = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        pos += 12 + length
    width, height, depth, ctype, _, _, interlace = ihdr
    if depth != 8 or interlace != 0 or ctype not in (0, 2, 4, 6):
        raise ValueError("unsupported PNG layout depth=%d type=%d interlace=%d" % (depth, ctype, interlace))
    bpp = {0: 1, 2: 3, 4: 2, 6: 4}[ctype]
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if f == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif f == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, prev))
        elif f == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
        elif f == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, bpp, rows


try:
    w, h, bpp, rows = decode_png(png_path)
    counts = {}
    for row in rows[::4]:
        for x in range(0, w * bpp, bpp * 4):
            px = row[x:x + bpp]
            counts[px] = counts.get(px, 0) + 1
    total = sum(counts.values())
    top = max(counts.values())
    print("render-report: screenshot %dx%d, %d distinct colours in a 1/16 sample, most common %.1f%%"
          % (w, h, len(counts), 100.0 * top / total))
    if len(counts) < 16 or top > 0.98 * total:
        fail("the screenshot is blank or nearly a single colour")
except FileNotFoundError:
    fail("no screenshot was written")
except Exception as e:  # noqa: BLE001 - any decoding problem is a failure of the check
    fail("cannot read the screenshot: %s" % e)

dom = open(dom_path, encoding="utf-8", errors="replace").read()
checks = [
    ("ranking rows", 'class="sortable rank"' in dom and dom.count("<tr") > 3),
    ("an SVG <path", "<svg" in dom and "<path" in dom),
    ("the best-row marker", '<tr class="best">' in dom and 'class="star"' in dom),
    ("no unescaped <script>alert(1)</script>", "<script>alert(1)</script>" not in dom),
]
for name, good in checks:
    print("render-report: %s %s" % ("ok  " if good else "FAIL", name))
    if not good:
        ok = False
sys.exit(0 if ok else 1)
PY

if [ "$fail" -ne 0 ]; then
    echo "render-report: FAILED for $html (outputs in $out)" >&2
    exit 1
fi
echo "render-report: OK ($html → $out/report.png, $out/dom.html)"
