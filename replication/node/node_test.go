package node

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nadb-server/nadb-server/engine"
	"github.com/nadb-server/nadb-server/replication/aof"
	"github.com/nadb-server/nadb-server/replication/frame"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Waits in these tests: convergence normally takes milliseconds; the
// deadlines only bound a failing run.
const (
	convergeWait = 15 * time.Second
	pollEvery    = 5 * time.Millisecond
)

// leakCheck records the number of goroutines now and, when the test ends
// (after every other cleanup, since it is registered first), requires it to
// come back to that number within a deadline.
func leakCheck(t *testing.T) {
	t.Helper()
	base := runtime.NumGoroutine()
	t.Cleanup(func() { requireGoroutinesBack(t, base) })
}

// requireGoroutinesBack polls until at most base goroutines run.
func requireGoroutinesBack(t *testing.T, base int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("%d goroutines still running, %d before the test:\n%s", runtime.NumGoroutine(), base, buf)
		}
		<-tick.C
	}
}

// testLogger discards logs unless NADB_TEST_LOG is set.
func testLogger() *slog.Logger {
	if os.Getenv("NADB_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return nil
}

// tnode is an in-process node: an engine, a Node, and the NADB listener it
// serves on.
type tnode struct {
	eng       *engine.Engine
	node      *Node
	addr      string
	ln        net.Listener
	served    chan error
	closeOnce sync.Once
}

// startNode starts a primary node serving on 127.0.0.1:0, with small
// limits; tweak may change the options. It is closed when the test ends.
func startNode(t testing.TB, tweak func(*NodeOptions)) *tnode {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	eng := engine.New(engine.Options{})
	o := NodeOptions{
		Engine:          eng,
		Logger:          testLogger(),
		ListenHost:      "127.0.0.1",
		ListenPort:      ln.Addr().(*net.TCPAddr).Port,
		RespPort:        16379,
		MaxOperationLog: 1000,
		Heartbeat:       50 * time.Millisecond,
		Timeout:         5 * time.Second,
		MaxFrame:        1 << 20,
		BroadcastAsync:  true,
		NodeID:          frame.NewReplID(),
		// Most tests here exercise the reference peers' paths too.
		AllowLegacy: true,
	}
	if tweak != nil {
		tweak(&o)
	}
	tn := &tnode{eng: eng, node: NewNode(o), addr: ln.Addr().String(), ln: ln, served: make(chan error, 1)}
	go func() { tn.served <- tn.node.Serve(ln) }()
	t.Cleanup(tn.close)
	return tn
}

// close closes the node and waits for its Serve to return.
func (tn *tnode) close() {
	tn.closeOnce.Do(func() {
		tn.node.Close()
		_ = tn.ln.Close() // in case Close ran before Serve registered it
		<-tn.served
	})
}

// infoValue returns field name of n's INFO replication ("" if absent).
//
// The node reports typed values (Status); the front end formats INFO. The
// tests name the fields they read by their INFO names, mapped here.
func infoValue(n *Node, name string) string {
	st := n.Status()
	if p := st.Primary; p != nil {
		switch name {
		case "role":
			return "master"
		case "master_replid":
			return p.ReplID
		case "master_replid2":
			return p.ReplID2
		case "second_repl_offset":
			return strconv.FormatUint(p.Offset2, 10)
		case "connected_slaves":
			return strconv.Itoa(len(p.Replicas))
		case "slave0":
			if len(p.Replicas) > 0 {
				r := p.Replicas[0]
				return fmt.Sprintf("ip=%s,port=%d,state=%s,offset=%d", r.IP, r.Port, r.State, r.Acked)
			}
		case "nadb_replica0":
			if len(p.Replicas) > 0 {
				return fmt.Sprintf("legacy=%d", map[bool]int{false: 0, true: 1}[p.Replicas[0].Legacy])
			}
		}
		return ""
	}
	s := st.Secondary
	i := func(v int64) string { return strconv.FormatInt(v, 10) }
	switch name {
	case "role":
		return "slave"
	case "master_replid":
		if s.ReplID == "" {
			return "0000000000000000000000000000000000000000"
		}
		return s.ReplID
	case "connected_slaves":
		return "0"
	case "master_port":
		return strconv.Itoa(s.PrimaryPort)
	case "master_link_status":
		return map[bool]string{true: "up", false: "down"}[s.LinkUp]
	case "nadb_primary_protocol":
		return map[bool]string{true: "reference", false: "nadb-server"}[s.Legacy]
	case "nadb_full_syncs":
		return i(s.FullSyncs)
	case "nadb_partial_syncs":
		return i(s.PartialSyncs)
	case "nadb_resyncs":
		return i(s.Resyncs)
	case "nadb_protocol_errors":
		return i(s.ProtocolErrors)
	case "nadb_reconnections":
		return i(s.Reconnections)
	case "nadb_connection_attempts":
		return i(s.Attempts)
	case "nadb_operations_applied":
		return i(s.AppliedOps)
	case "nadb_operations_received":
		return i(s.Received)
	case "nadb_frames_received":
		return i(s.Frames)
	}
	return ""
}

// infoInt returns an integer field of n's INFO replication.
func infoInt(t require.TestingT, n *Node, name string) int64 {
	v, err := strconv.ParseInt(infoValue(n, name), 10, 64)
	require.NoError(t, err, "INFO field %s", name)
	return v
}

// requireConverged waits until sec has applied everything prim logged and
// holds the same data.
func requireConverged(t *testing.T, prim, sec *tnode) {
	t.Helper()
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.Equal(c, prim.node.Sequence(), sec.node.Sequence(), "sequence")
		assert.Equal(c, prim.eng.Digest(), sec.eng.Digest(), "digest")
	}, convergeWait, pollEvery)
}

// requireLinkUp waits until sec has completed a handshake with its primary.
func requireLinkUp(t testing.TB, sec *tnode) {
	t.Helper()
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.Equal(c, "up", infoValue(sec.node, "master_link_status"))
	}, convergeWait, pollEvery)
}

// follow makes sec a secondary of prim's NADB endpoint (or of addr).
func follow(t *testing.T, sec *tnode, addr string) {
	t.Helper()
	require.NoError(t, sec.node.FollowNADB(addr))
	require.True(t, sec.node.ReadOnly())
}

