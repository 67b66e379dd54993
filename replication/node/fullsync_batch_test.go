package node

import (
	"bytes"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/nadb-server/nadb-server/engine"
	"github.com/nadb-server/nadb-server/replication/frame"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// snapshotFrames reads a full resynchronisation after its SYNC_RESPONSE up
// to SNAPSHOT_END and returns how many frames of each type carried it and
// the keys they held, by database and name.
func snapshotFrames(t *testing.T, peer *rawPeer, dbs int) (map[frame.OpType]int, map[string]engine.Item) {
	t.Helper()
	types := map[frame.OpType]int{}
	keys := map[string]engine.Item{}
	var op frame.Op
	for {
		peer.nextData(t, &op)
		types[op.Type]++
		switch {
		case op.Type == frame.OpSnapshotEnd:
			require.Equal(t, uint64(len(keys)), op.Count)
			return types, keys
		case op.Type == frame.OpSnapshotBatch:
			_, err := frame.EachBatchItem(op.Value, op.Count, dbs, func(it *engine.Item) error {
				c := *it
				c.Key, c.Value = string([]byte(it.Key)), bytes.Clone(it.Value)
				keys[fmt.Sprint(c.DB, "/", c.Key)] = c
				return nil
			})
			require.NoError(t, err)
		default:
			require.True(t, frame.IsValueOp(op.Type), "%s in a snapshot", op.Type)
			ef, _, err := frame.EffectOf(&op, dbs, 0)
			require.NoError(t, err)
			keys[fmt.Sprint(ef.DB, "/", ef.Key)] = frame.ItemOf(&ef)
		}
	}
}

// A primary sends a full resynchronisation in SNAPSHOT_BATCH frames only to
// a secondary that asks for them; a key too large to share a batch goes in
// its own frame. Both forms carry the same keys.
func TestPrimarySendsBatchesToWhoAsks(t *testing.T) {
	leakCheck(t)
	p := startNode(t, nil)
	const n = 3000
	for i := range n {
		p.eng.Set(i%3, fmt.Sprintf("k%d", i), bytes.Repeat([]byte{byte(i)}, 50), engine.SetOptions{})
	}
	p.eng.Set(1, "ttl", []byte("x"), engine.SetOptions{ExpireAt: time.Now().Add(time.Hour).UnixMilli()})
	big := bytes.Repeat([]byte("b"), frame.SnapshotBatchBytes+1)
	p.eng.Set(2, "big", big, engine.SetOptions{})
	_, err := p.eng.HSet(0, "h", [][]byte{[]byte("f"), []byte("v")}, false)
	require.NoError(t, err)
	dbs := p.eng.Databases()

	fullSync := func(tags ...string) (map[frame.OpType]int, map[string]engine.Item) {
		peer, resp := syncFromStart(t, p.addr, tags...)
		require.Equal(t, frame.ModeFull, resp.Mode)
		return snapshotFrames(t, peer, dbs)
	}

	plainTypes, plain := fullSync()
	require.Zero(t, plainTypes[frame.OpSnapshotBatch], "not asked for")
	require.Equal(t, n+2, plainTypes[frame.OpSet])
	require.Equal(t, 1, plainTypes[frame.OpHash])

	batchTypes, batched := fullSync(frame.FeaturePubSub, frame.FeatureSnapshotBatch)
	require.Equal(t, 1, batchTypes[frame.OpSet], "only the key too large for a batch goes alone")
	require.Zero(t, batchTypes[frame.OpHash])
	// 3000 keys of about 60 bytes: three or four batches of 64 KiB.
	require.InDelta(t, (n*60)/frame.SnapshotBatchBytes+1, batchTypes[frame.OpSnapshotBatch], 1)

	require.Len(t, batched, n+3)
	require.Equal(t, plain, batched)
	require.Equal(t, string(big), string(batched["2/big"].Value))
	require.Equal(t, engine.TypeHash, batched["0/h"].Type)
	require.Positive(t, batched["1/ttl"].ExpireAt)
}

// syncFromStart connects to the primary at addr as a new secondary that
// takes the extensions tags names, and returns the link and the primary's
// SYNC_RESPONSE.
func syncFromStart(t *testing.T, addr string, tags ...string) (*rawPeer, frame.Op) {
	t.Helper()
	peer := dialRaw(t, addr)
	op := frame.Op{Type: frame.OpSyncRequest, Timestamp: frame.NowSeconds(), FromSequence: 1,
		ListeningPort: 6390, Has: frame.FieldFromSequence | frame.FieldListeningPort}
	for _, tag := range tags {
		op.Tags, op.Has = append(op.Tags, []byte(tag)), op.Has|frame.FieldTags
	}
	var enc frame.Encoder
	req, err := enc.AppendFrame(nil, &op)
	require.NoError(t, err)
	peer.send(t, req)
	peer.nextData(t, &op)
	require.Equal(t, frame.OpSyncResponse, op.Type)
	return peer, op
}

// fakeFullSyncServer plays a primary for one full resynchronisation at
// sequence S announcing keys: after the SYNC_RESPONSE, send adds frames
// (add) and writes those added so far (flush, false once the secondary
// has hung up); then the link is held open.
func fakeFullSyncServer(t *testing.T, S, keys uint64, send func(add func(*frame.Op), flush func() bool)) *testServer {
	return startTestServer(t, func(i int, conn net.Conn) {
		rd := frame.NewReader(conn, 1<<20)
		var op frame.Op
		_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		if rd.Next(&op) != nil || op.Type != frame.OpSyncRequest || i > 0 {
			holdOpen(conn)
			return
		}
		asked := false
		for _, tag := range op.Tags {
			asked = asked || string(tag) == frame.FeatureSnapshotBatch
		}
		assert.True(t, asked, "a secondary asks for batches")
		_ = conn.SetReadDeadline(time.Time{})
		var enc frame.Encoder
		var buf []byte
		add := func(o *frame.Op) {
			var err error
			buf, err = enc.AppendFrame(buf, o)
			assert.NoError(t, err)
		}
		flush := func() bool {
			_, err := conn.Write(buf)
			buf = buf[:0]
			return err == nil
		}
		add(&frame.Op{Type: frame.OpSyncResponse, Sequence: S, Mode: frame.ModeFull, ReplID: []byte("0123456789012345678901234567890123456789"),
			FromSequence: S + 1, Count: keys, Has: frame.FieldMode | frame.FieldReplID | frame.FieldFromSequence | frame.FieldCount})
		send(add, flush)
		holdOpen(conn)
	})
}

// fakeFullSync serves the frames frames adds, then SNAPSHOT_END counting
// keys (see fakeFullSyncServer).
func fakeFullSync(t *testing.T, S, keys uint64, frames func(add func(*frame.Op))) *testServer {
	return fakeFullSyncServer(t, S, keys, func(add func(*frame.Op), flush func() bool) {
		frames(add)
		add(&frame.Op{Type: frame.OpSnapshotEnd, Sequence: S, Count: keys, Has: frame.FieldCount})
		flush()
	})
}

// batchOp is a SNAPSHOT_BATCH frame at seq of items, claiming count keys.
func batchOp(seq, count uint64, items ...engine.Item) *frame.Op {
	var blob []byte
	for i := range items {
		blob = frame.AppendBatchItem(blob, &items[i])
	}
	return &frame.Op{Type: frame.OpSnapshotBatch, Sequence: seq, Value: blob, ValueBase64: true, Count: count,
		Has: frame.FieldValue | frame.FieldCount}
}

func stringItems(db int, prefix string, n int) []engine.Item {
	items := make([]engine.Item, n)
	for i := range items {
		items[i] = engine.Item{DB: db, Key: fmt.Sprintf("%s%d", prefix, i), Value: []byte(prefix)}
	}
	return items
}

// A secondary installs a full resynchronisation that mixes batches and
// frames of one key, with every type and expiry.
func TestFullSyncBatchesInstalled(t *testing.T) {
	leakCheck(t)
	const S = 11
	hash := engine.AppendPacked(engine.AppendPacked(nil, "f"), "v")
	list := engine.AppendPacked(engine.AppendPacked(nil, "a"), "b")
	exp := time.Now().Add(time.Hour).UnixMilli()
	items := append(stringItems(0, "a", 600),
		engine.Item{DB: 2, Key: "h", Type: engine.TypeHash, Value: hash},
		engine.Item{DB: 3, Key: "l", Type: engine.TypeList, Value: list, ExpireAt: exp})
	fake := fakeFullSync(t, S, uint64(len(items)+1), func(add func(*frame.Op)) {
		add(batchOp(S, 300, items[:300]...))
		add(&frame.Op{Type: frame.OpSet, Sequence: S, Key: []byte("single"), Value: []byte("one"), DB: []byte("1"),
			Namespace: []byte(frame.Namespace), Has: frame.FieldKey | frame.FieldValue | frame.FieldDB | frame.FieldNamespace})
		add(batchOp(S, uint64(len(items)-300), items[300:]...))
	})
	s := startNode(t, nil)
	follow(t, s, fake.addr)
	requireLinkUp(t, s)
	require.Equal(t, uint64(S), s.node.Sequence())
	require.Equal(t, len(items)+1, s.eng.Len())
	v, _ := s.eng.Get(0, "a599")
	require.Equal(t, "a", string(v))
	v, _ = s.eng.Get(1, "single")
	require.Equal(t, "one", string(v))
	fv, ok, err := s.eng.HGet(2, "h", []byte("f"))
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "v", fv)
	require.Equal(t, "list", s.eng.Type(3, "l"))
	require.Equal(t, exp, s.eng.ExpireTime(3, "l"))
	require.Zero(t, infoInt(t, s.node, "nadb_protocol_errors"))
}

