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

// restartRun is one load, clean stop and restart of one server.
type restartRun struct {
	loadTime   time.Duration // LoadKeys of all keys
	rewrites   int64         // Redis aof_rewrites before the stop, -1 when not reported
	stopMethod string        // "SHUTDOWN" or "SIGTERM"
	disk       diskUsage     // data dir after the clean stop
	ping       time.Duration // process start to first PONG
	ready      time.Duration // process start to PONG and DBSIZE == keys
	ownLoad    time.Duration // the server's own log of its load, -1 when not found
}

// restartResults holds the runs by server, in round order.
type restartResults struct {
	keys int
	runs map[string][]restartRun
}

func (r *restartResults) median(name string, pick func(restartRun) float64) float64 {
	return benchkit.MedianOf(r.runs[name], pick)
}

// runRestart measures restart time and disk usage for cfg.rounds rounds,
// alternating the servers' order.
func runRestart(ctx context.Context, h *harness) (*restartResults, error) {
	h.commands.Add("restart load", fmt.Sprintf(
		"in-process pipelined loader: %d x SET key:%%09d <%d-byte value> over one TCP connection, then DBSIZE; "+
			"then SHUTDOWN, start again on the same --dir, poll PING every %v and then DBSIZE",
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
	p, err := h.startReady(ctx, in, "restart, first start")
	if err != nil {
		return restartRun{}, err
	}
	defer p.Stop()
	r := restartRun{rewrites: -1, ownLoad: -1}
	start := time.Now()
	if err := benchkit.LoadKeys(ctx, p.Addr(), keys, valueSize, h.cfg.RunTimeout); err != nil {
		return restartRun{}, fmt.Errorf("load keys: %w%s", err, p.LogTail())
	}
	r.loadTime = time.Since(start)
	if n, err := dbsize(p.Addr()); err != nil || n != int64(keys) {
		return restartRun{}, fmt.Errorf("DBSIZE after loading %d keys: %d, %v", keys, n, err)
	}
	if r.rewrites, err = waitRewriteDone(ctx, p, h.cfg.RunTimeout); err != nil {
		return restartRun{}, err
	}

	// Clean stop.
	if r.stopMethod, err = shutdown(p, h.cfg.StartTimeout); err != nil {
		return restartRun{}, err
	}
	if r.stopMethod != "SHUTDOWN" {
		h.anomaly("%s did not exit after SHUTDOWN; stopped with %s", name, r.stopMethod)
	}
	checkLog(h, p, "restart, first start")
	if r.disk, err = measureDisk(name, in.dataDir); err != nil {
		return restartRun{}, err
	}
	if r.disk.aofBytes() == 0 {
		return restartRun{}, fmt.Errorf("no append-only file in %s after loading %d keys", in.dataDir, keys)
	}

	// Restart on the same directory.
	q, err := h.launch(in, "restart, second start on the same --dir")
	if err != nil {
		return restartRun{}, err
	}
	defer q.Stop()
	if err := q.WaitPing(ctx, h.cfg.restartTimeout); err != nil {
		return restartRun{}, err
	}
	r.ping = time.Since(q.Started)
	if err := waitDBSize(ctx, q, int64(keys), h.cfg.restartTimeout-r.ping); err != nil {
		return restartRun{}, err
	}
	r.ready = time.Since(q.Started)
	if err := checkLastKey(q.Addr(), keys); err != nil {
		return restartRun{}, err
	}
	r.ownLoad = ownLoadTime(name, q.LogLines())
	if r.ownLoad < 0 {
		h.anomaly("%s: no append-only load time found in the log after restart", name)
	}
	q.Stop()
	checkLog(h, q, "restart, second start")

	fmt.Fprintf(os.Stderr, "%-5s restart: %d keys loaded in %.1fs, AOF %d B (%.1f B/key), stop by %s, PONG after %.3fs, ready after %.3fs, own load %s\n",
		name, keys, r.loadTime.Seconds(), r.disk.aofBytes(), float64(r.disk.aofBytes())/float64(keys),
		r.stopMethod, r.ping.Seconds(), r.ready.Seconds(), fmtOwnLoad(r.ownLoad))
	return r, nil
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

// waitRewriteDone waits until the server reports no AOF rewrite in
// progress or scheduled (Redis starts one on its own once the file doubles
// past 64 MB), so the stop and the disk measurement see a settled
// directory. It returns aof_rewrites, or -1 when the server does not report
// these fields.
func waitRewriteDone(ctx context.Context, p *benchkit.Process, timeout time.Duration) (int64, error) {
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
		select {
		case <-ctx.Done():
			return -1, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
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
	// nadb-server: level=INFO msg="append-only file loaded" ... took=1.234s
	nadbLoadedRE = regexp.MustCompile(`append-only file loaded.*\btook=(\S+)`)
	// Redis 7: "DB loaded from append only file: 1.234 seconds"
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
