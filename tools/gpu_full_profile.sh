#!/usr/bin/env bash
# Run chapters' full profile headless on a GPU machine without Jupyter or network, e.g.
#   tools/gpu_full_profile.sh OUTDIR CHAPTER:SECONDS [CHAPTER:SECONDS ...]
# Prerequisites travel with the checkout: .whl/ (wheels of pooch, platformdirs, nas-bench-graph
# for the machine's Python) and .devdata/ (a copy of the data mirror). Each chapter runs in its
# own process under a time limit, so one failure or overrun does not cost the others; results
# (with provenance) and logs land in OUTDIR. Checkpoints carried in results/<chapter>/.partial
# (e.g. from `nasmeta run gennas --profile full --headless --steps nb101` on a CPU) are resumed,
# and an overrun chapter's checkpoints come back in OUTDIR/results/<chapter>/.partial for the
# next call. The machine has no .git: pass NASMETA_GIT_SHA=$(git rev-parse HEAD) for provenance.
set -uo pipefail
out=${1:?usage: gpu_full_profile.sh OUTDIR CHAPTER:SECONDS ...}
shift
mkdir -p "$out/results" "$out/logs"
for partial in results/*/.partial; do
  [ -d "$partial" ] && mkdir -p "$out/$(dirname "$partial")" && cp -r "$partial" "$out/$(dirname "$partial")/"
done
if [ -d .whl ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
  export PYTHONPATH="/tmp/site:$PWD${PYTHONPATH:+:$PYTHONPATH}"
fi
export NASMETA_DATA_MIRROR="$PWD/.devdata" NASMETA_OFFLINE=1 NASMETA_RESULTS="$out/results"
export NASMETA_CACHE=/tmp/nasmeta-cache PYTHONUNBUFFERED=1 MPLBACKEND=Agg
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null | tee "$out/logs/device.txt"
for spec in "$@"; do
  chapter=${spec%%:*}; limit=${spec##*:}
  echo "== $chapter (limit ${limit}s) $(date -u +%T)"
  start=$(date +%s)
  timeout --signal=INT --kill-after=15 "$limit" python3 -m nasmeta_lib run "$chapter" --profile full --headless \
    > "$out/logs/$chapter.log" 2>&1
  rc=$?
  echo "   rc=$rc after $(( $(date +%s) - start ))s"; tail -n 8 "$out/logs/$chapter.log"
done
