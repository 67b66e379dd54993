#!/usr/bin/env bash
# Every data type, written on a primary and read back from a secondary:
#   strings, hashes, lists (with a blocked BLPOP served by a push),
#   sets, sorted sets, bitmaps and HyperLogLogs, then SWAPDB; each reply
#   printed as redis-cli shows it, and the two nodes' DEBUG DIGEST
#   compared at the end.
# Needs bin/nadb-server (make build) or NADB_SERVER=<binary>, and redis-cli.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin="${NADB_SERVER:-$root/bin/nadb-server}"
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
until_ok() {
  local end=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $end ] || { echo "gave up waiting for: $*" >&2; return 1; }
    sleep 0.1
  done
}
start() { # start <name> <port> [args...]
  local name=$1 port=$2; shift 2
  mkdir -p "$tmp/$name"
  "$bin" --port "$port" --repl-listen-port "$(free_port)" --dir "$tmp/$name" --enable-debug-command local "$@" >"$tmp/$name/log" 2>&1 &
  pids+=($!)
  until_ok 10 redis-cli -p "$port" PING
}
P=$(free_port); S=$(free_port)
start primary "$P"
start secondary "$S" --replicaof 127.0.0.1 "$P"
until_ok 30 sh -c "redis-cli -p $S INFO replication | grep -q master_link_status:up" # a loaded machine: retries back off up to 5 s

# on <port> <command...>: prints the command and redis-cli's reply.
on() { local port=$1; shift; echo "> $*"; redis-cli -p "$port" "$@"; }
p() { on "$P" "$@"; }

echo "== strings and hashes"
p SET greeting hello
p HSET user:1 name Ada born 1815
p HGETALL user:1

echo "== lists: a client blocked in BLPOP is served by the next push"
redis-cli -p "$P" BLPOP jobs 5 >"$tmp/blpop" &
blocked=$!
until_ok 5 sh -c "redis-cli -p $P INFO clients | grep -q blocked_clients:1"
p RPUSH jobs build test deploy
wait "$blocked"
echo "the blocked client got: $(tr '\n' ' ' <"$tmp/blpop")"
p LRANGE jobs 0 -1

echo "== sets"
p SADD tags:1 go redis replication
p SADD tags:2 go rust
p SINTER tags:1 tags:2
p SMOVE tags:1 tags:2 redis

echo "== sorted sets"
p ZADD board 120 ada 95 bob 130 cy
p ZINCRBY board 20 bob
p ZRANGE board 0 -1 WITHSCORES
p ZPOPMAX board

echo "== bitmaps and HyperLogLog"
p SETBIT seen 7 1
p BITCOUNT seen
p PFADD visitors a b c a
p PFCOUNT visitors

echo "== SWAPDB"
p SWAPDB 0 1
on "$P" -n 1 DBSIZE

echo "== the secondary holds the same (database 1 after the swap)"
until_ok 10 sh -c "[ \"\$(redis-cli -p $P DEBUG DIGEST)\" = \"\$(redis-cli -p $S DEBUG DIGEST)\" ]"
on "$S" -n 1 HGETALL user:1
on "$S" -n 1 LRANGE jobs 0 -1
on "$S" -n 1 SMEMBERS tags:2
on "$S" -n 1 ZRANGE board 0 -1 WITHSCORES
on "$S" -n 1 PFCOUNT visitors
echo "DEBUG DIGEST: primary $(redis-cli -p "$P" DEBUG DIGEST), secondary $(redis-cli -p "$S" DEBUG DIGEST)"
