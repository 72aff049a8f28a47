#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, from Debian's packages (slurm-wlm, munge), all state in one folder:
# for trying the workbench's Slurm launcher and for its tests (tests/Sensorium.Web.Tests/Slurm/SlurmCluster.cs).
#
#   scripts/slurm-local.sh start DIR [CTLD_PORT SLURMD_PORT]   prints the SLURM_CONF to export
#   scripts/slurm-local.sh stop DIR
#
# The daemons (munged, slurmctld, slurmd) run as the calling user (root included), with their own munge key and
# socket, on the given ports (default 16817/16818), with no accounting database (the workbench reads job states from
# scontrol). Install first: apt-get install slurm-wlm munge.
set -euo pipefail
command=${1:?start or stop}
dir=$(realpath -m "${2:?state folder}")
user=$(id -un)

stop() {
  for daemon in slurmd slurmctld; do
    [ -f "$dir/$daemon.pid" ] && kill "$(cat "$dir/$daemon.pid")" 2>/dev/null || true
  done
  [ -f "$dir/munge/munged.pid" ] && kill "$(cat "$dir/munge/munged.pid")" 2>/dev/null || true
  return 0
}
if [ "$command" = stop ]; then stop; exit 0; fi
[ "$command" = start ] || { echo "usage: $0 start|stop DIR [CTLD_PORT SLURMD_PORT]" >&2; exit 2; }
for tool in munged slurmctld slurmd sinfo; do
  command -v "$tool" >/dev/null || { echo "slurm-local: $tool is missing (apt-get install slurm-wlm munge)" >&2; exit 1; }
done

ctld_port=${3:-16817}
slurmd_port=${4:-16818}
mkdir -p "$dir"/{spool,state,log,munge}
chmod 700 "$dir/munge"
host=$(hostname -s)
read -r cpus mem < <(slurmd -C | awk '/^NodeName/ { for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "CPUs") c = kv[2]; if (kv[1] == "RealMemory") m = kv[2] } print c, m }')

[ -f "$dir/munge/munge.key" ] || { dd if=/dev/urandom bs=1 count=1024 of="$dir/munge/munge.key" status=none; chmod 400 "$dir/munge/munge.key"; }
force=(); [ "$(id -u)" -eq 0 ] && force=(--force)
munged "${force[@]}" --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
  --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/seed"

cat > "$dir/slurm.conf" <<CONF
ClusterName=sensorium-local
SlurmctldHost=$host
SlurmUser=$user
SlurmdUser=$user
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CryptoType=crypto/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=512
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MinJobAge=3600
KillWait=10
ReturnToService=2
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=2
MpiDefault=none
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$dir/slurm.conf"
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
for _ in $(seq 1 120); do
  sinfo -h -o %T 2>/dev/null | grep -q '^idle' && { echo "SLURM_CONF=$SLURM_CONF"; exit 0; }
  sleep 0.5
done
echo "slurm-local: the node did not become idle within 60 s; logs in $dir/log" >&2
sinfo >&2 || true
stop
exit 1
