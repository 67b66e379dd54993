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

// benchRun is one redis-benchmark test against one server: its figures and the
// server's own CPU seconds (utime+stime of /proc/PID/stat) per million
// requests while it ran.
type benchRun struct {
	benchkit.Sample
	cpuPerM float64
}

// benchResults holds every sample, grouped by series and then server name.
type benchResults struct {
	workloads []workload
	samples   map[seriesKey]map[string][]benchRun
}

func (b *benchResults) add(key seriesKey, srv string, r benchRun) {
	if b.samples[key] == nil {
		b.samples[key] = map[string][]benchRun{}
	}
	b.samples[key][srv] = append(b.samples[key][srv], r)
}

// median is the median of pick over the runs of one series and server.
func (b *benchResults) median(key seriesKey, srv string, pick func(benchRun) float64) float64 {
	return benchkit.MedianOf(b.samples[key][srv], pick)
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
		samples:   map[seriesKey]map[string][]benchRun{},
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

// runOne runs one redis-benchmark invocation per test (SET, then GET, so
// that GETs find the keys and the server's CPU time can be split per test)
// and records the samples.
func runOne(ctx context.Context, tl benchkit.Tools, s *benchkit.Process, w workload, timeout time.Duration, log *benchkit.CommandLog, res *benchResults) error {
	if err := s.Alive(); err != nil {
		return err
	}
	pid := benchkit.ServerPID(s)
	line := fmt.Sprintf("%-5s -P %-2d", s.Name, w.pipeline)
	for _, test := range benchTestNames() {
		args := benchmarkArgs(tl.RedisBenchmark, s.Port, w, test)
		log.Add(fmt.Sprintf("benchmark %s -P %d %s", s.Name, w.pipeline, test), benchkit.ShellJoin(args))
		cpu0, err := benchkit.CPUSeconds(pid)
		if err != nil {
			return fmt.Errorf("%s: %w", s.Name, err)
		}
		rows, err := benchkit.RunRedisBenchmark(ctx, args, timeout, test)
		if err != nil {
			return fmt.Errorf("%s -P %d: %w%s", s.Name, w.pipeline, err, s.LogTail())
		}
		cpu1, err := benchkit.CPUSeconds(pid)
		if err != nil {
			return fmt.Errorf("%s: %w", s.Name, err)
		}
		r := benchRun{Sample: rows[test], cpuPerM: benchkit.CPUPerMillion(cpu0, cpu1, w.requests)}
		res.add(seriesKey{test: test, pipeline: w.pipeline}, s.Name, r)
		line += fmt.Sprintf("  %s %9.0f rps %6.3f CPU s/M", test, r.RPS, r.cpuPerM)
	}
	fmt.Fprintln(os.Stderr, line)
	return nil
}

func benchmarkArgs(bin string, port int, w workload, test string) []string {
	return []string{bin, "-h", "127.0.0.1", "-p", strconv.Itoa(port),
		"-c", strconv.Itoa(benchClients), "-P", strconv.Itoa(w.pipeline),
		"-n", strconv.Itoa(w.requests), "-d", strconv.Itoa(benchValueSize),
		"-r", strconv.Itoa(benchKeyspace), "-t", strings.ToLower(test), "--csv"}
}
