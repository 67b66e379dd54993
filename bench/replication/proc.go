package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/nadb-server/nadb-server/bench/internal/benchkit"
)

// harness holds what every phase shares: tools, the temp dir, the command
// log, the anomalies noticed so far and every node started (for cleanup).
type harness struct {
	cfg            config
	tmp            string
	root           string // module root ("" when unknown)
	nadbBin        string
	redisBin       string // "" with -skip-redis
	redisBenchmark string
	nadbGo         string // go_version reported by nadb-server's INFO server

	cmds      benchkit.CommandLog
	anomalies []string

	mu    sync.Mutex
	nodes []*node
	seq   int
}

// anomaly records something unexpected in nadb-server's behaviour; it goes
// to the report and, immediately, to stderr.
func (h *harness) anomaly(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	fmt.Fprintf(os.Stderr, "ANOMALY: %s\n", msg)
	h.mu.Lock()
	h.anomalies = append(h.anomalies, msg)
	h.mu.Unlock()
}

// stopAll kills every node still running.
func (h *harness) stopAll() {
	h.mu.Lock()
	nodes := h.nodes
	h.nodes = nil
	h.mu.Unlock()
	for _, n := range nodes {
		n.Stop()
	}
}

// Server kinds.
const (
	kindNadb  = "nadb"
	kindRedis = "redis"
)

// node is one server process started by the harness: nadb-server, or
// redis-server for the comparison. Its Name is "primary", "secondary1",
// ...; its Port speaks Redis.
type node struct {
	*benchkit.Process
	kind     string
	replPort int // nadb: NADB listener
}

// redis reports whether the node is a redis-server.
func (n *node) redis() bool { return n.kind == kindRedis }

// launch starts a server of kind on fresh free ports; a secondary follows
// primary (nil for a primary): nadb-server through the primary's NADB
// endpoint, redis-server with --replicaof its Redis port. It does not wait
// for readiness.
func (h *harness) launch(kind, name string, primary *node) (*node, error) {
	ports, err := benchkit.FreePorts(2)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	h.seq++
	dir := filepath.Join(h.tmp, fmt.Sprintf("%02d-%s", h.seq, name))
	h.mu.Unlock()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	var args []string
	if kind == kindRedis {
		// Diskless full sync without its default 5 s wait for more
		// replicas, and DEBUG DIGEST allowed (off by default in Redis 7).
		args = []string{h.redisBin, "--port", strconv.Itoa(ports[0]), "--bind", "127.0.0.1",
			"--save", "", "--appendonly", "no", "--dir", dir,
			"--repl-diskless-sync-delay", "0", "--enable-debug-command", "local"}
		if primary != nil {
			args = append(args, "--replicaof", "127.0.0.1", strconv.Itoa(primary.Port))
		}
	} else {
		args = []string{h.nadbBin, "--port", strconv.Itoa(ports[0]), "--bind", "127.0.0.1",
			"--repl-listen-port", strconv.Itoa(ports[1]), "--dir", dir, "--appendonly", "no",
			"--enable-debug-command", "local"}
		if primary != nil {
			args = append(args, "--primary-host", "127.0.0.1", "--primary-port", strconv.Itoa(primary.replPort))
		}
	}
	p, err := benchkit.Start(name, ports[0], dir, args)
	if err != nil {
		return nil, err
	}
	n := &node{Process: p, kind: kind, replPort: ports[1]}
	h.mu.Lock()
	h.nodes = append(h.nodes, n)
	h.mu.Unlock()

	role := kind + " primary"
	if primary != nil {
		role = kind + " secondary"
	}
	h.cmds.Add(role, benchkit.ShellJoin(args))
	return n, nil
}

