package benchkit

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Sample is one redis-benchmark result row: one test of one run.
type Sample struct {
	RPS float64 // requests per second
	P50 float64 // ms, client-side latency
	P99 float64 // ms
}

// RunRedisBenchmark runs the redis-benchmark command line args (which must
// include --csv) within timeout and returns its rows by upper-case test name
// ("SET", "GET", ...). Every test in want must have a row.
func RunRedisBenchmark(ctx context.Context, args []string, timeout time.Duration, want ...string) (map[string]Sample, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s: %w (ctx: %v)\nstdout:\n%s\nstderr:\n%s",
			ShellJoin(args), err, ctx.Err(), stdout.String(), stderr.String())
	}
	rows, err := ParseBenchmarkCSV(stdout.Bytes())
	if err != nil {
		return nil, fmt.Errorf("%s: %w\nstdout:\n%s\nstderr:\n%s", ShellJoin(args), err, stdout.String(), stderr.String())
	}
	for _, t := range want {
		if _, ok := rows[t]; !ok {
			return nil, fmt.Errorf("%s: no %s row in output:\n%s\nstderr:\n%s", ShellJoin(args), t, stdout.String(), stderr.String())
		}
	}
	return rows, nil
}

// ParseBenchmarkCSV parses redis-benchmark 7 --csv output, whose header is
// "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms",
// "p95_latency_ms","p99_latency_ms","max_latency_ms", into samples keyed by
// upper-case test name. Columns are found by name.
func ParseBenchmarkCSV(data []byte) (map[string]Sample, error) {
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
	rows := map[string]Sample{}
	for _, rec := range records[1:] {
		var s Sample
		for _, f := range []struct {
			name string
			dst  *float64
		}{{"rps", &s.RPS}, {"p50_latency_ms", &s.P50}, {"p99_latency_ms", &s.P99}} {
			if *f.dst, err = strconv.ParseFloat(rec[col[f.name]], 64); err != nil {
				return nil, fmt.Errorf("column %s of %v: %w", f.name, rec, err)
			}
		}
		rows[strings.ToUpper(rec[col["test"]])] = s
	}
	return rows, nil
}

// Median returns the median of vals (0 when empty) without reordering vals.
func Median(vals []float64) float64 {
	if len(vals) == 0 {
		return 0
	}
	s := slices.Clone(vals)
	slices.Sort(s)
	mid := len(s) / 2
	if len(s)%2 == 1 {
		return s[mid]
	}
	return (s[mid-1] + s[mid]) / 2
}

// MedianOf returns the median of pick over items (0 when empty).
func MedianOf[T any](items []T, pick func(T) float64) float64 {
	vals := make([]float64, len(items))
	for i, it := range items {
		vals[i] = pick(it)
	}
	return Median(vals)
}
