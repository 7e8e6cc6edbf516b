#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine with the .NET SDK lacks: PoCL (CPU OpenCL) with the ICD
# loader, and a font for plot text. Idempotent: does nothing when everything is present.
set -euo pipefail
need=()
ldconfig -p 2>/dev/null | grep -q 'libOpenCL.so.1' || need+=(ocl-icd-libopencl1)
ls /etc/OpenCL/vendors/*pocl* >/dev/null 2>&1 || need+=(pocl-opencl-icd)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}" >&2
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# --- native embedding (issue 14: libalhpc.so, C/Fortran/Python/ASE/LAMMPS-KIM tests) ---
# gcc + libc6-dev link the NativeAOT library; gfortran, python3-ase/python3-numpy (Debian's /usr/bin/python3),
# cmake, make, g++ + libkim-api-dev (KIM model driver; its item wrapper is C++) and lammps run the embedding tests.
native_need=()
command -v gcc >/dev/null 2>&1 || native_need+=(gcc)
[ -e /usr/include/stdio.h ] || native_need+=(libc6-dev)
command -v gfortran >/dev/null 2>&1 || native_need+=(gfortran)
command -v cmake >/dev/null 2>&1 || native_need+=(cmake)
command -v make >/dev/null 2>&1 || native_need+=(make)
command -v g++ >/dev/null 2>&1 || native_need+=(g++)   # the KIM item wrapper is C++
command -v kim-api-collections-management >/dev/null 2>&1 || native_need+=(libkim-api-dev)
command -v lmp >/dev/null 2>&1 || native_need+=(lammps)
/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1 || native_need+=(python3-numpy)
/usr/bin/python3 -c 'import ase' >/dev/null 2>&1 || native_need+=(python3-ase)
if [ ${#native_need[@]} -gt 0 ]; then
  echo "setup: installing ${native_need[*]}" >&2
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${native_need[@]}" >/dev/null
fi
