package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/nadb-server/nadb-server/bench/internal/benchkit"
)

// Fixed redis-benchmark parameters of the throughput test.
const (
	tpClients   = 50
	tpPipeline  = 16
	tpValueSize = 100
	tpKeyspace  = 1000000
)

// secondaryCounts are the configurations compared, in round-0 order.
var secondaryCounts = []int{0, 1, 2}

// tpRun is one redis-benchmark run against a fresh primary with secs
// secondaries.
type tpRun struct {
	server      string // kindNadb or kindRedis
	round, secs int
	cpuPerM     float64 // the primary's CPU seconds per million SETs (/proc/PID/stat)
	rps         float64
	p50, p99    float64 // ms, redis-benchmark's client-side latency
	seq         uint64  // primary sequence after the run
	caughtUp    bool
	catchUp     time.Duration // benchmark end → every secondary applied seq
	digestsOK   bool
	maxLagOps   int64 // largest lag_ops of any secondary, sampled every 250 ms
	maxLagMs    int64 // largest lag_ms likewise
	resyncs     int64 // full or partial resyncs after the initial sync, all secondaries
	zeroLagMs   int   // samples with lag_ops beyond the operation log but lag_ms 0
}

type tpResult struct {
	n    int
	runs []tpRun
}

func (t *tpResult) of(server string, secs int) []tpRun {
	var out []tpRun
	for _, r := range t.runs {
		if r.server == server && r.secs == secs {
			out = append(out, r)
		}
	}
	return out
}

func (t *tpResult) medianRPS(server string, secs int) float64 {
	return benchkit.MedianOf(t.of(server, secs), func(r tpRun) float64 { return r.rps })
}

func (t *tpResult) medianCPU(server string, secs int) float64 {
	return benchkit.MedianOf(t.of(server, secs), func(r tpRun) float64 { return r.cpuPerM })
}

// has reports whether any run of server was made.
func (t *tpResult) has(server string) bool { return len(t.of(server, 0)) > 0 }

// costRatios are, for server, the median CPU per million SETs and the
// median rps with 2 secondaries over the same with none.
func (t *tpResult) costRatios(server string) (cpu, rps float64) {
	if c0, r0 := t.medianCPU(server, 0), t.medianRPS(server, 0); c0 > 0 && r0 > 0 {
		return t.medianCPU(server, 2) / c0, t.medianRPS(server, 2) / r0
	}
	return 0, 0
}

// servers are the kinds measured, nadb first.
func (h *harness) servers() []string {
	if h.redisBin == "" {
		return []string{kindNadb}
	}
	return []string{kindNadb, kindRedis}
}

// runThroughput runs cfg.rounds rounds; each round measures every secondary
// count on fresh processes, forward in even rounds and backward in odd
// ones, and within each count nadb-server and redis-server (nadb first in
// even rounds), so slow drift affects every configuration alike.
func runThroughput(ctx context.Context, h *harness) (*tpResult, error) {
	res := &tpResult{n: h.cfg.n}
	for round := range h.cfg.rounds {
		order := slices.Clone(secondaryCounts)
		servers := h.servers()
		if round%2 == 1 {
			slices.Reverse(order)
			slices.Reverse(servers)
		}
		for _, secs := range order {
			for _, server := range servers {
				r, err := throughputRun(ctx, h, server, round, secs)
				if err != nil {
					return nil, fmt.Errorf("throughput round %d, %s, %d secondaries: %w", round+1, server, secs, err)
				}
				res.runs = append(res.runs, r)
			}
		}
	}
	return res, nil
}