// parkedAddr returns the address of a listener that never accepts: a
// secondary pointed at it connects (the kernel completes the handshake)
// and then waits, which stops it following its previous primary.
func parkedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	return ln.Addr().String()
}

// testServer is a TCP server owned by a test: handle runs for each
// connection (i counts them from 0) in a goroutine the server waits for.
// Cleanup closes the listener and every connection, which must make handle
// return.
type testServer struct {
	ln       net.Listener
	addr     string
	done     chan struct{}
	wg       sync.WaitGroup
	mu       sync.Mutex // guards conns, accepted
	conns    map[net.Conn]struct{}
	accepted int
}

func startTestServer(t *testing.T, handle func(i int, conn net.Conn)) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := &testServer{ln: ln, addr: ln.Addr().String(), done: make(chan struct{}), conns: map[net.Conn]struct{}{}}
	s.wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			select {
			case <-s.done: // close has already closed the connections it knew
				s.mu.Unlock()
				_ = conn.Close()
				return
			default:
			}
			i := s.accepted
			s.accepted++
			s.conns[conn] = struct{}{}
			s.mu.Unlock()
			s.wg.Go(func() {
				defer func() {
					_ = conn.Close()
					s.mu.Lock()
					delete(s.conns, conn)
					s.mu.Unlock()
				}()
				handle(i, conn)
			})
		}
	})
	t.Cleanup(s.close)
	return s
}

func (s *testServer) close() {
	select {
	case <-s.done:
		return
	default:
	}
	close(s.done)
	_ = s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		_ = c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// holdOpen keeps conn open until the peer or the server closes it.
func holdOpen(conn net.Conn) {
	_, _ = io.Copy(io.Discard, conn)
}

func TestNodeReplicatesWrites(t *testing.T) {
	leakCheck(t)
	p := startNode(t, nil)
	s := startNode(t, nil)
	follow(t, s, p.addr)
	requireConverged(t, p, s)

	hour := func() int64 { return time.Now().Add(time.Hour).UnixMilli() }
	for _, step := range []struct {
		name  string
		write func(t *testing.T, e *engine.Engine)
	}{
		{"SET", func(t *testing.T, e *engine.Engine) { e.Set(0, "a", []byte("1"), engine.SetOptions{}) }},
		{"SET with expiry", func(t *testing.T, e *engine.Engine) {
			e.Set(0, "ttl", []byte("v"), engine.SetOptions{ExpireAt: hour()})
		}},
		{"SET in another database", func(t *testing.T, e *engine.Engine) { e.Set(5, "a", []byte("five"), engine.SetOptions{}) }},
		{"SET overwrites", func(t *testing.T, e *engine.Engine) { e.Set(0, "a", []byte("2"), engine.SetOptions{}) }},
		{"MSET", func(t *testing.T, e *engine.Engine) {
			e.MSet(0, [][]byte{[]byte("m1"), []byte("x"), []byte("m2"), []byte("y"), []byte("m3"), []byte("z")}, false)
		}},
		{"INCRBY", func(t *testing.T, e *engine.Engine) {
			for range 3 {
				_, err := e.IncrBy(0, "counter", 5)
				require.NoError(t, err)
			}
			requireConverged(t, p, s)
			v, ok := s.eng.Get(0, "counter")
			require.True(t, ok)
			require.Equal(t, "15", string(v), "INCRBY is logged as a SET of the result")
		}},
		{"INCRBY keeps the expiry", func(t *testing.T, e *engine.Engine) {
			e.Set(0, "vcounter", []byte("1"), engine.SetOptions{ExpireAt: hour()})
			_, err := e.IncrBy(0, "vcounter", -3)
			require.NoError(t, err)
		}},
		{"EXPIRE", func(t *testing.T, e *engine.Engine) {
			require.True(t, e.Expire(0, "a", hour()+60_000, engine.ExpireAlways))
		}},
		{"PERSIST", func(t *testing.T, e *engine.Engine) { require.True(t, e.Persist(0, "a")) }},
		{"EXPIRE in the past deletes", func(t *testing.T, e *engine.Engine) {
			require.True(t, e.Expire(0, "m1", time.Now().Add(-time.Second).UnixMilli(), engine.ExpireAlways))
		}},
		{"DEL", func(t *testing.T, e *engine.Engine) { require.Equal(t, 1, e.Del(0, []string{"m2", "missing"})) }},
		{"binary key and value", func(t *testing.T, e *engine.Engine) {
			e.Set(1, "\xff\x00bin", []byte{0, 0xff, 0xfe, '"', '\\'}, engine.SetOptions{})
		}},
		{"non-ASCII text", func(t *testing.T, e *engine.Engine) {
			e.Set(1, "clé", []byte("naïve 😀 \u2028"), engine.SetOptions{})
		}},
		{"APPEND", func(t *testing.T, e *engine.Engine) {
			_, err := e.Append(0, "a", []byte("-more"))
			require.NoError(t, err)
		}},
		{"RENAME", func(t *testing.T, e *engine.Engine) {
			ok, err := e.Rename(0, "a", "renamed", false)
			require.NoError(t, err)
			require.True(t, ok)
		}},
		{"FLUSHDB", func(t *testing.T, e *engine.Engine) {
			e.Set(3, "doomed", []byte("x"), engine.SetOptions{})
			e.Set(3, "doomed2", []byte("x"), engine.SetOptions{})
			e.FlushDB(3)
		}},
		{"FLUSHALL then writes", func(t *testing.T, e *engine.Engine) {
			e.FlushAll()
			e.Set(0, "after-flushall", []byte("1"), engine.SetOptions{})
			e.Set(15, "last-db", []byte("1"), engine.SetOptions{})
		}},
		{"many writes", func(t *testing.T, e *engine.Engine) {
			for i := range 500 {
				e.Set(i%16, fmt.Sprintf("bulk-%d", i), bytes.Repeat([]byte{byte(i)}, i), engine.SetOptions{})
			}
		}},
	} {
		t.Run(step.name, func(t *testing.T) {
			before := p.node.Sequence()
			step.write(t, p.eng)
			require.Greater(t, p.node.Sequence(), before, "the write was logged")
			requireConverged(t, p, s)
		})
	}

	full, partialOK, partialErr := p.node.SyncStats()
	require.Equal(t, [3]int64{1, 0, 0}, [3]int64{full, partialOK, partialErr})
	require.Equal(t, "1", infoValue(p.node, "connected_slaves"))
	require.Equal(t, "slave", infoValue(s.node, "role"))
	require.Equal(t, "up", infoValue(s.node, "master_link_status"))
	require.Equal(t, "nadb-server", infoValue(s.node, "nadb_primary_protocol"))
	require.Equal(t, infoValue(p.node, "master_replid"), infoValue(s.node, "master_replid"))
	require.Equal(t, int64(1), infoInt(t, s.node, "nadb_full_syncs"))
	require.Equal(t, int64(0), infoInt(t, s.node, "nadb_reconnections"))
	require.Equal(t, int64(0), infoInt(t, s.node, "nadb_protocol_errors"))
	require.Equal(t, int64(0), infoInt(t, s.node, "nadb_resyncs"))
	sec := s.node.Status().Secondary
	require.NotNil(t, sec)
	require.True(t, sec.LinkUp)
	require.Equal(t, p.node.Sequence(), sec.Applied)
}

func TestNodeFullSyncAfterLogLeft(t *testing.T) {
	leakCheck(t)
	const logSize = 50
	p := startNode(t, func(o *NodeOptions) { o.MaxOperationLog = logSize })
	for i := range 4 * logSize {
		p.eng.Set(0, fmt.Sprintf("early-%d", i), []byte("v"), engine.SetOptions{})
	}

	s := startNode(t, nil)
	t.Run("late join", func(t *testing.T) {
		follow(t, s, p.addr)
		requireConverged(t, p, s)
		require.Equal(t, 4*logSize, s.eng.Len())
		// The secondary counts the full sync once its load returns, just
		// after the data it loaded became visible.
		requireSyncCounts(t, s, 1, 0)
		full, partialOK, partialErr := p.node.SyncStats()
		require.Equal(t, [3]int64{1, 0, 0}, [3]int64{full, partialOK, partialErr})
	})

	t.Run("return after more writes than the log holds", func(t *testing.T) {
		follow(t, s, parkedAddr(t))
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			assert.Equal(c, "0", infoValue(p.node, "connected_slaves"))
		}, convergeWait, pollEvery)
		for i := range 4 * logSize {
			p.eng.Set(0, fmt.Sprintf("later-%d", i), []byte("v"), engine.SetOptions{})
		}
		prim, _ := p.node.roles()
		_, err := prim.log.Read(s.node.Sequence()+1, 1, nil)
		require.ErrorIs(t, err, aof.ErrCompacted, "the secondary's position has left the primary's log")

		follow(t, s, p.addr)
		requireLinkUp(t, s)
		requireConverged(t, p, s)
		require.Equal(t, 8*logSize, s.eng.Len())
		// The secondary's counters start again with each FollowNADB.
		requireSyncCounts(t, s, 1, 0)
		full, partialOK, partialErr := p.node.SyncStats()
		require.Equal(t, [3]int64{2, 0, 1}, [3]int64{full, partialOK, partialErr},
			"a full sync, counted as a failed partial since the secondary named the history")
	})
}

