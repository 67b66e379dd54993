#!/usr/bin/env bash
# Starts a nadb-server primary in the foreground. Its snapshots and log
# segments go to data/node-<resp-port> under the repository (DATA_DIR
# overrides), so a restart on the same port resumes its history. DEBUG
# (monitor.sh's DEBUG DIGEST) is allowed from this host only.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
port="${1:-6379}"
dir="${DATA_DIR:-$root/data/node-$port}"
mkdir -p "$dir"
exec "$root/bin/nadb-server" --port "$port" --repl-listen-port "${2:-9000}" --dir "$dir" --enable-debug-command local "${@:3}"
