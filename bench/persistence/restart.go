package main

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/nadb-server/nadb-server/bench/internal/benchkit"
)

// valueSize is the value length of the restart test's keys.
const valueSize = 100

// restartCase is one of the two restarts measured per server and round.
type restartCase int

const (
	caseLog       restartCase = iota // after the load: the log only
	caseRewritten                    // after BGREWRITEAOF: snapshot plus the log after it
)

// restartCases is the report order.
var restartCases = []restartCase{caseLog, caseRewritten}

func (c restartCase) label() string {
	if c == caseLog {
		return "log only"
	}
	return "after BGREWRITEAOF"
}

// restartTiming is one timed start on an existing data directory.
type restartTiming struct {
	ping    time.Duration // process start to first PONG
	ready   time.Duration // process start to PONG and DBSIZE == keys
	ownLoad time.Duration // the server's own log of its load, -1 when not found
}

// restartRun is one server's load, clean stop, restart on the log,
// BGREWRITEAOF, clean stop and restart on the snapshot, in one data
// directory. disk and restart are indexed by restartCase.
type restartRun struct {
	loadTime     time.Duration    // LoadKeys of all keys
	loadRewrites int64            // aof_rewrites after the load (0 expected: automatic rewrites are off), -1 when not reported
	rewriteTime  time.Duration    // BGREWRITEAOF sent until INFO shows it done
	stopMethods  []string         // "SHUTDOWN" or "SIGTERM", for each clean stop
	disk         [2]diskUsage     // data dir after the clean stop before each restart
	restart      [2]restartTiming // the two restarts
}

// restartResults holds the runs by server, in round order.
type restartResults struct {
	keys int
	runs map[string][]restartRun
}

func (r *restartResults) median(name string, pick func(restartRun) float64) float64 {
	return benchkit.MedianOf(r.runs[name], pick)
}

// runRestart measures restart times and disk usage for cfg.rounds rounds,
// alternating the servers' order.
func runRestart(ctx context.Context, h *harness) (*restartResults, error) {
	h.commands.Add("restart load", fmt.Sprintf(
		"in-process pipelined loader: %d x SET key:%%09d <%d-byte value> over one TCP connection, then DBSIZE; "+
			"then SHUTDOWN, start again on the same --dir (a: log only), poll PING every %v and then DBSIZE; "+
			"then BGREWRITEAOF, poll INFO persistence until it is done, SHUTDOWN, start again (b: snapshot plus log tail)",
		h.cfg.keys, valueSize, benchkit.PingInterval))
	res := &restartResults{keys: h.cfg.keys, runs: map[string][]restartRun{}}
	for round := range h.cfg.rounds {
		for _, name := range serverOrder(round) {
			r, err := restartOne(ctx, h, name)
			if err != nil {
				return nil, fmt.Errorf("restart round %d, %s: %w", round+1, name, err)
			}
			res.runs[name] = append(res.runs[name], r)
		}
	}
	return res, nil
}

func restartOne(ctx context.Context, h *harness, name string) (restartRun, error) {
	keys := h.cfg.keys
	in, err := newInstance(h, "restart", name, restartMode)
	if err != nil {
		return restartRun{}, err
	}
	defer h.remove(in)

	// Load.
	p, err := h.startReady(ctx, in, "restart, load")
	if err != nil {
		return restartRun{}, err
	}
	defer p.Stop()
	r := restartRun{loadRewrites: -1}
	start := time.Now()
	if err := benchkit.LoadKeys(ctx, p.Addr(), keys, valueSize, h.cfg.RunTimeout); err != nil {
		return restartRun{}, fmt.Errorf("load keys: %w%s", err, p.LogTail())
	}
	r.loadTime = time.Since(start)
	if n, err := dbsize(p.Addr()); err != nil || n != int64(keys) {
		return restartRun{}, fmt.Errorf("DBSIZE after loading %d keys: %d, %v", keys, n, err)
	}
	if r.loadRewrites, err = waitRewriteIdle(ctx, p, h.cfg.RunTimeout); err != nil {
		return restartRun{}, err
	}
	if r.loadRewrites > 0 {
		h.anomaly("%s rewrote its log %d time(s) during the load although auto-aof-rewrite-percentage is 0; "+
			"the \"log only\" case is not log only", name, r.loadRewrites)
	}
	if err := h.stopAndMeasure(p, in, &r, caseLog, "restart, load"); err != nil {
		return restartRun{}, err
	}
	if r.disk[caseLog].logBytes() == 0 {
		return restartRun{}, fmt.Errorf("no log file in %s after loading %d keys", in.dataDir, keys)
	}

	// (a) Restart on the log, then rewrite it.
	q, err := h.timedRestart(ctx, in, &r, caseLog)
	if err != nil {
		return restartRun{}, err
	}
	defer q.Stop()
	if r.rewriteTime, err = bgRewrite(ctx, q, h.cfg.RunTimeout); err != nil {
		return restartRun{}, err
	}
	if err := h.stopAndMeasure(q, in, &r, caseRewritten, "restart (a), then BGREWRITEAOF"); err != nil {
		return restartRun{}, err
	}
	if d := r.disk[caseRewritten]; d.snapBytes() == 0 {
		return restartRun{}, fmt.Errorf("no snapshot file in %s after BGREWRITEAOF: %s", in.dataDir, orNone(fileList(d.files())))
	}

	// (b) Restart on the snapshot and the log after it.
	q2, err := h.timedRestart(ctx, in, &r, caseRewritten)
	if err != nil {
		return restartRun{}, err
	}
	q2.Stop()
	checkLog(h, q2, "restart (b)")

	a, b := r.restart[caseLog], r.restart[caseRewritten]
	fmt.Fprintf(os.Stderr, "%-5s restart: %d keys loaded in %.1fs, disk %d B (%.1f B/key); "+
		"(a) log only: ready after %.3fs, own load %s; BGREWRITEAOF %.3fs, disk %d B (%.1f B/key); "+
		"(b) after it: ready after %.3fs, own load %s; stops: %s\n",
		name, keys, r.loadTime.Seconds(),
		r.disk[caseLog].totalBytes(), float64(r.disk[caseLog].totalBytes())/float64(keys),
		a.ready.Seconds(), fmtOwnLoad(a.ownLoad), r.rewriteTime.Seconds(),
		r.disk[caseRewritten].totalBytes(), float64(r.disk[caseRewritten].totalBytes())/float64(keys),
		b.ready.Seconds(), fmtOwnLoad(b.ownLoad), strings.Join(r.stopMethods, ", "))
	return r, nil
}

