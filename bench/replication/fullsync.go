package main

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nadb-server/nadb-server/bench/internal/benchkit"
)

// fullSyncResult is the outcome of the full-sync test.
type fullSyncResult struct {
	server      string
	keys        int
	loadTime    time.Duration // pipelined load of the primary
	seq         uint64        // primary sequence after the load
	firstAnswer time.Duration // secondary start → first INFO answered
	syncTime    time.Duration // secondary start → link up and offset equal
	digestTime  time.Duration // secondary start → DEBUG DIGEST equal (includes computing it)
	digestOK    bool
	digestTries int           // DEBUG DIGEST calls on the secondary until equal
	digestCall  time.Duration // duration of the last DEBUG DIGEST on the secondary
	digestPrim  time.Duration // duration of DEBUG DIGEST on the primary
	sendTook    string        // primary log: "full resynchronisation sent ... took="
	loadTook    string        // secondary log: "full resynchronisation loaded ... took="
	fullSyncs   int64
}

func (f *fullSyncResult) keysPerSec() float64 { return float64(f.keys) / f.syncTime.Seconds() }

// runFullSync loads -keys keys into a fresh primary, then starts a secondary
// and times it until it holds the same data. nadb: until its link is up
// and its applied sequence equals the primary's; redis: until its link is
// up (which Redis reports once the RDB is loaded) and DBSIZE equals -keys
// (Redis's offset starts only when the first replica attaches).
func runFullSync(ctx context.Context, h *harness, kind string) (*fullSyncResult, error) {
	phase := "full sync, " + kind
	res := &fullSyncResult{server: kind, keys: h.cfg.keys}
	primary, err := h.startNode(ctx, kind, "primary", nil)
	if err != nil {
		return nil, err
	}
	nodes := []*node{primary}
	defer func() {
		for _, n := range slices.Backward(nodes) { // secondary first: no link-down noise
			n.Stop()
			h.checkLog(n, phase)
		}
	}()

	h.cmds.Add("full-sync load", fmt.Sprintf("in-process loader: %d x SET key:%%09d <distinct %d-byte value>, pipelined over one connection, every reply +OK; then DBSIZE",
		res.keys, tpValueSize))
	start := time.Now()
	if err := benchkit.LoadKeys(ctx, primary.Addr(), res.keys, tpValueSize, h.cfg.RunTimeout); err != nil {
		return nil, fmt.Errorf("%s: load: %w%s", phase, err, primary.LogTail())
	}
	res.loadTime = time.Since(start)
	if n, err := benchkit.Command(primary.Addr(), 10*time.Second, "DBSIZE"); err != nil || n != strconv.Itoa(res.keys) {
		return nil, fmt.Errorf("%s: primary DBSIZE %q (%v) after loading %d keys", phase, n, err, res.keys)
	}
	if res.seq, err = primary.sequence(); err != nil {
		return nil, err
	}
	if res.seq != uint64(res.keys) && !primary.redis() {
		h.anomaly("%s: primary sequence %d after %d SETs", phase, res.seq, res.keys)
	}
	t := time.Now()
	want, err := primary.digest(h.cfg.RunTimeout)
	if err != nil {
		return nil, err
	}
	res.digestPrim = time.Since(t)
	fmt.Fprintf(os.Stderr, "loaded %d keys in %.1fs; starting the secondary\n", res.keys, res.loadTime.Seconds())

	sec, err := h.launch(kind, "secondary", primary)
	if err != nil {
		return nil, err
	}
	nodes = append(nodes, sec)
	h.cmds.Add("full-sync measurement", "from the secondary's process start, INFO replication every 5 ms (new connection each; refused ones retried) "+
		"until master_link_status:up and master_repl_offset = the primary's; then DEBUG DIGEST on both")

	deadline := sec.Started.Add(h.cfg.syncTimeout)
	for {
		info, err := benchkit.Command(sec.Addr(), 10*time.Second, "INFO", "replication")
		now := time.Now()
		if err == nil {
			if res.firstAnswer == 0 {
				res.firstAnswer = now.Sub(sec.Started)
			}
			m := benchkit.ParseInfo(info)
			if m["master_link_status"] == "up" && (sec.redis() || m["master_repl_offset"] == strconv.FormatUint(res.seq, 10)) {
				if !sec.redis() {
					res.syncTime = now.Sub(sec.Started)
					break
				}
				if n, err := benchkit.Command(sec.Addr(), 10*time.Second, "DBSIZE"); err == nil && n == strconv.Itoa(res.keys) {
					res.syncTime = time.Since(sec.Started)
					break
				}
			}
		}
		if err := sec.Alive(); err != nil {
			return nil, err
		}
		if now.After(deadline) {
			return nil, fmt.Errorf("%s: secondary not synced within %v (last INFO error: %v)%s", phase, h.cfg.syncTimeout, err, sec.LogTail())
		}
		if err := sleepCtx(ctx, 5*time.Millisecond); err != nil {
			return nil, err
		}
	}
	for {
		t := time.Now()
		got, err := sec.digest(h.cfg.RunTimeout)
		res.digestCall = time.Since(t)
		res.digestTries++
		if err == nil && got == want {
			res.digestTime = time.Since(sec.Started)
			res.digestOK = true
			if res.digestTries > 1 {
				h.anomaly("%s: the secondary's DEBUG DIGEST matched only on attempt %d, although its offset already equalled the primary's", phase, res.digestTries)
			}
			break
		}
		if time.Now().After(deadline) {
			h.anomaly("%s: secondary DEBUG DIGEST %q (%v) differs from the primary's %s although its offset equals the primary's", phase, got, err, want)
			break
		}
		if err := sleepCtx(ctx, 100*time.Millisecond); err != nil {
			return nil, err
		}
	}
	if err := sec.waitReady(ctx, h.cfg.StartTimeout); err != nil { // the process answering is ours
		return nil, err
	}
	res.fullSyncs = h.checkSecondary(sec, phase).fullSyncs
	res.sendTook = logField(primary, "full resynchronisation sent", "took")
	res.loadTook = logField(sec, "full resynchronisation loaded", "took")
	fmt.Fprintf(os.Stderr, "%s: full sync of %d keys: %.2fs (%.0f keys/s), digest equal %v after %.2fs\n",
		kind, res.keys, res.syncTime.Seconds(), res.keysPerSec(), res.digestOK, res.digestTime.Seconds())
	return res, nil
}

var logFieldRE = regexp.MustCompile(`(\w+)=("[^"]*"|\S+)`)

// logField returns field of the last log line of n containing msg, or "".
func logField(n *node, msg, field string) string {
	lines := n.LogLines()
	for i := len(lines) - 1; i >= 0; i-- {
		if !strings.Contains(lines[i], msg) {
			continue
		}
		for _, m := range logFieldRE.FindAllStringSubmatch(lines[i], -1) {
			if m[1] == field {
				return strings.Trim(m[2], `"`)
			}
		}
	}
	return ""
}