// startNode launches a node and waits until it answers PING and is the
// process we started. A start that fails because a port was taken in the
// meantime (other programs run on this machine) is retried on new ports.
func (h *harness) startNode(ctx context.Context, kind, name string, primary *node) (*node, error) {
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		n, err := h.launch(kind, name, primary)
		if err != nil {
			return nil, err
		}
		err = n.waitReady(ctx, h.cfg.StartTimeout)
		if err == nil {
			if h.nadbGo == "" && !n.redis() {
				if info, err := benchkit.Command(n.Addr(), 5*time.Second, "INFO", "server"); err == nil {
					h.nadbGo = benchkit.ParseInfo(info)["go_version"]
				}
			}
			return n, nil
		}
		n.Stop()
		lastErr = err
		if ctx.Err() != nil || !strings.Contains(err.Error(), "address already in use") {
			break
		}
	}
	return nil, lastErr
}

// waitReady waits until the node answers PING (see Process.WaitPing), then
// checks that the process answering is ours (INFO server process_id), not a
// stranger on a recycled port.
func (n *node) waitReady(ctx context.Context, timeout time.Duration) error {
	if err := n.WaitPing(ctx, timeout); err != nil {
		return err
	}
	info, err := benchkit.Command(n.Addr(), 5*time.Second, "INFO", "server")
	if err != nil {
		return fmt.Errorf("%s: INFO server: %w", n.Name, err)
	}
	if pid, err := strconv.Atoi(benchkit.ParseInfo(info)["process_id"]); err == nil && pid != n.Pid() {
		if pgid, err := syscall.Getpgid(pid); err != nil || pgid != n.Pid() {
			return fmt.Errorf("%s: port %d is answered by process %d, not by the server started (%d)",
				n.Name, n.Port, pid, n.Pid())
		}
	}
	return nil
}

// checkLog records an anomaly for every WARN or ERROR line of the node's log
// (at most a few per node, then a count).
func (h *harness) checkLog(n *node, phase string) {
	if n.redis() {
		return // Redis warns about host settings (overcommit, THP) on every start
	}
	var bad []string
	for _, l := range n.LogLines() {
		if strings.Contains(l, "level=WARN") || strings.Contains(l, "level=ERROR") || strings.Contains(l, "panic") {
			bad = append(bad, l)
		}
	}
	for i, l := range bad {
		if i == 3 {
			h.anomaly("%s, %s: %d more WARN/ERROR log lines", phase, n.Name, len(bad)-3)
			break
		}
		h.anomaly("%s, %s log: %s", phase, n.Name, l)
	}
}

// info returns a node's INFO section as a map.
func (n *node) info(section string) (map[string]string, error) {
	s, err := benchkit.Command(n.Addr(), 10*time.Second, "INFO", section)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", n.Name, err)
	}
	return benchkit.ParseInfo(s), nil
}

// sequence returns master_repl_offset: the primary's last sequence or the
// secondary's last applied one.
func (n *node) sequence() (uint64, error) {
	m, err := n.info("replication")
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseUint(m["master_repl_offset"], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: master_repl_offset %q: %w", n.Name, m["master_repl_offset"], err)
	}
	return v, nil
}

// digest returns DEBUG DIGEST.
func (n *node) digest(timeout time.Duration) (string, error) {
	d, err := benchkit.Command(n.Addr(), timeout, "DEBUG", "DIGEST")
	if err != nil {
		return "", fmt.Errorf("%s: %w", n.Name, err)
	}
	return d, nil
}

