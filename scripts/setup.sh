#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine with the .NET SDK lacks, in one apt call. Idempotent: does nothing
# when everything is present. What each package is for:
# - PoCL (CPU OpenCL) with the ICD loader; a font for plot text.
# - Native embedding (docs/embedding.md): gcc + libc6-dev link the NativeAOT library libalhpc.so; gfortran,
#   Debian's python3-numpy/python3-ase, cmake, make, g++ + libkim-api-dev (KIM model driver) and lammps run its tests.
# - Slurm dispatch (docs/oracles.md): slurm-wlm (slurmctld, slurmd, clients) and munge for the single-node
#   cluster that scripts/slurm-local.sh starts from the tests; util-linux (setsid) runs oracle commands in
#   their own session. Installed without starting services (no init system needed).
set -euo pipefail
need=()
ldconfig -p 2>/dev/null | grep -q 'libOpenCL.so.1' || need+=(ocl-icd-libopencl1)
ls /etc/OpenCL/vendors/*pocl* >/dev/null 2>&1 || need+=(pocl-opencl-icd)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
command -v gcc >/dev/null 2>&1 || need+=(gcc)
[ -e /usr/include/stdio.h ] || need+=(libc6-dev)
command -v gfortran >/dev/null 2>&1 || need+=(gfortran)
command -v cmake >/dev/null 2>&1 || need+=(cmake)
command -v make >/dev/null 2>&1 || need+=(make)
command -v g++ >/dev/null 2>&1 || need+=(g++)   # the KIM item wrapper is C++
command -v kim-api-collections-management >/dev/null 2>&1 || need+=(libkim-api-dev)
command -v lmp >/dev/null 2>&1 || need+=(lammps)
/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1 || need+=(python3-numpy)
/usr/bin/python3 -c 'import ase' >/dev/null 2>&1 || need+=(python3-ase)
{ command -v sbatch && command -v slurmctld && command -v slurmd; } >/dev/null 2>&1 || need+=(slurm-wlm)
command -v munged >/dev/null 2>&1 || need+=(munge)
command -v setsid >/dev/null 2>&1 || need+=(util-linux)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}" >&2
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  # policy-rc.d 101: maintainer scripts must not try to start daemons (no init system here).
  policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null; $SUDO chmod +x /usr/sbin/policy-rc.d; policy=1; fi
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  if [ "$policy" = 1 ]; then $SUDO rm -f /usr/sbin/policy-rc.d; fi
fi