// requireSyncCounts waits until sec's INFO counts exactly full and
// partial resynchronisations.
func requireSyncCounts(t *testing.T, sec *tnode, full, partial int64) {
	t.Helper()
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.Equal(c, full, infoInt(t, sec.node, "nadb_full_syncs"))
		assert.Equal(c, partial, infoInt(t, sec.node, "nadb_partial_syncs"))
	}, convergeWait, pollEvery)
}

func TestNodePartialResyncAfterRefollow(t *testing.T) {
	leakCheck(t)
	p := startNode(t, nil)
	s := startNode(t, nil)
	for i := range 20 {
		p.eng.Set(0, fmt.Sprintf("k%d", i), []byte("v"), engine.SetOptions{})
	}
	follow(t, s, p.addr)
	requireConverged(t, p, s)

	require.NoError(t, s.node.FollowNADB(p.addr), "following the current primary again is a no-op")
	full0, ok0, err0 := p.node.SyncStats()
	require.Equal(t, [3]int64{1, 0, 0}, [3]int64{full0, ok0, err0})

	for round, writes := range []int{30, 0, 5} {
		t.Run(fmt.Sprintf("round %d: %d writes while away", round, writes), func(t *testing.T) {
			follow(t, s, parkedAddr(t))
			require.EventuallyWithT(t, func(c *assert.CollectT) {
				assert.Equal(c, "0", infoValue(p.node, "connected_slaves"))
			}, convergeWait, pollEvery)
			for i := range writes {
				p.eng.Set(1, fmt.Sprintf("r%d-%d", round, i), []byte("v"), engine.SetOptions{})
				p.eng.Del(0, []string{fmt.Sprintf("k%d", i)})
			}

			follow(t, s, p.addr)
			requireLinkUp(t, s)
			requireConverged(t, p, s)
			full, partialOK, partialErr := p.node.SyncStats()
			require.Equal(t, [3]int64{1, int64(round + 1), 0}, [3]int64{full, partialOK, partialErr})
			// The secondary's counters start again with each FollowNADB.
			require.Equal(t, int64(0), infoInt(t, s.node, "nadb_full_syncs"))
			require.Equal(t, int64(1), infoInt(t, s.node, "nadb_partial_syncs"))
		})
	}
}

func TestNodeFollowsNewHistory(t *testing.T) {
	for _, tc := range []struct {
		name      string
		newWrites int // the new primary's history, shorter or longer than the old
	}{
		{"shorter new history", 3},
		{"longer new history", 80},
		{"empty new history", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			leakCheck(t)
			old := startNode(t, nil)
			s := startNode(t, nil)
			for i := range 20 {
				old.eng.Set(0, fmt.Sprintf("old-%d", i), []byte("old"), engine.SetOptions{})
			}
			follow(t, s, old.addr)
			requireConverged(t, old, s)

			fresh := startNode(t, nil)
			for i := range tc.newWrites {
				fresh.eng.Set(0, fmt.Sprintf("new-%d", i), []byte("new"), engine.SetOptions{})
			}
			follow(t, s, fresh.addr)
			requireLinkUp(t, s)
			requireConverged(t, fresh, s)
			for i := range 20 {
				_, ok := s.eng.Get(0, fmt.Sprintf("old-%d", i))
				require.False(t, ok, "no key of the old history survives")
			}
			require.Equal(t, tc.newWrites, s.eng.Len())
			require.Equal(t, infoValue(fresh.node, "master_replid"), infoValue(s.node, "master_replid"))
			full, partialOK, partialErr := fresh.node.SyncStats()
			require.Equal(t, [3]int64{1, 0, 1}, [3]int64{full, partialOK, partialErr})

			fresh.eng.Set(0, "after-switch", []byte("1"), engine.SetOptions{})
			requireConverged(t, fresh, s)
			old.eng.Set(0, "not-followed", []byte("1"), engine.SetOptions{})
			requireConverged(t, fresh, s)
		})
	}
}

