#!/usr/bin/env bash
# Stand-in for nadb-server used to validate the side-by-side harness: accepts
# nadb-server's command line, drops --repl-listen-port (unknown to redis) and
# execs redis-server, so the ratio nadb/redis should come out close to 1.0.
# exec keeps the PID, so RSS is read from the right process.
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --repl-listen-port) shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
exec redis-server "${args[@]}" --save ''
