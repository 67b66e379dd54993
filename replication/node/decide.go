package node

import (
	"errors"
	"fmt"

	"github.com/nadb-server/nadb-server/replication/frame"
)

// Errors that make a secondary drop its link and resynchronise.
var (
	// ErrGap: a data operation's sequence is not the next one expected.
	ErrGap = errors.New("sequence gap")
	// ErrBadGroup: an atomic group is malformed or interrupted.
	ErrBadGroup = errors.New("malformed atomic group")
	// ErrHistory: the primary reports a position behind ours.
	ErrHistory = errors.New("primary history is behind the secondary")
	// ErrUnexpected: a frame type that has no place in the stream.
	ErrUnexpected = errors.New("unexpected frame")
)

// verdict is what a secondary does with one frame of the live stream.
type verdict uint8

const (
	// verdictApply: apply this operation, together with any buffered group
	// members; the group (or the operation alone) is complete.
	verdictApply verdict = iota + 1
	// verdictBuffer: hold this operation; its group is not complete yet.
	verdictBuffer
	// verdictSkip: already applied (a legacy primary replaying catch-up).
	verdictSkip
	// verdictAdvance: consumes a sequence number without a change (a
	// legacy primary's heartbeat).
	verdictAdvance
	// verdictIgnore: carries no change and takes no sequence (heartbeat).
	verdictIgnore
	// verdictResync: never apply; drop the link and resynchronise from the
	// last applied sequence.
	verdictResync
)

func (v verdict) String() string {
	return [...]string{"?", "apply", "buffer", "skip", "advance", "ignore", "resync"}[v]
}

// streamState is the secondary's position in the live stream.
type streamState struct {
	applied uint64 // last applied sequence
	pending int    // members of the current group buffered so far
	group   int    // size of the current group (0: none)
	legacy  bool   // the primary is a reference NADB primary
}

// decide is the secondary's rule for one frame of the live stream, a pure
// function of its state and the frame. A frame of this server's protocol is
// applied only as the next sequence, groups only whole; everything else
// forces a resync. A reference primary (legacy: a stream admitReference
// admitted, never a nadb-server primary's) has no resync, replays catch-up
// it already sent and numbers its heartbeats, so its stream is taken as it
// is: replays are skipped and a forward gap is applied with an error
// reported.
func decide(st streamState, op *frame.Op) (verdict, error) {
	next := st.applied + uint64(st.pending) + 1
	if op.Type == frame.OpHeartbeat {
		switch {
		case st.legacy && op.Sequence == next && st.pending == 0:
			return verdictAdvance, nil
		case st.legacy:
			return verdictSkip, nil
		case op.Sequence < st.applied:
			return verdictResync, fmt.Errorf("%w: heartbeat at %d, applied %d", ErrHistory, op.Sequence, st.applied)
		}
		return verdictIgnore, nil
	}
	if !frame.IsData(op.Type) {
		return verdictResync, fmt.Errorf("%w: %s in the live stream", ErrUnexpected, op.Type)
	}
	if st.legacy {
		switch {
		case op.Sequence <= st.applied:
			return verdictSkip, nil
		case op.Sequence != next:
			return verdictApply, fmt.Errorf("%w: reference primary sent %d, expected %d", ErrGap, op.Sequence, next)
		}
		return verdictApply, nil
	}
	if op.Sequence != next {
		return verdictResync, fmt.Errorf("%w: got %d, expected %d", ErrGap, op.Sequence, next)
	}
	size := 1
	if op.Has&frame.FieldGroup != 0 {
		size = op.Group
	}
	switch {
	case size < 1:
		return verdictResync, fmt.Errorf("%w: group size %d", ErrBadGroup, size)
	case st.pending > 0 && size != st.group:
		return verdictResync, fmt.Errorf("%w: group of %d interrupted by one of %d", ErrBadGroup, st.group, size)
	case st.pending+1 < size:
		return verdictBuffer, nil
	}
	return verdictApply, nil
}

// ErrNotReference: a stream that does not start with SYNC_RESPONSE, from a
// primary this secondary knows speaks this server's protocol.
var ErrNotReference = errors.New("a nadb-server primary's stream without handshake")

// admitReference is the rule for a first frame that is not a SYNC_RESPONSE:
// the stream is taken as a reference primary's (no handshake, replays, gaps
// applied) only by a secondary that has never known a nadb-server primary
// on this link, and only when the frame does not name a nadb-server history.
// knownNADB is set when the secondary holds a history of this server's
// protocol (a replication ID), has seen a SYNC_RESPONSE, or found the
// primary through its Redis endpoint (only a nadb-server primary has one).
// A nadb-server primary that serves a silent peer as a reference secondary
// starts with a HEARTBEAT carrying its repl_id, which a reference secondary
// ignores and this one recognises. Any other case means the handshake
// reached the primary late: drop the link and handshake again, never apply
// a stream that starts wherever the primary's catch-up starts.
func admitReference(knownNADB bool, first *frame.Op) error {
	switch {
	case knownNADB:
		return fmt.Errorf("%w: %s before SYNC_RESPONSE", ErrNotReference, first.Type)
	case first.Type == frame.OpHeartbeat && first.Has&frame.FieldReplID != 0:
		return fmt.Errorf("%w: HEARTBEAT of history %s before SYNC_RESPONSE", ErrNotReference, first.ReplID)
	}
	return nil
}
