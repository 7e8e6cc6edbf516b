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

# --- Slurm dispatch tests (issue 15): a single-node Slurm cluster started by scripts/slurm-local.sh from the
# --- test fixture (tests/AlHpc.Tests/ActiveLearning/SlurmDispatchTests.cs). slurm-wlm brings slurmctld, slurmd
# --- and the client commands; munge the authentication daemon; util-linux (setsid) runs oracle commands in
# --- their own session. Installed without starting services (no systemd needed).
slurm_need=()
command -v sbatch >/dev/null 2>&1 && command -v slurmctld >/dev/null 2>&1 && command -v slurmd >/dev/null 2>&1 || slurm_need+=(slurm-wlm)
command -v munged >/dev/null 2>&1 || slurm_need+=(munge)
command -v setsid >/dev/null 2>&1 || slurm_need+=(util-linux)
if [ ${#slurm_need[@]} -gt 0 ]; then
  echo "setup: installing ${slurm_need[*]}" >&2
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  # policy-rc.d 101: the packages' maintainer scripts must not try to start daemons (no init system here).
  if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null; $SUDO chmod +x /usr/sbin/policy-rc.d; slurm_policy=1; fi
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${slurm_need[@]}" >/dev/null
  if [ "${slurm_policy:-0}" = 1 ]; then $SUDO rm -f /usr/sbin/policy-rc.d; fi
fi
