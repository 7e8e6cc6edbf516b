#!/usr/bin/env bash
# Builds libalhpc.so (NativeAOT, the C ABI of include/alhpc.h) into artifacts/native/lib/ and copies the
# header to artifacts/native/include/. Incremental: skipped when the sources (core + native project +
# data + this script) and the instruction set are unchanged since the last build (stamp file).
#
# Instruction set: the build machine's, as one of the x86-64 micro-architecture levels (x86-64-v4 with
# AVX-512, x86-64-v3 with AVX2/FMA/BMI2, else the safe baseline x86-64-v2 = SSE4.2/POPCNT). The library
# refuses to start on a CPU below that level, so build on (or for) the oldest machine that will run it:
# ALHPC_NATIVE_ISA=x86-64-v2 scripts/build-native.sh gives the portable build.
# Output path override: ALHPC_NATIVE_OUT (default artifacts/native). Prints the .so path on stdout.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${ALHPC_NATIVE_OUT:-$root/artifacts/native}"
arch="$(uname -m)"
case "$arch" in
  x86_64) rid=linux-x64 ;;
  aarch64) rid=linux-arm64 ;;
  *) echo "build-native: unsupported architecture $arch" >&2; exit 1 ;;
esac
isa="${ALHPC_NATIVE_ISA:-}"
if [ -z "$isa" ] && [ "$rid" = linux-x64 ]; then
  flags=" $(grep -m1 '^flags' /proc/cpuinfo) "
  has() { for f in "$@"; do [[ "$flags" == *" $f "* ]] || return 1; done; }
  if has avx512f avx512bw avx512cd avx512dq avx512vl avx2 fma bmi2 movbe; then isa=x86-64-v4
  elif has avx2 fma bmi1 bmi2 movbe f16c abm; then isa=x86-64-v3
  elif has sse4_2 popcnt; then isa=x86-64-v2
  else isa=x86-64; fi
fi
stamp_src() { # content hashes with repository-relative names (the same however the script is invoked)
  ( cd "$root"
    { find src/AlHpc.Core src/AlHpc.Native -type f \( -name '*.cs' -o -name '*.csproj' \) -not -path '*/obj/*' -not -path '*/bin/*' -print0 | sort -z | xargs -0 sha256sum
      sha256sum Directory.Build.props Directory.Packages.props include/alhpc.h scripts/build-native.sh data/*.tersoff data/*.xsf
      echo "isa=$isa rid=$rid"; } | sha256sum | cut -d' ' -f1 )
}
want="$(stamp_src)"
so="$out/lib/libalhpc.so"
if [ -f "$so" ] && [ -f "$out/stamp" ] && [ "$(cat "$out/stamp")" = "$want" ]; then
  echo "$so"; exit 0
fi
command -v gcc >/dev/null || { echo "build-native: gcc is needed (apt-get install gcc libc6-dev; scripts/setup.sh)" >&2; exit 1; }
echo "build-native: publishing libalhpc.so for $rid ($isa)" >&2
start=$(date +%s)
pub="$root/artifacts/obj/native-publish"
rm -rf "$pub"
isa_arg=()
[ -n "$isa" ] && isa_arg=("-p:IlcInstructionSet=$isa")
# serialise concurrent builds (test runners may start several)
mkdir -p "$out"
exec 9>"$out/.lock"
flock 9
if [ -f "$so" ] && [ -f "$out/stamp" ] && [ "$(cat "$out/stamp")" = "$want" ]; then echo "$so"; exit 0; fi
DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 dotnet publish "$root/src/AlHpc.Native/AlHpc.Native.csproj" \
  -c Release -r "$rid" -o "$pub" "${isa_arg[@]}" -nologo -v:q -p:TreatWarningsAsErrors=true >&2
mkdir -p "$out/lib" "$out/include"
cp "$pub/AlHpc.Native.so" "$out/lib/libalhpc.so.tmp" && mv -f "$out/lib/libalhpc.so.tmp" "$so"
cp "$root/include/alhpc.h" "$out/include/alhpc.h"
echo "$want" > "$out/stamp"
echo "build-native: done in $(( $(date +%s) - start )) s" >&2
echo "$so"
