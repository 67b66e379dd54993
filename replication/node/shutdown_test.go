package node

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/nadb-server/nadb-server/engine"
	"github.com/nadb-server/nadb-server/replication/frame"
	"github.com/stretchr/testify/require"
)

// requireBlocked requires that nothing comes on ch for a while: the call
// it reports on stays blocked.
func requireBlocked[T any](t *testing.T, ch chan T, what string) {
	t.Helper()
	require.Never(t, func() bool { return len(ch) > 0 }, 200*time.Millisecond, 10*time.Millisecond,
		what+" returned before it was released")
}

// receive returns what comes on ch, failing the test after convergeWait.
func receive[T any](t *testing.T, ch chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(convergeWait):
		require.FailNow(t, what+" did not return")
		panic("unreachable")
	}
}

// TestNodeWaitEnds: WAIT with no secondary blocks until its context ends
// (the front end stops) or the node closes, and then reports the count.
func TestNodeWaitEnds(t *testing.T) {
	leakCheck(t)
	p := startNode(t, nil)
	p.eng.Set(0, "k", []byte("v"), engine.SetOptions{})

	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan int, 1)
	go func() { got <- p.node.Wait(ctx, 1, 0) }()
	requireBlocked(t, got, "Wait")
	cancel()
	require.Equal(t, 0, receive(t, got, "Wait after its context ended"))

	go func() { got <- p.node.Wait(context.Background(), 1, 0) }()
	requireBlocked(t, got, "Wait")
	p.close()
	require.Equal(t, 0, receive(t, got, "Wait after the node closed"))
}

// TestNodeWriteDoneEnds: with broadcast-async off and a secondary that
// reads nothing, WriteDone waits for the frames to be sent; it returns the
// context's error when the context ends, net.ErrClosed when the node
// closes.
func TestNodeWriteDoneEnds(t *testing.T) {
	leakCheck(t)
	// A timeout long enough that the peer is not dropped for its silence.
	p := startNode(t, func(o *NodeOptions) { o.Timeout = time.Minute })
	// An up-to-date secondary that reads nothing after its handshake.
	replID := infoValue(p.node, "master_replid")
	peer := dialRaw(t, p.addr)
	peer.send(t, syncRequest(t, replID, p.node.Sequence()+1))
	var op frame.Op
	peer.next(t, &op)
	require.Equal(t, frame.ModePartial, op.Mode)
	require.Eventually(t, func() bool {
		prim, _ := p.node.roles()
		list := prim.list()
		return len(list) == 1 && list[0].state.Load() == "online"
	}, convergeWait, 5*time.Millisecond)

	// 11 MB cannot all sit in the socket's buffers (at most 4 MB to send,
	// and a receive buffer that grows only as its reader reads): the sender
	// stays behind for as long as the peer reads nothing.
	value := []byte(strings.Repeat("v", 900<<10))
	for i := range 12 {
		p.eng.Set(0, "big"+string(rune('a'+i%26)), value, engine.SetOptions{})
	}
	p.node.SetBroadcastAsync(false)

	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan error, 2)
	go func() { got <- p.node.WriteDone(ctx) }()
	requireBlocked(t, got, "WriteDone")
	cancel()
	require.ErrorIs(t, receive(t, got, "WriteDone after its context ended"), context.Canceled)

	go func() { got <- p.node.WriteDone(context.Background()) }()
	requireBlocked(t, got, "WriteDone")
	p.close()
	require.ErrorIs(t, receive(t, got, "WriteDone after the node closed"), net.ErrClosed)
}
