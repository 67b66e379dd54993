package resp

import (
	"sync/atomic"
	"time"

	"github.com/nadb-server/nadb-server/replication/node"
)

// MinReplicas is min-replicas-to-write and min-replicas-max-lag: a primary
// refuses writes (-NOREPLICAS) while fewer than ToWrite secondaries are
// good, that is online with their last acknowledgement at most MaxLag
// seconds old. Either at zero turns the check off, as in Redis.
type MinReplicas struct {
	ToWrite int
	MaxLag  int
}

func (m MinReplicas) on() bool { return m.ToWrite > 0 && m.MaxLag > 0 }

// goodReplicaRefresh bounds how old the count of good secondaries a write
// is checked against may be (Redis counts them once a second).
const goodReplicaRefresh = 100 * time.Millisecond

// minReplicas holds the MinReplicas in force and the last count of good
// secondaries.
type minReplicas struct {
	cfg       atomic.Pointer[MinReplicas]
	good      atomic.Int64
	countedAt atomic.Int64 // unix nanoseconds of good; 0: never counted
}

func (m *minReplicas) load() MinReplicas {
	if c := m.cfg.Load(); c != nil {
		return *c
	}
	return MinReplicas{}
}

func (m *minReplicas) store(c MinReplicas) {
	m.cfg.Store(&c)
	m.countedAt.Store(0) // the next check counts with the new lag
}

// goodReplicas counts the secondaries of p that are online and whose last
// acknowledgement is at most maxLag seconds old, as Redis's
// refreshGoodSlavesCount; a reference secondary, which never
// acknowledges, does not count.
func goodReplicas(p *node.PrimaryStatus, maxLag int) int {
	n := 0
	for _, r := range p.Replicas {
		if r.State == "online" && !r.Legacy && int64(r.AckAge/time.Second) <= int64(maxLag) {
			n++
		}
	}
	return n
}

// SetMinReplicas changes min-replicas-to-write and min-replicas-max-lag.
func (s *Server) SetMinReplicas(m MinReplicas) { s.minRepl.store(m) }

// enoughReplicas reports whether a write may run as far as
// min-replicas-to-write is concerned: always on a secondary (which
// refuses writes for being one) and with the check off.
func (s *Server) enoughReplicas() bool {
	m := s.minRepl.load()
	if !m.on() || s.replication().ReadOnly() {
		return true
	}
	now := time.Now().UnixNano()
	if at := s.minRepl.countedAt.Load(); at != 0 && now-at < int64(goodReplicaRefresh) {
		return s.minRepl.good.Load() >= int64(m.ToWrite)
	}
	st := s.replication().Status()
	if st.Primary == nil {
		return true
	}
	good := goodReplicas(st.Primary, m.MaxLag)
	s.minRepl.good.Store(int64(good))
	s.minRepl.countedAt.Store(now)
	return good >= m.ToWrite
}

// goodReplicasInfo is INFO replication's min_slaves_good_slaves while the
// check is on; ok false leaves the field out, as Redis does.
func (s *Server) goodReplicasInfo(st node.Status) (good int, ok bool) {
	m := s.minRepl.load()
	if !m.on() {
		return 0, false
	}
	if st.Primary == nil {
		return 0, true
	}
	return goodReplicas(st.Primary, m.MaxLag), true
}
