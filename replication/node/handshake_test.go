package node

import (
	"net"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/nadb-server/nadb-server/engine"
	"github.com/nadb-server/nadb-server/replication/frame"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHandshake(t *testing.T) {
	const id = "1111111111111111111111111111111111111111"
	const other = "2222222222222222222222222222222222222222"
	const former = "3333333333333333333333333333333333333333" // followed before a promotion at 43
	req := func(replID string, from uint64) *frame.Op {
		return &frame.Op{Type: frame.OpSyncRequest, Sequence: from - min(from, 1), FromSequence: from, ReplID: []byte(replID),
			Has: frame.FieldReplID | frame.FieldFromSequence}
	}
	noID := func(from uint64) *frame.Op {
		return &frame.Op{Type: frame.OpSyncRequest, FromSequence: from, Has: frame.FieldFromSequence}
	}
	noFrom := &frame.Op{Type: frame.OpSyncRequest, ReplID: []byte(id), Has: frame.FieldReplID}

	for _, tc := range []struct {
		name        string
		req         *frame.Op
		first, last uint64
		wantMode    frame.SyncMode
		wantFrom    uint64
	}{
		{"same ID, inside the log", req(id, 50), 10, 100, frame.ModePartial, 50},
		{"same ID, at the first entry", req(id, 10), 10, 100, frame.ModePartial, 10},
		{"same ID, at the last entry", req(id, 100), 10, 100, frame.ModePartial, 100},
		{"same ID, up to date (last+1)", req(id, 101), 10, 100, frame.ModePartial, 101},
		{"same ID, empty log, up to date", req(id, 1), 1, 0, frame.ModePartial, 1},
		{"same ID, promoted history, up to date", req(id, 43), 43, 42, frame.ModePartial, 43},
		{"same ID, below the first entry", req(id, 9), 10, 100, frame.ModeFull, 0},
		{"same ID, far below", req(id, 1), 10, 100, frame.ModeFull, 0},
		{"same ID, ahead of the primary", req(id, 102), 10, 100, frame.ModeFull, 0},
		{"same ID, from zero", req(id, 0), 1, 100, frame.ModeFull, 0},
		{"other ID, inside the log", req(other, 50), 10, 100, frame.ModeFull, 0},
		{"empty ID (a fresh secondary)", req("", 1), 1, 100, frame.ModeFull, 0},
		{"missing repl_id (a reference secondary)", noID(50), 10, 100, frame.ModeFull, 0},
		{"missing from_sequence", noFrom, 1, 100, frame.ModeFull, 0},
		{"ID prefix is not the ID", req(id[:39], 50), 10, 100, frame.ModeFull, 0},
		{"former ID, up to the promotion", req(former, 43), 10, 100, frame.ModePartial, 43},
		{"former ID, behind the promotion", req(former, 20), 10, 100, frame.ModePartial, 20},
		{"former ID, past the promotion (writes this node never had)", req(former, 44), 10, 100, frame.ModeFull, 0},
		{"former ID, below the log", req(former, 9), 10, 100, frame.ModeFull, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mode, from := handshake(tc.req, histories{replID: id, replID2: former, offset2: 43}, tc.first, tc.last)
			require.Equal(t, tc.wantMode, mode)
			require.Equal(t, tc.wantFrom, from)
		})
	}
}

// syncRequest encodes a SYNC_REQUEST frame as this server's secondary
// sends it.
func syncRequest(t *testing.T, replID string, from uint64) []byte {
	t.Helper()
	var enc frame.Encoder
	buf, err := enc.AppendFrame(nil, &frame.Op{Type: frame.OpSyncRequest, Sequence: from - min(from, 1), Timestamp: frame.NowSeconds(),
		FromSequence: from, ReplID: []byte(replID), ListeningPort: 6390, NodeID: []byte("handshake-test"),
		Has: frame.FieldFromSequence | frame.FieldReplID | frame.FieldListeningPort | frame.FieldNodeID})
	require.NoError(t, err)
	return buf
}

// rawPeer is a test's own TCP connection to a primary.
type rawPeer struct {
	conn net.Conn
	rd   *frame.Reader
}

func dialRaw(t *testing.T, addr string) *rawPeer {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	return &rawPeer{conn: conn, rd: frame.NewReader(conn, 1<<20)}
}