func TestNodeWait(t *testing.T) {
	leakCheck(t)
	p := startNode(t, nil)
	s := startNode(t, nil)
	require.Equal(t, 0, p.node.Wait(context.Background(), 1, 50*time.Millisecond), "no secondary yet")
	follow(t, s, p.addr)
	requireLinkUp(t, s)
	p.eng.Set(0, "first", []byte("v"), engine.SetOptions{}) // the first ACK after the handshake follows an applied write
	requireConverged(t, p, s)

	for i := range 5 {
		p.eng.Set(0, fmt.Sprintf("w%d", i), []byte("v"), engine.SetOptions{})
		seq := p.node.Sequence()
		require.Equal(t, 1, p.node.Wait(context.Background(), 1, convergeWait))
		require.GreaterOrEqual(t, s.node.Sequence(), seq, "WAIT returned before the secondary applied the write")
	}
	require.Equal(t, 1, p.node.Wait(context.Background(), 2, 100*time.Millisecond), "WAIT reports how many acknowledged when it times out")
	require.Equal(t, 1, p.node.Wait(context.Background(), 0, 0), "WAIT 0 returns at once with the count")
	require.Equal(t, 0, s.node.Wait(context.Background(), 1, 0), "a secondary has no secondaries")
}

// TestNodeWaitCountsOnlyAcknowledgedData: WAIT must count a secondary only
// once it has acknowledged the data. A secondary that asks for a full sync
// names a position in another history; that position says nothing about
// this primary's data.
func TestNodeWaitCountsOnlyAcknowledgedData(t *testing.T) {
	leakCheck(t)
	p := startNode(t, nil)
	for i := range 3 {
		p.eng.Set(0, fmt.Sprintf("k%d", i), []byte("v"), engine.SetOptions{})
	}
	peer := dialRaw(t, p.addr)
	peer.send(t, syncRequest(t, frame.NewReplID(), 1001)) // another history, far ahead
	// The peer reads the full sync up to the first heartbeat of the live
	// stream, but never acknowledges anything.
	var op frame.Op
	peer.next(t, &op)
	require.Equal(t, frame.OpSyncResponse, op.Type)
	require.Equal(t, frame.ModeFull, op.Mode)
	for op.Type != frame.OpHeartbeat {
		peer.next(t, &op)
	}
	require.Equal(t, 0, p.node.Wait(context.Background(), 1, 200*time.Millisecond),
		"the peer has acknowledged nothing; INFO: %s", infoValue(p.node, "slave0"))
}

// TestNodeAcksAfterFullSync: a secondary that has loaded a full sync holds
// everything the primary logged; WAIT should not have to wait for its next
// periodic ACK (Redis replicas acknowledge at once after a sync).
func TestNodeAcksAfterFullSync(t *testing.T) {
	leakCheck(t)
	p := startNode(t, nil)
	for i := range 10 {
		p.eng.Set(0, fmt.Sprintf("k%d", i), []byte("v"), engine.SetOptions{})
	}
	s := startNode(t, nil)
	follow(t, s, p.addr)
	requireLinkUp(t, s)
	requireConverged(t, p, s)
	require.Equal(t, 1, p.node.Wait(context.Background(), 1, 500*time.Millisecond), "no ACK within 500 ms of loading the snapshot")
}

// TestNodeIntrospectionDuringHandshakes reads INFO, ROLE and WAIT while
// secondaries connect; run with -race.
func TestNodeIntrospectionDuringHandshakes(t *testing.T) {
	leakCheck(t)
	p := startNode(t, nil)
	p.eng.Set(0, "k", []byte("v"), engine.SetOptions{})
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			_ = p.node.Status()
			_ = p.node.Wait(context.Background(), 1, time.Millisecond) // 0 would block until an ACK
		}
	})
	defer func() {
		close(stop)
		wg.Wait()
	}()
	for range 20 {
		peer := dialRaw(t, p.addr)
		peer.send(t, syncRequest(t, "", 1))
		var op frame.Op
		peer.next(t, &op)
		require.Equal(t, frame.OpSyncResponse, op.Type)
		require.NoError(t, peer.conn.Close())
	}
}

func TestNodeBroadcastSync(t *testing.T) {
	leakCheck(t)
	p := startNode(t, func(o *NodeOptions) { o.BroadcastAsync = false })
	writeDone := func() {
		t.Helper()
		done := make(chan struct{})
		go func() {
			defer close(done)
			p.node.WriteDone(context.Background())
		}()
		select {
		case <-done:
		case <-time.After(convergeWait):
			require.FailNow(t, "WriteDone did not return")
		}
	}
	p.eng.Set(0, "alone", []byte("v"), engine.SetOptions{})
	writeDone() // no secondary: returns at once

	s := startNode(t, nil)
	follow(t, s, p.addr)
	requireConverged(t, p, s)
	for i := range 50 {
		p.eng.Set(0, fmt.Sprintf("k%d", i%7), []byte(strconv.Itoa(i)), engine.SetOptions{})
		last := p.node.Sequence()
		writeDone()
		prim, _ := p.node.roles()
		for _, sd := range prim.list() {
			if sd.state.Load() == "online" {
				require.GreaterOrEqual(t, sd.sent.Load(), last, "WriteDone returned before the frame was sent")
			}
		}
	}
	requireConverged(t, p, s)

	p.node.SetBroadcastAsync(true)
	p.eng.Set(0, "async", []byte("v"), engine.SetOptions{})
	writeDone()
	requireConverged(t, p, s)
}

