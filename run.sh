#!/usr/bin/env bash
# The main job: active learning with the paper's settings, from the one embedded 25-molecule seed
# structure to a converged network potential, in runs/default (see docs/active-learning.md).
# Extra arguments go to `alhpc learn` (e.g. --seed 2, --quick, --warm-start, --max-iterations 50).
# Interrupted? Continue with:  dotnet run -c Release --project src/AlHpc.Cli -- learn --resume runs/default
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh
export POCL_SIGFPE_HANDLER=0 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet run -c Release --project src/AlHpc.Cli -- learn --out runs/default "$@"
