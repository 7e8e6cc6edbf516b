#!/usr/bin/env bash
# A single-node Slurm cluster on this machine for the dispatcher tests (Debian 12 slurm-wlm 22.05 + munge;
# run as root; no systemd, no cgroups, no accounting). Usage: scripts/slurm-local.sh start|stop|status
# Idempotent: "start" does nothing when sinfo already answers. Files: /etc/slurm/slurm.conf (written only
# when absent or written by this script), state under /var/spool/slurmctld and /var/spool/slurmd, logs
# under /var/log/slurm.
set -euo pipefail
cmd="${1:-start}"
conf=/etc/slurm/slurm.conf
marker="# written by AlHpc scripts/slurm-local.sh"
host=$(hostname -s)

stop() {
  for d in slurmd slurmctld; do
    if [ -f "/run/alhpc-$d.pid" ]; then kill "$(cat /run/alhpc-$d.pid)" 2>/dev/null || true; rm -f "/run/alhpc-$d.pid"; fi
  done
}

case "$cmd" in
  stop) stop; exit 0 ;;
  status) sinfo -h -o '%T' 2>/dev/null | grep -q . && { echo up; exit 0; } || { echo down; exit 1; } ;;
  start) ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac

if [ "$(id -u)" != 0 ]; then echo "slurm-local.sh: must run as root" >&2; exit 1; fi
if timeout 5 sinfo -h -o '%T' 2>/dev/null | grep -qE 'idle|mix|alloc'; then exit 0; fi

# munge: a key, then the daemon as user munge
mkdir -p /etc/munge /var/log/munge /var/lib/munge /run/munge
if [ ! -s /etc/munge/munge.key ]; then
  dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key status=none
fi
chown -R munge:munge /etc/munge /var/log/munge /var/lib/munge /run/munge
chmod 0700 /etc/munge /var/log/munge /var/lib/munge
chmod 0755 /run/munge
chmod 0400 /etc/munge/munge.key
if ! munge -n </dev/null >/dev/null 2>&1; then
  rm -f /run/munge/munged.pid
  su -s /bin/sh munge -c /usr/sbin/munged
  for _ in $(seq 50); do munge -n </dev/null >/dev/null 2>&1 && break; sleep 0.1; done
fi

cpus=$(nproc)
mem=$(awk '/MemTotal/ { printf "%d", $2 / 1024 * 0.8 }' /proc/meminfo)
if [ ! -f "$conf" ] || grep -q "$marker" "$conf"; then
  mkdir -p /etc/slurm
  cat > "$conf.tmp" <<CONF
$marker
ClusterName=alhpc
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
SchedulerParameters=sched_interval=1
MinJobAge=2
KillWait=2
InactiveLimit=0
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4
CONF
  mv "$conf.tmp" "$conf"
fi
mkdir -p /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
stop
/usr/sbin/slurmctld -i
/usr/sbin/slurmd
sleep 0.5
cp /run/slurmctld.pid /run/alhpc-slurmctld.pid 2>/dev/null || pgrep -xo slurmctld > /run/alhpc-slurmctld.pid
cp /run/slurmd.pid /run/alhpc-slurmd.pid 2>/dev/null || pgrep -xo slurmd > /run/alhpc-slurmd.pid
for _ in $(seq 100); do
  if sinfo -h -o '%T' 2>/dev/null | grep -qE 'idle|mix|alloc'; then exit 0; fi
  scontrol update nodename="$host" state=resume >/dev/null 2>&1 || true
  sleep 0.2
done
echo "slurm-local.sh: the node did not come up; see /var/log/slurm/slurmctld.log and slurmd.log" >&2
sinfo >&2 || true
exit 1