// A malformed batch, or one in the wrong place, is refused: nothing of the
// snapshot is installed, one protocol error is counted, the link dropped.
func TestFullSyncBatchRefused(t *testing.T) {
	const S = 11
	good := stringItems(0, "g", 700)
	for _, tc := range []struct {
		name   string
		frames func(add func(*frame.Op))
	}{
		{"fewer keys than counted", func(add func(*frame.Op)) {
			add(batchOp(S, 700, good...))
			add(batchOp(S, 2, good[0]))
		}},
		{"at another sequence", func(add func(*frame.Op)) {
			add(batchOp(S, 700, good...))
			add(batchOp(S+1, 1, engine.Item{Key: "x"}))
		}},
		{"database out of range", func(add func(*frame.Op)) {
			add(batchOp(S, 700, good...))
			add(batchOp(S, 1, engine.Item{DB: 16, Key: "x"}))
		}},
		{"hash without a value", func(add func(*frame.Op)) {
			add(batchOp(S, 700, good...))
			add(batchOp(S, 1, engine.Item{Key: "x", Type: engine.TypeHash, Value: engine.AppendPacked(nil, "f")}))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			leakCheck(t)
			requireSnapshotRefused(t, fakeFullSync(t, S, 701, tc.frames).addr)
		})
	}
}

// followRefused starts a secondary following the fake primary at addr and
// waits until it has refused one frame: one protocol error, the link down.
func followRefused(t *testing.T, addr string) *tnode {
	t.Helper()
	s := startNode(t, nil)
	follow(t, s, addr)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.Equal(c, int64(1), infoInt(c, s.node, "nadb_protocol_errors"))
		assert.Equal(c, "down", infoValue(s.node, "master_link_status"))
	}, convergeWait, pollEvery)
	return s
}

// requireSnapshotRefused starts a secondary following the fake primary at
// addr and checks that it refuses the full resynchronisation it is sent:
// one protocol error, the link down, nothing installed. It returns the
// secondary.
func requireSnapshotRefused(t *testing.T, addr string) *tnode {
	t.Helper()
	s := followRefused(t, addr)
	require.Zero(t, s.eng.Len(), "a snapshot is installed whole or not at all")
	require.Zero(t, s.node.Sequence())
	require.Zero(t, infoInt(t, s.node, "nadb_full_syncs"))
	return s
}
