package resp

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// INFO commandstats and errorstats, counted as Redis counts them:
//   - calls and usec: the commands that ran (a command queued by MULTI
//     counts when EXEC runs it);
//   - rejected_calls: refused before running (arity, NOAUTH, LOADING, a
//     refusal of the write gate: READONLY, MISCONF, NOREPLICAS, OOM...);
//   - failed_calls: ran and replied with an error;
//   - errorstat_<PREFIX>: every error reply, by its first word, up to
//     maxErrorPrefixes of them (beyond, as in Redis, only the total).
//
// A container command (CLIENT, CONFIG...) is counted by subcommand
// ("client|list"), each of which is a command of its own. The counters of a command are sharded by client, so
// that clients on different threads do not fight over one cache line.

// statShards spreads a command's counters over this many cache lines.
const statShards = 8

// maxErrorPrefixes bounds errorstats, as Redis's 128.
const maxErrorPrefixes = 128

type statShard struct {
	calls, nanos, rejected, failed atomic.Int64
	hist                           [latencyBuckets]atomic.Int64 // LATENCY HISTOGRAM
	_                              [32]byte                     // a cache line per shard
}

// cmdStat is one command's (or subcommand's) counters.
type cmdStat struct {
	name   string
	shards [statShards]statShard
}

func (st *cmdStat) sum() (calls, nanos, rejected, failed int64) {
	for i := range st.shards {
		sh := &st.shards[i]
		calls += sh.calls.Load()
		nanos += sh.nanos.Load()
		rejected += sh.rejected.Load()
		failed += sh.failed.Load()
	}
	return
}

func (st *cmdStat) reset() {
	for i := range st.shards {
		sh := &st.shards[i]
		sh.calls.Store(0)
		sh.nanos.Store(0)
		sh.rejected.Store(0)
		sh.failed.Store(0)
		for k := range sh.hist {
			sh.hist[k].Store(0)
		}
	}
}

// cmdStats holds every command's counters and the error counts.
type cmdStats struct {
	mu   sync.Mutex
	all  map[string]*cmdStat // by name, "container|sub" included
	errs map[string]int64    // errorstat_<prefix>
	// totalErrors is total_error_replies.
	totalErrors atomic.Int64
}

func newCmdStats() *cmdStats {
	return &cmdStats{all: map[string]*cmdStat{}, errs: map[string]int64{}}
}

// stat returns the counters of name, created on first use.
func (cs *cmdStats) stat(name string) *cmdStat {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	st := cs.all[name]
	if st == nil {
		st = &cmdStat{name: name}
		cs.all[name] = st
	}
	return st
}

// dispatch is the client's state when a command's dispatch began.
type dispatch struct {
	invokes           int64 // client.invokes
	errs, errsClaimed int
	started           int64 // Server.clock: when the command began
}

// account records one dispatched command. A command EXEC runs is
// dispatched inside EXEC's dispatch: its errors are its own, not EXEC's
// (client.errsClaimed).
func (s *Server) account(c *client, cmd *command, args [][]byte, d dispatch) {
	invoked := c.invokes > d.invokes
	var nanos int64
	if invoked {
		end := s.clock()
		nanos, c.tick = end-d.started, end
	}
	own := len(c.conn.errs) - d.errs - (c.errsClaimed - d.errsClaimed)
	c.errsClaimed += own
	failed := own > 0
	if invoked {
		// total_commands_processed counts what ran, as Redis's call()
		// does: not a command refused, nor one queued by MULTI until EXEC
		// runs it.
		c.commands.Add(1)
		s.noteSlow(c, cmd, args, nanos)
		if s.mon.n.Load() > 0 && !hiddenFromMonitor(cmd) && cmd.flags&flagSkipMonitor == 0 {
			s.feedMonitors(c, cmd, args)
		}
	}
	if !invoked && !failed {
		return // queued by MULTI: counted when EXEC runs it
	}
	st := cmd.stat
	if st == nil {
		st = s.stats.stat(cmd.name)
	}
	sh := &st.shards[c.id%statShards]
	switch {
	case invoked:
		sh.calls.Add(1)
		sh.nanos.Add(nanos)
		sh.hist[latencyBucket(nanos)].Add(1)
		if s.latency.threshold.Load() > 0 {
			event := "command"
			if cmd.flags&flagFast != 0 {
				event = "fast-command"
			}
			s.latency.note(event, nanos/int64(time.Millisecond), time.Now())
		}
		if failed {
			sh.failed.Add(1)
		}
	default:
		sh.rejected.Add(1)
	}
}

// noteErrors moves the error replies the client wrote since the last call
// into errorstats.
func (s *Server) noteErrors(c *client) {
	errs := c.conn.errs
	if len(errs) == 0 {
		return
	}
	s.stats.totalErrors.Add(int64(len(errs)))
	s.stats.mu.Lock()
	for _, e := range errs {
		prefix, _, _ := strings.Cut(e, " ")
		if _, ok := s.stats.errs[prefix]; ok || len(s.stats.errs) < maxErrorPrefixes {
			s.stats.errs[strings.Clone(prefix)]++
		}
	}
	s.stats.mu.Unlock()
	clear(errs)
	c.conn.errs = errs[:0]
	c.errsClaimed = 0
}

// infoCommandStats is INFO commandstats, by command name.
func (s *Server) infoCommandStats() [][2]string {
	s.stats.mu.Lock()
	stats := make([]*cmdStat, 0, len(s.stats.all))
	for _, st := range s.stats.all {
		stats = append(stats, st)
	}
	s.stats.mu.Unlock()
	sort.Slice(stats, func(i, j int) bool { return stats[i].name < stats[j].name })
	var out [][2]string
	for _, st := range stats {
		calls, nanos, rejected, failed := st.sum()
		if calls == 0 && rejected == 0 && failed == 0 {
			continue
		}
		usec := nanos / 1000
		perCall := 0.0
		if calls > 0 {
			perCall = float64(usec) / float64(calls)
		}
		out = append(out, [2]string{"cmdstat_" + st.name,
			fmt.Sprintf("calls=%d,usec=%d,usec_per_call=%.2f,rejected_calls=%d,failed_calls=%d", calls, usec, perCall, rejected, failed)})
	}
	return out
}

// infoErrorStats is INFO errorstats, by error prefix.
func (s *Server) infoErrorStats() [][2]string {
	s.stats.mu.Lock()
	defer s.stats.mu.Unlock()
	prefixes := make([]string, 0, len(s.stats.errs))
	for p := range s.stats.errs {
		prefixes = append(prefixes, p)
	}
	sort.Strings(prefixes)
	out := make([][2]string, 0, len(prefixes))
	for _, p := range prefixes {
		out = append(out, [2]string{"errorstat_" + p, fmt.Sprintf("count=%d", s.stats.errs[p])})
	}
	return out
}

// clock reads the monotonic clock: nanoseconds since the server started
// (cheaper than time.Now, which reads the wall clock too).
func (s *Server) clock() int64 { return int64(time.Since(s.epoch)) }

// resetCmdStats is CONFIG RESETSTAT's part here.
func (s *Server) resetCmdStats() {
	s.stats.totalErrors.Store(0)
	s.stats.mu.Lock()
	defer s.stats.mu.Unlock()
	for _, st := range s.stats.all {
		st.reset()
	}
	clear(s.stats.errs)
}
