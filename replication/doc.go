// Package replication holds no code: it names the three layers of
// nadb-server's NADB replication, each its own package, with imports
// running one way (frame ← aof ← node):
//
//   - frame: the wire and file format. A frame is a 4-byte big-endian
//     length, a compact JSON envelope {type, sequence, timestamp, data,
//     checksum} and a SHA-256 over Python-canonical JSON; the mapping
//     between engine effects and NADB operations; the content digest of an
//     operation. Imports engine only.
//   - aof: the durable log. Log segments and snapshots in a data directory,
//     the segment writer with its fsync policies, start-up recovery,
//     check-log, reading the log back for a lagging secondary, and the
//     lock that keeps two nodes off one directory. Imports frame.
//   - node: a server's replication role. The in-memory operation log
//     (MemLog) that numbers every effect and publishes each operation's
//     frame once; the primary with one sender per secondary; the
//     secondary's handshake, apply and reconnect; role changes and
//     snapshots. It uses the durable log through the small node.Log
//     interface. Imports aof and frame.
//
// docs/PROTOCOL.md describes the protocol and docs/ARCHITECTURE.md how the
// layers fit together.
package replication
