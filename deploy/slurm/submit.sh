#!/usr/bin/env bash
# Submits one stratopt run to Slurm as three jobs: the bars export (the only job that calls the
# provider), a job array of N shards that waits for it, and the merge that waits for every shard.
#
#   deploy/slurm/submit.sh SPEC WORK_DIR [N] [AS_OF]
#
# WORK_DIR must be on a file system every node sees (it gets bars.sqlite, shards/1..N, report/ and the
# run history in data/). AS_OF (YYYY-MM-DD, default: yesterday in UTC) is fixed here so every job plans
# the same run. STRATOPT names the binary (default: stratopt on PATH); SBATCH_EXTRA adds sbatch options
# to every job (e.g. "--partition=batch --account=research"). Prints the three job ids.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
spec=${1:?usage: submit.sh SPEC WORK_DIR [N] [AS_OF]}
work=${2:?usage: submit.sh SPEC WORK_DIR [N] [AS_OF]}
n=${3:-4}
as_of=${4:-$(date -u -d yesterday +%F)}
stratopt=${STRATOPT:-stratopt}
spec=$(cd "$(dirname "$spec")" && pwd)/$(basename "$spec")
mkdir -p "$work/logs"
work=$(cd "$work" && pwd)
export STRATOPT_SPEC="$spec" STRATOPT_WORK="$work" STRATOPT_AS_OF_DATE="$as_of" STRATOPT_BIN="$stratopt"
# shellcheck disable=SC2086
export_job=$(sbatch --parsable ${SBATCH_EXTRA:-} --export=ALL --output="$work/logs/export-%j.out" \
    "$here/export.sbatch")
# shellcheck disable=SC2086
array_job=$(sbatch --parsable ${SBATCH_EXTRA:-} --export=ALL --array="1-$n" --dependency="afterok:$export_job" \
    --output="$work/logs/shard-%A_%a.out" "$here/shard.sbatch")
# shellcheck disable=SC2086
merge_job=$(sbatch --parsable ${SBATCH_EXTRA:-} --export=ALL --dependency="afterok:$array_job" \
    --output="$work/logs/merge-%j.out" "$here/merge.sbatch")
echo "export $export_job"
echo "shards $array_job"
echo "merge $merge_job"
