package node

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/nadb-server/nadb-server/engine"
	"github.com/nadb-server/nadb-server/replication/frame"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// faultKind is what the proxy does to one primary-to-secondary frame.
type faultKind int

const (
	faultFlip      faultKind = iota + 1 // flip one bit of the payload, where the marker starts
	faultShorten                        // send half the payload under a length that matches it, then close
	faultTruncate                       // send the length and half the payload, then close (FIN)
	faultReset                          // send the length and half the payload, then reset (RST)
	faultOversize                       // announce a length beyond the secondary's limit
	faultDrop                           // swallow the frame
	faultDuplicate                      // send the frame twice
	faultCutBefore                      // close the link just before the frame
)

// armedFault waits for the next frame whose payload contains one of its
// markers; marker is the one it found.
type armedFault struct {
	kind    faultKind
	markers [][]byte
	marker  []byte
	at      int           // where a flip goes: the marker, or the base64 value of the batch holding it
	fired   chan struct{} // closed once the fault has been applied
}

// linkProxy sits between a secondary and its primary. It forwards the
// secondary's bytes untouched and the primary's frame by frame, so that it
// can damage one chosen frame. When a fault fires it closes its gate: new
// links are accepted but wait, without reaching the primary, until open is
// called. That freezes the secondary after the fault so the test can look
// at it before the resync.
type linkProxy struct {
	ln   net.Listener
	addr string
	done chan struct{} // closed by close
	wg   sync.WaitGroup

	mu       sync.Mutex // guards the fields below
	upstream string
	held     bool
	opened   chan struct{} // closed (and replaced) by open
	armed    *armedFault
	conns    map[net.Conn]struct{}
	// upDelay holds the secondary's first bytes on each new link for this
	// long before the primary sees them: a handshake that arrives late.
	upDelay time.Duration
}

// delayHandshakes makes every new link hold the secondary's bytes for d
// before forwarding them (0: forward at once).
func (p *linkProxy) delayHandshakes(d time.Duration) {
	p.mu.Lock()
	p.upDelay = d
	p.mu.Unlock()
}

func startProxy(t *testing.T, upstream string) *linkProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &linkProxy{ln: ln, addr: ln.Addr().String(), done: make(chan struct{}), upstream: upstream,
		opened: make(chan struct{}), conns: map[net.Conn]struct{}{}}
	p.wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			if !p.track(conn) {
				return
			}
			p.wg.Go(func() { p.link(conn) })
		}
	})
	t.Cleanup(p.close)
	return p
}

// track registers conn so that close and cutAll reach it; it refuses (and
// closes) it once the proxy is closed.
func (p *linkProxy) track(conn net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.done:
		_ = conn.Close()
		return false
	default:
	}
	p.conns[conn] = struct{}{}
	return true
}

func (p *linkProxy) untrack(conn net.Conn) {
	p.mu.Lock()
	delete(p.conns, conn)
	p.mu.Unlock()
	_ = conn.Close()
}

