#!/usr/bin/env bash
# Starts a nadb-server secondary in the foreground, following the primary at
# PRIMARY_HOST:PRIMARY_PORT (its NADB replication endpoint). Its data goes to
# data/node-<resp-port> (DATA_DIR overrides): restarted, it resumes with a
# partial resync.
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: PRIMARY_HOST=host PRIMARY_PORT=port $0 resp-port nadb-port" >&2
  exit 2
fi
root=$(cd "$(dirname "$0")/../.." && pwd)
export PRIMARY_HOST="${PRIMARY_HOST:-127.0.0.1}" PRIMARY_PORT="${PRIMARY_PORT:-9000}"
dir="${DATA_DIR:-$root/data/node-$1}"
mkdir -p "$dir"
exec "$root/bin/nadb-server" --port "$1" --repl-listen-port "$2" --dir "$dir" "${@:3}"
