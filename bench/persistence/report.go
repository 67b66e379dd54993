package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/nadb-server/nadb-server/bench/internal/benchkit"
)

// resultsSection names this program's markers in RESULTS.md.
const resultsSection = "persistence"

// report collects everything rendered into the markdown section.
type report struct {
	started      time.Time
	machine      benchkit.Machine
	redisVersion string
	nadbVersion  string
	filesystem   string
	tmp          string
	cfg          config
	commands     *benchkit.CommandLog
	throughput   *throughputResults
	restart      *restartResults // nil with -skip-restart
	anomalies    []string
}

// markdown renders the generated section, including the markers.
func (r *report) markdown() string {
	var b strings.Builder
	begin, end := benchkit.Markers(resultsSection)
	fmt.Fprintln(&b, begin)
	fmt.Fprintf(&b, "## Persistence: append-only file, nadb-server vs redis-server\n\n")
	fmt.Fprintf(&b, "- Date: %s\n", r.started.Format(time.RFC3339))
	fmt.Fprintf(&b, "- Machine: %s\n", r.machine)
	fmt.Fprintf(&b, "- Go: %s; redis-server: %s; nadb-server: %s\n", r.machine.GoVersion, r.redisVersion, r.nadbVersion)
	fmt.Fprintf(&b, "- Data directories: under %s (%s, removed afterwards); fsync cost depends on this disk\n", r.tmp, r.filesystem)
	fmt.Fprintf(&b, "- Method: median of %d round(s); every run starts a fresh server on a fresh directory; "+
		"the servers alternate within each round and the order flips every round "+
		"(the throughput modes also run backward in even rounds).\n\n", r.cfg.rounds)

	r.writeThroughput(&b)
	if r.restart != nil {
		r.writeRestart(&b)
		r.writeDisk(&b)
	}
	r.writeHowToRead(&b)
	r.writeAnomalies(&b)
	fmt.Fprintln(&b, "### Commands")
	fmt.Fprintln(&b)
	fmt.Fprintln(&b, "```")
	r.commands.WriteTo(&b)
	fmt.Fprintln(&b, "```")
	fmt.Fprintln(&b)
	r.writeRounds(&b)
	fmt.Fprintln(&b, end)
	return b.String()
}

func (r *report) writeThroughput(b *strings.Builder) {
	t := r.throughput
	fmt.Fprintf(b, "### SET throughput by appendfsync (redis-benchmark -t set -d %d -r %d -c %d -P %d -n %d)\n\n",
		benchValueSize, benchKeyspace, benchClients, benchPipeline, t.n)
	fmt.Fprintln(b, "| mode | redis rps | nadb rps | nadb/redis | redis / own no-AOF | nadb / own no-AOF | redis p99 ms | nadb p99 ms |")
	fmt.Fprintln(b, "|---|---:|---:|---:|---:|---:|---:|---:|")
	base := modes[0]
	p99 := func(x throughputRun) float64 { return x.sample.P99 }
	for _, m := range modes {
		red, nadb := t.medianRPS(m, nameRedis), t.medianRPS(m, nameNadb)
		fmt.Fprintf(b, "| %s | %.0f | %.0f | **%s** | %s | %s | %.3f | %.3f |\n",
			m.label(), red, nadb, benchkit.Ratio(nadb, red),
			benchkit.Ratio(red, t.medianRPS(base, nameRedis)), benchkit.Ratio(nadb, t.medianRPS(base, nameNadb)),
			benchkit.MedianOf(t.samples(m, nameRedis), p99), benchkit.MedianOf(t.samples(m, nameNadb), p99))
	}
	fmt.Fprintln(b)
}

