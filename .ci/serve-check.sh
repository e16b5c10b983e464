#!/usr/bin/env bash
# `stratopt serve` against real clients, on loopback only:
#   1. schemathesis (PyPI) fuzzes every operation of /api/v1/openapi.json with a valid bearer token and
#      fails on any 5xx (check not_a_server_error), bounded by --max-examples and a timeout;
#   2. a browser test (Selenium from PyPI, Debian's chromium + chromium-driver) drives the dashboard:
#      sign in, submit the example form, wait for the per-symbol results, Execute all on the paper broker,
#      read the submitted / blocked / failed outcome.
#
#   .ci/serve-check.sh [STRATOPT_BINARY]     (default .build/release/stratopt, built by .ci/run)
#
# Idempotent: installs only what is missing; works as root (CI) or with sudo; no stdin needed.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-.build/release/stratopt}"
[ -x "$bin" ] || { echo "serve-check: $bin is not built (swift build -c release)" >&2; exit 2; }

export DEBIAN_FRONTEND=noninteractive
need=()
for p in chromium chromium-driver; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
if [ ${#need[@]} -gt 0 ]; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    for attempt in 1 2 3; do
        if $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"; then break; fi
        [ "$attempt" -eq 3 ] && { echo "serve-check: apt-get failed for: ${need[*]}" >&2; exit 1; }
        sleep 5
    done
fi
pip_install() {
    python3 -m pip install -q "$@" 2>/dev/null || python3 -m pip install -q --break-system-packages "$@"
}
python3 -c 'import schemathesis' 2>/dev/null || pip_install 'schemathesis>=4,<5'
python3 -c 'import selenium' 2>/dev/null || pip_install 'selenium>=4.10,<5'

work=$(mktemp -d)
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

# A fresh token, its SHA-256 in the tokens file; the token itself stays in this shell.
token=$(python3 -c 'import secrets; print(secrets.token_hex(24))')
printf '%s\n' "$token" | "$bin" serve --hash-token >"$work/hash"
printf -- '- {user: ci, sha256: %s}\n' "$(cat "$work/hash")" >"$work/tokens.yaml"

start_server() {
    : >"$work/serve.out"
    "$bin" serve --listen 127.0.0.1:0 --tokens "$work/tokens.yaml" --data-dir "$work/data" \
        --reports-dir "$work/reports" --max-queued 50 "$@" >"$work/serve.out" 2>"$work/serve.err" &
    server_pid=$!
    for _ in $(seq 1 300); do
        if grep -q 'listening on http://' "$work/serve.out"; then break; fi
        kill -0 "$server_pid" 2>/dev/null || { cat "$work/serve.err" >&2; exit 1; }
        sleep 0.1
    done
    base=$(sed -n 's|^stratopt serve: listening on \(http://[^ ]*\)$|\1|p' "$work/serve.out" | head -1)
    [ -n "$base" ] || { echo "serve-check: the server did not start" >&2; cat "$work/serve.err" >&2; exit 1; }
}
stop_server() { kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""; }

echo "== serve: schemathesis (no 5xx)"
start_server
# The committed document is the one served.
python3 - "$base" docs/openapi.json <<'PY'
import sys, urllib.request
served = urllib.request.urlopen(sys.argv[1] + "/api/v1/openapi.json", timeout=30).read()
committed = open(sys.argv[2], "rb").read()
sys.exit(0 if served == committed else "serve-check: the served OpenAPI document differs from docs/openapi.json")
PY
st_bin=$(command -v schemathesis || echo "$HOME/.local/bin/schemathesis")
# From the scratch folder, so schemathesis' .schemathesis/ cache stays out of the checkout.
(cd "$work" && timeout 300 "$st_bin" --no-color run "$base/api/v1/openapi.json" --url "$base" \
    --header "Authorization: Bearer $token" --checks not_a_server_error --max-examples 25 \
    --continue-on-failure --request-timeout 60) \
    || { echo "serve-check: schemathesis found a server error (server log: below)" >&2; tail -50 "$work/serve.err" >&2; exit 1; }
stop_server

echo "== serve: dashboard in headless Chromium (Selenium)"
start_server
timeout 300 python3 contrib/serve_dashboard_check.py "$base" "$token"
stop_server
echo "serve-check: OK"