func (p *linkProxy) close() {
	p.mu.Lock()
	select {
	case <-p.done:
		p.mu.Unlock()
		return
	default:
	}
	close(p.done)
	_ = p.ln.Close()
	for c := range p.conns {
		_ = c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// arm makes the next frame containing marker suffer kind. The returned
// channel is closed once it has.
func (p *linkProxy) arm(kind faultKind, marker string) <-chan struct{} {
	return p.armAny(kind, marker)
}

// armAny is arm for the next frame containing any of markers.
func (p *linkProxy) armAny(kind faultKind, markers ...string) <-chan struct{} {
	f := &armedFault{kind: kind, fired: make(chan struct{})}
	for _, m := range markers {
		f.markers = append(f.markers, []byte(m))
	}
	p.mu.Lock()
	p.armed = f
	p.mu.Unlock()
	return f.fired
}

// take returns the armed fault if payload is its frame, disarming it and
// closing the gate.
func (p *linkProxy) take(payload []byte) *armedFault {
	p.mu.Lock()
	defer p.mu.Unlock()
	f := p.armed
	if f == nil {
		return nil
	}
	for _, m := range f.markers {
		at := bytes.Index(payload, m)
		if at < 0 {
			at = batchHolding(payload, m)
		}
		if at >= 0 {
			f.marker, f.at = m, at
			p.armed, p.held = nil, true
			return f
		}
	}
	return nil
}

// batchHolding returns, when payload is an OP_BATCH frame (whose value is
// base64 on the wire) one of whose operations contains marker, where its
// value's text starts in payload; -1 otherwise.
func batchHolding(payload, marker []byte) int {
	if !bytes.Contains(payload, []byte(frame.OpOpBatch)) {
		return -1
	}
	whole := binary.BigEndian.AppendUint32(nil, uint32(len(payload)))
	var d frame.Decoder
	var op frame.Op
	if _, err := d.DecodeFrame(append(whole, payload...), &op); err != nil || op.Type != frame.OpOpBatch || !bytes.Contains(op.Value, marker) {
		return -1
	}
	return bytes.Index(payload, []byte(`"value":"`)) + len(`"value":"`)
}

// open lets waiting and new links through.
func (p *linkProxy) open() {
	p.mu.Lock()
	p.held = false
	close(p.opened)
	p.opened = make(chan struct{})
	p.mu.Unlock()
}

func (p *linkProxy) setUpstream(addr string) {
	p.mu.Lock()
	p.upstream = addr
	p.mu.Unlock()
}

// cutAll closes every current link.
func (p *linkProxy) cutAll() {
	p.mu.Lock()
	for c := range p.conns {
		_ = c.Close()
	}
	p.mu.Unlock()
}

// link serves one secondary connection.
func (p *linkProxy) link(down net.Conn) {
	defer p.untrack(down)
	var upstream string
	var delay time.Duration
	for {
		p.mu.Lock()
		if !p.held {
			upstream, delay = p.upstream, p.upDelay
			p.mu.Unlock()
			break
		}
		ch := p.opened
		p.mu.Unlock()
		select {
		case <-ch:
		case <-p.done:
			return
		}
	}
	up, err := net.DialTimeout("tcp", upstream, 5*time.Second)
	if err != nil {
		return
	}
	if !p.track(up) {
		return
	}
	defer p.untrack(up)
	p.wg.Go(func() {
		if delay > 0 {
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-p.done:
				t.Stop()
			}
		}
		_, _ = io.Copy(up, down)
		_ = up.Close()
	})
	p.pump(down, up)
}

// pump forwards the primary's frames to the secondary, applying an armed
// fault to its frame. It returns when either side fails or a fault ends
// the link; the caller then closes both connections.
func (p *linkProxy) pump(down, up net.Conn) {
	br := bufio.NewReaderSize(up, 64<<10)
	var hdr [4]byte
	for {
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			return
		}
		payload := make([]byte, binary.BigEndian.Uint32(hdr[:]))
		if _, err := io.ReadFull(br, payload); err != nil {
			return
		}
		whole := append(hdr[:], payload...)
		f := p.take(payload)
		if f == nil {
			if _, err := down.Write(whole); err != nil {
				return
			}
			continue
		}
		half := len(payload) / 2
		end := false
		switch f.kind {
		case faultFlip:
			whole[4+f.at] ^= 0x01
			_, _ = down.Write(whole)
		case faultShorten:
			binary.BigEndian.PutUint32(whole, uint32(half))
			_, _ = down.Write(whole[:4+half])
			end = true
		case faultTruncate:
			_, _ = down.Write(whole[:4+half])
			end = true
		case faultReset:
			_, _ = down.Write(whole[:4+half])
			_ = down.(*net.TCPConn).SetLinger(0)
			end = true
		case faultOversize:
			binary.BigEndian.PutUint32(whole, 0x7fff_ffff)
			_, _ = down.Write(whole)
		case faultDrop:
		case faultDuplicate:
			_, _ = down.Write(whole)
			_, _ = down.Write(whole)
		case faultCutBefore:
			end = true
		}
		close(f.fired)
		if end {
			return
		}
	}
}

