package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/nadb-server/nadb-server/bench/internal/benchkit"
)

// msetModes are the configurations of the MSET test: appendonly no, and
// appendonly yes with the default policy (everysec, both servers).
var msetModes = []mode{{fsync: ""}, {fsync: "everysec"}}

// msetResults holds the MSET samples by mode (fsync) and server, in round
// order.
type msetResults struct {
	n    int
	runs map[string]map[string][]benchkit.Sample
}

func (t *msetResults) median(m mode, name string) float64 {
	return benchkit.MedianOf(t.runs[m.fsync][name], func(s benchkit.Sample) float64 { return s.RPS })
}

// ownRatio is a server's median MSET rps with appendonly yes over its
// median with appendonly no.
func (t *msetResults) ownRatio(name string) float64 {
	base := t.median(msetModes[0], name)
	if base == 0 {
		return 0
	}
	return t.median(msetModes[1], name) / base
}

// runMSET runs `redis-benchmark -t mset -P 16` against a fresh server per
// mode and server, for cfg.rounds rounds, alternating like runThroughput.
func runMSET(ctx context.Context, h *harness) (*msetResults, error) {
	res := &msetResults{n: h.cfg.nMSET, runs: map[string]map[string][]benchkit.Sample{}}
	for round := range h.cfg.rounds {
		order := []mode{msetModes[0], msetModes[1]}
		if round%2 == 1 {
			order[0], order[1] = order[1], order[0]
		}
		for _, m := range order {
			for _, name := range serverOrder(round) {
				s, err := msetOne(ctx, h, name, m)
				if err != nil {
					return nil, fmt.Errorf("MSET round %d, %s, %s: %w", round+1, name, m.label(), err)
				}
				if res.runs[m.fsync] == nil {
					res.runs[m.fsync] = map[string][]benchkit.Sample{}
				}
				res.runs[m.fsync][name] = append(res.runs[m.fsync][name], s)
			}
		}
	}
	return res, nil
}

func msetOne(ctx context.Context, h *harness, name string, m mode) (benchkit.Sample, error) {
	in, err := newInstance(h, "mset", name, m)
	if err != nil {
		return benchkit.Sample{}, err
	}
	defer h.remove(in)
	p, err := h.startReady(ctx, in, "MSET, "+m.label())
	if err != nil {
		return benchkit.Sample{}, err
	}
	defer p.Stop()
	args := []string{h.tl.RedisBenchmark, "-h", "127.0.0.1", "-p", strconv.Itoa(p.Port),
		"-c", strconv.Itoa(benchClients), "-P", strconv.Itoa(benchPipeline),
		"-n", strconv.Itoa(h.cfg.nMSET), "-d", strconv.Itoa(benchValueSize),
		"-r", strconv.Itoa(benchKeyspace), "-t", "mset", "--csv"}
	h.commands.Add("benchmark (MSET)", benchkit.ShellJoin(args))
	start := time.Now()
	rows, err := benchkit.RunRedisBenchmark(ctx, args, h.cfg.RunTimeout)
	if err != nil {
		return benchkit.Sample{}, fmt.Errorf("%w%s", err, p.LogTail())
	}
	s, err := msetRow(rows)
	if err != nil {
		return benchkit.Sample{}, fmt.Errorf("%s: %w", benchkit.ShellJoin(args), err)
	}
	if err := p.Alive(); err != nil {
		return benchkit.Sample{}, err
	}
	checkLog(h, p, "MSET, "+m.label())
	fmt.Fprintf(os.Stderr, "%-5s %-20s MSET %9.0f rps  p99 %6.3f ms  (%.1fs)\n",
		name, m.label(), s.RPS, s.P99, time.Since(start).Seconds())
	return s, nil
}

// msetRow finds redis-benchmark's MSET row, named "MSET (10 keys)".
func msetRow(rows map[string]benchkit.Sample) (benchkit.Sample, error) {
	for test, s := range rows {
		if strings.HasPrefix(test, "MSET") {
			return s, nil
		}
	}
	return benchkit.Sample{}, fmt.Errorf("no MSET row among %d rows", len(rows))
}
