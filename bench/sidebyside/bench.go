package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"
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

// sample is one redis-benchmark result row (one test, one run).
type sample struct {
	rps float64
	p50 float64 // ms
	p99 float64 // ms
}

// seriesKey identifies a (test, pipeline) series, e.g. (SET, 16).
type seriesKey struct {
	test     string
	pipeline int
}

// benchResults holds every sample, grouped by series and then server name.
type benchResults struct {
	workloads []workload
	samples   map[seriesKey]map[string][]sample
}

func (b *benchResults) add(key seriesKey, srv string, s sample) {
	if b.samples[key] == nil {
		b.samples[key] = map[string][]sample{}
	}
	b.samples[key][srv] = append(b.samples[key][srv], s)
}

// keys returns the series in report order: pipeline ascending, SET before GET.
func (b *benchResults) keys() []seriesKey {
	var keys []seriesKey
	for _, w := range b.workloads {
		for _, t := range strings.Split(strings.ToUpper(benchTests), ",") {
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
func runBenchmarks(ctx context.Context, cfg config, tl tools, tmp string, log *commandLog) (*benchResults, error) {
	servers := map[string]*server{}
	defer func() {
		for _, s := range servers {
			s.stop()
		}
	}()
	for _, name := range []string{nameRedis, nameNadb} {
		s, err := startServer(ctx, name, "benchmark", tl, tmp, cfg.startTimeout, log)
		if err != nil {
			return nil, err
		}
		servers[name] = s
	}

	res := &benchResults{
		workloads: []workload{{pipeline: 1, requests: cfg.nP1}, {pipeline: 16, requests: cfg.nP16}},
		samples:   map[seriesKey]map[string][]sample{},
	}
	for round := range cfg.rounds {
		for _, w := range res.workloads {
			for _, name := range serverOrder(round) {
				if err := runOne(ctx, tl, servers[name], w, cfg.runTimeout, log, res); err != nil {
					return nil, fmt.Errorf("round %d: %w", round+1, err)
				}
			}
		}
	}
	return res, nil
}

// runOne runs one redis-benchmark invocation and records its samples.
func runOne(ctx context.Context, tl tools, s *server, w workload, timeout time.Duration, log *commandLog, res *benchResults) error {
	if err := s.alive(); err != nil {
		return err
	}
	args := benchmarkArgs(tl.redisBenchmark, s.port, w)
	log.add(fmt.Sprintf("benchmark %s -P %d", s.name, w.pipeline), args)

	start := time.Now()
	rows, err := runRedisBenchmark(ctx, args, timeout)
	if err != nil {
		return fmt.Errorf("%s -P %d: %w%s", s.name, w.pipeline, err, s.logTail())
	}
	for test, smp := range rows {
		res.add(seriesKey{test: test, pipeline: w.pipeline}, s.name, smp)
	}
	fmt.Fprintf(os.Stderr, "%-5s -P %-2d  SET %10.0f rps  GET %10.0f rps  (%.1fs)\n",
		s.name, w.pipeline, rows["SET"].rps, rows["GET"].rps, time.Since(start).Seconds())
	return nil
}

func benchmarkArgs(bin string, port int, w workload) []string {
	return []string{bin, "-h", "127.0.0.1", "-p", strconv.Itoa(port),
		"-c", strconv.Itoa(benchClients), "-P", strconv.Itoa(w.pipeline),
		"-n", strconv.Itoa(w.requests), "-d", strconv.Itoa(benchValueSize),
		"-r", strconv.Itoa(benchKeyspace), "-t", benchTests, "--csv"}
}

// runRedisBenchmark executes redis-benchmark and parses its CSV output.
func runRedisBenchmark(ctx context.Context, args []string, timeout time.Duration) (map[string]sample, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s: %w (ctx: %v)\nstdout:\n%s\nstderr:\n%s", shellJoin(args), err, ctx.Err(), stdout.String(), stderr.String())
	}
	rows, err := parseBenchmarkCSV(stdout.Bytes())
	if err != nil {
		return nil, fmt.Errorf("%s: %w\nstdout:\n%s\nstderr:\n%s", shellJoin(args), err, stdout.String(), stderr.String())
	}
	for _, t := range strings.Split(strings.ToUpper(benchTests), ",") {
		if _, ok := rows[t]; !ok {
			return nil, fmt.Errorf("%s: no %s row in output:\n%s\nstderr:\n%s", shellJoin(args), t, stdout.String(), stderr.String())
		}
	}
	return rows, nil
}

// parseBenchmarkCSV parses redis-benchmark 7 --csv output, whose header is
// "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms",
// "p95_latency_ms","p99_latency_ms","max_latency_ms".
func parseBenchmarkCSV(data []byte) (map[string]sample, error) {
	records, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("parse csv: %w", err)
	}
	if len(records) < 2 {
		return nil, fmt.Errorf("csv has %d lines, want header and rows", len(records))
	}
	col := map[string]int{}
	for i, h := range records[0] {
		col[h] = i
	}
	for _, h := range []string{"test", "rps", "p50_latency_ms", "p99_latency_ms"} {
		if _, ok := col[h]; !ok {
			return nil, fmt.Errorf("csv header %v lacks column %q", records[0], h)
		}
	}
	rows := map[string]sample{}
	for _, rec := range records[1:] {
		var s sample
		var err error
		for _, f := range []struct {
			name string
			dst  *float64
		}{{"rps", &s.rps}, {"p50_latency_ms", &s.p50}, {"p99_latency_ms", &s.p99}} {
			if *f.dst, err = strconv.ParseFloat(rec[col[f.name]], 64); err != nil {
				return nil, fmt.Errorf("column %s of %v: %w", f.name, rec, err)
			}
		}
		rows[rec[col["test"]]] = s
	}
	return rows, nil
}

// median returns the median of the values picked from samples.
func median(samples []sample, pick func(sample) float64) float64 {
	if len(samples) == 0 {
		return 0
	}
	vals := make([]float64, len(samples))
	for i, s := range samples {
		vals[i] = pick(s)
	}
	slices.Sort(vals)
	mid := len(vals) / 2
	if len(vals)%2 == 1 {
		return vals[mid]
	}
	return (vals[mid-1] + vals[mid]) / 2
}