func TestNodePromote(t *testing.T) {
	leakCheck(t)
	p := startNode(t, nil)
	s := startNode(t, nil)
	for i := range 10 {
		p.eng.Set(0, fmt.Sprintf("k%d", i), []byte("v"), engine.SetOptions{})
	}
	require.False(t, p.node.ReadOnly())
	follow(t, s, p.addr)
	requireConverged(t, p, s)
	require.True(t, s.node.ReadOnly())
	oldID := infoValue(p.node, "master_replid")
	require.Equal(t, oldID, infoValue(s.node, "master_replid"))
	applied := s.node.Sequence()

	already, err := s.node.ReplicaOf("", 0)
	require.NoError(t, err)
	require.False(t, already)
	require.False(t, s.node.ReadOnly(), "a promoted node takes writes")
	require.Equal(t, "master", infoValue(s.node, "role"))
	newID := infoValue(s.node, "master_replid")
	require.Len(t, newID, 40)
	require.NotEqual(t, oldID, newID, "a promotion starts a new history")
	require.Equal(t, applied, s.node.Sequence(), "the new history continues from the applied sequence")
	require.NotNil(t, s.node.Status().Primary)

	s.eng.Set(0, "promoted-write", []byte("1"), engine.SetOptions{})
	require.Equal(t, applied+1, s.node.Sequence(), "writes on the promoted node are logged")
	p.eng.Set(0, "old-primary-write", []byte("1"), engine.SetOptions{})
	_, ok := s.eng.Get(0, "old-primary-write")
	require.False(t, ok, "the promoted node no longer follows")

	// The promoted node serves secondaries of its own.
	third := startNode(t, nil)
	follow(t, third, s.addr)
	requireConverged(t, s, third)
	require.Equal(t, newID, infoValue(third.node, "master_replid"))

	already, err = p.node.ReplicaOf("", 0)
	require.NoError(t, err)
	require.False(t, already)
	require.Equal(t, oldID, infoValue(p.node, "master_replid"), "promoting a primary changes nothing")
}

// TestNodePromotedContinuesFormerHistory: secondaries of the same primary,
// re-pointed to the one of them that was promoted, continue with a partial
// resync when they are not ahead of it (Redis's second replication ID),
// from the promoted node's backlog of the former history; one that holds
// writes the promoted node never had gets a full resync.
func TestNodePromotedContinuesFormerHistory(t *testing.T) {
	leakCheck(t)
	p := startNode(t, nil)
	a, b, c := startNode(t, nil), startNode(t, nil), startNode(t, nil)
	write := func(n *tnode, prefix string, count int) {
		for i := range count {
			n.eng.Set(0, fmt.Sprintf("%s%d", prefix, i), []byte(prefix), engine.SetOptions{})
		}
	}
	write(p, "first", 20)
	for _, s := range []*tnode{a, b, c} {
		follow(t, s, p.addr)
		requireConverged(t, p, s)
	}
	oldID := infoValue(p.node, "master_replid")

	follow(t, b, parkedAddr(t)) // b stays at 20
	write(p, "second", 15)
	requireConverged(t, p, a)
	follow(t, a, parkedAddr(t)) // a stays at 35
	write(p, "third", 5)
	requireConverged(t, p, c) // c reaches 40: 5 writes a never had

	_, err := a.node.ReplicaOf("", 0)
	require.NoError(t, err)
	newID := infoValue(a.node, "master_replid")
	require.NotEqual(t, oldID, newID)
	require.Equal(t, oldID, infoValue(a.node, "master_replid2"))
	require.Equal(t, "36", infoValue(a.node, "second_repl_offset"))
	write(a, "promoted", 5)

	follow(t, b, a.addr)
	requireConverged(t, a, b)
	full, partialOK, partialErr := a.node.SyncStats()
	require.Equal(t, [3]int64{0, 1, 0}, [3]int64{full, partialOK, partialErr}, "b continues from 21 without a full resync")
	require.Equal(t, int64(1), infoInt(t, b.node, "nadb_partial_syncs"))
	require.Equal(t, newID, infoValue(b.node, "master_replid"), "b now follows the new history")

	follow(t, c, a.addr)
	requireConverged(t, a, c)
	full, partialOK, partialErr = a.node.SyncStats()
	require.Equal(t, [3]int64{1, 1, 1}, [3]int64{full, partialOK, partialErr}, "c is ahead of the promotion: full resync")
	_, ok := c.eng.Get(0, "third0")
	require.False(t, ok, "the writes the promoted node never had are gone from c")

	// Both continue in the new history: a later write reaches both, and a
	// reconnection is a plain partial resync of it.
	write(a, "after", 3)
	requireConverged(t, a, b)
	requireConverged(t, a, c)
	follow(t, b, parkedAddr(t))
	follow(t, b, a.addr)
	requireLinkUp(t, b)
	requireConverged(t, a, b)
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		full, partialOK, _ := a.node.SyncStats()
		assert.Equal(ct, [2]int64{1, 2}, [2]int64{full, partialOK})
	}, convergeWait, pollEvery)
}

func TestNodeCloseLeavesNoGoroutines(t *testing.T) {
	base := runtime.NumGoroutine()
	p := startNode(t, nil)
	s := startNode(t, nil)
	s2 := startNode(t, nil)
	for i := range 100 {
		p.eng.Set(0, fmt.Sprintf("k%d", i), []byte("v"), engine.SetOptions{})
	}
	follow(t, s, p.addr)
	follow(t, s2, parkedAddr(t))
	requireConverged(t, p, s)
	dialRaw(t, p.addr) // a silent peer: the primary waits for its handshake, then serves it as a reference secondary
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.Equal(c, "2", infoValue(p.node, "connected_slaves"))
	}, convergeWait, pollEvery)

	s.close()
	s2.close()
	p.close()
	requireGoroutinesBack(t, base)

	require.ErrorIs(t, p.node.FollowNADB(s.addr), net.ErrClosed)
	already, err := p.node.ReplicaOf("", 0)
	require.NoError(t, err)
	require.False(t, already)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	require.ErrorIs(t, p.node.Serve(ln), net.ErrClosed)
	p.node.Close() // twice is harmless
	requireGoroutinesBack(t, base)
}

