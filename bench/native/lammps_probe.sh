#!/usr/bin/env bash
# LAMMPS ns/day of NVE dynamics of an N-molecule cluster (copies of the 25-molecule seed on a 12 A grid
# then on a grid) with (a) LAMMPS' own pair_style tersoff and ML-BOP, (b) ML-BOP through the AlHpc KIM
# driver, (c) a network model through the AlHpc KIM driver - all in one LAMMPS process, one after another.
#
#   bench/native/lammps_probe.sh [N=50] [MODEL.json]     (MODEL: e.g. bench-model.json from native-cputime)
#
# Installs the portable models AlHpc_MLBOP (and AlHpc_Bench_NN) into a temporary KIM collection. Time step
# 2 fs, 150 K, 2000 steps each; prints LAMMPS' "Performance:" lines and the ratios.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
n="${1:-50}"; model="${2:-}"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
mkdir -p "$work/md" "$work/pm" "$work/sm"
printf 'model-drivers-dir = %s/md\nportable-models-dir = %s/pm\nsimulator-models-dir = %s/sm\n' "$work" "$work" "$work" > "$work/config"
export KIM_API_CONFIGURATION_FILE="$work/config" OMP_NUM_THREADS=1
bash "$root/scripts/kim-install.sh" AlHpc_MLBOP
[ -n "$model" ] && bash "$root/scripts/kim-install.sh" AlHpc_Bench_NN --model "$model"
/usr/bin/python3 - "$root/data/struct_min_25.xsf" "$n" "$work/c.data" <<'PY'
import sys
seed = [list(map(float, l.split()[1:4])) for l in open(sys.argv[1]) if l.strip().startswith("O ")]
n = int(sys.argv[2]); copies = (n + 24) // 25
side = max(1, round(copies ** (1 / 3) + 0.4999))
at = []
for c in range(copies):
    ox, oy, oz = 12.0 * (c % side), 12.0 * (c // side % side), 12.0 * (c // (side * side))
    at += [[a[0] + ox, a[1] + oy, a[2] + oz] for a in seed]
at = at[:n]
lo = min(min(a) for a in at) - 30; hi = max(max(a) for a in at) + 30
with open(sys.argv[3], "w") as f:
    f.write(f"cluster\n\n{len(at)} atoms\n1 atom types\n\n{lo} {hi} xlo xhi\n{lo} {hi} ylo yhi\n{lo} {hi} zlo zhi\n\nAtoms # atomic\n\n")
    for i, a in enumerate(at):
        f.write(f"{i + 1} 1 {a[0]!r} {a[1]!r} {a[2]!r}\n")
PY
run() { # $1 label, $2 init line, $3.. interaction lines
  local label="$1" init="$2"; shift 2
  { echo "$init"; echo "atom_style atomic"; echo "boundary f f f"; echo "read_data c.data"; printf '%s\n' "$@"
    echo "mass 1 18.015"; echo "velocity all create 150 4928459 mom yes rot yes"; echo "fix 1 all nve"; echo "timestep 0.002"
    echo "thermo 1000"; echo "run 2000"; } > "$work/in.$label"
  (cd "$work" && lmp -in "in.$label" -log none | grep -E "^Performance" | sed "s/^/$label: /")
}
cp "$root/data/mlbop.tersoff" "$work/"
run lammps-tersoff "units metal" "pair_style tersoff" "pair_coeff * * mlbop.tersoff O"
run kim-alhpc-mlbop "kim init AlHpc_MLBOP metal" "kim interactions O"
if [ -n "$model" ]; then run kim-alhpc-network "kim init AlHpc_Bench_NN metal" "kim interactions O"; fi
