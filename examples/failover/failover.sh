#!/usr/bin/env bash
# A Sentinel failover on one machine, step by step:
#   a nadb-server primary, two secondaries and three stock redis-sentinel
#   processes, each on free ports with its own directory and config file;
#   a write confirmed with WAIT 1; the primary killed with SIGKILL; the
#   sentinels promote a secondary and re-point the other; the old primary,
#   started again from its config file, is turned into a secondary.
# Needs bin/nadb-server (make build), redis-cli and redis-sentinel.
# KEEP=1 leaves everything running (and prints how to stop it).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin="$root/bin/nadb-server"
tmp=$(mktemp -d)
pids=()
cleanup() {
  [ "${KEEP:-}" = 1 ] && { echo "left running: kill ${pids[*]}; rm -rf $tmp"; return; }
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
# until <seconds> <command...>: runs the command until it succeeds or time is up.
until_ok() {
  local end=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $end ] || { echo "gave up waiting for: $*" >&2; return 1; }
    sleep 0.1
  done
}
role_of() { redis-cli -p "$1" INFO replication | tr -d '\r' | sed -n 's/^role://p'; }
master_port_of() { redis-cli -p "$1" INFO replication | tr -d '\r' | sed -n 's/^master_port://p'; }
is_replica_of() { [ "$(role_of "$1")" = slave ] && [ "$(master_port_of "$1")" = "$2" ] &&
  redis-cli -p "$1" INFO replication | tr -d '\r' | grep -q '^master_link_status:up'; }
sentinel_master() { redis-cli -p "$1" SENTINEL get-master-addr-by-name mymaster | sed -n 2p; }
master_is() { [ "$(sentinel_master "$1")" = "$2" ]; }

# node <name> <port> [config lines...]: writes data/<name>/nadb.conf and
# starts nadb-server from it (CONFIG REWRITE, which Sentinel sends, saves
# the role there).
node() {
  local name=$1 port=$2; shift 2
  mkdir -p "$tmp/$name"
  {
    echo "port $port"
    echo "repl-listen-port $(free_port)"
    echo "dir $tmp/$name"
    echo "appendonly yes"
    echo "enable-debug-command local" # DEBUG DIGEST, below
    for l in "$@"; do echo "$l"; done
  } >"$tmp/$name/nadb.conf"
  "$bin" "$tmp/$name/nadb.conf" >>"$tmp/$name/log" 2>&1 &
  disown
  echo $! >"$tmp/$name/pid"; pids+=($!)
  until_ok 10 redis-cli -p "$port" PING
}

A=$(free_port); B=$(free_port); C=$(free_port)
echo "1. a primary on $A and two secondaries on $B and $C"
node a "$A"
node b "$B" "replicaof 127.0.0.1 $A"
node c "$C" "replicaof 127.0.0.1 $A"
until_ok 10 is_replica_of "$B" "$A"
until_ok 10 is_replica_of "$C" "$A"

echo "2. three sentinels (quorum 2, down after 3 s)"
S=()
for i in 1 2 3; do
  p=$(free_port); S+=("$p"); mkdir -p "$tmp/s$i"
  cat >"$tmp/s$i/sentinel.conf" <<EOC
port $p
bind 127.0.0.1
dir $tmp/s$i
sentinel monitor mymaster 127.0.0.1 $A 2
sentinel down-after-milliseconds mymaster 3000
sentinel failover-timeout mymaster 10000
EOC
  redis-sentinel "$tmp/s$i/sentinel.conf" >"$tmp/s$i/log" 2>&1 &
  pids+=($!)
done
for p in "${S[@]}"; do
  until_ok 20 sh -c "redis-cli -p $p SENTINEL replicas mymaster | grep -c '^name\$' | grep -qx 2"
  until_ok 20 sh -c "redis-cli -p $p SENTINEL sentinels mymaster | grep -c '^name\$' | grep -qx 2"
done
echo "   sentinels see: $(redis-cli -p "${S[0]}" SENTINEL ckquorum mymaster)"

echo "3. a write confirmed by WAIT 1 (at least one secondary has it)"
printf 'SET order:1 paid\nWAIT 1 1000\n' | redis-cli -p "$A"

echo "4. kill -9 the primary"
kill -9 "$(cat "$tmp/a/pid")"
until_ok 30 sh -c "[ \"\$(redis-cli -p ${S[0]} SENTINEL get-master-addr-by-name mymaster | sed -n 2p)\" != $A ]"
N=$(sentinel_master "${S[0]}")
O=$B; od=b
[ "$N" = "$B" ] && { O=$C; od=c; }
echo "   the sentinels promoted $N; $O follows it:"
until_ok 30 is_replica_of "$O" "$N"
redis-cli -p "$N" INFO stats | tr -d '\r' | grep -E '^sync_(full|partial_ok)'
echo "   (sync_full 0: the other secondary continued with a partial resync)"
echo "   the confirmed write: order:1 = $(redis-cli -p "$N" GET order:1)"
redis-cli -p "$N" SET order:2 shipped >/dev/null

echo "5. the old primary comes back from its config file; Sentinel makes it a secondary"
"$bin" "$tmp/a/nadb.conf" >>"$tmp/a/log" 2>&1 &
echo $! >"$tmp/a/pid"; pids+=($!)
until_ok 60 is_replica_of "$A" "$N"
until_ok 10 sh -c "[ \"\$(redis-cli -p $A GET order:2)\" = shipped ]"
echo "   DEBUG DIGEST on $N, $O, $A:"
for p in "$N" "$O" "$A"; do echo "   $(redis-cli -p "$p" DEBUG DIGEST)"; done
echo "   the config files, rewritten by Sentinel's CONFIG REWRITE, keep the roles:"
for d in a b c; do echo "   $d: $(grep -E '^replicaof' "$tmp/$d/nadb.conf" || echo '(primary: no replicaof line)')"; done
