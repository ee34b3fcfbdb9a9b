#!/usr/bin/env bash
# A real multi-node Docker Swarm on this one machine, for the swarm tier (tests/swarm/) and the
# fleet benchmark. Each node is the project's own engine build (toolchain/ensure-engine.sh) in
# namespaces of its own:
#   network  a veth pair to a bridge in a fourth namespace (10.213.0.<k>/24, no default route:
#            nothing leaves the machine);
#   mount    a private /run (the engine's exec root, containerd, its sockets) and its own
#            /var/lib/docker, bind-mounted from $SWARM_DIR/node<k>/data: so a bind mount of
#            /var/lib/docker/containers or of / in a task sees that node's files, as on a real node;
#   uts      hostname scaibu-node-<k>, which Swarm takes as the node's hostname.
# The engine answers on $SWARM_DIR/node<k>/docker.sock (outside the private /run, so the host
# reaches it). This kernel has no IPVS and no ESP: services use dnsrr and host-mode ports, and
# overlays are unencrypted (the stack's mTLS covers the agents' traffic).
#
#   harness.sh start K...        start node K (namespaces and engine), waits until it answers
#   harness.sh init              node 1 creates the swarm
#   harness.sh join K...         node K joins as a manager (a 3-manager swarm survives a lost node)
#   harness.sh load K IMAGE...   copies images to node K: from the tar `save` wrote, else from the
#                                host's engine (save | load)
#   harness.sh save IMAGE...     writes each image to a tar in $SWARM_IMAGES_DIR, so that `load`
#                                does not need the host's engine (which the e2e tier restarts while
#                                this tier runs beside it)
#   harness.sh host K            prints node K's DOCKER_HOST
#   harness.sh stop              removes every node: containers, engines, namespaces, data
# Env: SWARM_DIR (default /tmp/scaibu-swarm), SWARM_ENGINE_BIN (default: ensure-engine.sh's),
#      SWARM_IMAGES_DIR (default /tmp/scaibu-swarm-images; `stop` leaves it).
set -euo pipefail
# shellcheck source=toolchain/lib.sh
LOG_TAG=swarm source "$(dirname "${BASH_SOURCE[0]}")/../../toolchain/lib.sh"

DIR="${SWARM_DIR:-/tmp/scaibu-swarm}"
IMAGES="${SWARM_IMAGES_DIR:-/tmp/scaibu-swarm-images}"
tar_of() { echo "$IMAGES/$(printf '%s' "$1" | tr '/:' '__').tar"; }
BR=scaibu-sw-br
ns() { echo "scaibu-sw-$1"; }
addr() { echo "10.213.0.$1"; }
host() { echo "unix://$DIR/node$1/docker.sock"; }
dk() { local k="$1"; shift; docker -H "$(host "$k")" "$@"; }

start_node() {
  local k="$1" bin n
  n="$(ns "$k")"
  bin="${SWARM_ENGINE_BIN:-$(bash "$TOOLCHAIN_DIR/ensure-engine.sh")}"
  mkdir -p "$DIR/node$k/data" /var/lib/docker
  if ! ip netns list | grep -qw "$BR"; then
    ip netns add "$BR"
    ip -n "$BR" link set lo up
    ip -n "$BR" link add br0 type bridge
    ip -n "$BR" link set br0 up
  fi
  ip netns list | grep -qw "$n" || ip netns add "$n"
  if ! ip -n "$n" link show eth0 >/dev/null 2>&1; then
    ip link add "sw$k-n" type veth peer name "sw$k-b"
    ip link set "sw$k-n" netns "$n"
    ip link set "sw$k-b" netns "$BR"
    ip -n "$BR" link set "sw$k-b" master br0 up
    ip -n "$n" link set "sw$k-n" name eth0
    ip -n "$n" addr add "$(addr "$k")/24" dev eth0
    ip -n "$n" link set eth0 up
    ip -n "$n" link set lo up
  fi
  log "node $k: starting the engine ($(addr "$k"), log $DIR/node$k/dockerd.log)"
  # unshare execs dockerd in place (no --fork): the pid file names the engine itself.
  nsenter --net="/run/netns/$n" unshare --mount --uts --propagation private -- sh -c '
    set -e
    hostname "scaibu-node-$1"
    mount -t tmpfs -o mode=755 tmpfs /run
    mount --bind "$2/node$1/data" /var/lib/docker
    exec env PATH="$3:$PATH" dockerd --host "unix://$2/node$1/docker.sock" --host unix:///run/docker.sock \
      --pidfile "$2/node$1/dockerd.pid" --log-level warn
  ' sh "$k" "$DIR" "$bin" >>"$DIR/node$k/dockerd.log" 2>&1 </dev/null &
  for ((i = 0; i < 60; i++)); do
    if dk "$k" info >/dev/null 2>&1; then
      log "node $k: engine answers after ${i}s"
      return 0
    fi
    sleep 1
  done
  tail -n 20 "$DIR/node$k/dockerd.log" >&2
  die "node $k: the engine did not answer within 60s"
}

case "${1:-}" in
  start)
    shift
    for k in "$@"; do start_node "$k"; done
    ;;
  init)
    dk 1 swarm init --advertise-addr "$(addr 1)" --listen-addr "$(addr 1):2377" \
      --default-addr-pool 10.214.0.0/16 --default-addr-pool-mask-length 24 >/dev/null
    log "node 1: swarm created"
    ;;
  join)
    shift
    token="$(dk 1 swarm join-token -q manager)"
    for k in "$@"; do
      dk "$k" swarm join --token "$token" --advertise-addr "$(addr "$k")" --listen-addr "$(addr "$k"):2377" \
        "$(addr 1):2377" >/dev/null
      log "node $k: joined"
    done
    ;;
  load)
    k="$2"
    shift 2
    for img in "$@"; do
      if [ -f "$(tar_of "$img")" ]; then dk "$k" load -q -i "$(tar_of "$img")" >/dev/null; else docker save "$img" | dk "$k" load -q >/dev/null; fi
    done
    log "node $k: loaded $*"
    ;;
  save)
    shift
    mkdir -p "$IMAGES"
    for img in "$@"; do docker save -o "$(tar_of "$img").tmp" "$img" && mv "$(tar_of "$img").tmp" "$(tar_of "$img")"; done
    log "saved to $IMAGES: $*"
    ;;
  host)
    host "$2"
    ;;
  stop)
    for d in "$DIR"/node*; do
      [ -d "$d" ] || continue
      k="${d##*node}"
      if dk "$k" info >/dev/null 2>&1; then
        dk "$k" ps -aq | xargs -r docker -H "$(host "$k")" rm -f >/dev/null 2>&1 || true
      fi
      # dockerd removes its pid file as it exits: read the pid once.
      pid="$(cat "$d/dockerd.pid" 2>/dev/null || true)"
      if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid"
        for ((i = 0; i < 30; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
      fi
      # Whatever is left in the node's namespaces (a shim, a task) goes with it.
      ip netns pids "$(ns "$k")" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
      ip netns del "$(ns "$k")" 2>/dev/null || true
    done
    ip netns del "$BR" 2>/dev/null || true
    sleep 1
    rm -rf "$DIR"
    log "every node removed"
    ;;
  *)
    sed -n '2,26p' "$0" >&2
    exit 2
    ;;
esac
