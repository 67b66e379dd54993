package node

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nadb-server/nadb-server/engine"
	"github.com/nadb-server/nadb-server/replication/frame"
)

// secStatus returns sec's SecondaryStatus.
func secStatus(t require.TestingT, sec *tnode) *SecondaryStatus {
	st := sec.node.Status().Secondary
	require.NotNil(t, st, "not a secondary")
	return st
}

// TestCheckpointsVerifyUnderLoad: a secondary proves again and again,
// while its primary writes, that it holds exactly its primary's dataset;
// at rest its last write is verified too, and the primary sees it.
func TestCheckpointsVerifyUnderLoad(t *testing.T) {
	leakCheck(t)
	fast := func(o *NodeOptions) { o.VerifyInterval = 5 * time.Millisecond }
	p := startNode(t, fast)
	s := startNode(t, fast)
	follow(t, s, p.addr)
	requireLinkUp(t, s)
	// The writer runs until the secondary has verified three more
	// checkpoints, so each of them was verified while the primary wrote.
	// How quickly that happens depends on the machine (a sender blocked on
	// a full socket sends nothing, checkpoints included), so the test
	// waits on progress, not on a clock.
	before := secStatus(t, s).CheckpointsVerified
	stop := make(chan struct{})
	writerDone := make(chan int64)
	go func() {
		round := int64(0)
		for i := 0; ; i++ {
			select {
			case <-stop:
				writerDone <- int64(i)
				return
			default:
			}
			if i%1000 == 999 {
				round++
			}
			switch i % 5 {
			case 0:
				p.eng.MSet(1, [][]byte{[]byte(fmt.Sprint("m", i%97)), []byte("x"), []byte("n"), []byte(fmt.Sprint(i))}, false)
			case 1:
				p.eng.Del(0, []string{fmt.Sprint("k", i%89)})
			case 2:
				p.eng.Expire(0, fmt.Sprint("k", (i+7)%89), time.Now().Add(time.Hour).UnixMilli(), engine.ExpireAlways)
			default:
				p.eng.Set(0, fmt.Sprint("k", i%89), []byte(fmt.Sprint(round, i)), engine.SetOptions{})
			}
		}
	}()
	var during int64
	assert.Eventually(t, func() bool {
		during = secStatus(t, s).CheckpointsVerified - before
		return during >= 3
	}, convergeWait, pollEvery, "checkpoints verified while the primary writes")
	close(stop)
	writes := <-writerDone
	t.Logf("%d checkpoints verified during %d writes; sequence %d", during, writes, p.node.Sequence())
	require.GreaterOrEqual(t, during, int64(3), "checkpoints verified while writing")
	requireConverged(t, p, s)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		st := secStatus(c, s)
		assert.Equal(c, p.node.Sequence(), st.VerifiedSeq, "the last write is verified at rest")
		reps := p.node.Status().Primary.Replicas
		if assert.Len(c, reps, 1) {
			assert.Equal(c, p.node.Sequence(), reps[0].Verified, "the primary sees it")
		}
	}, convergeWait, pollEvery)
	st := secStatus(t, s)
	require.Zero(t, st.Divergences)
	require.False(t, st.Diverged)
	require.NoError(t, s.node.ReadError())
}

// TestCheckpointEndsFullSync: a full resync ends with a checkpoint, even
// when repl-verify-interval sends no other, so the secondary knows at once
// that it installed exactly what its primary had.
func TestCheckpointEndsFullSync(t *testing.T) {
	leakCheck(t)
	p := startNode(t, func(o *NodeOptions) { o.VerifyInterval = -1 })
	for i := range 500 {
		p.eng.Set(i%3, fmt.Sprint("k", i), []byte("v"), engine.SetOptions{ExpireAt: int64(i%2) * time.Now().Add(time.Hour).UnixMilli()})
	}
	s := startNode(t, nil)
	follow(t, s, p.addr)
	requireConverged(t, p, s)
	// The checkpoint follows the snapshot: verified right after the load.
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		st := secStatus(c, s)
		assert.Equal(c, int64(1), st.FullSyncs)
		assert.Equal(c, int64(1), st.CheckpointsVerified)
		assert.Equal(c, p.node.Sequence(), st.VerifiedSeq)
	}, convergeWait, pollEvery)
	// And no other: repl-verify-interval is off on the primary.
	p.eng.Set(0, "after", []byte("v"), engine.SetOptions{})
	requireConverged(t, p, s)
	require.Equal(t, int64(1), secStatus(t, s).CheckpointsVerified)
}

