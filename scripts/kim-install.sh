#!/usr/bin/env bash
# Turns an AlHpc potential into a KIM portable model and installs it (with the AlHpc model driver) into the
# KIM API user collection, so that KIM simulators (LAMMPS `kim init NAME metal` / `kim interactions O`) run it.
#
#   scripts/kim-install.sh NAME [--model MODEL.json | --tersoff FILE.tersoff]
#
# NAME: the portable model's name (a C identifier, e.g. AlHpc_MLBOP). Default potential: the built-in ML-BOP
# (installed as its LAMMPS tersoff file, data/mlbop.tersoff). Builds libalhpc.so first (scripts/build-native.sh);
# the driver links it from artifacts/native/lib (RPATH), so keep the repository in place (or set
# ALHPC_NATIVE_DIR to a copy). Re-running replaces the model (and the driver, when its sources changed).
# The collection is the KIM API's "user" collection (~/.kim-api/... ; KIM_API_CONFIGURATION_FILE selects another).
# Units of the model: Angstrom, eV (LAMMPS `metal`).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
usage() { echo "usage: scripts/kim-install.sh NAME [--model MODEL.json | --tersoff FILE.tersoff]" >&2; exit 2; }
[ $# -ge 1 ] || usage
name="$1"; shift
[[ "$name" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || { echo "kim-install: NAME '$name' must be a C identifier" >&2; exit 2; }
param="$root/data/mlbop.tersoff"; kind=tersoff
while [ $# -gt 0 ]; do
  case "$1" in
    --model) [ $# -ge 2 ] || usage; param="$2"; kind=model; shift 2 ;;
    --tersoff) [ $# -ge 2 ] || usage; param="$2"; kind=tersoff; shift 2 ;;
    *) usage ;;
  esac
done
[ -f "$param" ] || { echo "kim-install: $param: file not found" >&2; exit 2; }
command -v kim-api-collections-management >/dev/null || { echo "kim-install: kim-api-collections-management not found (apt-get install libkim-api-dev; scripts/setup.sh)" >&2; exit 1; }
export ALHPC_NATIVE_DIR="${ALHPC_NATIVE_DIR:-$root/artifacts/native}"
ALHPC_NATIVE_OUT="$ALHPC_NATIVE_DIR" bash "$root/scripts/build-native.sh" >/dev/null
driver=AlHpc__MD_000000000000_000
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# check the parameter file loads before installing anything (the message names file and line)
cat > "$work/check.c" <<'C'
#include <stdio.h>
#include <string.h>
#include "alhpc.h"
int main(int argc, char** argv) {
  alhpc_potential p = NULL;
  int rc = strcmp(argv[1], "model") == 0 ? alhpc_potential_load_model(argv[2], &p) : alhpc_potential_load_tersoff(argv[2], &p);
  if (rc != ALHPC_OK) { fprintf(stderr, "kim-install: %s\n", alhpc_last_error()); return 2; }
  alhpc_potential_free(p);
  return 0;
}
C
gcc -I "$ALHPC_NATIVE_DIR/include" "$work/check.c" -L "$ALHPC_NATIVE_DIR/lib" -lalhpc -Wl,-rpath,"$ALHPC_NATIVE_DIR/lib" -o "$work/check"
"$work/check" "$kind" "$param"
# the driver (reinstalled each time: cheap, and picks up a rebuilt library)
cp -r "$root/kim/$driver" "$work/$driver"
kim-api-collections-management remove --force "$driver" >/dev/null 2>&1 || true
kim-api-collections-management install user "$work/$driver" >"$work/driver.log" 2>&1 || { cat "$work/driver.log" >&2; exit 1; }
# the portable model: the parameter file plus a CMakeLists naming the driver
mkdir -p "$work/$name"
ext=$([ "$kind" = model ] && echo json || echo tersoff)
cp "$param" "$work/$name/$name.$ext"
cat > "$work/$name/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.10)
list(APPEND CMAKE_PREFIX_PATH \$ENV{KIM_API_CMAKE_PREFIX_DIR})
find_package(KIM-API-ITEMS 2.2 REQUIRED CONFIG)
kim_api_items_setup_before_project(ITEM_TYPE "portableModel")
project($name)
kim_api_items_setup_after_project(ITEM_TYPE "portableModel")
add_kim_api_model_library(
  NAME            \${PROJECT_NAME}
  DRIVER_NAME     "$driver"
  PARAMETER_FILES "$name.$ext"
  )
CMAKE
kim-api-collections-management remove --force "$name" >/dev/null 2>&1 || true
kim-api-collections-management install user "$work/$name" >"$work/model.log" 2>&1 || { cat "$work/model.log" >&2; exit 1; }
echo "kim-install: installed portable model $name ($kind: $param) with driver $driver" >&2