// TestNodeServesReferenceSecondary plays a reference secondary: it connects
// and never speaks.
func TestNodeServesReferenceSecondary(t *testing.T) {
	leakCheck(t)
	p := startNode(t, func(o *NodeOptions) {
		o.MaxOperationLog = 5000
		o.Heartbeat = 100 * time.Millisecond
	})
	for i := range 1100 {
		p.eng.Set(0, fmt.Sprintf("old-%d", i), []byte("v"), engine.SetOptions{})
	}
	p.eng.Set(0, "text", []byte("hello"), engine.SetOptions{})
	p.eng.Set(0, "bin", []byte{0xff, 0xfe, 0}, engine.SetOptions{})
	p.eng.Set(0, "unicode", []byte("é😀"), engine.SetOptions{})
	last := p.node.Sequence()

	start := time.Now()
	peer := dialRaw(t, p.addr)
	var op frame.Op
	peer.nextData(t, &op)
	require.GreaterOrEqual(t, time.Since(start), legacyWait-100*time.Millisecond,
		"the primary first waits for a handshake")
	require.Equal(t, last-legacyCatchUp+1, op.Sequence, "the catch-up is the last 1,000 operations")
	for seq := last - legacyCatchUp + 2; seq <= last; seq++ {
		peer.nextData(t, &op)
		require.Equal(t, seq, op.Sequence)
		require.Equal(t, frame.OpSet, op.Type)
		switch string(op.Key) {
		case "text":
			require.Equal(t, "hello", string(op.Value))
			require.False(t, op.ValueBase64, "text travels as a plain JSON string, without _value_encoded")
		case "unicode":
			require.Equal(t, "é😀", string(op.Value))
			require.False(t, op.ValueBase64)
		case "bin":
			require.Equal(t, []byte{0xff, 0xfe, 0}, op.Value)
			require.True(t, op.ValueBase64, "bytes that are not text travel as base64")
		}
	}

	p.eng.Set(0, "live", []byte("now"), engine.SetOptions{})
	peer.nextData(t, &op)
	require.Equal(t, last+1, op.Sequence)
	require.Equal(t, "live", string(op.Key))
	require.Equal(t, "now", string(op.Value))
	require.False(t, op.ValueBase64)

	peer.next(t, &op)
	require.Equal(t, frame.OpHeartbeat, op.Type)
	require.Equal(t, last+1, op.Sequence, "a reference secondary's heartbeat never claims more than was sent")

	require.Equal(t, "1", infoValue(p.node, "connected_slaves"))
	require.Contains(t, infoValue(p.node, "nadb_replica0"), "legacy=1")
	require.Equal(t, 0, p.node.Wait(context.Background(), 1, 100*time.Millisecond), "a reference secondary never acknowledges")

	require.NoError(t, peer.conn.Close())
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.Equal(c, "0", infoValue(p.node, "connected_slaves"))
	}, convergeWait, pollEvery)
}

// refFrame encodes a frame the way the reference primary writes it.
func refFrame(t *testing.T, typ frame.OpType, seq uint64, key, value string, ttl float64) []byte {
	t.Helper()
	op := frame.Op{Type: typ, Sequence: seq, Timestamp: float64(time.Now().UnixMicro()) / 1e6}
	switch typ {
	case frame.OpSet:
		op.Key, op.Value, op.ValueBase64 = []byte(key), []byte(value), true
		op.DB, op.Namespace = []byte("example_db"), []byte("default")
		op.Has = frame.FieldKey | frame.FieldValue | frame.FieldDB | frame.FieldNamespace
	case frame.OpDelete:
		op.Key, op.DB, op.Namespace = []byte(key), []byte("example_db"), []byte("default")
		op.Has = frame.FieldKey | frame.FieldDB | frame.FieldNamespace
	case frame.OpSetTTL:
		op.Key, op.DB, op.Namespace = []byte(key), []byte("example_db"), []byte("default")
		op.Has = frame.FieldKey | frame.FieldDB | frame.FieldNamespace
	}
	if ttl != 0 {
		op.TTL = ttl
		op.Has |= frame.FieldTTL
	}
	var enc frame.Encoder
	buf, err := enc.AppendFrame(nil, &op)
	require.NoError(t, err)
	return buf
}

