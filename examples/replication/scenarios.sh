#!/usr/bin/env bash
# Runs the four classic replication scenarios against real nadb-server
# processes on free ports and prints what it observes:
#   1. normal operation        2. late join (full resync)
#   3. interruption (kill -9 the secondary, write, restart it)
#   4. three secondaries under a write load
# Needs bin/nadb-server (make build), redis-cli and redis-benchmark.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin="$root/bin/nadb-server"
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_up() { for _ in $(seq 100); do redis-cli -p "$1" PING >/dev/null 2>&1 && return 0; sleep 0.05; done; echo "port $1 did not come up" >&2; return 1; }
# start <name> <resp> [args...]: starts a node with its own --port and --dir,
# records its pid in $tmp/<name>.pid. Secondaries need nothing else: a node
# that follows a primary opens no NADB listener until it is promoted.
start() {
  local name=$1 rp=$2; shift 2
  mkdir -p "$tmp/$name.data"
  "$bin" --port "$rp" --dir "$tmp/$name.data" --enable-debug-command local "$@" >"$tmp/$name.log" 2>&1 &
  echo $! >"$tmp/$name.pid"; pids+=($!)
  wait_up "$rp"
}
digest() { redis-cli -p "$1" DEBUG DIGEST; }
offset() { redis-cli -p "$1" INFO replication | tr -d '\r' | sed -n 's/^master_repl_offset://p'; }
converged() { # converged <primary> <secondary>...: waits until all digests and offsets match
  for _ in $(seq 200); do
    local ok=1 d o
    d=$(digest "$1"); o=$(offset "$1")
    for s in "${@:2}"; do [ "$(digest "$s")" = "$d" ] && [ "$(offset "$s")" = "$o" ] || ok=0; done
    [ $ok = 1 ] && { echo "  converged: digest $d, offset $o on $# nodes"; return 0; }
    sleep 0.05
  done
  echo "  NOT converged" >&2; return 1
}

P=$(free_port); PN=$(free_port)
start primary "$P" --repl-listen-port "$PN" --max-operation-log 1000
S1=$(free_port)

echo "1. normal operation"
start s1 "$S1" --primary-host 127.0.0.1 --primary-port "$PN"
for i in $(seq 100); do echo "SET key:$i value:$i"; done | redis-cli -p "$P" >/dev/null
converged "$P" "$S1"

echo "2. late join after more writes than the log holds (1000)"
redis-benchmark -p "$P" -t set -n 20000 -r 100000 -q >/dev/null 2>&1
S2=$(free_port)
start s2 "$S2" --primary-host 127.0.0.1 --primary-port "$PN"
converged "$P" "$S1" "$S2"
echo "  s2: $(redis-cli -p "$S2" INFO replication | tr -d '\r' | grep -E 'nadb_full_syncs|nadb_partial_syncs' | tr '\n' ' ')"

echo "3. network interruption: kill -9 the secondary, write, restart it"
kill -9 "$(cat "$tmp/s1.pid")"
for i in $(seq 500); do echo "SET after-kill:$i $i"; done | redis-cli -p "$P" >/dev/null
start s1 "$S1" --primary-host 127.0.0.1 --primary-port "$PN"
converged "$P" "$S1" "$S2"

echo "4. three secondaries under a write load"
S3=$(free_port)
start s3 "$S3" --primary-host 127.0.0.1 --primary-port "$PN"
redis-benchmark -p "$P" -t set,incr,mset -n 50000 -r 100000 -c 20 -q 2>/dev/null | tr '\r' '\n' | grep "requests per second" | sed 's/^ */  /'
converged "$P" "$S1" "$S2" "$S3"
redis-cli -p "$P" INFO replication | tr -d '\r' | grep -E '^(connected_slaves|slave[0-9]|nadb_replica[0-9])'
