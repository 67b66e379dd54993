package node

import (
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nadb-server/nadb-server/replication/frame"
)

// syncedPeer is a secondary played by the test: it has asked the empty
// primary p for everything and had its full resynchronisation of no keys.
func syncedPeer(t *testing.T, p *tnode) *rawPeer {
	t.Helper()
	peer := dialRaw(t, p.addr)
	peer.send(t, syncRequest(t, "", 1))
	var op frame.Op
	peer.next(t, &op)
	require.Equal(t, frame.OpSyncResponse, op.Type)
	require.Equal(t, frame.ModeFull, op.Mode)
	require.Zero(t, op.Count)
	return peer
}

// TestSetTimeoutDropsSilentSecondary: a secondary that stops acknowledging
// is dropped once a repl-timeout lowered at run time has passed, not when
// the timeout it connected under runs out.
func TestSetTimeoutDropsSilentSecondary(t *testing.T) {
	leakCheck(t)
	p := startNode(t, func(o *NodeOptions) { o.Timeout = time.Hour })
	peer := syncedPeer(t, p)
	require.Eventually(t, func() bool { return infoValue(p.node, "connected_slaves") == "1" }, convergeWait, pollEvery)

	// The peer never acknowledges anything from here on.
	p.node.SetTimeout(200 * time.Millisecond)
	require.NoError(t, peer.conn.SetReadDeadline(time.Now().Add(10*time.Second)))
	_, err := io.Copy(io.Discard, peer.conn) // heartbeats, until the primary closes the link
	require.False(t, errors.Is(err, os.ErrDeadlineExceeded), "the silent secondary was not dropped within 10s")
	require.Eventually(t, func() bool { return infoValue(p.node, "connected_slaves") == "0" }, convergeWait, pollEvery)
}

// TestSetTimeoutDropsSilentPrimary: a secondary drops a primary that went
// silent once a repl-timeout lowered at run time has passed, and connects
// again.
func TestSetTimeoutDropsSilentPrimary(t *testing.T) {
	leakCheck(t)
	first := refFrame(t, frame.OpSet, 1, "a", "1", 0)
	fake := startTestServer(t, func(i int, conn net.Conn) {
		rd := frame.NewReader(conn, 1<<20)
		var op frame.Op
		_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		if rd.Next(&op) != nil {
			return
		}
		_ = conn.SetReadDeadline(time.Time{})
		if i == 0 {
			_, _ = conn.Write(first)
		}
		for rd.Next(&op) == nil { // silent until the secondary or the server closes
		}
	})
	accepted := func() int {
		fake.mu.Lock()
		defer fake.mu.Unlock()
		return fake.accepted
	}

	s := startNode(t, func(o *NodeOptions) { o.Timeout = time.Hour })
	follow(t, s, fake.addr)
	require.Eventually(t, func() bool { return s.node.Sequence() == 1 }, convergeWait, pollEvery)
	require.Equal(t, 1, accepted())

	s.node.SetTimeout(200 * time.Millisecond)
	require.Eventually(t, func() bool { return accepted() >= 2 }, 10*time.Second, pollEvery,
		"the secondary kept the silent link open")
}

// TestSetHeartbeat: an idle secondary gets heartbeats at an interval
// changed at run time, within a second of the change, not after the
// interval it was connected under.
func TestSetHeartbeat(t *testing.T) {
	leakCheck(t)
	p := startNode(t, func(o *NodeOptions) { o.Heartbeat = time.Hour })
	peer := syncedPeer(t, p)

	var op frame.Op
	p.node.SetHeartbeat(100 * time.Millisecond)
	require.NoError(t, peer.conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	for beats := 0; beats < 3; {
		require.NoError(t, peer.rd.Next(&op), "fewer than 3 heartbeats within 5s")
		if op.Type == frame.OpHeartbeat {
			beats++
		}
	}
}

// deadlineConn records the read deadlines set on it.
type deadlineConn struct {
	net.Conn
	set []time.Time
}

func (c *deadlineConn) SetReadDeadline(t time.Time) error {
	c.set = append(c.set, t)
	return nil
}

// TestArmDeadlineSeesAChange: a timeout changed while a link sets its
// deadline from the old value (a CONFIG SET racing the link's read) ends
// with the deadline of the new value, not the old one.
func TestArmDeadlineSeesAChange(t *testing.T) {
	now := time.Now()
	c := &deadlineConn{}
	values := []time.Duration{time.Minute, time.Second, time.Second}
	calls := 0
	timeout := func() time.Duration {
		d := values[min(calls, len(values)-1)]
		calls++
		return d
	}
	armDeadline(c, timeout, now)
	require.Equal(t, []time.Time{now.Add(time.Minute), now.Add(time.Second)}, c.set)

	c.set = nil
	armDeadline(c, func() time.Duration { return time.Second }, now)
	require.Equal(t, []time.Time{now.Add(time.Second)}, c.set, "an unchanged timeout sets the deadline once")
}
