#!/usr/bin/env bash
# Shard/merge overhead (docs/scale-out.md "Measured overhead"): 500 synthetic symbols × 10 years × 14
# combinations, as one run and as 4 shards (run one after another, so each is timed alone) plus merge.
# Prints wall and CPU (user + sys) seconds of each step, and the load average.
#
#   Benchmarks/scripts/shard-overhead.sh [STRATOPT_BINARY] [SYMBOLS] [SHARDS]
set -euo pipefail
bin=${1:-.build/release/stratopt}
symbols=${2:-500}
shards=${3:-4}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tickers=$(for i in $(seq -w 1 "$symbols"); do printf 'S%s, ' "$i"; done)
cat >"$work/spec.yaml" <<SPEC
version: 1
name: scale
data: {provider: synthetic, seed: 7}
universe: {tickers: [${tickers%, }]}
period: {start: 2015-01-02, end: 2024-12-31}
strategies:
  - sma_crossover: {fast: [10, 20, 30], slow: [50, 100, 150, 200]}
  - rsi_reversion: {period: 14, lower: 30, upper: 70}
  - buy_and_hold
batch: {size: 64}
SPEC
as_of=2025-06-30
timed() { # label, command...: prints "label wall cpu"
    local label=$1; shift
    /usr/bin/time -f "%e %U %S" -o "$work/t" "$@" >"$work/out" 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
    read -r wall user sys <"$work/t"
    printf '%-22s wall %7.2f s   cpu %7.2f s\n' "$label" "$wall" "$(echo "$user + $sys" | bc)"
}
uptime
timed "cache export" "$bin" cache export "$work/spec.yaml" "$work/bars.sqlite" --as-of $as_of --data-dir "$work/data"
timed "one run (--bars)" "$bin" run "$work/spec.yaml" --as-of $as_of --bars "$work/bars.sqlite" --no-cache \
    --data-dir "$work/one" --reports-dir "$work/reports" --quiet
ref=$(cat "$work/out")
for k in $(seq 1 "$shards"); do
    timed "shard $k/$shards" "$bin" run "$work/spec.yaml" --as-of $as_of --bars "$work/bars.sqlite" \
        --shard "$k/$shards" --shard-dir "$work/shards/$k" --data-dir "$work/w$k" --quiet
done
timed "merge" "$bin" merge "$work"/shards/* --data-dir "$work/merged" --reports-dir "$work/reports" --quiet
dir=$(cat "$work/out")
for f in results.csv best.csv trades.csv equity.csv results.json; do cmp "$dir/$f" "$ref/$f"; done
echo "merged files byte-identical to the one run"
du -sh "$work/shards" "$work/bars.sqlite" | sed 's/^/size /'
uptime