// TestCheckpointDetectsDivergence corrupts a secondary's dataset behind
// its back, as a bug would (a key written to its engine directly, never
// through the stream). The next checkpoint finds it: the secondary counts
// a divergence, refuses reads while replica-serve-diverged-data is no,
// takes a full resync at once, and ends equal to its primary and
// verified.
func TestCheckpointDetectsDivergence(t *testing.T) {
	leakCheck(t)
	fast := func(o *NodeOptions) { o.VerifyInterval = 5 * time.Millisecond }
	p := startNode(t, fast)
	s := startNode(t, fast)
	for i := range 100 {
		p.eng.Set(0, fmt.Sprint("k", i), []byte("v"), engine.SetOptions{})
	}
	follow(t, s, p.addr)
	requireConverged(t, p, s)
	// Counted just after the keys are installed, which convergence sees.
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.Equal(c, int64(1), secStatus(c, s).FullSyncs)
	}, convergeWait, pollEvery)

	// The corruption: the stream never carried it, so the secondary's
	// position and its primary's stay equal.
	s.eng.Apply([]engine.Effect{{Kind: engine.EffectSet, DB: 4, Key: "rogue", Value: []byte("x")}}, nil)
	p.eng.Set(0, "next", []byte("v"), engine.SetOptions{})
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		st := secStatus(c, s)
		assert.Equal(c, int64(1), st.Divergences)
		assert.Equal(c, int64(2), st.FullSyncs, "repaired by a full resync")
	}, convergeWait, pollEvery)
	requireConverged(t, p, s)
	_, ok := s.eng.Get(4, "rogue")
	require.False(t, ok, "the full resync replaced the diverged dataset")
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.Equal(c, p.node.Sequence(), secStatus(c, s).VerifiedSeq)
	}, convergeWait, pollEvery)
	st := secStatus(t, s)
	require.False(t, st.Diverged)
	require.Equal(t, int64(1), st.Divergences)
	require.NoError(t, s.node.ReadError())
}

// TestDivergedReadsRefused: between the checkpoint that finds a divergence
// and the full resync that repairs it, reads are refused unless
// replica-serve-diverged-data is yes.
func TestDivergedReadsRefused(t *testing.T) {
	leakCheck(t)
	p := startNode(t, func(o *NodeOptions) { o.VerifyInterval = 5 * time.Millisecond })
	s := startNode(t, nil)
	follow(t, s, p.addr)
	requireLinkUp(t, s)
	requireConverged(t, p, s)
	// The state a checkpoint at 42 leaves, with the corruption it found
	// still in place: the next checkpoint finds it again and repairs it.
	s.eng.Apply([]engine.Effect{{Kind: engine.EffectSet, Key: "rogue", Value: []byte("x")}}, nil)
	s.node.divergedAt.Store(42 + 1)
	err := s.node.ReadError()
	var de *DivergedError
	require.True(t, errors.As(err, &de))
	require.Equal(t, uint64(42), de.Seq)
	require.ErrorIs(t, err, ErrDiverged)
	s.node.SetServeDivergedData(true)
	require.NoError(t, s.node.ReadError())
	s.node.SetServeDivergedData(false)
	require.Error(t, s.node.ReadError())
	// The repair clears it.
	p.eng.Set(0, "next", []byte("v"), engine.SetOptions{})
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.NoError(c, s.node.ReadError())
	}, convergeWait, pollEvery)
	requireConverged(t, p, s)
}

// TestCheckpointSchedule checks when a sender follows an entry with a
// checkpoint: at a group's end with a known digest once the interval has
// passed, never inside a group or after an entry read back from disk, and
// when idle as soon as the interval allows.
func TestCheckpointSchedule(t *testing.T) {
	var c checkpoints
	t0 := time.Unix(1_700_000_000, 0)
	c.last = t0
	every := 100 * time.Millisecond
	d := engine.Digest{Hi: 1, Lo: 2}
	end := func(seq uint64) *frame.Entry {
		return &frame.Entry{Seq: seq, GroupEnd: true, HasDigest: true, Digest: d}
	}
	count := func(buf []byte) int { return bytes.Count(buf, []byte(`"dataset_digest_v2"`)) }

	buf := c.after(nil, end(1), every, t0.Add(50*time.Millisecond))
	require.Zero(t, count(buf), "too early")
	buf = c.after(buf, &frame.Entry{Seq: 2, Group: 2}, every, t0.Add(150*time.Millisecond))
	require.Zero(t, count(buf), "inside a group")
	buf = c.after(buf, end(3), every, t0.Add(150*time.Millisecond))
	require.Equal(t, 1, count(buf), "a group's end after the interval")
	var op frame.Op
	require.NoError(t, frame.NewReader(bytes.NewReader(buf), 0).Next(&op))
	require.Equal(t, frame.OpHeartbeat, op.Type)
	require.Equal(t, uint64(3), op.Sequence)

	buf = c.after(nil, end(4), every, t0.Add(200*time.Millisecond))
	require.Zero(t, count(buf))
	// Idle right after: armed for when the interval allows.
	buf = c.idle(nil, 4, every, t0.Add(210*time.Millisecond))
	require.Zero(t, count(buf))
	require.NotNil(t, c.timer())
	buf = c.idle(nil, 4, every, t0.Add(260*time.Millisecond))
	require.Equal(t, 1, count(buf), "idle, interval passed")
	require.Nil(t, c.timer())
	buf = c.idle(nil, 4, every, t0.Add(900*time.Millisecond))
	require.Zero(t, count(buf), "already checkpointed")

	// An entry from disk (no digest) leaves nothing to checkpoint.
	c.after(nil, &frame.Entry{Seq: 5, GroupEnd: true}, every, t0.Add(time.Second))
	require.Zero(t, count(c.idle(nil, 5, every, t0.Add(2*time.Second))))
	// Off.
	require.Zero(t, count(c.after(nil, end(6), -1, t0.Add(time.Hour))))
	require.Zero(t, count(c.idle(nil, 6, -1, t0.Add(time.Hour))))
	c.stop()
}