// next reads one frame, failing the test after a deadline.
func (p *rawPeer) next(t *testing.T, op *frame.Op) {
	t.Helper()
	require.NoError(t, p.conn.SetReadDeadline(time.Now().Add(10*time.Second)))
	require.NoError(t, p.rd.Next(op))
}

// nextData reads frames until one that is not a heartbeat.
func (p *rawPeer) nextData(t *testing.T, op *frame.Op) {
	t.Helper()
	for {
		p.next(t, op)
		if op.Type != frame.OpHeartbeat {
			return
		}
	}
}

func (p *rawPeer) send(t *testing.T, b []byte) {
	t.Helper()
	require.NoError(t, p.conn.SetWriteDeadline(time.Now().Add(5*time.Second)))
	_, err := p.conn.Write(b)
	require.NoError(t, err)
}

// TestPrimaryHandshakeWire checks the primary's side of the handshake on
// the wire, with the test playing the secondary.
func TestPrimaryHandshakeWire(t *testing.T) {
	leakCheck(t)
	p := startNode(t, nil)
	p.eng.Set(0, "a", []byte("1"), engine.SetOptions{})
	p.eng.Set(3, "b", []byte("2"), engine.SetOptions{ExpireAt: time.Now().Add(time.Hour).UnixMilli()})
	p.eng.MSet(0, [][]byte{[]byte("c"), []byte("3"), []byte("d"), []byte("4")}, false)
	last := p.node.Sequence()
	require.Equal(t, uint64(4), last)
	replID := infoValue(p.node, "master_replid")

	t.Run("full: snapshot at the last sequence, then the stream", func(t *testing.T) {
		full0, _, _ := p.node.SyncStats()
		peer := dialRaw(t, p.addr)
		peer.send(t, syncRequest(t, "", 1))
		var op frame.Op
		peer.next(t, &op)
		require.Equal(t, frame.OpSyncResponse, op.Type)
		require.Equal(t, frame.ModeFull, op.Mode)
		require.Equal(t, replID, string(op.ReplID))
		require.Equal(t, last, op.Sequence)
		require.Equal(t, last+1, op.FromSequence)
		require.Equal(t, uint64(4), op.Count)
		keys := map[string]string{}
		for range op.Count {
			peer.next(t, &op)
			require.Equal(t, frame.OpSet, op.Type)
			require.Equal(t, last, op.Sequence, "snapshot frames carry the snapshot's sequence")
			keys[string(op.DB)+"/"+string(op.Key)] = string(op.Value)
			if string(op.Key) == "b" {
				require.NotZero(t, op.Has&frame.FieldExpireAt, "a key with an expiry carries expire_at_ms")
			}
		}
		require.Equal(t, map[string]string{"0/a": "1", "3/b": "2", "0/c": "3", "0/d": "4"}, keys)
		peer.next(t, &op)
		require.Equal(t, frame.OpSnapshotEnd, op.Type)
		require.Equal(t, last, op.Sequence)
		require.Equal(t, uint64(4), op.Count)

		p.eng.Set(0, "live", []byte("5"), engine.SetOptions{})
		peer.nextData(t, &op)
		require.Equal(t, frame.OpSet, op.Type)
		require.Equal(t, last+1, op.Sequence)
		require.Equal(t, "live", string(op.Key))
		full1, _, _ := p.node.SyncStats()
		require.Equal(t, full0+1, full1)
		p.eng.Del(0, []string{"live"})
	})

	last = p.node.Sequence()
	for _, tc := range []struct {
		name string
		from uint64
	}{
		{"partial from inside the log", 3},
		{"partial when up to date", last + 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, ok0, _ := p.node.SyncStats()
			peer := dialRaw(t, p.addr)
			peer.send(t, syncRequest(t, replID, tc.from))
			var op frame.Op
			peer.next(t, &op)
			require.Equal(t, frame.OpSyncResponse, op.Type)
			require.Equal(t, frame.ModePartial, op.Mode)
			require.Equal(t, replID, string(op.ReplID))
			require.Equal(t, tc.from, op.FromSequence)
			for seq := tc.from; seq <= last; seq++ {
				peer.nextData(t, &op)
				require.Equal(t, seq, op.Sequence)
			}
			p.eng.Set(0, "after-"+strconv.FormatUint(tc.from, 10), []byte("x"), engine.SetOptions{})
			peer.nextData(t, &op)
			require.Equal(t, last+1, op.Sequence)
			last = p.node.Sequence()
			_, ok1, _ := p.node.SyncStats()
			require.Equal(t, ok0+1, ok1)
		})
	}

	t.Run("other history gets a full sync and counts as a failed partial", func(t *testing.T) {
		full0, _, err0 := p.node.SyncStats()
		peer := dialRaw(t, p.addr)
		peer.send(t, syncRequest(t, frame.NewReplID(), 2))
		var op frame.Op
		peer.next(t, &op)
		require.Equal(t, frame.OpSyncResponse, op.Type)
		require.Equal(t, frame.ModeFull, op.Mode)
		full1, _, err1 := p.node.SyncStats()
		require.Equal(t, full0+1, full1)
		require.Equal(t, err0+1, err1)
	})

	t.Run("a peer that speaks first with another frame is dropped", func(t *testing.T) {
		peer := dialRaw(t, p.addr)
		var enc frame.Encoder
		ack, err := enc.AppendFrame(nil, &frame.Op{Type: frame.OpAck, Sequence: 1, Timestamp: 1, Applied: 1, Has: frame.FieldApplied})
		require.NoError(t, err)
		peer.send(t, ack)
		var op frame.Op
		require.NoError(t, peer.conn.SetReadDeadline(time.Now().Add(10*time.Second)))
		require.Error(t, peer.rd.Next(&op), "the primary closes the link")
	})

	t.Run("a peer that sends garbage is dropped", func(t *testing.T) {
		peer := dialRaw(t, p.addr)
		peer.send(t, []byte{0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o'})
		var op frame.Op
		require.NoError(t, peer.conn.SetReadDeadline(time.Now().Add(10*time.Second)))
		require.Error(t, peer.rd.Next(&op), "the primary closes the link")
	})
}

// TestPrimaryLegacyClassification: only a peer that sends not a single
// byte within legacyWait is served as a reference secondary, and such a
// peer is dropped the moment it sends anything.
func TestPrimaryLegacyClassification(t *testing.T) {
	leakCheck(t)
	p := startNode(t, func(o *NodeOptions) { o.Heartbeat = time.Hour })
	for i := range 10 {
		p.eng.Set(0, strconv.Itoa(i), []byte("v"), engine.SetOptions{})
	}
	replID := infoValue(p.node, "master_replid")

	t.Run("part of a frame, then silence: dropped, never served", func(t *testing.T) {
		peer := dialRaw(t, p.addr)
		req := syncRequest(t, "", 1)
		peer.send(t, req[:len(req)/2])
		var op frame.Op
		require.NoError(t, peer.conn.SetReadDeadline(time.Now().Add(10*time.Second)))
		err := peer.rd.Next(&op)
		require.Error(t, err, "got a %s frame: the peer was served as a reference secondary", op.Type)
		require.NotErrorIs(t, err, os.ErrDeadlineExceeded, "the primary closes the link")
	})

	t.Run("silent, then speaks: served, then dropped", func(t *testing.T) {
		peer := dialRaw(t, p.addr)
		var op frame.Op
		peer.next(t, &op)
		require.Equal(t, frame.OpHeartbeat, op.Type, "the stream to a silent peer opens with a HEARTBEAT")
		require.Equal(t, replID, string(op.ReplID), "naming the primary's history")
		require.Zero(t, op.Sequence, "at the sequence before the catch-up's first")
		for seq := uint64(1); seq <= 10; seq++ {
			peer.nextData(t, &op)
			require.Equal(t, seq, op.Sequence)
		}
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			assert.Equal(c, "1", infoValue(p.node, "connected_slaves"))
		}, convergeWait, pollEvery)
		peer.send(t, syncRequest(t, "", 1)[:3]) // a late handshake's first bytes
		require.NoError(t, peer.conn.SetReadDeadline(time.Now().Add(10*time.Second)))
		err := peer.rd.Next(&op)
		require.Error(t, err, "the primary went on streaming (%s at %d) to a peer that spoke", op.Type, op.Sequence)
		require.NotErrorIs(t, err, os.ErrDeadlineExceeded, "the primary closes the link")
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			assert.Equal(c, "0", infoValue(p.node, "connected_slaves"))
		}, convergeWait, pollEvery)
	})
}