// waitFired waits for an armed fault to fire.
func waitFired(t *testing.T, fired <-chan struct{}) {
	t.Helper()
	select {
	case <-fired:
	case <-time.After(convergeWait):
		require.FailNow(t, "the armed fault never fired")
	}
}

// secCounters are a secondary's link counters.
type secCounters struct{ reconnects, resyncs, protoErrs int64 }

func countersOf(t require.TestingT, n *Node) secCounters {
	return secCounters{
		reconnects: infoInt(t, n, "nadb_connection_attempts"),
		resyncs:    infoInt(t, n, "nadb_resyncs"),
		protoErrs:  infoInt(t, n, "nadb_protocol_errors"),
	}
}

func TestProxyFaults(t *testing.T) {
	for _, tc := range []struct {
		name      string
		kind      faultKind
		group     bool // the victim frame is the last member of a 3-key MSET
		followUp  bool // write another key after the victim (it reveals a dropped frame)
		badFrame  bool // the secondary receives a frame it must refuse
		delivered bool // the victim arrives intact once before the fault (a duplicate)
	}{
		{name: "bit flip", kind: faultFlip, badFrame: true},
		{name: "bit flip in a group's last member", kind: faultFlip, group: true, badFrame: true},
		{name: "shortened frame then close", kind: faultShorten, badFrame: true},
		{name: "truncated frame then close", kind: faultTruncate},
		{name: "truncated group member then close", kind: faultTruncate, group: true},
		{name: "reset in the middle of a frame", kind: faultReset},
		{name: "link cut before a group's last member", kind: faultCutBefore, group: true},
		{name: "oversized length", kind: faultOversize, badFrame: true},
		{name: "dropped frame", kind: faultDrop, followUp: true, badFrame: true},
		{name: "duplicated frame", kind: faultDuplicate, badFrame: true, delivered: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			leakCheck(t)
			p := startNode(t, nil)
			s := startNode(t, nil)
			px := startProxy(t, p.addr)
			victims := []string{"victim"}
			if tc.group {
				victims = []string{"g1", "g2", "g3"}
			}
			for _, k := range append(victims, "next") {
				p.eng.Set(0, k, []byte("before"), engine.SetOptions{})
			}
			for i := range 10 {
				p.eng.Set(1, fmt.Sprintf("other-%d", i), []byte("x"), engine.SetOptions{})
			}
			follow(t, s, px.addr)
			requireLinkUp(t, s)
			requireConverged(t, p, s)
			c0 := countersOf(t, s.node)
			full0, partial0, _ := p.node.SyncStats()
			seq0 := p.node.Sequence()

			marker := "corrupt-me-" + fmt.Sprint(tc.kind)
			fired := px.arm(tc.kind, marker)
			if tc.group {
				p.eng.MSet(0, [][]byte{[]byte("g1"), []byte("after-1"), []byte("g2"), []byte("after-2"), []byte("g3"), []byte(marker)}, false)
			} else {
				p.eng.Set(0, "victim", []byte(marker), engine.SetOptions{})
			}
			if tc.followUp {
				// In a frame of its own: the victim's batch ends first.
				require.NoError(t, p.node.WriteDone(context.Background()))
				p.eng.Set(0, "next", []byte("after"), engine.SetOptions{})
			}
			waitFired(t, fired)

			// The secondary notices and reconnects; its new link waits at
			// the proxy's gate, so nothing can repair the damage yet.
			require.EventuallyWithT(t, func(c *assert.CollectT) {
				assert.Greater(c, countersOf(c, s.node).reconnects, c0.reconnects)
			}, convergeWait, pollEvery)
			held := countersOf(t, s.node)
			bad := int64(0)
			if tc.badFrame {
				bad = 1
			}
			require.Equal(t, c0.protoErrs+bad, held.protoErrs, "protocol errors")
			require.Equal(t, c0.resyncs+bad, held.resyncs, "resyncs")
			if tc.delivered {
				v, _ := s.eng.Get(0, "victim")
				require.Equal(t, marker, string(v), "the first copy is the next sequence and is applied")
				require.Equal(t, seq0+1, s.node.Sequence(), "the second copy is not applied again")
			} else {
				for _, k := range append(victims, "next") {
					v, ok := s.eng.Get(0, k)
					require.True(t, ok)
					require.Equal(t, "before", string(v), "key %s: the damaged frame, or a part of its group, was applied", k)
				}
				require.Equal(t, seq0, s.node.Sequence())
			}
			require.Equal(t, "down", infoValue(s.node, "master_link_status"))

			px.open()
			requireLinkUp(t, s)
			requireConverged(t, p, s)
			v, _ := s.eng.Get(0, victims[len(victims)-1])
			require.Equal(t, marker, string(v), "the resync brings the right value")
			after := countersOf(t, s.node)
			require.Equal(t, held.protoErrs, after.protoErrs, "no other bad frame")
			full1, partial1, _ := p.node.SyncStats()
			require.Equal(t, full0, full1, "the log still held the position: no full sync")
			require.Equal(t, partial0+1, partial1, "one partial resync")
			require.Equal(t, int64(1), infoInt(t, s.node, "nadb_partial_syncs"))
		})
	}
}