// TestNodeFollowsReferencePrimary plays a reference primary: it ignores the
// SYNC_REQUEST, numbers its heartbeats, and replays what it already sent,
// within a connection and on every reconnection.
func TestNodeFollowsReferencePrimary(t *testing.T) {
	leakCheck(t)
	f := map[uint64][]byte{
		1:  refFrame(t, frame.OpSet, 1, "a", "v1", 0),
		2:  refFrame(t, frame.OpSet, 2, "b", "x", 0),
		3:  refFrame(t, frame.OpHeartbeat, 3, "", "", 0),
		4:  refFrame(t, frame.OpSet, 4, "a", "v2", 0),
		5:  refFrame(t, frame.OpDelete, 5, "b", "", 0),
		6:  refFrame(t, frame.OpSet, 6, "c", "with ttl", 100),
		7:  refFrame(t, frame.OpSet, 7, "d", "after replay", 0),
		8:  refFrame(t, frame.OpHeartbeat, 8, "", "", 0),
		9:  refFrame(t, frame.OpSet, 9, "e", "new", 0),
		10: refFrame(t, frame.OpSetTTL, 10, "d", "", 200),
	}
	stream := func(seqs ...uint64) []byte {
		var b []byte
		for _, s := range seqs {
			b = append(b, f[s]...)
		}
		return b
	}
	// The first connection replays 1..3 in the middle; on reconnection the
	// reference replays all it has, then goes on.
	conn1 := stream(1, 2, 3, 4, 5, 6, 1, 2, 3, 7, 8)
	conn2 := stream(1, 2, 3, 4, 5, 6, 7, 8, 9, 10)

	var mu sync.Mutex
	var received []frame.Op // what the secondary sent, per connection: the SYNC_REQUEST, then anything else
	fake := startTestServer(t, func(i int, conn net.Conn) {
		rd := frame.NewReader(conn, 1<<20)
		var op frame.Op
		_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		if rd.Next(&op) != nil {
			return
		}
		mu.Lock()
		received = append(received, frame.Op{Type: op.Type, FromSequence: op.FromSequence, ReplID: bytes.Clone(op.ReplID)})
		mu.Unlock()
		_ = conn.SetReadDeadline(time.Time{})
		switch i {
		case 0:
			_, _ = conn.Write(conn1)
		case 1:
			_, _ = conn.Write(conn2)
			for rd.Next(&op) == nil { // until the secondary or the server closes
				mu.Lock()
				received = append(received, frame.Op{Type: op.Type})
				mu.Unlock()
			}
		}
	})

	s := startNode(t, nil)
	follow(t, s, fake.addr)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.Equal(c, uint64(10), s.node.Sequence())
	}, convergeWait, pollEvery)

	get := func(k string) string {
		v, ok := s.eng.Get(0, k)
		if !ok {
			return "<missing>"
		}
		return string(v)
	}
	require.Equal(t, "v2", get("a"), "a replayed SET must not undo a later one")
	require.Equal(t, "<missing>", get("b"), "a replayed SET must not undo a DELETE")
	require.Equal(t, "with ttl", get("c"))
	require.Equal(t, "after replay", get("d"))
	require.Equal(t, "new", get("e"))
	require.InDelta(t, 100_000, s.eng.TTL(0, "c"), 10_000, "ttl counts from when the secondary applied it")
	require.InDelta(t, 200_000, s.eng.TTL(0, "d"), 10_000)

	require.Equal(t, "reference", infoValue(s.node, "nadb_primary_protocol"))
	require.Equal(t, int64(8), infoInt(t, s.node, "nadb_operations_applied"), "sequences 1,2,4,5,6,7,9,10, each once")
	require.Equal(t, int64(8), infoInt(t, s.node, "nadb_operations_received"), "replayed operations are skipped, not taken in")
	require.Greater(t, infoInt(t, s.node, "nadb_frames_received"), int64(8), "every frame read, the replayed ones too")
	require.Equal(t, int64(0), infoInt(t, s.node, "nadb_protocol_errors"))
	require.Equal(t, int64(1), infoInt(t, s.node, "nadb_reconnections"))
	require.Equal(t, "up", infoValue(s.node, "master_link_status"))

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, received, 2, "the secondary sends a SYNC_REQUEST per connection and no ACK to a reference primary")
	require.Equal(t, frame.OpSyncRequest, received[0].Type)
	require.Equal(t, uint64(1), received[0].FromSequence)
	require.Equal(t, frame.OpSyncRequest, received[1].Type)
	require.Equal(t, uint64(9), received[1].FromSequence, "after the heartbeat at 8")
}

// TestNodeEmptyValueReplicated: an empty string is a value, not a missing
// key. MGET tells the two apart by a nil slice.
func TestNodeEmptyValueReplicated(t *testing.T) {
	leakCheck(t)
	p := startNode(t, nil)
	p.eng.Set(0, "before", []byte{}, engine.SetOptions{})
	s := startNode(t, nil)
	follow(t, s, p.addr)
	requireConverged(t, p, s)
	p.eng.Set(0, "after", []byte{}, engine.SetOptions{})
	requireConverged(t, p, s)

	require.NotNil(t, p.eng.MGet(0, []string{"before"})[0], "the primary's MGET sees an empty string")
	for _, tc := range []struct{ name, key string }{
		{"from the snapshot", "before"},
		{"from the stream", "after"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, ok := s.eng.Get(0, tc.key)
			require.True(t, ok)
			require.NotNil(t, s.eng.MGet(0, []string{tc.key})[0], "MGET on the secondary reports the empty string as missing")
		})
	}
}

// respInfoServer is a fake Redis endpoint that answers INFO replication
// with body, or reads the request and never answers when body is "".
// requests counts the INFO requests it has read.
func respInfoServer(t *testing.T, body string) (srv *testServer, requests *atomic.Int64) {
	requests = new(atomic.Int64)
	srv = startTestServer(t, func(_ int, conn net.Conn) {
		br := bufio.NewReader(conn)
		var req []byte
		for !bytes.HasSuffix(bytes.ToLower(req), []byte("replication\r\n")) {
			b, err := br.ReadByte()
			if err != nil {
				return
			}
			req = append(req, b)
		}
		requests.Add(1)
		if body == "" {
			holdOpen(conn)
			return
		}
		_ = conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
		_, _ = fmt.Fprintf(conn, "$%d\r\n%s\r\n", len(body), body)
	})
	return srv, requests
}

func TestNodeReplicaOfDiscoversNADBPort(t *testing.T) {
	leakCheck(t)
	p := startNode(t, nil)
	p.eng.Set(0, "k", []byte("v"), engine.SetOptions{})
	body := strings.Join([]string{"# Replication", "role:master", "connected_slaves:0",
		"nadb_repl_listen_port:" + strconv.Itoa(p.ln.Addr().(*net.TCPAddr).Port), ""}, "\r\n")
	resp, _ := respInfoServer(t, body)
	respPort := resp.ln.Addr().(*net.TCPAddr).Port

	s := startNode(t, nil)
	already, err := s.node.ReplicaOf("127.0.0.1", respPort)
	require.NoError(t, err)
	require.False(t, already)
	requireConverged(t, p, s)
	sec := s.node.Status().Secondary
	require.Equal(t, [4]any{"127.0.0.1", respPort, true, p.node.Sequence()}, [4]any{sec.PrimaryHost, sec.PrimaryPort, sec.LinkUp, sec.Applied})
	require.Equal(t, strconv.Itoa(respPort), infoValue(s.node, "master_port"))

	already, err = s.node.ReplicaOf("127.0.0.1", respPort)
	require.NoError(t, err)
	require.True(t, already)
}

// TestNodeCloseDuringDiscovery: stopping a secondary must not wait for a
// Redis endpoint that accepted the connection but never answers INFO.
func TestNodeCloseDuringDiscovery(t *testing.T) {
	leakCheck(t)
	silent, requests := respInfoServer(t, "")
	s := startNode(t, nil)
	_, err := s.node.ReplicaOf("127.0.0.1", silent.ln.Addr().(*net.TCPAddr).Port)
	require.NoError(t, err)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.Positive(c, requests.Load(), "the secondary asked for INFO replication")
	}, convergeWait, pollEvery)
	start := time.Now()
	s.close()
	require.Less(t, time.Since(start), time.Second, "Close waited for the INFO reply's read deadline")
}

