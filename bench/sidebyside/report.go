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
	smoke        bool
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
	b.WriteString(benchkit.SmokeBanner(r.smoke))
	fmt.Fprintf(&b, "- Date: %s\n", r.started.Format(time.RFC3339))
	fmt.Fprintf(&b, "- Machine: %s\n", r.machine)
	fmt.Fprintf(&b, "- Go: %s; redis-server: %s\n", r.machine.GoVersion, r.redisVersion)
	fmt.Fprintf(&b, "- Method: median of %d round(s); within each round the servers alternate per workload and the order flips every round; SET and GET are separate redis-benchmark runs (SET first, so GETs find keys). Ratio = nadb / redis (rps: > 1 means nadb is faster).\n\n", r.rounds)

	r.writeBenchTable(&b)
	if r.memory != nil {
		r.writeMemoryTable(&b)
	}
	r.writeCommands(&b)
	r.writeSamples(&b)
	b.WriteString(benchkit.GoalComments(resultsSection, r.started.Format("2006-01-02"), r.smoke, r.goals()))
	fmt.Fprintln(&b, markerEnd)
	return b.String()
}

var (
	pickRPS = func(s benchRun) float64 { return s.RPS }
	pickP50 = func(s benchRun) float64 { return s.P50 }
	pickP99 = func(s benchRun) float64 { return s.P99 }
	pickCPU = func(s benchRun) float64 { return s.cpuPerM }
)

// goals returns this program's rows of the goals table.
func (r *report) goals() []benchkit.GoalResult {
	var out []benchkit.GoalResult
	m := func(id string, k seriesKey, pick func(benchRun) float64) {
		if r.bench.samples[k] == nil {
			return
		}
		out = append(out, benchkit.Measured(id, r.bench.median(k, nameNadb, pick), r.bench.median(k, nameRedis, pick)))
	}
	m("01a", seriesKey{"SET", 1}, pickRPS)
	m("01b", seriesKey{"GET", 1}, pickRPS)
	m("01c", seriesKey{"SET", 16}, pickRPS)
	m("01d", seriesKey{"GET", 16}, pickRPS)
	m("02", seriesKey{"SET", 16}, pickP99)
	if r.memory != nil {
		red, nadb := r.memory[nameRedis], r.memory[nameNadb]
		out = append(out,
			benchkit.Measured("03a", nadb.perKey(nadb.loaded), red.perKey(red.loaded)),
			benchkit.Measured("03b", nadb.perKey(nadb.over), red.perKey(red.over)))
	}
	m("05", seriesKey{"SET", 16}, pickCPU)
	return out
}

func (r *report) writeBenchTable(b *strings.Builder) {
	fmt.Fprintf(b, "### Throughput, latency and server CPU (redis-benchmark -c %d -d %d -r %d)\n\n", benchClients, benchValueSize, benchKeyspace)
	fmt.Fprintln(b, "| test | -P | -n | redis rps | nadb rps | nadb/redis rps | redis p50 ms | nadb p50 ms | redis p99 ms | nadb p99 ms | nadb/redis p99 | redis CPU s/M | nadb CPU s/M | nadb/redis CPU |")
	fmt.Fprintln(b, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	requests := map[int]int{}
	for _, w := range r.bench.workloads {
		requests[w.pipeline] = w.requests
	}
	for _, k := range r.bench.keys() {
		med := func(srv string, pick func(benchRun) float64) float64 { return r.bench.median(k, srv, pick) }
		redRPS, nadbRPS := med(nameRedis, pickRPS), med(nameNadb, pickRPS)
		fmt.Fprintf(b, "| %s | %d | %d | %.0f | %.0f | %s | %.3f | %.3f | %.3f | %.3f | %s | %.3f | %.3f | %s |\n",
			k.test, k.pipeline, requests[k.pipeline], redRPS, nadbRPS, benchkit.Ratio(nadbRPS, redRPS),
			med(nameRedis, pickP50), med(nameNadb, pickP50), med(nameRedis, pickP99), med(nameNadb, pickP99),
			benchkit.Ratio(med(nameNadb, pickP99), med(nameRedis, pickP99)),
			med(nameRedis, pickCPU), med(nameNadb, pickCPU), benchkit.Ratio(med(nameNadb, pickCPU), med(nameRedis, pickCPU)))
	}
	fmt.Fprintln(b)
	fmt.Fprintln(b, "*CPU s/M* is the server's own CPU time (utime + stime of /proc/PID/stat, all threads) during the run, in seconds per million requests: steadier than rps on a shared machine, and not affected by redis-benchmark's own CPU.")
	fmt.Fprintln(b)
}

func (r *report) writeMemoryTable(b *strings.Builder) {
	red, nadb := r.memory[nameRedis], r.memory[nameNadb]
	fmt.Fprintf(b, "### Memory (%d distinct keys `key:%%09d`, %d-byte values, `redis-cli --pipe`, fresh instance each)\n\n", red.keys, memValueSize)
	fmt.Fprintf(b, "*after load*: every key written once; *after overwrites*: then %d more SETs of keys drawn uniformly from the same keys, with new values (the key count does not change). Bytes/key = (RSS at that point − RSS before the load) / keys.\n\n", red.keys)
	fmt.Fprintln(b, "| server | PID | RSS before | RSS after load | RSS B/key after load | RSS after overwrites | RSS B/key after overwrites | used_memory B/key after load | used_memory B/key after overwrites | load s | overwrites s |")
	fmt.Fprintln(b, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, name := range []string{nameRedis, nameNadb} {
		m := r.memory[name]
		used := func(p memPoint) string {
			if v, ok := m.usedPerKey(p); ok {
				return fmt.Sprintf("%.1f", v)
			}
			return "n/a"
		}
		fmt.Fprintf(b, "| %s | %d | %d | %d | %.1f | %d | %.1f | %s | %s | %.1f | %.1f |\n",
			name, m.pid, m.before.rss, m.loaded.rss, m.perKey(m.loaded), m.over.rss, m.perKey(m.over),
			used(m.loaded), used(m.over), m.loadTime.Seconds(), m.overTime.Seconds())
	}
	fmt.Fprintf(b, "\nRSS bytes/key ratio nadb/redis: after load **%s**, after overwrites **%s** (< 1 means nadb uses less memory per key).",
		benchkit.Ratio(nadb.perKey(nadb.loaded), red.perKey(red.loaded)), benchkit.Ratio(nadb.perKey(nadb.over), red.perKey(red.over)))
	fmt.Fprintln(b, " RSS for the Go server includes heap not yet returned to the OS (no forced GC); it is reported as is.")
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

func joinRPS(samples []benchRun) string {
	parts := make([]string, len(samples))
	for i, s := range samples {
		parts[i] = fmt.Sprintf("%.0f", s.RPS)
	}
	return strings.Join(parts, ", ")
}
