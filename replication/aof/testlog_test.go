package aof

import (
	"sync"
	"testing"
	"time"

	"github.com/nadb-server/nadb-server/engine"
	"github.com/nadb-server/nadb-server/replication/frame"
	"github.com/stretchr/testify/require"
)

// testLog stands in for the node's operation log in this package's tests:
// an engine sink that numbers each call's effects as one group (a FLUSHALL
// as one FLUSH per database), encodes each into its frame and appends the
// group to the log on disk, as the node's log does once it publishes. It
// keeps every entry, for the tests to compare with what the files hold.
type testLog struct {
	dbs int

	mu      sync.Mutex // guards the fields below
	next    uint64
	entries []frame.Entry
	aof     *AOF
	build   frame.Builder
	enc     frame.Encoder
	op      frame.Op
	// batchGroups, when set, makes the log write OP_BATCH frames of that
	// many groups (as the node's log does), instead of one frame per
	// operation; held is where the groups not written yet start.
	batchGroups, heldGroups, held int
	batchEnc                      frame.OpBatchEncoder
}

// flushBatch writes the groups held for a batch, if any, as one.
func (l *testLog) flushBatch() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.flushBatchLocked()
}

func (l *testLog) flushBatchLocked() {
	if l.held == len(l.entries) {
		return
	}
	b, err := l.batchEnc.AppendBatch(nil, l.entries[l.held:])
	if err != nil {
		panic(err)
	}
	l.entries[l.held].Batch, l.entries[l.held].BatchLen = b, len(l.entries)-l.held
	if l.aof != nil {
		l.aof.AddEntries(l.entries[l.held:])
	}
	l.held, l.heldGroups = len(l.entries), 0
}

func newTestLog(dbs int, next uint64) *testLog {
	if next == 0 {
		next = 1
	}
	return &testLog{dbs: dbs, next: next}
}

// SetAOF makes the log append what it records from now on to a.
func (l *testLog) SetAOF(a *AOF) {
	l.mu.Lock()
	l.aof = a
	l.mu.Unlock()
}

// Record implements engine.Sink.
func (l *testLog) Record(effects []engine.Effect, _ engine.Digest, _ int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var group []engine.Effect
	for _, ef := range effects {
		if ef.Kind == engine.EffectFlushAll {
			for db := range l.dbs {
				group = append(group, engine.Effect{Kind: engine.EffectFlushDB, DB: db})
			}
			continue
		}
		if ef.Value != nil {
			ef.Value = append([]byte{}, ef.Value...) // the engine may write over it later
		}
		group = append(group, ef)
	}
	now := time.Now().UnixMilli()
	start := len(l.entries)
	if l.batchGroups > 0 {
		for i, ef := range group {
			l.entries = append(l.entries, frame.Entry{Seq: l.next, Effect: ef, Group: len(group), TimeMs: now, GroupEnd: i == len(group)-1})
			l.next++
		}
		if l.heldGroups++; l.heldGroups >= l.batchGroups {
			l.flushBatchLocked()
		}
		return
	}
	for i, ef := range group {
		e := frame.Entry{Seq: l.next, Effect: ef, Group: len(group), TimeMs: now, GroupEnd: i == len(group)-1}
		l.build.Fill(&l.op, &e, now)
		f, err := l.enc.AppendFrame(nil, &l.op)
		if err != nil {
			panic(err)
		}
		e.Frame = f
		l.entries = append(l.entries, e)
		l.next++
	}
	if l.aof != nil {
		l.aof.AddEntries(l.entries[start:])
	}
}

// Last returns the last sequence recorded (next-1 when none).
func (l *testLog) Last() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.next - 1
}

// Read returns up to max entries from seq on.
func (l *testLog) Read(seq uint64, max int, buf []frame.Entry) ([]frame.Entry, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range l.entries {
		if e.Seq >= seq && max > 0 {
			buf = append(buf, e)
			max--
		}
	}
	return buf, nil
}

// readAll reads every entry from seq on.
func readAll(t *testing.T, l *testLog, seq uint64) []frame.Entry {
	t.Helper()
	out, err := l.Read(seq, 1<<30, nil)
	require.NoError(t, err)
	return out
}
