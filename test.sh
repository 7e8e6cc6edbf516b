#!/usr/bin/env bash
# The test command: installs missing system packages (PoCL, fonts), builds, runs the whole suite with
# the OpenCL tests required (not skipped), and ends with a plain "N passed, N failed, N skipped" line.
set -uo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh || exit 1
export POCL_SIGFPE_HANDLER=0
export ALHPC_REQUIRE_OPENCL="${ALHPC_REQUIRE_OPENCL:-1}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
results=$(mktemp -d)
dotnet test AlHpc.sln -c Release --logger "trx;LogFileName=results.trx" --results-directory "$results" "$@"
rc=$?
trx=$(find "$results" -name '*.trx' | head -n 1)
if [ -n "$trx" ]; then
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  get() { echo "$counters" | grep -o "$1=\"[0-9]*\"" | grep -o '[0-9]*'; }
  passed=$(get passed); failed=$(get failed); total=$(get total); executed=$(get executed)
  skipped=$(( ${total:-0} - ${executed:-0} ))
  echo "${passed:-0} passed, ${failed:-0} failed, ${skipped} skipped"
else
  echo "0 passed, 1 failed"
  [ $rc -eq 0 ] && rc=1
fi
rm -rf "$results"
exit $rc
