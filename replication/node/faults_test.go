//go:build nadbfaults

package node

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nadb-server/nadb-server/engine"
)

// lateHandshakeUnfixed runs TestProxyLateHandshake's scenario with the
// late-handshake fix reverted (the fault seam) on both nodes, and the
// primary's repl-verify-interval set to every: it returns the two nodes
// once the secondary has taken a stream from the primary's reference
// catch-up, which starts after a hole.
func lateHandshakeUnfixed(t *testing.T, every time.Duration) (p, s *tnode, px *linkProxy) {
	unfixed := func(o *NodeOptions) {
		o.faults = &faults{unfixLHS: true}
		o.VerifyInterval = every
		o.MaxOperationLog = 100_000
	}
	return lateHandshakes(t, unfixed, unfixed)
}

// TestFaultLateHandshakeUnfixedIsSilent is the control: with the fix
// reverted and no checkpoints, the secondary reaches its primary's
// sequence holding a hole, and nothing reports it. This is the bug the
// foundation work found only by comparing whole datasets at the end.
func TestFaultLateHandshakeUnfixedIsSilent(t *testing.T) {
	leakCheck(t)
	p, s, _ := lateHandshakeUnfixed(t, -1)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.Equal(c, p.node.Sequence(), s.node.Sequence())
	}, convergeWait, pollEvery)
	require.NotEqual(t, p.eng.Digest(), s.eng.Digest(), "the secondary holds a hole at its primary's sequence")
	require.Less(t, s.eng.Len(), p.eng.Len())
	st := secStatus(t, s)
	require.Zero(t, st.Divergences)
	require.False(t, st.Diverged)
}

// TestFaultLateHandshakeUnfixedCaught: the same reverted build with
// checkpoints on. The first checkpoint on the holed stream finds the
// divergence, the secondary refuses reads and asks for a full resync, and
// once a handshake arrives in time it ends equal to its primary and
// verified. The net would have caught the real bug.
func TestFaultLateHandshakeUnfixedCaught(t *testing.T) {
	leakCheck(t)
	p, s, px := lateHandshakeUnfixed(t, 10*time.Millisecond)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.Positive(c, secStatus(c, s).Divergences)
	}, convergeWait, pollEvery)
	require.ErrorIs(t, s.node.ReadError(), ErrDiverged, "reads refused until repaired")
	px.delayHandshakes(0)
	px.cutAll()
	requireLinkUp(t, s)
	requireConverged(t, p, s)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		st := secStatus(c, s)
		assert.Equal(c, p.node.Sequence(), st.VerifiedSeq)
		assert.False(c, st.Diverged)
	}, convergeWait, pollEvery)
	require.NoError(t, s.node.ReadError())
	requireNoHole(t, p, s)
	require.GreaterOrEqual(t, secStatus(t, s).FullSyncs, int64(1))
}

// TestFaultSkipApply: the seam's other fault, a secondary that drops one
// operation of the live stream, is found by the next checkpoint and
// repaired by a full resync.
func TestFaultSkipApply(t *testing.T) {
	leakCheck(t)
	fast := func(o *NodeOptions) { o.VerifyInterval = 5 * time.Millisecond }
	p := startNode(t, fast)
	s := startNode(t, func(o *NodeOptions) { o.faults = &faults{skipSeq: 150} })
	for i := range 100 {
		p.eng.Set(0, fmt.Sprint("k", i), []byte("v"), engine.SetOptions{})
	}
	follow(t, s, p.addr)
	requireConverged(t, p, s)
	for i := range 100 {
		p.eng.Set(0, fmt.Sprint("k", i), []byte("w"), engine.SetOptions{})
	}
	requireConverged(t, p, s)
	st := secStatus(t, s)
	require.Equal(t, int64(1), st.Divergences)
	require.Equal(t, int64(2), st.FullSyncs)
}
