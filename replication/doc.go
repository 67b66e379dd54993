// Package replication implements the NADB replication protocol of
// nadb-server: the frame codec, the operation log, the primary side, the
// secondary side and the Node that switches between them.
//
// # Parts
//
//   - Codec (codec_*.go): a 4-byte big-endian length, a compact JSON
//     envelope {type, sequence, timestamp, data, checksum} and a SHA-256
//     over Python-canonical JSON. Encoder, Decoder and Reader are
//     hand-written: no encoding/json, no allocations per frame.
//   - MemLog (oplog.go): the bounded in-memory operation log. It is the
//     engine's Sink on a primary, so sequence order is apply order; the
//     primary's senders read it through the small OpLog interface.
//   - primary.go: one goroutine per secondary that answers the handshake
//     (partial or full resync), streams the log in batches, sends
//     heartbeats, and reads ACKs; reference secondaries (no handshake) get
//     the reference primary's catch-up and stream.
//   - secondary.go and decide.go: connect, handshake, load a snapshot, apply
//     the live stream exactly once and in order (decide is the pure rule),
//     acknowledge, and reconnect with backoff after any failure.
//   - Node (node.go): the role of one server, implementing the front end's
//     Replication interface (INFO replication, ROLE, WAIT, REPLICAOF).
//
// # Usage
//
//	node := replication.NewNode(replication.NodeOptions{Engine: eng, RespPort: 6379, ListenPort: 9000})
//	go node.Serve(replLn)                       // accept secondaries
//	err := node.FollowNADB("primary:9000")      // or node.ReplicaOf("primary", 6379)
//	...
//	node.Close()                                // stops every goroutine it started
//
// docs/PROTOCOL.md describes the wire protocol and its extensions.
//
// # Caveats
//
// The log lives in memory: a node that restarts starts a new history (a new
// replication ID), and its secondaries then copy it in full. A secondary
// following a reference primary cannot resynchronise (the reference has no
// handshake), so that mode applies what it receives and counts gaps.
package replication