func TestProxyFaultDuringFullSync(t *testing.T) {
	for _, tc := range []struct {
		name     string
		kind     faultKind
		badFrame bool
	}{
		{"bit flip in a snapshot key", faultFlip, true},
		{"truncated snapshot key then close", faultTruncate, false},
		{"dropped snapshot key", faultDrop, true}, // SNAPSHOT_END's count no longer matches
		{"link cut before a snapshot key", faultCutBefore, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			leakCheck(t)
			p := startNode(t, nil)
			s := startNode(t, nil)
			px := startProxy(t, p.addr)
			// More keys than one batch of the secondary's loader on
			// either side of the victim (see snapBatch), and more bytes
			// than a few SNAPSHOT_BATCH frames (frame.SnapshotBatchBytes).
			val := bytes.Repeat([]byte("v"), 3*frame.SnapshotBatchBytes/snapBatch)
			for i := range 3 * snapBatch {
				p.eng.Set(i%4, fmt.Sprintf("k%d", i), val, engine.SetOptions{})
			}
			marker := "corrupt-me-snapshot"
			p.eng.Set(0, "victim", []byte(marker), engine.SetOptions{})
			for i := range 3 * snapBatch {
				p.eng.Set(i%4, fmt.Sprintf("j%d", i), val, engine.SetOptions{})
			}
			// The key travels in a SNAPSHOT_BATCH, base64 within it.
			fired := px.armAny(tc.kind, base64Needles(marker)...)
			follow(t, s, px.addr)
			waitFired(t, fired)

			require.EventuallyWithT(t, func(c *assert.CollectT) {
				assert.Positive(c, countersOf(c, s.node).reconnects)
			}, convergeWait, pollEvery)
			require.Zero(t, s.eng.Len(), "a snapshot is installed whole or not at all")
			require.Zero(t, s.node.Sequence())
			wantErrs := int64(0)
			if tc.badFrame {
				wantErrs = 1
			}
			require.Equal(t, wantErrs, countersOf(t, s.node).protoErrs)
			require.Zero(t, infoInt(t, s.node, "nadb_full_syncs"))

			px.open()
			requireLinkUp(t, s)
			requireConverged(t, p, s)
			require.Equal(t, int64(1), infoInt(t, s.node, "nadb_full_syncs"))
			full, partialOK, partialErr := p.node.SyncStats()
			require.Equal(t, [3]int64{2, 0, 0}, [3]int64{full, partialOK, partialErr})
		})
	}
}

