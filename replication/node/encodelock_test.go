package node

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nadb-server/nadb-server/engine"
	"github.com/nadb-server/nadb-server/replication/frame"
)

// setBeforeEncode installs the test seam called before each batch the log
// encodes.
func (l *MemLog) setBeforeEncode(f func()) {
	l.pubMu.Lock()
	l.beforeEncode = f
	l.pubMu.Unlock()
}

// engineLockFree reports whether another goroutine can take eng's lock
// within a generous deadline. Called by the encoder, false means the lock
// is held by a caller up its own stack, which waits for it: the encoding
// runs under the engine lock. (A lock held by some other writer is
// released within the deadline.)
func engineLockFree(eng *engine.Engine) bool {
	done := make(chan struct{})
	go func() {
		eng.DBSize(0)
		close(done)
	}()
	select {
	case <-done:
		return true
	case <-time.After(5 * time.Second):
		return false
	}
}

// TestNodeEncodesOutsideEngineLock: a primary with a log on disk and a
// secondary, written to with snapshots (SAVE) in between, never encodes
// while the engine lock is held. The writes are left unpublished before
// each SAVE (no WriteDone), so the snapshot's cut finds operations still
// waiting to be encoded: they are encoded after the lock, by the Publish
// that runs the cut.
func TestNodeEncodesOutsideEngineLock(t *testing.T) {
	leakCheck(t)
	p := startPersistentNode(t, t.TempDir(), false, nil)
	s := startNode(t, nil)
	follow(t, s, p.addr)
	requireLinkUp(t, s)

	prim, _ := p.node.roles()
	log := prim.log.(*MemLog)
	var batches, underLock atomic.Int64
	log.setBeforeEncode(func() {
		batches.Add(1)
		if !engineLockFree(p.eng) {
			underLock.Add(1)
		}
	})
	defer log.setBeforeEncode(nil)
	for round := range 20 {
		for i := range 50 {
			p.eng.Set(i%4, fmt.Sprint("k", round, "-", i), []byte("v"), engine.SetOptions{})
		}
		p.eng.MSet(0, [][]byte{[]byte("a"), []byte("1"), []byte("b"), []byte("2")}, false)
		require.NoError(t, p.node.Save(false))
	}
	require.NoError(t, p.node.WriteDone(context.Background()))
	requireConverged(t, p, s)
	require.Positive(t, batches.Load(), "the seam saw the encoder")
	require.Zero(t, underLock.Load(), "batches encoded under the engine lock")
	require.Equal(t, int64(p.node.Sequence()), log.Encodes(), "one encode per operation")
}

// cutRecorder is a Log that records the order of the entries it is given
// and of the cuts run between them.
type cutRecorder struct {
	*fakeLog
	mu     sync.Mutex
	events []string
}

func (r *cutRecorder) AddEntries(entries []frame.Entry) {
	r.mu.Lock()
	for _, e := range entries {
		r.events = append(r.events, fmt.Sprint(e.Seq))
	}
	r.mu.Unlock()
	r.fakeLog.AddEntries(entries)
}

func (r *cutRecorder) note(ev string) {
	r.mu.Lock()
	r.events = append(r.events, ev)
	r.mu.Unlock()
}

// TestMemLogCutAfter: a cut noted under the engine lock encodes nothing
// there; it runs in its place of the publishing order (after the entries
// up to its sequence reach the disk log, before the later ones), whether
// the entries before it were published already or not, and Publish
// returns once it ran.
func TestMemLogCutAfter(t *testing.T) {
	for _, tc := range []struct {
		name           string
		publishedFirst bool // entries 1..3 published before the cut is noted
		want           []string
	}{
		{"entries waiting", false, []string{"1", "2", "3", "cut 3", "4", "5"}},
		{"entries published", true, []string{"1", "2", "3", "cut 3", "4", "5"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &cutRecorder{fakeLog: newFakeLog("h")}
			l := NewMemLog(100, 16, 1, time.Now)
			l.SetAOF(rec)
			for i := range 3 {
				l.Record([]engine.Effect{setEffect(fmt.Sprint("k", i), "v")}, engine.Digest{}, l.now().UnixMilli())
			}
			if tc.publishedFirst {
				l.Publish()
			}
			encodes := l.Encodes()
			seq := l.CutAfter(func(last uint64) { rec.note(fmt.Sprint("cut ", last)) })
			require.Equal(t, uint64(3), seq)
			require.Equal(t, encodes, l.Encodes(), "CutAfter encodes nothing")
			// Written after the snapshot, before its cut ran.
			l.Record([]engine.Effect{setEffect("a", "1"), setEffect("b", "2")}, engine.Digest{}, l.now().UnixMilli())
			l.Publish()
			require.Equal(t, tc.want, rec.events)
			require.Equal(t, int64(5), l.Encodes())
			l.Publish() // nothing waits: no second cut
			require.Equal(t, tc.want, rec.events)
		})
	}
}

// TestMemLogCutAfterNothingWaiting: with everything published, the next
// Publish runs the cut at once.
func TestMemLogCutAfterNothingWaiting(t *testing.T) {
	rec := &cutRecorder{fakeLog: newFakeLog("h")}
	l := NewMemLog(100, 16, 1, time.Now)
	l.SetAOF(rec)
	l.Record([]engine.Effect{setEffect("k", "v")}, engine.Digest{}, l.now().UnixMilli())
	l.Publish()
	l.CutAfter(func(last uint64) { rec.note(fmt.Sprint("cut ", last)) })
	l.Publish()
	require.Equal(t, []string{"1", "cut 1"}, rec.events)
}
