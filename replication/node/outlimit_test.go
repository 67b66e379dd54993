package node

import (
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nadb-server/nadb-server/engine"
	"github.com/nadb-server/nadb-server/replication/frame"
)

// stalledReplica connects to p's NADB port as a secondary that asks for a
// sync and then never reads, and waits until p streams to it.
func stalledReplica(t *testing.T, p *tnode) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", p.addr)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	// A small fixed receive buffer: the kernel takes little of what the
	// primary sends, the rest waits on the primary.
	require.NoError(t, c.(*net.TCPConn).SetReadBuffer(16<<10))
	var enc frame.Encoder
	req := frame.Op{Type: frame.OpSyncRequest, Timestamp: 1, FromSequence: 1, Has: frame.FieldFromSequence}
	buf, err := enc.AppendFrame(nil, &req)
	require.NoError(t, err)
	_, err = c.Write(buf)
	require.NoError(t, err)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		reps := p.node.Status().Primary.Replicas
		if assert.Len(c, reps, 1) {
			assert.Equal(c, "online", reps[0].State)
		}
	}, convergeWait, pollEvery)
	return c
}

// writeMiB logs n MiB of 64 KiB values on p.
func writeMiB(p *tnode, n int) {
	v := make([]byte, 64<<10)
	for i := range n * 16 {
		p.eng.Set(0, fmt.Sprint("big", i), v, engine.SetOptions{})
	}
}

// TestReplicaOutputHardLimit: a secondary that stops reading is
// disconnected once more than the hard limit waits for it, so it cannot
// make its primary hold the log for it without bound; the primary counts
// it and stays a primary with nothing pinned.
func TestReplicaOutputHardLimit(t *testing.T) {
	leakCheck(t)
	p := startNode(t, func(o *NodeOptions) {
		o.ReplicaOutputLimit = OutputLimit{Hard: 1 << 20}
		o.MaxOperationLog = 1_000_000
		// The stalled peer never acknowledges: the limit, not the
		// replication timeout, must be what drops it, however slow the
		// machine.
		o.Timeout = 10 * time.Minute
	})
	stalledReplica(t, p)
	// More than the socket buffers take: the rest waits in the log.
	writeMiB(p, 8)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		st := p.node.Status().Primary
		assert.Equal(c, int64(1), st.OutputLimitDrops)
		assert.Empty(c, st.Replicas)
	}, convergeWait, pollEvery)
}

// TestReplicaOutputSoftLimit: over the soft limit, a secondary is
// disconnected only once it has stayed over it for the soft time.
func TestReplicaOutputSoftLimit(t *testing.T) {
	leakCheck(t)
	p := startNode(t, func(o *NodeOptions) { // no limit of its own
		o.MaxOperationLog = 1_000_000
		o.Timeout = 10 * time.Minute
	})
	stalledReplica(t, p)
	writeMiB(p, 8)
	lim := &OutputLimit{Soft: 1 << 20, SoftFor: time.Minute}
	var s *sender
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		ss := p.node.prim.list()
		if assert.Len(c, ss, 1) {
			from, ok := ss[0].limitBase()
			assert.True(c, ok)
			assert.Greater(c, p.node.prim.log.Behind(from), lim.Soft, "the secondary is over the soft limit")
			s = ss[0]
		}
	}, convergeWait, pollEvery)
	t0 := time.Now()
	p.node.prim.enforceOutputLimits(lim, t0)
	p.node.prim.enforceOutputLimits(lim, t0.Add(59*time.Second))
	require.Len(t, p.node.Status().Primary.Replicas, 1, "over the soft limit for less than its time")
	require.Zero(t, p.node.Status().Primary.OutputLimitDrops)
	p.node.prim.enforceOutputLimits(lim, t0.Add(61*time.Second))
	select {
	case <-s.done:
	default:
		t.Fatal("over the soft limit for its time: still connected")
	}
	require.Equal(t, int64(1), p.node.Status().Primary.OutputLimitDrops)
}

// TestReplicaOutputLimitSparesReaders: a secondary that keeps up is never
// disconnected by a limit far below the volume written, only by what
// waits for it.
func TestReplicaOutputLimitSparesReaders(t *testing.T) {
	leakCheck(t)
	p := startNode(t, func(o *NodeOptions) { o.ReplicaOutputLimit = OutputLimit{Hard: 4 << 20} })
	s := startNode(t, nil)
	follow(t, s, p.addr)
	requireLinkUp(t, s)
	for range 8 {
		writeMiB(p, 1)
		requireConverged(t, p, s)
	}
	require.Zero(t, p.node.Status().Primary.OutputLimitDrops)
	require.Equal(t, int64(1), secStatus(t, s).FullSyncs)
}

func TestMemLogBehind(t *testing.T) {
	l := NewMemLog(100, 16, 1, time.Now)
	require.Zero(t, l.Behind(0))
	l.Record([]engine.Effect{{Kind: engine.EffectSet, Key: "k", Value: make([]byte, 1000)}}, engine.Digest{}, l.now().UnixMilli())
	l.Record([]engine.Effect{{Kind: engine.EffectSet, Key: "k2", Value: make([]byte, 10)}}, engine.Digest{}, l.now().UnixMilli())
	one, two := int64(1+1000+entryOverhead), int64(2+10+entryOverhead)
	require.Equal(t, one+two, l.Behind(0))
	require.Equal(t, two, l.Behind(1))
	require.Zero(t, l.Behind(2))
	require.Zero(t, l.Behind(7), "beyond the log")
	for i := range 300 { // the first entries leave the log
		l.Record([]engine.Effect{{Kind: engine.EffectSet, Key: "k", Value: []byte{byte(i)}}}, engine.Digest{}, l.now().UnixMilli())
	}
	l.Publish()
	require.Greater(t, l.First(), uint64(2))
	require.Equal(t, l.Behind(l.First()-1), l.Behind(0), "older positions count what the log holds")
	require.Equal(t, int64(1+1+entryOverhead), l.Behind(l.Last()-1))
}