// TestNodeEncodesOncePerOperation: each operation is encoded once, whether
// one or two secondaries read it, and not at all while nothing reads it (no
// secondary, no log on disk).
func TestNodeEncodesOncePerOperation(t *testing.T) {
	for _, n := range []int{0, 1, 2} {
		t.Run(fmt.Sprint(n, " secondaries"), func(t *testing.T) {
			leakCheck(t)
			p := startNode(t, nil)
			var secs []*tnode
			for range n {
				s := startNode(t, nil)
				follow(t, s, p.addr)
				requireLinkUp(t, s)
				secs = append(secs, s)
			}
			for i := range 1000 {
				p.eng.Set(i%4, fmt.Sprint("k", i), []byte("v"), engine.SetOptions{})
				if i%100 == 0 {
					p.eng.MSet(0, [][]byte{[]byte("a"), []byte("1"), []byte("b"), []byte("2")}, false)
				}
			}
			require.NoError(t, p.node.WriteDone(context.Background()))
			for _, s := range secs {
				requireConverged(t, p, s)
			}
			prim, _ := p.node.roles()
			want := int64(p.node.Sequence())
			if n == 0 {
				want = 0 // nothing reads the frames: none is built
			}
			require.Equal(t, want, prim.log.(*MemLog).Encodes())
			// nadb-server secondaries take the operations in batches.
			if n == 0 {
				require.Zero(t, prim.log.(*MemLog).Batches())
			} else {
				require.Positive(t, prim.log.(*MemLog).Batches())
			}
		})
	}
}

// BenchmarkNodeSetEncodes reports the encodes per SET with 0 (none: no
// reader), 1 and 2 (one) secondaries following, with the write path a client takes: the
// engine call, then WriteDone.
func BenchmarkNodeSetEncodes(b *testing.B) {
	for _, n := range []int{0, 1, 2} {
		b.Run(fmt.Sprint(n, "-secondaries"), func(b *testing.B) {
			p := startNode(b, nil)
			var secs []*tnode
			for range n {
				s := startNode(b, nil)
				if err := s.node.FollowNADB(p.addr); err != nil {
					b.Fatal(err)
				}
				requireLinkUp(b, s)
				secs = append(secs, s)
			}
			prim, _ := p.node.roles()
			log := prim.log.(*MemLog)
			before := log.Encodes()
			val := []byte(strings.Repeat("v", 100))
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				p.eng.Set(0, strconv.Itoa(i%100000), val, engine.SetOptions{})
				if err := p.node.WriteDone(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			// Every secondary has everything: each operation was read.
			for _, s := range secs {
				require.EventuallyWithT(b, func(c *assert.CollectT) {
					assert.Equal(c, p.node.Sequence(), s.node.Sequence())
				}, convergeWait, pollEvery)
			}
			b.ReportMetric(float64(log.Encodes()-before)/float64(b.N), "encodes/op")
		})
	}
}

// TestNodeServesFromLogWithFake: with the durable log faked in memory, a
// secondary whose position has left the in-memory log is served from the
// log (a partial resync, read back through its cursor), not with a full
// resync; and a log that cannot be written refuses client writes.
func TestNodeServesFromLogWithFake(t *testing.T) {
	leakCheck(t)
	const history = "fake-history-0000000000000000000000000000"
	disk := newFakeLog(history)
	p := startNode(t, func(o *NodeOptions) {
		o.MaxOperationLog = 10
		o.History = &aof.History{ReplID: history, Role: aof.RolePrimary}
		o.AOF = disk
	})
	s := startNode(t, nil)
	follow(t, s, p.addr)
	p.eng.Set(0, "first", []byte("v"), engine.SetOptions{})
	require.NoError(t, p.node.WriteDone(context.Background()))
	requireConverged(t, p, s)

	follow(t, s, parkedAddr(t))
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.Equal(c, "0", infoValue(p.node, "connected_slaves"))
	}, convergeWait, pollEvery)
	for i := range 300 {
		p.eng.Set(i%4, fmt.Sprint("k", i), []byte("v"), engine.SetOptions{})
	}
	require.NoError(t, p.node.WriteDone(context.Background()))
	full0, ok0, _ := p.node.SyncStats()
	follow(t, s, p.addr)
	requireConverged(t, p, s)
	full1, ok1, _ := p.node.SyncStats()
	require.Equal(t, [2]int64{full0, ok0 + 1}, [2]int64{full1, ok1}, "served from the log: partial, not full")
	require.Positive(t, disk.readBack(), "the entries came back through the log's cursor")

	disk.fail(errors.New("disk full"))
	require.ErrorContains(t, p.node.BeginWrite(), "disk full", "a log that cannot be written refuses writes (MISCONF)")
	disk.fail(nil)
	require.NoError(t, p.node.BeginWrite())
	p.node.EndWrite()
}

// TestSecondaryBacksOffOnUnappliableOperation: a secondary that cannot
// apply what its primary sends (a database it does not have) fails right
// after every handshake; it retries with a growing backoff, as after a
// failed dial, not twenty times a second.
func TestSecondaryBacksOffOnUnappliableOperation(t *testing.T) {
	leakCheck(t)
	p := startNode(t, nil)
	small := engine.New(engine.Options{Databases: 2})
	s := startNode(t, func(o *NodeOptions) { o.Engine = small })
	p.eng.Set(0, "k", []byte("v"), engine.SetOptions{})
	follow(t, s, p.addr)
	require.Eventually(t, func() bool { _, ok := small.Get(0, "k"); return ok }, 10*time.Second, 10*time.Millisecond)
	// Then, on the live stream and in every partial resync after it, an
	// operation on database 5, which the secondary does not have.
	p.eng.Set(5, "k", []byte("v"), engine.SetOptions{})
	require.Eventually(t, func() bool { return s.node.Status().Secondary.Attempts >= 2 }, 10*time.Second, 10*time.Millisecond)
	first := s.node.Status().Secondary.Attempts
	began := time.Now()
	require.Eventually(t, func() bool { return s.node.Status().Secondary.Attempts >= first+4 }, 30*time.Second, 10*time.Millisecond)
	// Four more attempts take at least the jittered halves of four
	// doubled waits (100+200+400+800 ms halved, at the least); without the
	// backoff they take 50 to 100 ms each.
	require.GreaterOrEqual(t, time.Since(began), 700*time.Millisecond)
}
