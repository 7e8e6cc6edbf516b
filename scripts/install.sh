#!/usr/bin/env bash
# Puts `alhpc` on PATH: publishes the command (framework-dependent, Release) into PREFIX/lib/alhpc and
# links PREFIX/bin/alhpc to it. PREFIX defaults to ~/.local, so the command lands in ~/.local/bin,
# which is on PATH in most shells (if not: export PATH="$HOME/.local/bin:$PATH").
#   scripts/install.sh                  # build and install into ~/.local
#   scripts/install.sh --prefix /opt/x  # another prefix (PREFIX=/opt/x works too)
#   scripts/install.sh --no-build       # reuse an existing Release build (ALHPC_INSTALL_NO_BUILD=1 does the same;
#                                       # tests/AlHpc.Tests/Cli/ReadmeTests.cs uses it after the suite's build)
# Run it again after `git pull` to update; remove with: rm -r ~/.local/lib/alhpc ~/.local/bin/alhpc
set -euo pipefail
prefix="${PREFIX:-$HOME/.local}"
build=()
[ "${ALHPC_INSTALL_NO_BUILD:-0}" = 1 ] && build=(--no-build)
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || { echo "install.sh: --prefix needs a directory" >&2; exit 2; }; prefix="$2"; shift 2 ;;
    --prefix=*) prefix="${1#--prefix=}"; shift ;;
    --no-build) build=(--no-build); shift ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown argument '$1' (expected --prefix DIR, --no-build or --help)" >&2; exit 2 ;;
  esac
done
root="$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
lib="$prefix/lib/alhpc"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/alhpc-install.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
dotnet publish "$root/src/AlHpc.Cli/AlHpc.Cli.csproj" -c Release -o "$tmp/alhpc" "${build[@]}" -v quiet -nologo >&2
mkdir -p "$prefix/lib" "$prefix/bin"
rm -rf "$lib.old"; [ -d "$lib" ] && mv "$lib" "$lib.old"
mv "$tmp/alhpc" "$lib"
rm -rf "$lib.old"
ln -sfn "$lib/alhpc" "$prefix/bin/alhpc"
echo "installed: $prefix/bin/alhpc ($("$prefix/bin/alhpc" version))"
case ":$PATH:" in
  *":$prefix/bin:"*) ;;
  *) echo "add it to PATH:  export PATH=\"$prefix/bin:\$PATH\"" ;;
esac