func (r *report) writeRestart(b *strings.Builder) {
	rs := r.restart
	fmt.Fprintf(b, "### Restart with %d keys (`key:%%09d`, %d-byte values, %s, stopped by SHUTDOWN)\n\n",
		rs.keys, valueSize, restartMode.label())
	fmt.Fprintln(b, "| server | ready s | min–max s | first PONG s | own load s | keys/s to ready | load before stop s |")
	fmt.Fprintln(b, "|---|---:|---:|---:|---:|---:|---:|")
	secs := func(pick func(restartRun) time.Duration) func(restartRun) float64 {
		return func(x restartRun) float64 { return pick(x).Seconds() }
	}
	ready := secs(func(x restartRun) time.Duration { return x.ready })
	for _, name := range serverNames {
		runs := rs.runs[name]
		lo, hi := minMax(runs, ready)
		med := rs.median(name, ready)
		own := "n/a"
		if known := ownLoads(runs); len(known) > 0 {
			own = fmt.Sprintf("%.3f", benchkit.Median(known))
		}
		fmt.Fprintf(b, "| %s | %.3f | %.3f–%.3f | %.3f | %s | %.0f | %.1f |\n",
			name, med, lo, hi, rs.median(name, secs(func(x restartRun) time.Duration { return x.ping })),
			own, float64(rs.keys)/med, rs.median(name, secs(func(x restartRun) time.Duration { return x.loadTime })))
	}
	fmt.Fprintf(b, "\nRestart time ratio nadb/redis: **%s** (< 1 means nadb is back sooner).\n\n",
		benchkit.Ratio(rs.median(nameNadb, ready), rs.median(nameRedis, ready)))
}

func (r *report) writeDisk(b *strings.Builder) {
	rs := r.restart
	fmt.Fprintf(b, "### Disk bytes per key (after loading %d keys and a clean stop, %s)\n\n", rs.keys, restartMode.label())
	fmt.Fprintln(b, "| server | append-only files | bytes | bytes/key | AOF rewrites during load | other files in --dir |")
	fmt.Fprintln(b, "|---|---|---:|---:|---:|---|")
	bytes := func(x restartRun) float64 { return float64(x.disk.aofBytes()) }
	for _, name := range serverNames {
		runs := rs.runs[name]
		last := runs[len(runs)-1]
		med := rs.median(name, bytes)
		rewrites := "n/a"
		if last.rewrites >= 0 {
			rewrites = fmt.Sprint(last.rewrites)
		}
		fmt.Fprintf(b, "| %s | %s | %.0f | %.1f | %s | %s |\n",
			name, fileList(last.disk.aof), med, med/float64(rs.keys), rewrites, orNone(fileList(last.disk.other)))
	}
	fmt.Fprintf(b, "\nDisk bytes/key ratio nadb/redis: **%s** (< 1 means nadb's file is smaller). "+
		"File sizes are those of the last round; bytes are the median over rounds.\n\n",
		benchkit.Ratio(rs.median(nameNadb, bytes), rs.median(nameRedis, bytes)))
}

func (r *report) writeHowToRead(b *strings.Builder) {
	fmt.Fprintln(b, "### How to read")
	fmt.Fprintln(b)
	fmt.Fprintln(b, "- **nadb/redis** is median nadb rps over median redis rps for the same mode: > 1 means nadb is faster. "+
		"**/ own no-AOF** is a server's median rps in that mode over its own median with `appendonly no`: "+
		"the share of throughput each server keeps when it logs writes (1.00 = persistence is free).")
	fmt.Fprintln(b, "- `appendfsync no` writes the file but leaves fsync to the OS, `everysec` fsyncs about once a second, "+
		"`always` replies to a write only after its fsync (both servers share one fsync among the writes that arrive together). "+
		"`always` is bounded by the disk's fsync latency, so it varies most between machines.")
	fmt.Fprintln(b, "- **ready s** runs from the restarted process's start (fork/exec) until PING answers PONG and DBSIZE equals the key count, "+
		"polled every 10 ms, so it includes program start-up. **own load s** is what the server logs for reading its file "+
		"(nadb: `append-only file loaded ... took=`; Redis: `DB loaded from append only file`).")
	fmt.Fprintln(b, "- **Disk bytes** count only the append-only files: `nadb.aof` for nadb-server; Redis 7's `appendonlydir/` "+
		"(base, incremental and manifest files). When Redis rewrote its AOF during the load (auto-aof-rewrite at 100 % growth "+
		"past 64 MB), the base is a compact RDB snapshot and its file is much smaller than a pure command log; "+
		"the rewrite count is shown for that reason.")
	fmt.Fprintln(b, "- redis-benchmark, both servers and the disk share one machine; compare runs only from the same machine, "+
		"and use the per-round values below to judge noise.")
	fmt.Fprintln(b)
}

