#!/usr/bin/env bash
# Before/after speed of a change, measured in one session: builds BASE (a git ref, default main's merge base
# with HEAD's first parent... give it explicitly, e.g. scripts/bench-compare.sh 5855ef5) in a temporary
# worktree, then runs each CPU-time probe of bench/README.md on the base and on the working tree in turn
# (base, current, base, current: the better of two per build) and prints one table: probe line, base,
# current, current/base. CPU-time probes are single-thread per-core costs (us per bead, move or epoch);
# a ratio within a few percent of 1 is noise on a shared machine.
#   scripts/bench-compare.sh BASE [PROBE...]     (probes: cputime nn-cputime trainer-cputime; default all)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
[ $# -ge 1 ] || { echo "usage: scripts/bench-compare.sh BASE [PROBE...]" >&2; exit 2; }
base="$1"; shift
probes=("$@"); [ ${#probes[@]} -gt 0 ] || probes=(cputime nn-cputime trainer-cputime)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
work="$(mktemp -d)"
cleanup() { git -C "$root" worktree remove --force "$work/base" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
git -C "$root" worktree add --detach "$work/base" "$base" >/dev/null
for d in "$work/base" "$root"; do
  dotnet build "$d/bench/AlHpc.Bench" -c Release -v quiet -nologo >/dev/null
done
run() { # dir probe out
  local env=(); [ "$2" = trainer-cputime ] && env=(DOTNET_TieredCompilation=0)
  env "${env[@]}" dotnet "$1/bench/AlHpc.Bench/bin/Release/net10.0/AlHpc.Bench.dll" "$2" > "$3"
}
for p in "${probes[@]}"; do
  for round in 1 2; do
    echo "bench-compare: $p, round $round (base, then current)" >&2
    run "$work/base" "$p" "$work/base-$p-$round.txt"
    run "$root" "$p" "$work/cur-$p-$round.txt"
  done
done
python3 - "$work" "${probes[@]}" <<'PY'
import re, sys, os
work, probes = sys.argv[1], sys.argv[2:]
num = re.compile(r'^(.*?)[:\s]\s*([0-9]+(?:\.[0-9]+)?)\s*(us|ms)\b')
def parse(path):
    out, head = {}, ''
    for line in open(path):
        line = line.rstrip()
        if ',' in line and not line.startswith(' '):  # csv probes (trainer-cputime): key columns, value last
            cells = line.split(',')
            try:
                out[' '.join(cells[:-1])] = (float(cells[-1]), 'ms')
                continue
            except ValueError:
                pass
        m = num.match(line.strip())
        if m: out[(head + ' ' + m.group(1)).strip()] = (float(m.group(2)), m.group(3))
        elif line and not line.startswith(' '): head = ','.join(line.split(',')[:2])[:48]
    return out
print(f"| probe | base | current | current/base |\n|---|---:|---:|---:|")
for p in probes:
    b = [parse(os.path.join(work, f"base-{p}-{r}.txt")) for r in (1, 2)]
    c = [parse(os.path.join(work, f"cur-{p}-{r}.txt")) for r in (1, 2)]
    for k in b[0]:
        if not all(k in d for d in b + c): continue
        vb = min(d[k][0] for d in b); vc = min(d[k][0] for d in c); u = b[0][k][1]
        print(f"| {p}: {k} | {vb:g} {u} | {vc:g} {u} | {vc / vb:.3f} |")
PY
