package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/nadb-server/nadb-server/bench/internal/benchkit"
)

// Fixed redis-benchmark parameters of the throughput test.
const (
	benchClients   = 50
	benchPipeline  = 16
	benchValueSize = 100
	benchKeyspace  = 1000000
)

// throughputRun is one redis-benchmark run against a fresh server.
type throughputRun struct {
	sample    benchkit.Sample
	diskBytes int64 // log and snapshot files after the run; 0 for appendonly no
	rewrites  int64 // aof_rewrites (automatic) during the run, -1 when not reported
}

// throughputResults holds the runs by mode (fsync) and server, in round
// order.
type throughputResults struct {
	n    int
	runs map[string]map[string][]throughputRun
}

func (t *throughputResults) samples(m mode, name string) []throughputRun {
	return t.runs[m.fsync][name]
}

// medianRPS is the median rps of a mode and server.
func (t *throughputResults) medianRPS(m mode, name string) float64 {
	return benchkit.MedianOf(t.samples(m, name), func(r throughputRun) float64 { return r.sample.RPS })
}

// runThroughput runs every mode against both servers for cfg.rounds
// rounds. Within a round the servers alternate per mode; even rounds go
// through the modes forward with redis first, odd rounds backward with nadb
// first, so drift hits every configuration alike.
func runThroughput(ctx context.Context, h *harness) (*throughputResults, error) {
	res := &throughputResults{n: h.cfg.n, runs: map[string]map[string][]throughputRun{}}
	for round := range h.cfg.rounds {
		order := slices.Clone(modes)
		if round%2 == 1 {
			slices.Reverse(order)
		}
		for _, m := range order {
			for _, name := range serverOrder(round) {
				r, err := throughputOne(ctx, h, name, m)
				if err != nil {
					return nil, fmt.Errorf("throughput round %d, %s, %s: %w", round+1, name, m.label(), err)
				}
				if res.runs[m.fsync] == nil {
					res.runs[m.fsync] = map[string][]throughputRun{}
				}
				res.runs[m.fsync][name] = append(res.runs[m.fsync][name], r)
			}
		}
	}
	return res, nil
}

// throughputOne starts a fresh server in a fresh directory (nadb-server
// too gets its own --dir every run, and --appendonly no explicitly for the
// baseline), runs redis-benchmark against it, checks that the log grew
// (when on) or that nothing was written (when off) and removes everything.
func throughputOne(ctx context.Context, h *harness, name string, m mode) (throughputRun, error) {
	in, err := newInstance(h, "throughput", name, m)
	if err != nil {
		return throughputRun{}, err
	}
	defer h.remove(in)
	p, err := h.startReady(ctx, in, "throughput, "+m.label())
	if err != nil {
		return throughputRun{}, err
	}
	defer p.Stop()

	args := []string{h.tl.RedisBenchmark, "-h", "127.0.0.1", "-p", strconv.Itoa(p.Port),
		"-c", strconv.Itoa(benchClients), "-P", strconv.Itoa(benchPipeline),
		"-n", strconv.Itoa(h.cfg.n), "-d", strconv.Itoa(benchValueSize),
		"-r", strconv.Itoa(benchKeyspace), "-t", "set", "--csv"}
	h.commands.Add("benchmark", benchkit.ShellJoin(args))
	start := time.Now()
	rows, err := benchkit.RunRedisBenchmark(ctx, args, h.cfg.RunTimeout, "SET")
	if err != nil {
		return throughputRun{}, fmt.Errorf("%w%s", err, p.LogTail())
	}
	if err := p.Alive(); err != nil {
		return throughputRun{}, err
	}
	r := throughputRun{sample: rows["SET"], rewrites: -1}
	if inf := info(p, "persistence"); inf != nil {
		r.rewrites = benchkit.FieldInt(inf, "aof_rewrites")
	}
	p.Stop() // SIGKILL: what reached the files is what the policy wrote
	d, err := measureDisk(name, in.dataDir)
	if err != nil {
		return throughputRun{}, err
	}
	r.diskBytes = d.totalBytes()
	if m.aof() && d.logBytes() == 0 {
		h.anomaly("%s with %s: no log bytes on disk after %d SETs", name, m.label(), h.cfg.n)
	}
	if !m.aof() && r.diskBytes != 0 {
		h.anomaly("%s with appendonly no wrote %d bytes of log or snapshot files: %s", name, r.diskBytes, fileList(d.files()))
	}
	checkLog(h, p, "throughput, "+m.label())
	fmt.Fprintf(os.Stderr, "%-5s %-20s SET %10.0f rps  p99 %6.3f ms  disk %d B  rewrites %d  (%.1fs)\n",
		name, m.label(), r.sample.RPS, r.sample.P99, r.diskBytes, r.rewrites, time.Since(start).Seconds())
	return r, nil
}

// checkLog reports nadb-server's WARN and ERROR log lines as anomalies.
// Redis logs are not checked: Redis warns about host settings (overcommit,
// THP) on every start.
func checkLog(h *harness, p *benchkit.Process, phase string) {
	if p.Name != nameNadb {
		return
	}
	for _, l := range p.LogLines() {
		if containsAny(l, "level=WARN", "level=ERROR") {
			h.anomaly("%s log (%s): %s", p.Name, phase, l)
		}
	}
}
