package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/nadb-server/nadb-server/bench/internal/benchkit"
)

// resultsSection names this program's markers in RESULTS.md.
const resultsSection = "sidebyside"

// report collects everything rendered into the markdown section.
type report struct {
	started      time.Time
	machine      benchkit.Machine
	redisVersion string
	rounds       int
	commands     *benchkit.CommandLog
	bench        *benchResults
	memory       map[string]memResult // nil when -skip-memory
}

// markdown renders the generated section, including the markers.
func (r *report) markdown() string {
	var b strings.Builder
	markerBegin, markerEnd := benchkit.Markers(resultsSection)
	fmt.Fprintln(&b, markerBegin)
	fmt.Fprintf(&b, "## Side-by-side: nadb-server vs redis-server\n\n")
	fmt.Fprintf(&b, "- Date: %s\n", r.started.Format(time.RFC3339))
	fmt.Fprintf(&b, "- Machine: %s\n", r.machine)
	fmt.Fprintf(&b, "- Go: %s; redis-server: %s\n", r.machine.GoVersion, r.redisVersion)
	fmt.Fprintf(&b, "- Method: median of %d round(s); within each round the servers alternate per workload and the order flips every round. Ratio = nadb / redis (rps: > 1 means nadb is faster).\n\n", r.rounds)

	r.writeBenchTable(&b)
	if r.memory != nil {
		r.writeMemoryTable(&b)
	}
	r.writeCommands(&b)
	r.writeSamples(&b)
	fmt.Fprintln(&b, markerEnd)
	return b.String()
}

func (r *report) writeBenchTable(b *strings.Builder) {
	fmt.Fprintf(b, "### Throughput and latency (redis-benchmark -c %d -d %d -r %d)\n\n", benchClients, benchValueSize, benchKeyspace)
	fmt.Fprintln(b, "| test | -P | -n | redis rps | nadb rps | nadb/redis rps | redis p50 ms | nadb p50 ms | redis p99 ms | nadb p99 ms |")
	fmt.Fprintln(b, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	requests := map[int]int{}
	for _, w := range r.bench.workloads {
		requests[w.pipeline] = w.requests
	}
	median := benchkit.MedianOf[benchkit.Sample]
	rps := func(s benchkit.Sample) float64 { return s.RPS }
	p50 := func(s benchkit.Sample) float64 { return s.P50 }
	p99 := func(s benchkit.Sample) float64 { return s.P99 }
	for _, k := range r.bench.keys() {
		red, nadb := r.bench.samples[k][nameRedis], r.bench.samples[k][nameNadb]
		redRPS, nadbRPS := median(red, rps), median(nadb, rps)
		fmt.Fprintf(b, "| %s | %d | %d | %.0f | %.0f | %s | %.3f | %.3f | %.3f | %.3f |\n",
			k.test, k.pipeline, requests[k.pipeline], redRPS, nadbRPS, benchkit.Ratio(nadbRPS, redRPS),
			median(red, p50), median(nadb, p50), median(red, p99), median(nadb, p99))
	}
	fmt.Fprintln(b)
}

func (r *report) writeMemoryTable(b *strings.Builder) {
	red, nadb := r.memory[nameRedis], r.memory[nameNadb]
	fmt.Fprintf(b, "### Memory (%d distinct keys `key:%%09d`, %d-byte values, fresh instance each)\n\n", red.keys, memValueSize)
	fmt.Fprintln(b, "| server | PID | RSS before | RSS after | RSS bytes/key | used_memory before | used_memory after | used_memory bytes/key | load time s |")
	fmt.Fprintln(b, "|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, name := range []string{nameRedis, nameNadb} {
		m := r.memory[name]
		used := "n/a"
		if v, ok := m.usedPerKey(); ok {
			used = fmt.Sprintf("%.1f", v)
		}
		fmt.Fprintf(b, "| %s | %d | %d | %d | %.1f | %s | %s | %s | %.1f |\n",
			name, m.pid, m.rssBefore, m.rssAfter, m.rssPerKey(),
			orNA(m.usedBefore), orNA(m.usedAfter), used, m.loadTime.Seconds())
	}
	fmt.Fprintf(b, "\nRSS bytes/key ratio nadb/redis: **%s** (< 1 means nadb uses less memory per key).", benchkit.Ratio(nadb.rssPerKey(), red.rssPerKey()))
	if nu, ok := nadb.usedPerKey(); ok {
		ru, _ := red.usedPerKey()
		fmt.Fprintf(b, " used_memory ratio: %s.", benchkit.Ratio(nu, ru))
	}
	fmt.Fprintln(b, " RSS for the Go server includes heap not yet returned to the OS; it is reported as is.")
	fmt.Fprintln(b)
}

func (r *report) writeCommands(b *strings.Builder) {
	fmt.Fprintln(b, "### Commands")
	fmt.Fprintln(b)
	fmt.Fprintln(b, "```")
	r.commands.WriteTo(b)
	fmt.Fprintln(b, "```")
	fmt.Fprintln(b)
}

// writeSamples lists every round's rps so noise can be judged.
func (r *report) writeSamples(b *strings.Builder) {
	fmt.Fprintln(b, "<details><summary>Per-round rps (round order)</summary>")
	fmt.Fprintln(b)
	fmt.Fprintln(b, "| test | -P | redis | nadb |")
	fmt.Fprintln(b, "|---|---:|---|---|")
	for _, k := range r.bench.keys() {
		fmt.Fprintf(b, "| %s | %d | %s | %s |\n", k.test, k.pipeline,
			joinRPS(r.bench.samples[k][nameRedis]), joinRPS(r.bench.samples[k][nameNadb]))
	}
	fmt.Fprintln(b)
	fmt.Fprintln(b, "</details>")
}

func joinRPS(samples []benchkit.Sample) string {
	parts := make([]string, len(samples))
	for i, s := range samples {
		parts[i] = fmt.Sprintf("%.0f", s.RPS)
	}
	return strings.Join(parts, ", ")
}

func orNA(v int64) string {
	if v < 0 {
		return "n/a"
	}
	return fmt.Sprintf("%d", v)
}
