package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/nadb-server/nadb-server/bench/internal/benchkit"
)

// resultsSection names this program's markers in RESULTS.md.
const resultsSection = "replication"

// Goals stated for the replication benchmarks.
const (
	goalCPU2  = 1.2 // primary CPU per million SETs with 2 secondaries / with 0
	goalP99ms = 5.0 // lag p99
)

// machine describes the host, the redis-benchmark used and the load.
type machine struct {
	benchkit.Machine
	redisBenchmark string
	loadStart      string
	loadEnd        string
}

func describeMachine(ctx context.Context, redisBenchmark string) machine {
	return machine{Machine: benchkit.DescribeMachine(ctx), redisBenchmark: benchkit.Version(ctx, redisBenchmark), loadStart: loadAvg()}
}

// loadAvg returns the 1, 5 and 15 minute load averages.
func loadAvg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// busy reports whether a "1m 5m 15m" load average string's first value
// exceeds cpus.
func busy(load string, cpus int) bool {
	var one float64
	if _, err := fmt.Sscan(load, &one); err != nil {
		return false
	}
	return one > float64(cpus)
}

type report struct {
	started    time.Time
	cfg        config
	machine    machine
	nadbGo     string
	cmds       *benchkit.CommandLog
	throughput *tpResult
	lag        []*lagResult      // nadb, then redis
	fullSync   []*fullSyncResult // nadb, then redis; empty with -skip-fullsync
	micro      *microResult      // nil with -skip-micro
	anomalies  []string
}

func (r *report) markdown() string {
	var b strings.Builder
	m := r.machine
	markerBegin, markerEnd := benchkit.Markers(resultsSection)
	fmt.Fprintln(&b, markerBegin)
	fmt.Fprintf(&b, "## Replication: primary → secondaries\n\n")
	b.WriteString(benchkit.SmokeBanner(r.cfg.Smoke))
	fmt.Fprintf(&b, "- Date: %s\n", r.started.Format(time.RFC3339))
	fmt.Fprintf(&b, "- Machine: %s; load average (1/5/15 min) %s at start, %s at end\n", m.Machine, m.loadStart, m.loadEnd)
	nadbGo := r.nadbGo
	if nadbGo == "" {
		nadbGo = "unknown"
	}
	fmt.Fprintf(&b, "- Go: %s (harness), %s (nadb-server INFO go_version); %s\n", m.GoVersion, nadbGo, m.redisBenchmark)
	fmt.Fprintf(&b, "- Run: `go run ./bench/replication%s`\n", argsSuffix(r.cfg.args))
	if busy(m.loadStart, m.CPUs) || busy(m.loadEnd, m.CPUs) {
		fmt.Fprintf(&b, "- **Busy machine:** the 1-minute load average (%s at start, %s at end) exceeded the %d CPUs, so other programs competed for the cores; expect noisy throughput and lag spikes that are not nadb-server's own.\n",
			strings.Fields(m.loadStart)[0], strings.Fields(m.loadEnd)[0], m.CPUs)
	}
	fmt.Fprintln(&b)

	r.writeHowToRead(&b)
	r.writeThroughput(&b)
	r.writeLag(&b)
	r.writeFullSync(&b)
	r.writeMicro(&b)

	fmt.Fprintf(&b, "### Anomalies\n\n")
	if len(r.anomalies) == 0 {
		fmt.Fprintf(&b, "None observed (no errors, resyncs, reconnections, digest differences, probe timeouts or WARN/ERROR log lines).\n\n")
	}
	for _, a := range r.anomalies {
		fmt.Fprintf(&b, "- %s\n", strings.ReplaceAll(a, "\n", " "))
	}
	if len(r.anomalies) > 0 {
		fmt.Fprintln(&b)
	}

	fmt.Fprintf(&b, "### Commands\n\nOne example of each; ports and directories differ per run.\n\n```\n")
	r.cmds.WriteTo(&b)
	fmt.Fprintf(&b, "```\n")
	b.WriteString(benchkit.GoalComments(resultsSection, r.started.Format("2006-01-02"), r.cfg.Smoke, r.goals()))
	fmt.Fprintln(&b, markerEnd)
	return b.String()
}

