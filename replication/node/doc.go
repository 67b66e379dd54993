// Package node is one server's replication role: a primary that logs every
// effect and streams it to its secondaries, or a secondary that follows a
// primary, and the switch between them (REPLICAOF).
//
// # Parts
//
//   - MemLog (oplog.go): the bounded in-memory operation log. It is the
//     engine's Sink on a primary, so sequence order is apply order; it
//     numbers effects under the engine lock and publishes each operation's
//     frame once, after the lock (Publish), for the disk log and every
//     sender.
//   - primary.go: one goroutine per secondary that answers the handshake
//     (partial or full resync), streams the log in batches, sends
//     heartbeats and reads ACKs; reference secondaries (no handshake) get
//     the reference primary's catch-up and stream.
//   - secondary.go and decide.go: connect, handshake, load a snapshot,
//     apply the live stream exactly once and in order (decide is the pure
//     rule), acknowledge, reconnect with backoff.
//   - Node (node.go, node_persist.go): the role, the write gate
//     (BeginWrite/EndWrite), INFO replication, ROLE, WAIT, REPLICAOF, and
//     snapshots (SAVE, BGSAVE, BGREWRITEAOF).
//
// # Usage
//
//	n := node.NewNode(node.NodeOptions{Engine: eng, RespPort: 6379, ListenPort: 9000, Listen: listen, AOF: log})
//	err := n.Listen()                  // a primary: accept secondaries
//	err = n.FollowNADB("primary:9000") // or n.ReplicaOf("primary", 6379)
//	...
//	n.Close() // stops every goroutine it started
//
// # Caveats
//
// A secondary following a reference primary cannot resynchronise (the
// reference has no handshake), so that mode applies what it receives and
// counts gaps; a secondary that holds a nadb-server history never enters
// it.
package node