// waitLinked waits until every secondary reports master_link_status:up and
// the primary lists that many replicas.
func (h *harness) waitLinked(ctx context.Context, primary *node, secs []*node) error {
	deadline := time.Now().Add(h.cfg.StartTimeout)
	for {
		ok := true
		var why string
		for _, s := range secs {
			m, err := s.info("replication")
			if err != nil || m["master_link_status"] != "up" {
				ok, why = false, fmt.Sprintf("%s link %q (%v)", s.Name, m["master_link_status"], err)
				break
			}
		}
		if ok {
			m, err := primary.info("replication")
			field := "nadb_replicas"
			if primary.redis() {
				field = "connected_slaves"
			}
			if n := benchkit.FieldInt(m, field); err != nil || n != int64(len(secs)) {
				ok, why = false, fmt.Sprintf("primary lists %d replicas (%v)", n, err)
			}
		}
		if ok {
			return nil
		}
		for _, n := range append([]*node{primary}, secs...) {
			if err := n.Alive(); err != nil {
				return err
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("secondaries not linked within %v: %s", h.cfg.StartTimeout, why)
		}
		if err := sleepCtx(ctx, 5*time.Millisecond); err != nil {
			return err
		}
	}
}

// secondaryStats are a secondary's resynchronisation counters.
type secondaryStats struct {
	fullSyncs, partialSyncs, resyncs, protoErrs, reconnects int64
}

func (n *node) secondaryStats() (secondaryStats, error) {
	m, err := n.info("replication")
	if err != nil {
		return secondaryStats{}, err
	}
	return secondaryStats{
		fullSyncs:    benchkit.FieldInt(m, "nadb_full_syncs"),
		partialSyncs: benchkit.FieldInt(m, "nadb_partial_syncs"),
		resyncs:      benchkit.FieldInt(m, "nadb_resyncs"),
		protoErrs:    benchkit.FieldInt(m, "nadb_protocol_errors"),
		reconnects:   benchkit.FieldInt(m, "nadb_reconnections"),
	}, nil
}

// checkSecondary records an anomaly when a secondary resynchronised more
// than the one initial full sync, reconnected or saw protocol errors.
func (h *harness) checkSecondary(s *node, phase string) secondaryStats {
	if s.redis() {
		return secondaryStats{fullSyncs: 1} // Redis has no such counters on the replica
	}
	st, err := s.secondaryStats()
	if err != nil {
		h.anomaly("%s: %s stats: %v", phase, s.Name, err)
		return st
	}
	if st.fullSyncs != 1 || st.partialSyncs != 0 || st.resyncs != 0 || st.protoErrs != 0 || st.reconnects != 0 {
		h.anomaly("%s: %s nadb_full_syncs=%d nadb_partial_syncs=%d nadb_resyncs=%d nadb_protocol_errors=%d nadb_reconnections=%d (expected 1,0,0,0,0)",
			phase, s.Name, st.fullSyncs, st.partialSyncs, st.resyncs, st.protoErrs, st.reconnects)
	}
	return st
}

// waitCaughtUp polls every secondary until its applied sequence equals want
// and returns the time from start until the last one got there.
func (h *harness) waitCaughtUp(ctx context.Context, secs []*node, want uint64, start time.Time) (time.Duration, error) {
	deadline := start.Add(h.cfg.syncTimeout)
	pending := make([]*benchkit.Client, len(secs))
	defer func() {
		for _, c := range pending {
			if c != nil {
				c.Close()
			}
		}
	}()
	for i, s := range secs {
		c, err := benchkit.Dial(s.Addr(), 2*time.Second)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", s.Name, err)
		}
		pending[i] = c
	}
	var last uint64
	for {
		done := true
		for i, c := range pending {
			if c == nil {
				continue
			}
			_ = c.SetDeadline(time.Now().Add(10 * time.Second))
			info, err := c.DoString("INFO", "replication")
			if err != nil {
				return 0, fmt.Errorf("%s: %w", secs[i].Name, err)
			}
			got, _ := strconv.ParseUint(benchkit.ParseInfo(info)["master_repl_offset"], 10, 64)
			if got >= want {
				if got > want && !secs[i].redis() { // Redis's offset also counts its PINGs
					h.anomaly("%s applied sequence %d beyond the primary's %d", secs[i].Name, got, want)
				}
				c.Close()
				pending[i] = nil
				continue
			}
			done, last = false, got
		}
		if done {
			return time.Since(start), nil
		}
		for _, s := range secs {
			if err := s.Alive(); err != nil {
				return 0, err
			}
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("secondaries not caught up with sequence %d within %v (one is at %d)", want, h.cfg.syncTimeout, last)
		}
		if err := sleepCtx(ctx, time.Millisecond); err != nil {
			return 0, err
		}
	}
}

// sleepCtx pauses for d (a polling interval, never a readiness wait) unless
// ctx ends first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