// stopAndMeasure stops p cleanly, checks its log and records the data
// directory as it is before restart c.
func (h *harness) stopAndMeasure(p *benchkit.Process, in *instance, r *restartRun, c restartCase, phase string) error {
	how, err := shutdown(p, h.cfg.StartTimeout)
	if err != nil {
		return err
	}
	r.stopMethods = append(r.stopMethods, how)
	if how != "SHUTDOWN" {
		h.anomaly("%s (%s) did not exit after SHUTDOWN; stopped with %s", in.name, phase, how)
	}
	checkLog(h, p, phase)
	r.disk[c], err = measureDisk(in.name, in.dataDir)
	return err
}

// timedRestart starts the server again on in's data directory and records
// in r.restart[c] the time from process start until PING answers PONG and
// until DBSIZE is the key count; then it checks the last key's value and
// reads the server's own load time from its log. The caller stops the
// returned process.
func (h *harness) timedRestart(ctx context.Context, in *instance, r *restartRun, c restartCase) (*benchkit.Process, error) {
	keys := int64(h.cfg.keys)
	q, err := h.launch(in, "restart ("+c.label()+") on the same --dir")
	if err != nil {
		return nil, err
	}
	if err := q.WaitPing(ctx, h.cfg.restartTimeout); err != nil {
		q.Stop()
		return nil, err
	}
	t := restartTiming{ping: time.Since(q.Started)}
	if err := waitDBSize(ctx, q, keys, h.cfg.restartTimeout-t.ping); err != nil {
		q.Stop()
		return nil, err
	}
	t.ready = time.Since(q.Started)
	if err := checkLastKey(q.Addr(), h.cfg.keys); err != nil {
		q.Stop()
		return nil, err
	}
	t.ownLoad = ownLoadTime(in.name, q.LogLines())
	if t.ownLoad < 0 {
		h.anomaly("%s: no load time found in the log after the restart (%s)", in.name, c.label())
	}
	r.restart[c] = t
	return q, nil
}

// dbsize returns DBSIZE.
func dbsize(addr string) (int64, error) {
	v, err := benchkit.Command(addr, 10*time.Second, "DBSIZE")
	if err != nil {
		return -1, err
	}
	return strconv.ParseInt(v, 10, 64)
}

// waitDBSize polls DBSIZE every PingInterval until it is want.
func waitDBSize(ctx context.Context, p *benchkit.Process, want int64, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		n, err := dbsize(p.Addr())
		if err == nil && n == want {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: DBSIZE is %d (%v), want %d, after %v%s", p.Name, n, err, want, timeout, p.LogTail())
		}
		if err := p.Alive(); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(benchkit.PingInterval):
		}
	}
}

// waitRewriteIdle waits until the server reports no AOF rewrite in
// progress or scheduled, so the stop and the disk measurement see a settled
// directory. It returns aof_rewrites, or -1 when the server does not report
// these fields.
func waitRewriteIdle(ctx context.Context, p *benchkit.Process, timeout time.Duration) (int64, error) {
	deadline := time.Now().Add(timeout)
	for {
		inf := info(p, "persistence")
		inProgress, ok1 := inf["aof_rewrite_in_progress"]
		scheduled, ok2 := inf["aof_rewrite_scheduled"]
		if !ok1 || !ok2 {
			return -1, nil
		}
		if inProgress == "0" && scheduled == "0" {
			return benchkit.FieldInt(inf, "aof_rewrites"), nil
		}
		if time.Now().After(deadline) {
			return -1, fmt.Errorf("%s: AOF rewrite still running after %v", p.Name, timeout)
		}
		if err := sleepCtx(ctx, 50*time.Millisecond); err != nil {
			return -1, err
		}
	}
}