// TestProxyPrimaryReplaced: the primary behind an address is replaced by
// one with another history (a restart without persisted state).
func TestProxyPrimaryReplaced(t *testing.T) {
	leakCheck(t)
	old := startNode(t, nil)
	s := startNode(t, nil)
	px := startProxy(t, old.addr)
	for i := range 30 {
		old.eng.Set(0, fmt.Sprintf("old-%d", i), []byte("v"), engine.SetOptions{})
	}
	follow(t, s, px.addr)
	requireConverged(t, old, s)

	fresh := startNode(t, nil)
	for i := range 5 {
		fresh.eng.Set(0, fmt.Sprintf("new-%d", i), []byte("v"), engine.SetOptions{})
	}
	freshID := infoValue(fresh.node, "master_replid")
	px.setUpstream(fresh.addr)
	px.cutAll()
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.Equal(c, freshID, infoValue(s.node, "master_replid"))
	}, convergeWait, pollEvery)
	requireConverged(t, fresh, s)
	require.Equal(t, 5, s.eng.Len(), "nothing of the old history is left")
	full, partialOK, partialErr := fresh.node.SyncStats()
	require.Equal(t, [3]int64{1, 0, 1}, [3]int64{full, partialOK, partialErr})
	// Counted once the load returns, just after its data became visible.
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.Equal(c, int64(2), infoInt(t, s.node, "nadb_full_syncs"))
	}, convergeWait, pollEvery)
}

// TestProxyFlappingLink cuts the link again and again while the primary
// keeps writing.
func TestProxyFlappingLink(t *testing.T) {
	leakCheck(t)
	p := startNode(t, func(o *NodeOptions) { o.MaxOperationLog = 200 })
	s := startNode(t, nil)
	px := startProxy(t, p.addr)
	follow(t, s, px.addr)
	requireLinkUp(t, s)

	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			k := fmt.Sprintf("k%d", i%100)
			switch i % 5 {
			case 0:
				p.eng.MSet(i%16, [][]byte{[]byte(k), []byte("m"), []byte(k + "x"), []byte("n")}, false)
			case 1:
				p.eng.Del(i%16, []string{k})
			default:
				p.eng.Set(i%16, k, []byte(fmt.Sprint(i)), engine.SetOptions{})
			}
		}
	})
	stopWriter := sync.OnceFunc(func() {
		close(stop)
		wg.Wait()
	})
	defer stopWriter()

	for range 5 {
		before := infoInt(t, s.node, "nadb_connection_attempts")
		requireLinkUp(t, s)
		px.cutAll()
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			assert.Greater(c, infoInt(c, s.node, "nadb_connection_attempts"), before)
		}, convergeWait, pollEvery)
	}
	stopWriter()
	requireLinkUp(t, s)
	requireConverged(t, p, s)
	require.Zero(t, infoInt(t, s.node, "nadb_protocol_errors"), "a cut link is not a protocol error")
}

// TestProxyLateHandshake: after a cut, the secondary's SYNC_REQUEST reaches
// the primary later than legacyWait while the primary keeps writing. The
// primary first takes the silent link for a reference secondary and
// streams its catch-up; the secondary must not take that stream (it starts
// past the secondary's position) and the primary must drop the link once
// the late handshake arrives. The secondary ends equal to its primary, with
// no hole, however many times the handshake is late.
func TestProxyLateHandshake(t *testing.T) {
	leakCheck(t)
	p, s, px := lateHandshakes(t, func(o *NodeOptions) { o.MaxOperationLog = 100_000 }, nil)
	// The late links are refused and retried; each one is late again until
	// the delay ends. (A secondary that took the primary's reference stream
	// instead would reach the primary's sequence, past a hole.) Whatever
	// happened, the secondary's position must be one it really holds.
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		if s.node.Sequence() != p.node.Sequence() {
			assert.GreaterOrEqual(c, infoInt(c, s.node, "nadb_connection_attempts"), int64(2))
		}
	}, convergeWait, pollEvery)
	requireNoHole(t, p, s)
	px.delayHandshakes(0)
	px.cutAll()
	requireLinkUp(t, s)
	requireConverged(t, p, s)
	require.Equal(t, "nadb-server", infoValue(s.node, "nadb_primary_protocol"))
}

