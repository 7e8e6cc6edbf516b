#!/usr/bin/env bash
# The main job: active learning with the paper's settings, from the one embedded 25-molecule seed
# structure to a converged network potential, in runs/default (see docs/active-learning.md).
# Every argument goes to `alhpc learn` unchanged: ./run.sh --quick (a few minutes, into runs/quick),
# ./run.sh --out runs/mine, ./run.sh --seed 2, ./run.sh --resume runs/default (after an interruption).
# The default run then ends with scripts/validate.sh (the report); other runs: scripts/validate.sh DIR.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh
export POCL_SIGFPE_HANDLER=0 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet run -c Release --project src/AlHpc.Cli -- learn "$@"
# The default run (no arguments, or resuming it) ends with the paper's validation in one report:
# test set, random-pool baseline, free energies, RDFs, runs/default/report/report.html (docs/report.md).
# ALHPC_NO_REPORT=1 stops after the learning.
if [[ ( $# -eq 0 || "$*" == "--resume runs/default" ) && -z "${ALHPC_NO_REPORT:-}" ]]; then
  bash scripts/validate.sh runs/default
fi
