#!/usr/bin/env bash
# Scale-out check (docs/scale-out.md): validates the Kubernetes manifests of deploy/kubernetes offline, then
# starts a one-node Slurm cluster on this machine (slurmctld + slurmd + munge), submits deploy/slurm's jobs
# (bars export, an array of 4 shards, the dependent merge) with sbatch, waits for the merge (bounded), and
# compares the merged result files byte for byte with one unsharded run. Stops the daemons it started.
#
# Uses the release binary (.build/release/stratopt, built earlier by .ci/run) unless STRATOPT_BIN names
# another. Idempotent; needs root (apt-get, munge, slurmd).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
bin=${STRATOPT_BIN:-$repo/.build/release/stratopt}
if [ ! -x "$bin" ]; then swift build -c release --product stratopt; fi
as_of=2025-06-30
spec=$repo/pipelines/example.yaml
shards=4

echo "== slurm: system packages"
export DEBIAN_FRONTEND=noninteractive
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
need=()
for p in slurm-wlm munge; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
if [ ${#need[@]} -gt 0 ]; then
    for attempt in 1 2 3; do
        if $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"; then break; fi
        [ "$attempt" -eq 3 ] && { echo "apt-get failed for: ${need[*]}" >&2; exit 1; }
        sleep 5
    done
fi

echo "== kubernetes manifests"
# kubernetes-validate bundles the Kubernetes JSON schemas: the check runs offline.
python3 -m pip install -q kubernetes-validate 2>/dev/null \
    || python3 -m pip install -q --break-system-packages kubernetes-validate
python3 -m kubernetes_validate --strict deploy/kubernetes/*.yaml

echo "== slurm: one-node cluster"
work=$(mktemp -d /tmp/stratopt-slurm.XXXXXX)
chmod 755 "$work"
started_munged=""
ok=""
cleanup() {
    set +e
    if [ -n "${SLURM_CONF:-}" ] && command -v scancel >/dev/null; then scancel --user="$(id -un)" 2>/dev/null; fi
    for f in "$work/slurmd.pid" "$work/slurmctld.pid"; do
        [ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null
    done
    sleep 1
    if [ -n "$started_munged" ] && [ -s /run/munge/munged.pid ]; then kill "$(cat /run/munge/munged.pid)" 2>/dev/null; fi
    # Kept for a look when the check failed.
    if [ -n "$ok" ]; then rm -rf "$work"; else echo "slurm: logs and files kept in $work" >&2; fi
}
trap cleanup EXIT

if [ ! -s /etc/munge/munge.key ]; then
    dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key status=none
    chown munge:munge /etc/munge/munge.key
    chmod 400 /etc/munge/munge.key
fi
mkdir -p /run/munge
chown munge:munge /run/munge
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    runuser -u munge -- /usr/sbin/munged
    started_munged=yes
    for _ in $(seq 1 20); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.5; done
fi
munge -n | unmunge | grep -q 'STATUS: *Success'

host=$(hostname)
mkdir -p "$work/state" "$work/spool"
# Ports of their own, so a cluster someone else runs on this machine is not disturbed.
cat >"$work/slurm.conf" <<EOF
ClusterName=stratoptci
SlurmctldHost=$host
SlurmctldPort=17817
SlurmdPort=17818
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmUser=root
SlurmdUser=root
ReturnToService=2
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
NodeName=$host CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$work/slurm.conf
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
for i in $(seq 1 60); do
    sinfo -h -o '%T' 2>/dev/null | grep -qE '^(idle|mixed)' && break
    [ "$i" -eq 60 ] && { echo "slurm: the node never became idle" >&2; sinfo >&2 || true; tail -20 "$work"/slurm*.log >&2; exit 1; }
    sleep 1
done
sinfo

echo "== slurm: export, 4-shard array, dependent merge"
run=$work/run
# One CPU per shard so two shards run at once on a 2-core machine.
ids=$(STRATOPT="$bin" SBATCH_EXTRA="--cpus-per-task=1" deploy/slurm/submit.sh "$spec" "$run" "$shards" "$as_of")
echo "$ids"
merge_job=$(echo "$ids" | sed -n 's/^merge //p')
state=""
for i in $(seq 1 240); do
    line=$(scontrol show job "$merge_job" 2>/dev/null | tr ' ' '\n')
    state=$(echo "$line" | sed -n 's/^JobState=//p')
    reason=$(echo "$line" | sed -n 's/^Reason=//p')
    case "$state" in
        COMPLETED) break ;;
        FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY) break ;;
    esac
    [ "$reason" = "DependencyNeverSatisfied" ] && { state="DependencyNeverSatisfied"; break; }
    [ "$i" -eq 240 ] && state="timeout (still $state after 240 s)"
    sleep 1
done
if [ "$state" != "COMPLETED" ]; then
    echo "slurm: the merge job did not complete: $state" >&2
    tail -n 30 "$run"/logs/*.out >&2 || true
    tail -n 30 "$work/slurmctld.log" >&2 || true
    exit 1
fi
ls "$run/shards"

echo "== slurm: merged files vs one unsharded run"
ref=$("$bin" run "$spec" --as-of "$as_of" --data-dir "$work/ref-data" --reports-dir "$work/ref" --no-cache --quiet)
for f in results.csv best.csv trades.csv equity.csv results.json; do
    cmp "$run/report/$f" "$ref/$f" || { echo "slurm: $f of the merge differs from the unsharded run's" >&2; exit 1; }
done
grep -q '"count" : 4' "$run/report/manifest.json"
echo "slurm: 4 shards merged byte-identical to one run (results.csv best.csv trades.csv equity.csv results.json)"
ok=yes
