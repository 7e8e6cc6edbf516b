#!/usr/bin/env bash
# Installs the alhpc Python package (python/alhpc: ctypes + numpy, with the ASE calculator) for the current
# user: builds libalhpc.so if needed (scripts/build-native.sh), then copies the package and the library into
# the user site-packages of $PYTHON (default /usr/bin/python3, Debian's, which has python3-ase/python3-numpy).
# No network, no pip. Honours PYTHONUSERBASE. Uninstall: rm -r "$(python3 -m site --user-site)/alhpc".
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
py="${PYTHON:-/usr/bin/python3}"
so="$(bash "$root/scripts/build-native.sh")"
site="$("$py" -m site --user-site)"
mkdir -p "$site"
tmp="$(mktemp -d "$site/.alhpc-install.XXXXXX")"
cp -r "$root/python/alhpc" "$tmp/alhpc"
rm -rf "$tmp/alhpc/__pycache__"
mkdir -p "$tmp/alhpc/lib"
cp "$so" "$tmp/alhpc/lib/libalhpc.so"
rm -rf "$site/alhpc"
mv "$tmp/alhpc" "$site/alhpc"
rmdir "$tmp"
echo "installed alhpc into $site/alhpc" >&2
