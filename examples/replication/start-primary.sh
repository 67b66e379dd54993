#!/usr/bin/env bash
# Starts a nadb-server primary in the foreground.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
exec "$root/bin/nadb-server" --port "${1:-6379}" --repl-listen-port "${2:-9000}" "${@:3}"
