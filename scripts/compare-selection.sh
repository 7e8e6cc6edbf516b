#!/usr/bin/env bash
# The side-by-side measurement of docs/active-learning.md ("Committee selection ... measured"): one learn run
# per configuration and seed, each final model scored on the 100k test set of 1-200 molecules.
# Usage: scripts/compare-selection.sh [SEEDS...]   (default: 1 2 3)
# Configurations: paper (the defaults) and configs/committee.json. Runs go to runs/compare/<config>-s<seed>,
# scores to runs/compare/<config>-s<seed>/eval100k; a summary table is printed at the end.
# One run takes about 20 minutes on 2 cores; run on an idle machine when the wall times matter.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export POCL_SIGFPE_HANDLER=0 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build -c Release src/AlHpc.Cli >/dev/null
alhpc() { dotnet src/AlHpc.Cli/bin/Release/net10.0/alhpc.dll "$@"; }
set_path=runs/data/testset-100000.h5
[ -f "$set_path" ] || alhpc testset --count 100000 --sizes 1-200 --seed 1 -o "$set_path"
seeds=("${@:-1 2 3}")
[ $# -eq 0 ] && seeds=(1 2 3)
for seed in "${seeds[@]}"; do
  for cfg in paper committee; do
    out="runs/compare/$cfg-s$seed"
    if [ ! -f "$out/model.json" ]; then
      args=(learn --seed "$seed" --out "$out")
      [ "$cfg" = committee ] && args+=(--config configs/committee.json)
      start=$(date +%s)
      alhpc "${args[@]}"
      echo "$(( $(date +%s) - start ))" > "$out/wall_seconds"
    fi
    [ -f "$out/eval100k/metrics.csv" ] || alhpc evaluate -m "$out/model.json" -t "$set_path" --no-figures -o "$out/eval100k" >/dev/null
  done
done
printf '%-16s %6s %7s %6s %5s %8s %9s %9s %9s %9s %9s\n' run calls beads pool iters wall_s E_all E_1-20 E_21-50 E_51+ F_all
for d in runs/compare/*/; do
  n=$(basename "$d"); [ -f "$d/eval100k/metrics.csv" ] || continue
  last=$(tail -n 1 "$d/log.csv")
  calls=$(echo "$last" | cut -d, -f5); pool=$(echo "$last" | cut -d, -f2); iters=$(echo "$last" | cut -d, -f1)
  beads=$(echo "$last" | awk -F, '{print (NF >= 32 ? $32 : "")}')
  m() { awk -F, -v g="$1" -v c="$2" '$1 == g {printf "%.3f", $c}' "$d/eval100k/metrics.csv"; }
  printf '%-16s %6s %7s %6s %5s %8s %9s %9s %9s %9s %9s\n' "$n" "$calls" "${beads:-}" "$pool" "$iters" "$(cat "$d/wall_seconds" 2>/dev/null)" \
    "$(m all 6)" "$(m 1-20 6)" "$(m 21-50 6)" "$(m 51+ 6)" "$(m all 11)"
done
