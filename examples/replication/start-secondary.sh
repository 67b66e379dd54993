#!/usr/bin/env bash
# Starts a nadb-server secondary in the foreground, following the primary at
# PRIMARY_HOST:PRIMARY_PORT (its NADB replication endpoint). Its data goes to
# data/node-<resp-port> (DATA_DIR overrides): restarted, it resumes with a
# partial resync. A secondary opens no NADB listener until it is promoted
# (REPLICAOF NO ONE); nadb-port, when given, is the port it opens then
# (default 9000). DEBUG (monitor.sh's DEBUG DIGEST) is allowed from this
# host only.
set -euo pipefail
if [ $# -lt 1 ]; then
  echo "usage: PRIMARY_HOST=host PRIMARY_PORT=port $0 resp-port [nadb-port] [--option value ...]" >&2
  exit 2
fi
root=$(cd "$(dirname "$0")/../.." && pwd)
export PRIMARY_HOST="${PRIMARY_HOST:-127.0.0.1}" PRIMARY_PORT="${PRIMARY_PORT:-9000}"
dir="${DATA_DIR:-$root/data/node-$1}"
mkdir -p "$dir"
port=$1
shift
listen=()
if [ $# -gt 0 ] && [[ $1 != --* ]]; then
  listen=(--repl-listen-port "$1")
  shift
fi
exec "$root/bin/nadb-server" --port "$port" "${listen[@]}" --dir "$dir" --enable-debug-command local "$@"