func throughputRun(ctx context.Context, h *harness, server string, round, nsecs int) (tpRun, error) {
	r := tpRun{server: server, round: round, secs: nsecs}
	phase := fmt.Sprintf("throughput round %d, %s with %d secondaries", round+1, server, nsecs)
	primary, secs, err := startCluster(ctx, h, server, nsecs)
	if err != nil {
		return r, err
	}
	defer func() {
		// Secondaries first, so none logs the primary's disappearance.
		for _, n := range append(slices.Clone(secs), primary) {
			n.Stop()
			h.checkLog(n, phase)
		}
	}()

	args := []string{h.redisBenchmark, "-h", "127.0.0.1", "-p", strconv.Itoa(primary.Port),
		"-t", "set", "-d", strconv.Itoa(tpValueSize), "-r", strconv.Itoa(tpKeyspace),
		"-c", strconv.Itoa(tpClients), "-P", strconv.Itoa(tpPipeline), "-n", strconv.Itoa(h.cfg.n), "--csv"}
	h.cmds.Add("throughput (redis-benchmark against the primary)", benchkit.ShellJoin(args))
	pid := benchkit.ServerPID(primary.Process)

	// Watch the primary's view of each secondary's lag while the benchmark runs.
	stopWatch := make(chan struct{})
	var watch sync.WaitGroup
	if nsecs > 0 && !primary.redis() {
		watch.Go(func() {
			t := time.NewTicker(250 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-stopWatch:
					return
				case <-t.C:
				}
				m, err := primary.info("replication")
				if err != nil {
					continue
				}
				backlog := benchkit.FieldInt(m, "repl_backlog_size")
				for i := range nsecs {
					f := benchkit.ParseFields(m["nadb_replica"+strconv.Itoa(i)])
					lagOps, lagMs := benchkit.FieldInt(f, "lag_ops"), benchkit.FieldInt(f, "lag_ms")
					r.maxLagOps = max(r.maxLagOps, lagOps)
					r.maxLagMs = max(r.maxLagMs, lagMs)
					if backlog > 0 && lagOps > backlog && lagMs == 0 {
						r.zeroLagMs++
					}
				}
			}
		})
	}
	cpu0, err := benchkit.CPUSeconds(pid)
	if err != nil {
		return r, err
	}
	start := time.Now()
	rows, err := benchkit.RunRedisBenchmark(ctx, args, h.cfg.RunTimeout, "SET")
	end := time.Now()
	if cpu1, cerr := benchkit.CPUSeconds(pid); cerr == nil {
		r.cpuPerM = benchkit.CPUPerMillion(cpu0, cpu1, h.cfg.n)
	} else if err == nil {
		err = cerr
	}
	close(stopWatch)
	watch.Wait()
	if err != nil {
		return r, fmt.Errorf("%w%s", err, primary.LogTail())
	}
	smp := rows["SET"]
	r.rps, r.p50, r.p99 = smp.RPS, smp.P50, smp.P99

	if r.seq, err = primary.sequence(); err != nil {
		return r, err
	}
	if r.seq != uint64(h.cfg.n) && !primary.redis() { // Redis counts bytes, and only with replicas
		h.anomaly("%s: primary sequence is %d after %d SETs", phase, r.seq, h.cfg.n)
	}
	if r.zeroLagMs > 0 {
		h.anomaly("%s: %d INFO samples showed lag_ops above repl_backlog_size (the operation log) with lag_ms=0: lag_ms is not computed once the acknowledged position has left the log", phase, r.zeroLagMs)
	}
	r.digestsOK = true
	if nsecs > 0 {
		r.catchUp, err = h.waitCaughtUp(ctx, secs, r.seq, end)
		switch {
		case ctx.Err() != nil:
			return r, ctx.Err()
		case err != nil:
			h.anomaly("%s: %v", phase, err)
		default:
			r.caughtUp = true
			r.digestsOK = h.sameDigests(phase, primary, secs)
		}
		for _, s := range secs {
			st := h.checkSecondary(s, phase)
			r.resyncs += max(st.fullSyncs-1, 0) + max(st.partialSyncs, 0)
		}
		if m, err := primary.info("replication"); err == nil && !primary.redis() && benchkit.FieldInt(m, "nadb_replicas") != int64(nsecs) {
			h.anomaly("%s: primary lists %s replicas after the run, want %d", phase, m["nadb_replicas"], nsecs)
		}
	}
	for _, n := range append([]*node{primary}, secs...) {
		if err := n.Alive(); err != nil {
			return r, err
		}
	}
	catch := "-"
	if nsecs > 0 {
		catch = fmt.Sprintf("%.0f ms (max lag seen %d ops, %d ms)", ms(r.catchUp), r.maxLagOps, r.maxLagMs)
	}
	fmt.Fprintf(os.Stderr, "round %d, %-5s %d secondaries: SET %8.0f rps, p50 %.3f ms, p99 %.3f ms, primary CPU %.3f s/M, %.1fs; catch-up %s\n",
		round+1, server, nsecs, r.rps, r.p50, r.p99, r.cpuPerM, end.Sub(start).Seconds(), catch)
	return r, nil
}

// startCluster starts a fresh primary and nsecs secondaries following it and
// waits until they are linked.
func startCluster(ctx context.Context, h *harness, kind string, nsecs int) (*node, []*node, error) {
	primary, err := h.startNode(ctx, kind, "primary", nil)
	if err != nil {
		return nil, nil, err
	}
	var secs []*node
	fail := func(err error) (*node, []*node, error) {
		for _, n := range append([]*node{primary}, secs...) {
			n.Stop()
		}
		return nil, nil, err
	}
	for i := range nsecs {
		s, err := h.startNode(ctx, kind, "secondary"+strconv.Itoa(i+1), primary)
		if err != nil {
			return fail(err)
		}
		secs = append(secs, s)
	}
	if err := h.waitLinked(ctx, primary, secs); err != nil {
		return fail(err)
	}
	return primary, secs, nil
}

// sameDigests compares DEBUG DIGEST of the primary and every secondary and
// records an anomaly on a difference.
func (h *harness) sameDigests(phase string, primary *node, secs []*node) bool {
	want, err := primary.digest(h.cfg.RunTimeout)
	if err != nil {
		h.anomaly("%s: %v", phase, err)
		return false
	}
	ok := true
	for _, s := range secs {
		got, err := s.digest(h.cfg.RunTimeout)
		if err != nil {
			h.anomaly("%s: %v", phase, err)
			ok = false
		} else if got != want {
			h.anomaly("%s: DEBUG DIGEST differs: primary %s, %s %s", phase, want, s.Name, got)
			ok = false
		}
	}
	return ok
}

// ms converts a duration to float milliseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
