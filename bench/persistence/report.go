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
	mset         *msetResults    // nil with -skip-mset
	anomalies    []string
}

// markdown renders the generated section, including the markers.
func (r *report) markdown() string {
	var b strings.Builder
	begin, end := benchkit.Markers(resultsSection)
	fmt.Fprintln(&b, begin)
	fmt.Fprintf(&b, "## Persistence: log and snapshots, nadb-server vs redis-server\n\n")
	b.WriteString(benchkit.SmokeBanner(r.cfg.Smoke))
	fmt.Fprintf(&b, "- Date: %s\n", r.started.Format(time.RFC3339))
	fmt.Fprintf(&b, "- Machine: %s\n", r.machine)
	fmt.Fprintf(&b, "- Go: %s; redis-server: %s; nadb-server: %s\n", r.machine.GoVersion, r.redisVersion, r.nadbVersion)
	fmt.Fprintf(&b, "- Data directories: under %s (%s, removed afterwards); fsync cost depends on this disk\n", r.tmp, r.filesystem)
	fmt.Fprintf(&b, "- Method: median of %d round(s); every throughput run and every restart series starts a fresh server "+
		"on a fresh `--dir` (both servers get `--appendonly` explicitly: nadb-server's default is now `yes`); "+
		"the servers alternate within each round and the order flips every round "+
		"(the throughput modes also run backward in even rounds).\n\n", r.cfg.rounds)

	r.writeThroughput(&b)
	if r.mset != nil {
		r.writeMSET(&b)
	}
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
	b.WriteString(benchkit.GoalComments(resultsSection, r.started.Format("2006-01-02"), r.cfg.Smoke, r.goals()))
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

// goals returns this program's rows of the goals table.
func (r *report) goals() []benchkit.GoalResult {
	everysec := mode{fsync: "everysec"}
	out := []benchkit.GoalResult{benchkit.Measured("04",
		r.throughput.medianRPS(everysec, nameNadb), r.throughput.medianRPS(everysec, nameRedis))}
	if r.mset != nil {
		out = append(out, benchkit.Measured("09", r.mset.ownRatio(nameNadb), r.mset.ownRatio(nameRedis)))
	}
	return out
}

func (r *report) writeMSET(b *strings.Builder) {
	t := r.mset
	fmt.Fprintf(b, "### MSET throughput, appendonly yes against no (redis-benchmark -t mset -d %d -r %d -c %d -P %d -n %d; 10 keys per MSET)\n\n",
		benchValueSize, benchKeyspace, benchClients, benchPipeline, t.n)
	fmt.Fprintln(b, "| mode | redis MSET rps | nadb MSET rps | nadb/redis | redis p99 ms | nadb p99 ms |")
	fmt.Fprintln(b, "|---|---:|---:|---:|---:|---:|")
	p99 := func(s benchkit.Sample) float64 { return s.P99 }
	for _, m := range msetModes {
		red, nadb := t.median(m, nameRedis), t.median(m, nameNadb)
		fmt.Fprintf(b, "| %s | %.0f | %.0f | %s | %.3f | %.3f |\n", m.label(), red, nadb, benchkit.Ratio(nadb, red),
			benchkit.MedianOf(t.runs[m.fsync][nameRedis], p99), benchkit.MedianOf(t.runs[m.fsync][nameNadb], p99))
	}
	fmt.Fprintf(b, "\nappendonly yes / appendonly no, each server against itself: nadb **%.2f**, redis %.2f (goal: nadb ≥ 0.90).\n\n",
		t.ownRatio(nameNadb), t.ownRatio(nameRedis))
}

func (r *report) writeRestart(b *strings.Builder) {
	rs := r.restart
	fmt.Fprintf(b, "### Restart with %d keys (`key:%%09d`, %d-byte values, %s, auto-aof-rewrite off, stopped by SHUTDOWN)\n\n",
		rs.keys, valueSize, restartMode.label())
	fmt.Fprintln(b, "| case | server | ready s | min–max s | first PONG s | own load s | keys/s to ready |")
	fmt.Fprintln(b, "|---|---|---:|---:|---:|---:|---:|")
	for _, c := range restartCases {
		ready := readySecs(c)
		for _, name := range serverNames {
			runs := rs.runs[name]
			lo, hi := minMax(runs, ready)
			med := rs.median(name, ready)
			own := "n/a"
			if known := ownLoads(runs, c); len(known) > 0 {
				own = fmt.Sprintf("%.3f", benchkit.Median(known))
			}
			ping := rs.median(name, func(x restartRun) float64 { return x.restart[c].ping.Seconds() })
			fmt.Fprintf(b, "| %s | %s | %.3f | %.3f–%.3f | %.3f | %s | %.0f |\n",
				c.label(), name, med, lo, hi, ping, own, float64(rs.keys)/med)
		}
	}
	fmt.Fprintf(b, "\nRestart time ratio nadb/redis: log only **%s**, after BGREWRITEAOF **%s** (< 1 means nadb is back sooner).\n\n",
		rs.ratio(readySecs(caseLog)), rs.ratio(readySecs(caseRewritten)))
}

// readySecs picks a run's ready time of case c in seconds.
func readySecs(c restartCase) func(restartRun) float64 {
	return func(x restartRun) float64 { return x.restart[c].ready.Seconds() }
}

// diskBytes picks a run's log plus snapshot bytes before restart c.
func diskBytes(c restartCase) func(restartRun) float64 {
	return func(x restartRun) float64 { return float64(x.disk[c].totalBytes()) }
}

// ratio is the nadb median over the redis median of pick.
func (rs *restartResults) ratio(pick func(restartRun) float64) string {
	return benchkit.Ratio(rs.median(nameNadb, pick), rs.median(nameRedis, pick))
}

func (r *report) writeDisk(b *strings.Builder) {
	rs := r.restart
	fmt.Fprintf(b, "### Disk bytes per key (%d keys, %s, after a clean stop: right after the load, and after BGREWRITEAOF)\n\n",
		rs.keys, restartMode.label())
	fmt.Fprintln(b, "| state | server | log bytes | snapshot bytes | total bytes | bytes/key | / log only | files (last round) | other files in --dir |")
	fmt.Fprintln(b, "|---|---|---:|---:|---:|---:|---:|---|---|")
	for _, c := range restartCases {
		for _, name := range serverNames {
			runs := rs.runs[name]
			last := runs[len(runs)-1].disk[c]
			total := rs.median(name, diskBytes(c))
			fmt.Fprintf(b, "| %s | %s | %.0f | %.0f | %.0f | %.1f | %s | %s | %s |\n",
				c.label(), name,
				rs.median(name, func(x restartRun) float64 { return float64(x.disk[c].logBytes()) }),
				rs.median(name, func(x restartRun) float64 { return float64(x.disk[c].snapBytes()) }),
				total, total/float64(rs.keys), benchkit.Ratio(total, rs.median(name, diskBytes(caseLog))),
				fileList(last.files()), orNone(fileList(last.other)))
		}
	}
	fmt.Fprintf(b, "\nDisk bytes/key ratio nadb/redis: log only **%s**, after BGREWRITEAOF **%s** (< 1 means nadb's files are smaller). "+
		"Bytes are the median over rounds; the file lists are the last round's.\n\n",
		rs.ratio(diskBytes(caseLog)), rs.ratio(diskBytes(caseRewritten)))
	secs := func(name string, pick func(restartRun) time.Duration) float64 {
		return rs.median(name, func(x restartRun) float64 { return pick(x).Seconds() })
	}
	load := func(x restartRun) time.Duration { return x.loadTime }
	rewrite := func(x restartRun) time.Duration { return x.rewriteTime }
	fmt.Fprintf(b, "Loading the keys took redis %.1f s, nadb %.1f s; BGREWRITEAOF (command until INFO persistence shows it done) "+
		"took redis %.3f s, nadb %.3f s (medians).\n\n",
		secs(nameRedis, load), secs(nameNadb, load), secs(nameRedis, rewrite), secs(nameNadb, rewrite))
}

func (r *report) writeHowToRead(b *strings.Builder) {
	fmt.Fprintln(b, "### How to read")
	fmt.Fprintln(b)
	fmt.Fprintln(b, "- **nadb/redis** is median nadb rps over median redis rps for the same mode: > 1 means nadb is faster. "+
		"**/ own no-AOF** is a server's median rps in that mode over its own median with `appendonly no`: "+
		"the share of throughput each server keeps when it logs writes (1.00 = persistence is free). "+
		"The throughput runs keep both servers' automatic rewrite settings at their defaults (100 %, 64 MB).")
	fmt.Fprintln(b, "- `appendfsync no` writes the log but leaves fsync to the OS, `everysec` fsyncs about once a second, "+
		"`always` replies to a write only after its fsync (both servers share one fsync among the writes that arrive together). "+
		"`always` is bounded by the disk's fsync latency, so it varies most between machines.")
	fmt.Fprintln(b, "- **Restart cases.** One data directory per server and round: the keys are loaded with automatic rewrites off "+
		"(`--auto-aof-rewrite-percentage 0` on both servers), the server is stopped with SHUTDOWN and started again: "+
		"**log only** replays the whole command log (nadb: the `nadb-*.aof` segments; Redis 7: the incr file after its "+
		"empty base). That server then gets BGREWRITEAOF, the harness polls INFO persistence until "+
		"`aof_rewrite_in_progress:0` and `aof_last_bgrewrite_status:ok` (nadb also `aof_rewrites` >= 1), stops it with SHUTDOWN "+
		"and starts it again: **after BGREWRITEAOF** loads the snapshot (nadb: `nadb-*.snap`; Redis: the RDB base) "+
		"plus the log written after it, which holds no operations here as nothing is written after the rewrite "+
		"(nadb: a segment with only its header; Redis: an empty incr file). "+
		"Both restarts read files just written, so they are likely in the page cache.")
	fmt.Fprintln(b, "- **ready s** runs from the restarted process's start (fork/exec) until PING answers PONG and DBSIZE equals the key count, "+
		"polled every 10 ms, so it includes program start-up; then the last key's value is checked. "+
		"**own load s** is what the server logs for reading its files "+
		"(nadb: `data directory loaded ... took=`; Redis: `DB loaded from append only file: X seconds`).")
	fmt.Fprintln(b, "- **Disk bytes** count what a server keeps to restore its data, measured after each clean stop: "+
		"for nadb-server the log segments `nadb-<20 digits>.aof` (log) and snapshots `nadb-<20 digits>.snap` (snapshot); "+
		"for Redis 7 everything in `appendonlydir/` (the `.base.rdb` as snapshot, the incr files and the manifest as log) "+
		"and `dump.rdb` if present (snapshot). Other files in the data directory are listed but not counted. "+
		"**/ log only** is a server's total after BGREWRITEAOF over its total right after the load. "+
		"The load writes every key once, so a rewrite drops no superseded operations here: what changes is the encoding "+
		"(Redis's base is an RDB file; a nadb snapshot holds one SET frame per key, the log's frame format).")
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
	if t := r.mset; t != nil {
		for _, m := range msetModes {
			row := func(name string) string {
				return join(t.runs[m.fsync][name], func(x benchkit.Sample) string { return fmt.Sprintf("%.0f", x.RPS) })
			}
			fmt.Fprintf(b, "| MSET rps, %s | %s | %s |\n", m.label(), row(nameRedis), row(nameNadb))
		}
	}
	for _, m := range modes[1:] {
		for _, f := range []struct {
			label string
			fmt   func(throughputRun) string
		}{
			{"log+snapshot bytes after run (SIGKILL)", func(x throughputRun) string { return fmt.Sprint(x.diskBytes) }},
			{"automatic rewrites during run", func(x throughputRun) string { return fmtCount(x.rewrites) }},
		} {
			row := func(name string) string { return join(r.throughput.samples(m, name), f.fmt) }
			fmt.Fprintf(b, "| %s, %s | %s | %s |\n", f.label, m.label(), row(nameRedis), row(nameNadb))
		}
	}
	if rs := r.restart; rs != nil {
		rows := []struct {
			label string
			fmt   func(restartRun) string
		}{
			{"key load s", func(x restartRun) string { return fmt.Sprintf("%.1f", x.loadTime.Seconds()) }},
			{"automatic rewrites during load", func(x restartRun) string { return fmtCount(x.loadRewrites) }},
			{"BGREWRITEAOF s", func(x restartRun) string { return fmt.Sprintf("%.3f", x.rewriteTime.Seconds()) }},
			{"stopped by", func(x restartRun) string { return strings.Join(x.stopMethods, "+") }},
		}
		for _, c := range restartCases {
			rows = append(rows, []struct {
				label string
				fmt   func(restartRun) string
			}{
				{"restart ready s, " + c.label(), func(x restartRun) string { return fmt.Sprintf("%.3f", x.restart[c].ready.Seconds()) }},
				{"restart own load s, " + c.label(), func(x restartRun) string {
					return strings.TrimSuffix(fmtOwnLoad(x.restart[c].ownLoad), "s")
				}},
				{"disk bytes, " + c.label(), func(x restartRun) string { return fmt.Sprint(x.disk[c].totalBytes()) }},
			}...)
		}
		for _, f := range rows {
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

// ownLoads returns the logged load times of case c in seconds, skipping
// unknown ones.
func ownLoads(runs []restartRun, c restartCase) []float64 {
	var s []float64
	for _, x := range runs {
		if d := x.restart[c].ownLoad; d >= 0 {
			s = append(s, d.Seconds())
		}
	}
	return s
}

// fmtCount renders a counter that is -1 when the server does not report it.
func fmtCount(n int64) string {
	if n < 0 {
		return "n/a"
	}
	return fmt.Sprint(n)
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
