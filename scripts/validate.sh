#!/usr/bin/env bash
# The end of the main job: the paper's validation of a finished active-learning run, in one report.
#   scripts/validate.sh [RUNDIR]     (default runs/default; ./run.sh calls it after the default run)
# 1. a labelled test set of clusters of 1-200 molecules (runs/data/testset-<count>.h5, made once and
#    reused; ALHPC_TESTSET_COUNT clusters, default the paper's 100,000: about 9 minutes on 2 cores;
#    ALHPC_TESTSET_COUNT=2000 takes 13 s),
# 2. the random-pool baseline (Figure S1, RUNDIR/baseline/) unless it exists,
# 3. alhpc report RUNDIR --testset SET --compute: Figures 2a-6 and S1, the free energies (Figure 5) and
#    RDFs (Figure 6) computed when missing, our numbers beside the paper's, in RUNDIR/report/.
# Each step is skipped when its output exists, so an interrupted validation continues where it stopped.
set -euo pipefail
cd "$(dirname "$0")/.."
run="${1:-runs/default}"
count="${ALHPC_TESTSET_COUNT:-100000}"
if [[ ! -f "$run/state.json" ]]; then
  echo "validate: $run is not an active-learning run (no state.json)" >&2
  exit 2
fi
export POCL_SIGFPE_HANDLER=0 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
alhpc() { dotnet run -c Release --project src/AlHpc.Cli -- "$@"; }
set_path="runs/data/testset-$count.h5"
mkdir -p runs/data
if [[ ! -f "$set_path" ]]; then
  alhpc testset --count "$count" --sizes 1-200 --seed 1 -o "$set_path"
fi
if [[ ! -f "$run/baseline/model.json" ]]; then
  alhpc baseline "$run" --testset "$set_path"
fi
alhpc report "$run" --testset "$set_path" --compute
echo "validate: report in $run/report/report.html (and report.md)"
