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

// Fixed redis-benchmark parameters shared by every workload.
const (
	benchClients   = 50
	benchValueSize = 100
	benchKeyspace  = 1000000
	benchTests     = "set,get"
)

// workload is one redis-benchmark configuration.
type workload struct {
	pipeline int
	requests int
}

// seriesKey identifies a (test, pipeline) series, e.g. (SET, 16).
type seriesKey struct {
	test     string
	pipeline int
}

// benchResults holds every sample, grouped by series and then server name.
type benchResults struct {
	workloads []workload
	samples   map[seriesKey]map[string][]benchkit.Sample
}

func (b *benchResults) add(key seriesKey, srv string, s benchkit.Sample) {
	if b.samples[key] == nil {
		b.samples[key] = map[string][]benchkit.Sample{}
	}
	b.samples[key][srv] = append(b.samples[key][srv], s)
}

// benchTestNames are the upper-case names of benchTests, as in the CSV.
func benchTestNames() []string { return strings.Split(strings.ToUpper(benchTests), ",") }

// keys returns the series in report order: pipeline ascending, SET before GET.
func (b *benchResults) keys() []seriesKey {
	var keys []seriesKey
	for _, w := range b.workloads {
		for _, t := range benchTestNames() {
			keys = append(keys, seriesKey{test: t, pipeline: w.pipeline})
		}
	}
	return keys
}

// serverOrder alternates which server goes first so slow drift (thermal,
// page cache, background noise) affects both equally.
func serverOrder(round int) []string {
	if round%2 == 0 {
		return []string{nameRedis, nameNadb}
	}
	return []string{nameNadb, nameRedis}
}

// runBenchmarks starts one instance of each server and runs every workload
// against both, alternating servers, for cfg.rounds rounds.
func runBenchmarks(ctx context.Context, cfg config, tl benchkit.Tools, tmp string, log *benchkit.CommandLog) (*benchResults, error) {
	servers := map[string]*benchkit.Process{}
	defer func() {
		for _, s := range servers {
			s.Stop()
		}
	}()
	for _, name := range []string{nameRedis, nameNadb} {
		s, err := startServer(ctx, name, "benchmark", tl, tmp, cfg.StartTimeout, log)
		if err != nil {
			return nil, err
		}
		servers[name] = s
	}

	res := &benchResults{
		workloads: []workload{{pipeline: 1, requests: cfg.nP1}, {pipeline: 16, requests: cfg.nP16}},
		samples:   map[seriesKey]map[string][]benchkit.Sample{},
	}
	for round := range cfg.rounds {
		for _, w := range res.workloads {
			for _, name := range serverOrder(round) {
				if err := runOne(ctx, tl, servers[name], w, cfg.RunTimeout, log, res); err != nil {
					return nil, fmt.Errorf("round %d: %w", round+1, err)
				}
			}
		}
	}
	return res, nil
}

// runOne runs one redis-benchmark invocation and records its samples.
func runOne(ctx context.Context, tl benchkit.Tools, s *benchkit.Process, w workload, timeout time.Duration, log *benchkit.CommandLog, res *benchResults) error {
	if err := s.Alive(); err != nil {
		return err
	}
	args := benchmarkArgs(tl.RedisBenchmark, s.Port, w)
	log.Add(fmt.Sprintf("benchmark %s -P %d", s.Name, w.pipeline), benchkit.ShellJoin(args))

	start := time.Now()
	rows, err := benchkit.RunRedisBenchmark(ctx, args, timeout, benchTestNames()...)
	if err != nil {
		return fmt.Errorf("%s -P %d: %w%s", s.Name, w.pipeline, err, s.LogTail())
	}
	for test, smp := range rows {
		res.add(seriesKey{test: test, pipeline: w.pipeline}, s.Name, smp)
	}
	fmt.Fprintf(os.Stderr, "%-5s -P %-2d  SET %10.0f rps  GET %10.0f rps  (%.1fs)\n",
		s.Name, w.pipeline, rows["SET"].RPS, rows["GET"].RPS, time.Since(start).Seconds())
	return nil
}

func benchmarkArgs(bin string, port int, w workload) []string {
	return []string{bin, "-h", "127.0.0.1", "-p", strconv.Itoa(port),
		"-c", strconv.Itoa(benchClients), "-P", strconv.Itoa(w.pipeline),
		"-n", strconv.Itoa(w.requests), "-d", strconv.Itoa(benchValueSize),
		"-r", strconv.Itoa(benchKeyspace), "-t", benchTests, "--csv"}
}
