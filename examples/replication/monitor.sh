#!/usr/bin/env bash
# Prints the replication state of each node (Redis ports given, default 6379)
# every second until interrupted.
set -euo pipefail
ports=("$@")
[ ${#ports[@]} -gt 0 ] || ports=(6379)
while true; do
  clear 2>/dev/null || true
  date
  for p in "${ports[@]}"; do
    echo "== port $p  digest $(redis-cli -p "$p" DEBUG DIGEST 2>/dev/null)"
    redis-cli -p "$p" INFO replication 2>/dev/null | grep -E '^(role|connected_slaves|slave[0-9]|master_link_status|master_repl_offset|nadb_(sequence|replica[0-9]|last_applied_sequence|reconnections|resyncs|protocol_errors|full_syncs|partial_syncs))' || echo "(not reachable)"
  done
  sleep 1
done