func (r *report) writeHowToRead(b *strings.Builder) {
	fmt.Fprint(b, `### How to read

- Every process (primary, secondaries, redis-benchmark, this harness's load generator and
  probes) shares the same cores. On a small machine the secondaries take CPU away from the
  primary and from redis-benchmark, so the throughput ratio is a pessimistic view of separate
  machines. Load averages well above nproc mean other programs competed; compare runs only
  from the same, otherwise idle, machine.
- **Throughput ratio** = median SET rps with k secondaries / median with 0 (1.00: replication
  costs nothing). Each run uses fresh processes; the order of 0/1/2 flips every round.
- **Catch-up** = from redis-benchmark's exit until every secondary's applied sequence
  (master_repl_offset) equals the primary's, polled about every millisecond: how far behind the
  secondaries were when the load stopped. *max lag seen* is the primary's INFO lag_ops/lag_ms,
  sampled every 250 ms during the run. *Resyncs during runs* counts full or partial
  resynchronisations after the initial one (all secondaries, all rounds): a secondary more than
  max-operation-log (default 10000) operations behind is cut off by the primary and copies
  everything again, which then dominates its catch-up time.
- **Lag**: *SET sent → visible* is from sending the probe's SET to the primary until a GET on
  the secondary returns it (an upper bound on replication lag: it includes the primary's reply
  time); *+OK → visible* starts when the primary's reply arrived (a lower bound). Resolution is
  one GET round trip. Probes run one at a time, so a stall delays the next probe: look at max
  and timeouts for stalls. *INFO lag_ms* is the primary's own estimate from the secondary's
  (coalesced) acknowledgements. Percentiles are nearest-rank.
- **Full sync** is timed from the secondary's process start until it reports
  master_link_status:up with master_repl_offset equal to the primary's (DEBUG DIGEST is then
  compared, and that time is shown separately); keys/s = keys / that time.
- **Micro-benchmarks**: ns/op, B/op and allocs/op per frame, from go test; Decode includes
  checksum verification.

`)
}

// goals returns this program's rows of the goals table.
func (r *report) goals() []benchkit.GoalResult {
	t := r.throughput
	nadbCPU, nadbRPS := t.costRatios(kindNadb)
	cpu := benchkit.GoalResult{ID: "06a", Nadb: nadbCPU, HasNadb: nadbCPU > 0}
	rps := benchkit.GoalResult{ID: "06b", Nadb: nadbRPS, HasNadb: nadbRPS > 0}
	if t.has(kindRedis) {
		cpu.Redis, rps.Redis = t.costRatios(kindRedis)
		cpu.HasRedis, rps.HasRedis = cpu.Redis > 0, rps.Redis > 0
	}
	out := []benchkit.GoalResult{cpu, rps}
	lag := benchkit.GoalResult{ID: "07"}
	for _, l := range r.lag {
		p := durStats(l.fromSend)
		if p.n == 0 {
			continue
		}
		if l.timeouts > 0 {
			p.p99 = probeTimeout.Seconds() * 1000 // a lost probe: at least the timeout
		}
		if l.server == kindNadb {
			lag.Nadb, lag.HasNadb = p.p99, true
		} else {
			lag.Redis, lag.HasRedis = p.p99, true
		}
	}
	out = append(out, lag)
	if len(r.fullSync) > 0 {
		fs := benchkit.GoalResult{ID: "08"}
		for _, f := range r.fullSync {
			if f.server == kindNadb {
				fs.Nadb, fs.HasNadb = f.syncTime.Seconds(), true
			} else {
				fs.Redis, fs.HasRedis = f.syncTime.Seconds(), true
			}
		}
		out = append(out, fs)
	}
	return out
}

