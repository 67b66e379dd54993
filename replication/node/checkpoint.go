package node

import (
	"errors"
	"fmt"
	"time"

	"github.com/nadb-server/nadb-server/engine"
	"github.com/nadb-server/nadb-server/replication/frame"
)

// checkpoints decides, for one sender, when an entry is followed by a
// checkpoint (frame.Checkpoint): the first group end with a known digest
// once repl-verify-interval has passed since the last checkpoint, or, when
// the stream goes idle, the last group sent, as soon as the interval
// allows. So a busy secondary verifies about once per interval, a quiet
// one verifies its last write, and a checkpoint never costs more than one
// small frame per interval.
type checkpoints struct {
	last time.Time // when the last checkpoint went out
	// pending: the last entry sent ends a group whose digest (seq,
	// digest) is known and was not checkpointed yet.
	pending bool
	seq     uint64
	digest  engine.Digest
	t       *time.Timer
	tc      <-chan time.Time // t's channel while armed, else nil
	enc     frame.Encoder
}

// after is called once e's frame is in buf; it appends a checkpoint when
// one is due.
func (c *checkpoints) after(buf []byte, e *frame.Entry, every time.Duration, now time.Time) []byte {
	c.pending = e.HasDigest
	if !e.HasDigest {
		return buf
	}
	c.seq, c.digest = e.Seq, e.Digest
	if every <= 0 || now.Sub(c.last) < every {
		return buf
	}
	return c.emit(buf, now)
}

// idle is called when the sender has nothing more to send and sent was the
// last sequence it sent: it appends the pending checkpoint if the interval
// allows, or arms timer for when it will.
func (c *checkpoints) idle(buf []byte, sent uint64, every time.Duration, now time.Time) []byte {
	if !c.pending || c.seq != sent || every <= 0 {
		c.disarm()
		return buf
	}
	if wait := every - now.Sub(c.last); wait > 0 {
		if c.t == nil {
			c.t = time.NewTimer(wait)
		} else {
			c.t.Reset(wait)
		}
		c.tc = c.t.C
		return buf
	}
	c.disarm()
	return c.emit(buf, now)
}

func (c *checkpoints) emit(buf []byte, now time.Time) []byte {
	op := frame.Checkpoint(c.seq, c.digest)
	out, err := c.enc.AppendFrame(buf, &op)
	if err != nil { // cannot happen: a heartbeat with hex digits
		return buf
	}
	c.last, c.pending = now, false
	return out
}

// timer returns the channel that fires when a pending checkpoint is due
// (nil, which blocks forever, when none waits).
func (c *checkpoints) timer() <-chan time.Time { return c.tc }

func (c *checkpoints) disarm() {
	if c.t != nil {
		c.t.Stop()
	}
	c.tc = nil
}

// stop releases the timer.
func (c *checkpoints) stop() { c.disarm() }

// ErrDiverged: a checkpoint found the secondary's dataset different from
// its primary's at the same sequence.
var ErrDiverged = errors.New("the dataset differs from the primary's")

// errDivergedAtFullSync marks a divergence found by the checkpoint that
// ends a full resync: the primary's snapshot does not match its own
// digest, so another full resync at once would only repeat it.
var errDivergedAtFullSync = errors.New("found right after a full resynchronisation")

// DivergedError is what a diverged secondary answers reads with while
// replica-serve-diverged-data is no: Seq is the checkpoint that found it.
type DivergedError struct{ Seq uint64 }

func (e *DivergedError) Error() string {
	return fmt.Sprintf("the dataset differs from the primary's at sequence %d", e.Seq)
}

// Unwrap makes a DivergedError match ErrDiverged.
func (e *DivergedError) Unwrap() error { return ErrDiverged }

// checkpoint compares the primary's digest that op (a checkpoint) carries
// with this secondary's own at the same sequence. Equal, it counts a
// verified checkpoint. Different, it counts a divergence, marks the node
// diverged, forgets its history and returns an error wrapping ErrDiverged:
// the link is dropped and the next handshake gets a full resync. A
// checkpoint for a position this secondary does not stand at is not
// compared.
func (s *secondary) checkpoint(op *frame.Op) error {
	want, _, err := frame.DatasetDigestOf(op)
	if err != nil {
		s.protoErrs.Add(1)
		s.resyncs.Add(1)
		return err
	}
	seq := op.Sequence
	if s.applied.Load() != seq {
		return nil
	}
	got := s.appliedDigest()
	if got == want {
		s.verifiedSeq.Store(seq)
		s.verifiedOK.Add(1)
		return nil
	}
	s.divergences.Add(1)
	s.resyncs.Add(1)
	s.divergedAt.Store(seq + 1)
	s.mu.Lock()
	s.replID, s.last = "", lastOp{}
	s.mu.Unlock()
	err = fmt.Errorf("%w at sequence %d (primary %s, this node %s)", ErrDiverged, seq, want, got)
	if s.fullSyncAt == seq && seq != 0 {
		err = fmt.Errorf("%w, %w: the primary's snapshot does not match its own digest", err, errDivergedAtFullSync)
	}
	s.logger.Error("replication divergence: this secondary's dataset differs from its primary's at a checkpoint; asking for a full resynchronisation",
		"sequence", seq, "primary_digest", want.String(), "local_digest", got.String())
	return err
}