// rewritePollInterval is how often bgRewrite polls INFO persistence.
const rewritePollInterval = 10 * time.Millisecond

// bgRewrite sends BGREWRITEAOF and polls INFO persistence until the rewrite
// is done (see rewriteDone). It returns the time from sending the command
// until the poll that saw it done.
func bgRewrite(ctx context.Context, p *benchkit.Process, timeout time.Duration) (time.Duration, error) {
	before := info(p, "persistence")
	if before == nil {
		return 0, fmt.Errorf("%s: INFO persistence failed before BGREWRITEAOF", p.Name)
	}
	prev := benchkit.FieldInt(before, "aof_rewrites")
	start := time.Now()
	reply, err := benchkit.Command(p.Addr(), 10*time.Second, "BGREWRITEAOF")
	if err != nil {
		return 0, fmt.Errorf("%s: BGREWRITEAOF: %w%s", p.Name, err, p.LogTail())
	}
	if !strings.HasPrefix(reply, "Background append only file rewriting") {
		return 0, fmt.Errorf("%s: BGREWRITEAOF answered %q", p.Name, reply)
	}
	deadline := start.Add(timeout)
	for {
		done, err := rewriteDone(p.Name, info(p, "persistence"), prev)
		if err != nil {
			return 0, fmt.Errorf("%w%s", err, p.LogTail())
		}
		if done {
			return time.Since(start), nil
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("%s: BGREWRITEAOF not done after %v%s", p.Name, timeout, p.LogTail())
		}
		if err := p.Alive(); err != nil {
			return 0, err
		}
		if err := sleepCtx(ctx, rewritePollInterval); err != nil {
			return 0, err
		}
	}
}

// rewriteDone tells from INFO persistence whether the BGREWRITEAOF sent when
// aof_rewrites was prev has finished: aof_rewrite_in_progress:0,
// aof_rewrite_scheduled:0 and aof_last_bgrewrite_status:ok on both servers,
// and for nadb-server also aof_rewrites > prev (its rewrite starts in the
// background, so "not in progress" alone may be seen before it began;
// Redis forks before it replies). aof_last_bgrewrite_status:err once no
// rewrite is in progress is an error (the servers are fresh processes, so
// the status was ok before the command; nadb-server does not count a
// failed rewrite in aof_rewrites).
func rewriteDone(name string, inf map[string]string, prev int64) (bool, error) {
	if inf == nil {
		return false, nil // INFO failed; poll again
	}
	if inf["aof_rewrite_in_progress"] != "0" || inf["aof_rewrite_scheduled"] == "1" {
		return false, nil
	}
	st := inf["aof_last_bgrewrite_status"]
	switch {
	case st == "err":
		return false, fmt.Errorf("%s: BGREWRITEAOF failed (aof_last_bgrewrite_status:err)", name)
	case st != "ok":
		return false, fmt.Errorf("%s: INFO persistence has aof_last_bgrewrite_status %q", name, st)
	case name == nameNadb && benchkit.FieldInt(inf, "aof_rewrites") <= prev:
		return false, nil
	}
	return true, nil
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// checkLastKey checks the value of the last key loaded, as LoadKeys wrote
// it: the key padded with 'x' to valueSize bytes.
func checkLastKey(addr string, keys int) error {
	key := fmt.Sprintf("key:%09d", keys-1)
	want := key + strings.Repeat("x", valueSize-len(key))
	got, err := benchkit.Command(addr, 10*time.Second, "GET", key)
	if err != nil {
		return fmt.Errorf("GET %s after restart: %w", key, err)
	}
	if got != want {
		return fmt.Errorf("GET %s after restart: %q, want %q", key, got, want)
	}
	return nil
}

var (
	// nadb-server: level=INFO msg="data directory loaded" ... took=1.234s
	// (before log segments: msg="append-only file loaded" ... took=)
	nadbLoadedRE = regexp.MustCompile(`(?:data directory|append-only file) loaded.*\btook=(\S+)`)
	// Redis 7: "DB loaded from append only file: 1.234 seconds" (the total
	// over the base and incr files, each of which is also logged)
	redisLoadedRE = regexp.MustCompile(`DB loaded from append only file: ([0-9.]+) seconds`)
)

// ownLoadTime returns the load time a server logged, or -1.
func ownLoadTime(name string, lines []string) time.Duration {
	for i := len(lines) - 1; i >= 0; i-- {
		if name == nameNadb {
			if m := nadbLoadedRE.FindStringSubmatch(lines[i]); m != nil {
				if d, err := time.ParseDuration(m[1]); err == nil {
					return d
				}
			}
			continue
		}
		if m := redisLoadedRE.FindStringSubmatch(lines[i]); m != nil {
			if s, err := strconv.ParseFloat(m[1], 64); err == nil {
				return time.Duration(s * float64(time.Second))
			}
		}
	}
	return -1
}

func fmtOwnLoad(d time.Duration) string {
	if d < 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.3fs", d.Seconds())
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
