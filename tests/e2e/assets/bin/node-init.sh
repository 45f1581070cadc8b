#!/bin/bash
# node-init.sh STATE NODE: becomes one node, inside its own net + mount + UTS
# namespaces (set up by node-start.sh).
#
# Per-node directories are bind-mounted over the paths corosync and pacemaker
# hard-code, and the test's agents are overlaid on the system agent
# directories, so nothing installed on the machine is modified.
set -eu
STATE=$1 NODE=$2
ND=$STATE/nodes/$NODE
ASSETS=$(cd "$(dirname "$0")/.." && pwd)
# the product's own agents (ocf:tripleo-instanceha:NovaEvacuate), as the
# lifecycle tasks install them on every controller
PRODUCT_OCF=$(cd "$ASSETS/../../../deployment/pacemaker/ocf" && pwd)
ROLE=$(cat "$ND/role")
hostname "$NODE"
mount --rbind /run/netns "$ND/run/netns"
mount --rbind "$ND/run" /run
mount -t tmpfs -o mode=1777,size=128m tmpfs /dev/shm
mount --bind "$ND/log" /var/log
mount --bind "$ND/lib-pacemaker" /var/lib/pacemaker
mount --bind "$ND/lib-corosync" /var/lib/corosync
mount --bind "$ND/etc-corosync" /etc/corosync
mount -t overlay overlay -o "lowerdir=$ASSETS/ocf:$PRODUCT_OCF:/usr/lib/ocf/resource.d" /usr/lib/ocf/resource.d
# Debian's fence_compute/fence_evacuate need the inspect.getargspec shim.
export PYTHONPATH=$ASSETS/compat
export PCMK_logfile=/var/log/pacemaker/pacemaker.log PCMK_logfacility=none
echo "$(date +%s.%N) boot $NODE $ROLE"
if [ "$ROLE" = compute ]; then
  # what else the node runs (its nova-compute, through the start guard), dying with it:
  # a subshell, so that pacemaker-remoted is not its parent
  if [ -x "$ND/services" ]; then
    ( "$ND/services" </dev/null >>"$ND/log/services.log" 2>&1 & )
  fi
  exec "$(cat "$STATE/remoted")"
fi
corosync -f &
cpid=$!
for _ in $(seq 100); do
  corosync-cfgtool -s >/dev/null 2>&1 && break
  sleep 0.2
done
pacemakerd || true
kill "$cpid" 2>/dev/null || true
wait "$cpid" || true