// lateHandshakes starts a primary (tweaked by tweakP) and a secondary
// (tweakS) linked through a proxy, lets them converge on 100 keys, then
// delays every handshake past legacyWait, cuts the link and writes 3,000
// more keys: more than the reference catch-up replays, so a stream taken
// from the catch-up would leave a hole.
func lateHandshakes(t *testing.T, tweakP, tweakS func(*NodeOptions)) (p, s *tnode, px *linkProxy) {
	t.Helper()
	p = startNode(t, tweakP)
	s = startNode(t, tweakS)
	px = startProxy(t, p.addr)
	for i := range 100 {
		p.eng.Set(0, fmt.Sprintf("k%d", i), []byte("before"), engine.SetOptions{})
	}
	follow(t, s, px.addr)
	requireLinkUp(t, s)
	requireConverged(t, p, s)

	px.delayHandshakes(legacyWait + legacyWait/2)
	px.cutAll()
	for i := range 3 * legacyCatchUp {
		p.eng.Set(1, fmt.Sprintf("gap-%d", i), []byte("v"), engine.SetOptions{})
	}
	return p, s, px
}

// TestProxyLateHandshakeFresh: a secondary with no history yet (it could
// still follow a reference primary) whose handshakes all reach a
// nadb-server primary late. The primary serves each link as a reference
// secondary's, whose catch-up starts 1,000 operations before its end; the
// secondary must recognise a nadb-server primary by the stream's first
// frame and refuse it, holding nothing rather than a hole, until a
// handshake arrives in time.
func TestProxyLateHandshakeFresh(t *testing.T) {
	leakCheck(t)
	p := startNode(t, func(o *NodeOptions) { o.MaxOperationLog = 100_000 })
	s := startNode(t, nil)
	px := startProxy(t, p.addr)
	for i := range 3 * legacyCatchUp {
		p.eng.Set(1, fmt.Sprintf("gap-%d", i), []byte("v"), engine.SetOptions{})
	}
	px.delayHandshakes(legacyWait + legacyWait/2)
	follow(t, s, px.addr)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.GreaterOrEqual(c, infoInt(c, s.node, "nadb_connection_attempts"), int64(2))
	}, convergeWait, pollEvery)
	// Under heavy load a handshake may still make it in time, and then the
	// secondary holds a full copy. Anything else is a hole.
	if seq := s.node.Sequence(); seq != 0 || s.eng.Len() != 0 {
		require.Equal(t, p.node.Sequence(), seq, "the secondary took a stream with a hole: %d keys", s.eng.Len())
		require.Equal(t, p.eng.Digest(), s.eng.Digest())
	} else {
		require.Positive(t, infoInt(t, s.node, "nadb_protocol_errors"), "each late link is refused as a protocol error")
	}
	require.NotEqual(t, "reference", infoValue(s.node, "nadb_primary_protocol"))
	px.delayHandshakes(0)
	px.cutAll()
	requireLinkUp(t, s)
	requireConverged(t, p, s)
	require.Equal(t, "nadb-server", infoValue(s.node, "nadb_primary_protocol"))
}

// requireNoHole checks that sec holds exactly the primary's dataset as it
// was at sec's sequence: every key prim wrote up to there is present, and
// nothing else. It reads prim's dataset through prim's own log.
func requireNoHole(t *testing.T, prim, sec *tnode) {
	t.Helper()
	seq := sec.node.Sequence()
	gaps := 0
	for i := range 3 * legacyCatchUp {
		if _, ok := sec.eng.Get(1, fmt.Sprintf("gap-%d", i)); ok {
			gaps++
		} else if gaps > 0 {
			require.Failf(t, "hole", "the secondary (at %d) holds gap-%d's predecessors but not gap-%d", seq, i-1, i)
		}
	}
	require.Equal(t, uint64(100+gaps), seq, "the secondary's position matches what it holds")
}

