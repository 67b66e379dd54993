package node

import (
	"time"
)

// OutputLimit is client-output-buffer-limit's replica class: a secondary
// is disconnected when what its primary holds for it and has not sent yet
// (logged operations after the last one it was sent, counted as
// MemLog.Behind counts them) exceeds Hard bytes, or exceeds Soft bytes for
// SoftFor without a break. Zero disables either bound. The secondary then
// reconnects and resumes from its position if the log still holds it,
// else takes a full resync, as a Redis replica does.
type OutputLimit struct {
	Hard, Soft int64
	SoftFor    time.Duration
}

// DefaultReplicaOutputLimit is Redis's default for the replica class:
// 256 MiB hard, 64 MiB for 60 seconds.
var DefaultReplicaOutputLimit = OutputLimit{Hard: 256 << 20, Soft: 64 << 20, SoftFor: 60 * time.Second}

// limitEvery is how often the primary measures its secondaries against
// the replica output limit.
const limitEvery = 100 * time.Millisecond

// SetReplicaOutputLimit changes the replica class of
// client-output-buffer-limit at run time.
func (n *Node) SetReplicaOutputLimit(l OutputLimit) { n.auth.outLimit.Store(&l) }

// enforceOutputLimits disconnects every secondary beyond lim (the replica
// output limit). Only the publisher goroutine calls it, so it alone
// touches the senders' softSince.
func (p *primary) enforceOutputLimits(lim *OutputLimit, now time.Time) {
	if lim == nil || (lim.Hard <= 0 && lim.Soft <= 0) {
		return
	}
	for _, s := range p.list() {
		select {
		case <-s.done:
			continue // stopped already, leaving
		default:
		}
		from, measured := s.limitBase()
		if !measured {
			continue
		}
		behind := p.log.Behind(from)
		over := ""
		switch {
		case lim.Hard > 0 && behind > lim.Hard:
			over = "hard"
		case lim.Soft > 0 && behind > lim.Soft:
			if s.softSince.IsZero() {
				s.softSince = now
			}
			if now.Sub(s.softSince) >= lim.SoftFor {
				over = "soft"
			}
		default:
			s.softSince = time.Time{}
		}
		if over == "" {
			continue
		}
		p.stats.outputLimitDrops.Add(1)
		p.logger.Warn("replica closed for overcoming the replica output buffer limit",
			"replica", s.conn.RemoteAddr(), "limit", over, "unsent_bytes", behind, "hard", lim.Hard, "soft", lim.Soft, "soft_seconds", int64(lim.SoftFor/time.Second))
		s.stop()
	}
}

// limitBase returns the last sequence s was sent, or is being sent in a
// snapshot: what is logged after it waits for s. measured is false while
// s has not started a sync (nothing waits for it yet).
func (s *sender) limitBase() (seq uint64, measured bool) {
	switch s.state.Load() {
	case "send_bulk", "online":
		return max(s.sent.Load(), s.snapSeq.Load()), true
	}
	return 0, false
}