func (r *report) writeAnomalies(b *strings.Builder) {
	fmt.Fprintln(b, "### Anomalies")
	fmt.Fprintln(b)
	if len(r.anomalies) == 0 {
		fmt.Fprintln(b, "None.")
	}
	for _, a := range r.anomalies {
		fmt.Fprintf(b, "- %s\n", strings.ReplaceAll(a, "\n", " "))
	}
	fmt.Fprintln(b)
}

// writeRounds lists every round's values so noise can be judged.
func (r *report) writeRounds(b *strings.Builder) {
	fmt.Fprintln(b, "<details><summary>Per-round values (round order)</summary>")
	fmt.Fprintln(b)
	fmt.Fprintln(b, "| measurement | redis | nadb |")
	fmt.Fprintln(b, "|---|---|---|")
	for _, m := range modes {
		row := func(name string) string {
			return join(r.throughput.samples(m, name), func(x throughputRun) string { return fmt.Sprintf("%.0f", x.sample.RPS) })
		}
		fmt.Fprintf(b, "| SET rps, %s | %s | %s |\n", m.label(), row(nameRedis), row(nameNadb))
	}
	for _, m := range modes[1:] {
		row := func(name string) string {
			return join(r.throughput.samples(m, name), func(x throughputRun) string { return fmt.Sprint(x.aofBytes) })
		}
		fmt.Fprintf(b, "| AOF bytes after run (SIGKILL), %s | %s | %s |\n", m.label(), row(nameRedis), row(nameNadb))
	}
	if rs := r.restart; rs != nil {
		for _, f := range []struct {
			label string
			fmt   func(restartRun) string
		}{
			{"restart ready s", func(x restartRun) string { return fmt.Sprintf("%.3f", x.ready.Seconds()) }},
			{"restart own load s", func(x restartRun) string { return strings.TrimSuffix(fmtOwnLoad(x.ownLoad), "s") }},
			{"AOF bytes after load", func(x restartRun) string { return fmt.Sprint(x.disk.aofBytes()) }},
			{"stopped by", func(x restartRun) string { return x.stopMethod }},
		} {
			fmt.Fprintf(b, "| %s | %s | %s |\n", f.label, join(rs.runs[nameRedis], f.fmt), join(rs.runs[nameNadb], f.fmt))
		}
	}
	fmt.Fprintln(b)
	fmt.Fprintln(b, "</details>")
}

func join[T any](items []T, f func(T) string) string {
	parts := make([]string, len(items))
	for i, it := range items {
		parts[i] = f(it)
	}
	return strings.Join(parts, ", ")
}

func minMax[T any](items []T, pick func(T) float64) (lo, hi float64) {
	for i, it := range items {
		v := pick(it)
		if i == 0 || v < lo {
			lo = v
		}
		if i == 0 || v > hi {
			hi = v
		}
	}
	return lo, hi
}

// ownLoads returns the logged load times in seconds, skipping unknown ones.
func ownLoads(runs []restartRun) []float64 {
	var s []float64
	for _, x := range runs {
		if x.ownLoad >= 0 {
			s = append(s, x.ownLoad.Seconds())
		}
	}
	return s
}

// fileList renders files as "`name` (bytes)" separated by commas.
func fileList(files []fileSize) string {
	return join(files, func(f fileSize) string { return fmt.Sprintf("`%s` (%d)", f.path, f.bytes) })
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
