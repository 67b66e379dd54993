package node

import (
	"testing"

	"github.com/nadb-server/nadb-server/engine"
	"github.com/nadb-server/nadb-server/replication/frame"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPubQueueOrderAndBound(t *testing.T) {
	q := newPubQueue()
	require.True(t, q.push(3, []byte("a"), []byte("1"), false))
	require.True(t, q.push(5, []byte("b"), []byte("2"), false))
	require.True(t, q.push(4, []byte("c"), []byte("3"), false)) // never overtakes b
	require.Empty(t, q.take(2, nil), "nothing before its writes were sent")
	got := q.take(4, nil)
	require.Len(t, got, 1)
	require.Equal(t, "a", string(got[0].channel))
	got = q.take(5, nil)
	require.Len(t, got, 2)
	require.Equal(t, []string{"b", "c"}, []string{string(got[0].channel), string(got[1].channel)})
	require.Equal(t, "3", string(got[1].message))
	require.Zero(t, q.bytes)

	big := make([]byte, pubQueueBytes)
	require.False(t, q.push(6, []byte("x"), big, false), "over the bound: dropped")
	require.Equal(t, int64(1), q.dropped)
}

// TestPublishOnlyToPeersThatAsk: a secondary whose handshake asks for
// messages (frame.FeaturePubSub) gets a PUBLISH frame after the write made
// before it, and an SPUBLISH's (tagged shard) only if it asked for those
// too (frame.FeatureShardPubSub); one that does not ask (an older
// nadb-server, or a reference secondary) gets only the writes.
func TestPublishOnlyToPeersThatAsk(t *testing.T) {
	leakCheck(t)
	p := startNode(t, nil)
	replID := infoValue(p.node, "master_replid")
	asks, shard, silent := dialRaw(t, p.addr), dialRaw(t, p.addr), dialRaw(t, p.addr)
	var enc frame.Encoder
	request := func(tags ...string) []byte {
		op := frame.Op{Type: frame.OpSyncRequest, Timestamp: frame.NowSeconds(), FromSequence: 1, ReplID: []byte(replID),
			Has: frame.FieldFromSequence | frame.FieldReplID | frame.FieldTags}
		for _, tag := range tags {
			op.Tags = append(op.Tags, []byte(tag))
		}
		req, err := enc.AppendFrame(nil, &op)
		require.NoError(t, err)
		return req
	}
	asks.send(t, request(frame.FeaturePubSub))
	shard.send(t, request(frame.FeaturePubSub, frame.FeatureShardPubSub))
	silent.send(t, syncRequest(t, replID, 1))
	for _, peer := range []*rawPeer{asks, shard, silent} {
		var op frame.Op
		peer.next(t, &op)
		require.Equal(t, frame.ModePartial, op.Mode)
	}

	p.eng.Set(0, "k", []byte("v"), engine.SetOptions{})
	p.node.Publish([]byte("ch"), []byte("hello"), false)
	// An SPUBLISH: only to a peer that asked for those too (one that did
	// not would take it for a PUBLISH).
	p.node.Publish([]byte("sh"), []byte("s"), true)
	p.eng.Set(0, "k2", []byte("v"), engine.SetOptions{})

	var sop frame.Op
	shard.nextData(t, &sop)
	require.Equal(t, "k", string(sop.Key))
	shard.nextData(t, &sop)
	require.Equal(t, "ch", string(sop.Key))
	require.Empty(t, sop.Tags)
	shard.nextData(t, &sop)
	require.Equal(t, frame.OpPublish, sop.Type)
	require.Equal(t, "sh", string(sop.Key))
	require.Equal(t, [][]byte{[]byte("shard")}, sop.Tags)
	shard.nextData(t, &sop)
	require.Equal(t, "k2", string(sop.Key))

	var op frame.Op
	asks.nextData(t, &op)
	require.Equal(t, frame.OpSet, op.Type)
	require.Equal(t, "k", string(op.Key))
	asks.nextData(t, &op)
	require.Equal(t, frame.OpPublish, op.Type)
	require.Equal(t, "ch", string(op.Key))
	require.Equal(t, "hello", string(op.Value))
	require.Equal(t, uint64(1), op.Sequence, "the last operation logged before it")
	asks.nextData(t, &op)
	require.Equal(t, "k2", string(op.Key))

	for _, want := range []string{"k", "k2"} {
		silent.nextData(t, &op)
		require.Equal(t, frame.OpSet, op.Type, "no PUBLISH to a peer that did not ask")
		require.Equal(t, want, string(op.Key))
	}
}

// TestAnnouncedAddress: a secondary with replica-announce-ip/port set is
// reported by its primary (INFO slaveN, ROLE) at that address and port.
func TestAnnouncedAddress(t *testing.T) {
	leakCheck(t)
	p := startNode(t, nil)
	s := startNode(t, func(o *NodeOptions) {
		o.Announce = func() (string, int) { return "10.1.2.3", 7777 }
	})
	follow(t, s, p.addr)
	requireConverged(t, p, s)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.Contains(c, infoValue(p.node, "slave0"), "ip=10.1.2.3,port=7777,")
	}, convergeWait, pollEvery)

	require.True(t, validAnnounceIP("::1"))
	require.True(t, validAnnounceIP("replica-1.example.com"))
	for _, bad := range []string{"", "a b", "a,b", "a=b", "a\nb"} {
		require.False(t, validAnnounceIP(bad), "%q", bad)
	}
}
