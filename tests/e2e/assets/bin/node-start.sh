#!/bin/bash
# node-start.sh STATE NODE: "power on" one node of a live test cluster.
#
# Called by the harness and by the fence_ns agent (from inside a controller),
# so it first returns to the harness's own mount and network namespaces: a
# restarted node must look exactly like a freshly started one, not inherit a
# controller's bind mounts.
set -euo pipefail
STATE=$1 NODE=$2
H=$(cat "$STATE/harness.pid")
if [ "$(readlink /proc/self/ns/mnt)" != "$(readlink "/proc/$H/ns/mnt")" ] ||
   [ "$(readlink /proc/self/ns/net)" != "$(readlink "/proc/$H/ns/net")" ]; then
  exec nsenter --mount="/proc/$H/ns/mnt" --net="/proc/$H/ns/net" "$0" "$@"
fi
ND=$STATE/nodes/$NODE
NS=$(cat "$ND/netns")
# A reboot loses /run and /dev/shm but keeps the disk (/var/lib/pacemaker).
rm -rf "$ND/run"
mkdir -p "$ND"/{run/netns,log/pacemaker/bundles,log/corosync,lib-pacemaker/{cib,pengine,blackbox,cores},lib-corosync,etc-corosync}
chown -R hacluster:haclient "$ND/log/pacemaker" "$ND/lib-pacemaker"
chmod 750 "$ND"/lib-pacemaker/*
chmod 770 "$ND/log/pacemaker"
setsid ip netns exec "$NS" unshare --mount --uts --propagation private \
  "$(dirname "$0")/node-init.sh" "$STATE" "$NODE" </dev/null >>"$ND/console.log" 2>&1 &
echo $! >"$ND/pid"
