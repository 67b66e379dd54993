package node

import (
	"net"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nadb-server/nadb-server/replication/frame"
)

// TestAcksCoalesced: batches applied faster than one per ackGap share
// their ACKs, so a busy link carries about one a millisecond rather than
// one a batch, and the last applied position is always reported.
func TestAcksCoalesced(t *testing.T) {
	leakCheck(t)
	local, remote := net.Pipe()
	s := &secondary{opts: &NodeOptions{}, auth: &authSettings{}}
	s.auth.timeout.Store(int64(5 * time.Second))
	kick := make(chan struct{}, 1)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { s.sendAcks(local, kick, done) })
	applied := make(chan uint64, 1<<16)
	wg.Go(func() {
		defer close(applied)
		rd := frame.NewReader(remote, 1<<20)
		var op frame.Op
		for rd.Next(&op) == nil {
			if op.Type == frame.OpAck {
				applied <- op.Applied
			}
		}
	})
	defer func() {
		close(done)
		_ = local.Close()
		_ = remote.Close()
		wg.Wait()
	}()

	// Apply a batch every few microseconds for 30 ms, kicking the sender
	// after each, as stream does.
	start := time.Now()
	var last uint64
	for time.Since(start) < 30*time.Millisecond {
		last++
		s.applied.Store(last)
		select {
		case kick <- struct{}{}:
		default:
		}
		runtime.Gosched()
	}
	require.Greater(t, last, uint64(1000), "too few batches to tell")

	acks := 0
	deadline := time.After(convergeWait)
	for seen := uint64(0); seen != last; {
		select {
		case n := <-applied:
			acks++
			require.LessOrEqual(t, n, last)
			seen = n
		case <-deadline:
			t.Fatalf("the last applied position %d was never acknowledged", last)
		}
	}
	// The sender waits ackGap after each ACK, so no more than this many
	// fit in the time taken; a slow machine only lowers the count.
	require.LessOrEqual(t, acks, int(time.Since(start)/ackGap)+2, "%d batches", last)
}