func (r *report) writeThroughput(b *strings.Builder) {
	t := r.throughput
	fmt.Fprintf(b, "### 1. Primary SET throughput and CPU with 0, 1 and 2 secondaries\n\n")
	fmt.Fprintf(b, "`redis-benchmark -t set -d %d -r %d -c %d -P %d -n %d` against the primary; median of %d round(s). "+
		"redis-server rows: a redis-server primary with as many `--replicaof` replicas, same load. "+
		"*CPU s/M*: the primary's own CPU seconds (utime + stime, /proc/PID/stat) per million SETs during the run.\n\n",
		tpValueSize, tpKeyspace, tpClients, tpPipeline, t.n, r.cfg.rounds)
	fmt.Fprintln(b, "| server | secondaries | median SET rps | rps ratio to 0 | primary CPU s/M | CPU ratio to 0 | median p50 ms | median p99 ms | catch-up median ms | catch-up max ms | max lag seen (ops / ms) | resyncs during runs | digests equal |")
	fmt.Fprintln(b, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
	for _, server := range []string{kindNadb, kindRedis} {
		if !t.has(server) {
			continue
		}
		base, baseCPU := t.medianRPS(server, 0), t.medianCPU(server, 0)
		for _, k := range secondaryCounts {
			runs := t.of(server, k)
			rps, cpu := t.medianRPS(server, k), t.medianCPU(server, k)
			catch, catchMax, lagSeen, resyncs := "-", "-", "-", "-"
			digests := "-"
			if k > 0 {
				var cs []float64
				var mx float64
				all, caught := true, true
				var lo, lm, rs int64
				for _, run := range runs {
					rs += run.resyncs
					if run.caughtUp {
						cs = append(cs, ms(run.catchUp))
						mx = max(mx, ms(run.catchUp))
					} else {
						caught = false
					}
					all = all && run.digestsOK
					lo, lm = max(lo, run.maxLagOps), max(lm, run.maxLagMs)
				}
				catch, catchMax = fmt.Sprintf("%.1f", benchkit.Median(cs)), fmt.Sprintf("%.1f", mx)
				if !caught {
					catchMax += " (some timed out)"
				}
				if server == kindNadb {
					lagSeen = fmt.Sprintf("%d / %d", lo, lm)
					resyncs = fmt.Sprint(rs)
				}
				digests = yesNo(all)
			}
			fmt.Fprintf(b, "| %s | %d | %.0f | %s | %.3f | %s | %.3f | %.3f | %s | %s | %s | %s | %s |\n", server, k, rps, benchkit.Ratio(rps, base),
				cpu, benchkit.Ratio(cpu, baseCPU),
				benchkit.MedianOf(runs, func(r tpRun) float64 { return r.p50 }), benchkit.MedianOf(runs, func(r tpRun) float64 { return r.p99 }),
				catch, catchMax, lagSeen, resyncs, digests)
		}
	}
	cpu2, rps2 := t.costRatios(kindNadb)
	fmt.Fprintf(b, "\nGoal: nadb primary CPU per million SETs with 2 secondaries ≤ %.2fx of none: **%s** (%.2fx; throughput %.2fx).", goalCPU2, metOrNot(cpu2 > 0 && cpu2 <= goalCPU2), cpu2, rps2)
	if t.has(kindRedis) {
		rc, rr := t.costRatios(kindRedis)
		fmt.Fprintf(b, " redis-server with 2 replicas: CPU %.2fx, throughput %.2fx.", rc, rr)
	}
	fmt.Fprintf(b, "\n\n")

	fmt.Fprintln(b, "<details><summary>Every run (round order)</summary>")
	fmt.Fprintln(b)
	fmt.Fprintln(b, "| round | server | secondaries | SET rps | p50 ms | p99 ms | primary CPU s/M | primary sequence | catch-up ms | max lag_ops | max lag_ms | resyncs |")
	fmt.Fprintln(b, "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, run := range t.runs {
		catch := "-"
		lo, lm, rs := "-", "-", "-"
		if run.secs > 0 {
			catch = "timeout"
			if run.caughtUp {
				catch = fmt.Sprintf("%.1f", ms(run.catchUp))
			}
			if run.server == kindNadb {
				rs = fmt.Sprint(run.resyncs)
				lo, lm = fmt.Sprint(run.maxLagOps), fmt.Sprint(run.maxLagMs)
			}
		}
		fmt.Fprintf(b, "| %d | %s | %d | %.0f | %.3f | %.3f | %.3f | %d | %s | %s | %s | %s |\n",
			run.round+1, run.server, run.secs, run.rps, run.p50, run.p99, run.cpuPerM, run.seq, catch, lo, lm, rs)
	}
	fmt.Fprintln(b)
	fmt.Fprintln(b, "</details>")
	fmt.Fprintln(b)
}

func (r *report) writeLag(b *strings.Builder) {
	fmt.Fprintf(b, "### 2. Replication lag at a fixed load (1 secondary)\n\n")
	for _, l := range r.lag {
		fmt.Fprintf(b, "**%s**\n\n", l.server)
		how := fmt.Sprintf("half of %.0f, the median with 1 secondary", l.maxRPS)
		if r.cfg.lagRate > 0 {
			how = fmt.Sprintf("-lag-rate; the median with 1 secondary was %.0f", l.maxRPS)
		}
		fmt.Fprintf(b, "- Load: %.0f SET/s asked (%s), **%.0f SET/s achieved** over the %.1f s probing window, %d paced pipelined connections, 100-byte values.\n",
			l.target, how, l.achieved, l.window.Seconds(), l.conns)
		fmt.Fprintf(b, "- Probes: one every %v (%d visible, %d timed out after %v); catch-up after the load stopped %.1f ms; digests equal: %s.\n\n",
			l.interval, len(l.fromSend), l.timeouts, probeTimeout, ms(l.catchUp), yesNo(l.digestsOK))
		fmt.Fprintln(b, "| measure | samples | p50 ms | p99 ms | max ms |")
		fmt.Fprintln(b, "|---|---:|---:|---:|---:|")
		row := func(name string, s stats) {
			fmt.Fprintf(b, "| %s | %d | %.3f | %.3f | %.3f |\n", name, s.n, s.p50, s.p99, s.max)
		}
		send := durStats(l.fromSend)
		row("SET sent → visible on the secondary", send)
		row("+OK received → visible on the secondary", durStats(l.fromAck))
		row("probe SET round trip on the primary (reference)", durStats(l.setRTT))
		if l.server == kindNadb {
			row("INFO nadb_replica0 lag_ms on the primary (every 100 ms)", floatStats(l.infoLagMs))
		}
		if l.server == kindNadb {
			fmt.Fprintf(b, "\nGoal: p99 < %.0f ms (SET sent → visible): **%s** (%.3f ms).\n\n", goalP99ms,
				metOrNot(send.n > 0 && l.timeouts == 0 && send.p99 < goalP99ms), send.p99)
		} else {
			fmt.Fprintln(b)
		}
	}
}

func (r *report) writeFullSync(b *strings.Builder) {
	fmt.Fprintf(b, "### 3. Full sync\n\n")
	if len(r.fullSync) == 0 {
		fmt.Fprintf(b, "Skipped (-skip-fullsync).\n\n")
		return
	}
	fmt.Fprintf(b, "A fresh primary is loaded with %d distinct keys (100-byte values, pipelined); then a secondary is started: nadb-server following its NADB port, redis-server with `--replicaof` (diskless sync, `repl-diskless-sync-delay 0`). "+
		"*start → synced*: nadb, until `master_link_status:up` and `master_repl_offset` equals the primary's; redis, until `master_link_status:up` and DBSIZE equals the keys. Goal: nadb ≤ 2 s.\n\n", r.fullSync[0].keys)
	fmt.Fprintln(b, "| server | keys | load s | start → synced s | keys/s | start → digest equal s | first INFO answered after s | primary log: snapshot sent took | secondary log: loaded took | full syncs |")
	fmt.Fprintln(b, "|---|---:|---:|---:|---:|---:|---:|---|---|---:|")
	for _, f := range r.fullSync {
		digest := "not equal"
		if f.digestOK {
			digest = fmt.Sprintf("%.2f", f.digestTime.Seconds())
		}
		fmt.Fprintf(b, "| %s | %d | %.1f | **%.2f** | **%.0f** | %s | %.2f | %s | %s | %d |\n",
			f.server, f.keys, f.loadTime.Seconds(), f.syncTime.Seconds(), f.keysPerSec(), digest, f.firstAnswer.Seconds(),
			orDash(f.sendTook), orDash(f.loadTook), f.fullSyncs)
	}
	fmt.Fprintln(b)
	for _, f := range r.fullSync {
		fmt.Fprintf(b, "%s: DEBUG DIGEST took %.2f s on the primary and %.2f s on the secondary (%d call(s) until equal).\n",
			f.server, f.digestPrim.Seconds(), f.digestCall.Seconds(), f.digestTries)
	}
	fmt.Fprintln(b)
}

func (r *report) writeMicro(b *strings.Builder) {
	fmt.Fprintf(b, "### 4. Codec micro-benchmarks\n\n")
	m := r.micro
	if m == nil {
		fmt.Fprintf(b, "Skipped.\n\n")
		return
	}
	fmt.Fprintf(b, "`%s` (%.0f s):\n\n```\n", benchkit.ShellJoin(microArgs), m.took.Seconds())
	for _, l := range m.lines {
		fmt.Fprintln(b, l)
	}
	if m.failed {
		out := m.output
		if lines := strings.Split(out, "\n"); len(lines) > 30 {
			out = strings.Join(lines[len(lines)-30:], "\n")
		}
		fmt.Fprintf(b, "FAILED:\n%s\n", out)
	}
	fmt.Fprintf(b, "```\n\n")
}

func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

func metOrNot(ok bool) string {
	if ok {
		return "met"
	}
	return "not met"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