// TestProxyChaos applies random faults to the link, with and without late
// handshakes, while the primary writes, and requires the secondary to be
// equal to its primary after every single fault, not only at the end.
func TestProxyChaos(t *testing.T) {
	leakCheck(t)
	rounds := 12
	if testing.Short() {
		rounds = 4
	}
	p := startNode(t, func(o *NodeOptions) { o.MaxOperationLog = 300 })
	s := startNode(t, nil)
	px := startProxy(t, p.addr)
	follow(t, s, px.addr)
	requireLinkUp(t, s)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	kinds := []faultKind{faultFlip, faultShorten, faultTruncate, faultReset, faultOversize, faultDrop, faultDuplicate, faultCutBefore}
	for round := range rounds {
		kind := kinds[rng.IntN(len(kinds))]
		late := rng.IntN(3) == 0
		t.Logf("round %d: fault %d, late handshake %v", round, kind, late)
		marker := fmt.Sprintf("chaos-%d", round)
		// The first frame that holds it: an operation's, a batch of
		// them, or a full sync's (base64) if the last round's fault
		// sent the secondary there.
		fired := px.armAny(kind, append([]string{marker}, base64Needles(marker)...)...)
		n := 200 + rng.IntN(800)
		for i := range n {
			k := fmt.Sprintf("k%d", rng.IntN(500))
			switch {
			case i == n/2:
				p.eng.Set(0, "victim", []byte(marker), engine.SetOptions{})
			case i%7 == 0:
				p.eng.MSet(2, [][]byte{[]byte(k), []byte("m"), []byte(k + "x"), []byte(marker)}, false)
			case i%11 == 0:
				p.eng.Del(0, []string{k})
			default:
				p.eng.Set(i%4, k, []byte(fmt.Sprint(round, i)), engine.SetOptions{})
			}
		}
		waitFired(t, fired)
		if late {
			// The secondary's next handshakes arrive late while the
			// primary keeps writing: each such link must be refused, and
			// leave the secondary where it was.
			before := infoInt(t, s.node, "nadb_connection_attempts")
			px.delayHandshakes(legacyWait + legacyWait/4)
			px.open()
			for i := range 2 * legacyCatchUp {
				p.eng.Set(3, fmt.Sprintf("late-%d-%d", round, i), []byte("v"), engine.SetOptions{})
			}
			// Either two links were refused, or (on a loaded machine) the
			// primary's one-second wait ran out after the held bytes
			// arrived and the handshake was not late after all.
			require.EventuallyWithT(t, func(c *assert.CollectT) {
				if infoValue(s.node, "master_link_status") != "up" {
					assert.GreaterOrEqual(c, infoInt(c, s.node, "nadb_connection_attempts"), before+2)
				}
			}, convergeWait, pollEvery)
			px.delayHandshakes(0)
			px.cutAll()
		} else {
			px.open()
		}
		requireLinkUp(t, s)
		requireConverged(t, p, s)
	}
	require.Equal(t, "nadb-server", infoValue(s.node, "nadb_primary_protocol"))
}

// base64Needles returns, for each of the three alignments marker may have
// within a longer text, the part of that text's base64 that marker alone
// decides: one of them is in the base64 of any text holding marker.
func base64Needles(marker string) []string {
	var out []string
	for pad := range 3 {
		enc := base64.StdEncoding.EncodeToString(append(make([]byte, pad), marker...))
		from := (8*pad + 5) / 6           // the first character holding only marker's bits
		to := 8 * (pad + len(marker)) / 6 // past the last
		out = append(out, enc[from:to])
	}
	return out
}
