package aof

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"sync"
	"time"

	"github.com/nadb-server/nadb-server/engine"
	"github.com/nadb-server/nadb-server/replication/frame"
)

// Reading a snapshot or a log segment back is mostly verifying frames: the
// SHA-256 of each frame's canonical JSON. parseFrames spreads that work:
// one goroutine reads frames off the file, the others decode batches of
// them, and the caller gets the batches back in file order.

// parsedFrame is one frame as the file readers need it. Nothing in it
// aliases a decoder's buffers.
type parsedFrame struct {
	start, end int64 // offsets in the file
	err        error // the frame did not decode; nothing else is set
	typ        frame.OpType
	seq        uint64
	has        frame.FieldMask
	group      int
	count      uint64
	replID     string // METADATA only
	mode       string // METADATA only
	// ef is the frame's change for the data types (EffectOf); efOK and
	// efErr are EffectOf's other results.
	ef    engine.Effect
	efOK  bool
	efErr error
	// blob is a SNAPSHOT_BATCH's packed keys, copied.
	blob []byte
	// items are an OP_BATCH's operations, in order (efErr: the batch or
	// one of them is malformed).
	items []batchItem

	payEnd int // end of the payload in its run's payloads, until decoded
}

// frameRun is a batch of consecutive frames of a file, in order.
type frameRun struct {
	idx    int
	frames []parsedFrame
	read   int64 // bytes of the file read when the batch was complete
	// final: the file ends after this batch, cleanly (readErr nil) or at
	// a frame that could not be read (truncated, oversized), which starts
	// at readErrAt.
	final     bool
	readErr   error
	readErrAt int64

	payloads []byte // the batch's payloads end to end, until decoded
}

// frameBatch is how many frames one decoding goroutine takes at a time,
// up to runBytes of them (a snapshot's SNAPSHOT_BATCH frames are large).
const (
	frameBatch = 1024
	runBytes   = 1 << 20
)

// parseFrames reads every frame of rd (pos gives the file offset of the
// next unread byte) and calls fn with each batch, in file order, until fn
// returns false or the file ends. Every goroutine it starts has ended
// when it returns.
func parseFrames(rd *frame.Reader, pos func() int64, dbs int, fn func(*frameRun) bool) {
	maxFrame := rd.MaxFrame()
	workers := max(1, runtime.GOMAXPROCS(0))
	raw := make(chan *frameRun, 2*workers)
	decoded := make(chan *frameRun, 2*workers)
	quit := make(chan struct{})
	var wg sync.WaitGroup
	defer func() {
		close(quit)
		wg.Wait()
	}()

	wg.Go(func() { // the reader
		defer close(raw)
		room := 64 << 10 // payload bytes of the last batch: the next one's likely size
		for idx := 0; ; idx++ {
			run := &frameRun{idx: idx, frames: make([]parsedFrame, 0, frameBatch), payloads: make([]byte, 0, room+room/8)}
			for len(run.frames) < frameBatch && len(run.payloads) < runBytes {
				start := pos()
				payload, err := rd.NextPayload()
				if errors.Is(err, io.EOF) {
					run.final = true
					break
				}
				if err != nil {
					run.final, run.readErr, run.readErrAt = true, err, start
					break
				}
				run.payloads = append(run.payloads, payload...)
				run.frames = append(run.frames, parsedFrame{start: start, end: pos(), payEnd: len(run.payloads)})
			}
			run.read = pos()
			room = len(run.payloads)
			select {
			case raw <- run:
			case <-quit:
				return
			}
			if run.final {
				return
			}
		}
	})
	var decoders sync.WaitGroup
	for range workers {
		decoders.Add(1)
		wg.Go(func() {
			defer decoders.Done()
			dec := frame.Decoder{MaxFrame: maxFrame}
			var op frame.Op
			now := time.Now().UnixMilli()
			for run := range raw {
				from := 0
				for i := range run.frames {
					pf := &run.frames[i]
					to := pf.payEnd
					if err := dec.DecodePayload(run.payloads[from:to], &op); err != nil {
						pf.err = err
					} else {
						pf.fill(&op, dbs, now)
					}
					from = to
				}
				run.payloads = nil
				select {
				case decoded <- run:
				case <-quit:
					return
				}
			}
		})
	}
	wg.Go(func() {
		decoders.Wait()
		close(decoded)
	})

	pending := map[int]*frameRun{}
	next := 0
	for run := range decoded {
		pending[run.idx] = run
		for {
			r, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			if !fn(r) || r.final {
				return
			}
		}
	}
}

// fill copies what the file readers need from a decoded op.
func (pf *parsedFrame) fill(op *frame.Op, dbs int, nowMs int64) {
	pf.typ, pf.seq, pf.has, pf.group, pf.count = op.Type, op.Sequence, op.Has, op.Group, op.Count
	switch op.Type {
	case frame.OpMetadata:
		pf.replID, pf.mode = string(op.ReplID), string(op.Mode)
	case frame.OpSnapshotBatch:
		pf.blob = bytes.Clone(op.Value)
	case frame.OpOpBatch:
		pf.items, pf.efErr = opBatchItems(op, dbs, nowMs)
	default:
		if frame.IsData(op.Type) { // every operation a log may hold
			pf.ef, pf.efOK, pf.efErr = frame.EffectOf(op, dbs, nowMs)
		}
	}
}

// batchItem is one operation of an OP_BATCH frame of a log.
type batchItem struct {
	seq    uint64
	group  int
	timeMs int64
	ef     engine.Effect
}

// entry is the item as a log entry, without a frame.
func (it *batchItem) entry() frame.Entry {
	return frame.Entry{Seq: it.seq, Effect: it.ef, Group: it.group, TimeMs: it.timeMs}
}

// opBatchItems returns the operations of an OP_BATCH frame, each checked
// as its own frame would be (frame.Builder.Fill, then EffectOf), their
// bytes copied.
func opBatchItems(op *frame.Op, dbs int, nowMs int64) ([]batchItem, error) {
	items := make([]batchItem, 0, op.Count&0xffff)
	var b frame.Builder
	var one frame.Op
	err := frame.EachOpBatchEntry(op, func(e *frame.Entry) error {
		b.Fill(&one, e, e.TimeMs)
		ef, _, err := frame.EffectOf(&one, dbs, nowMs)
		if err != nil {
			return err
		}
		items = append(items, batchItem{seq: e.Seq, group: e.Group, timeMs: e.TimeMs, ef: ef})
		return nil
	})
	return items, err
}
