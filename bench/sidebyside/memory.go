package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/nadb-server/nadb-server/bench/internal/benchkit"
)

// memValueSize is the value length used by the memory load.
const memValueSize = 100

// memResult is the memory footprint of one fresh server before and after
// loading keys. Fields that a server could not report are -1.
type memResult struct {
	keys       int
	pid        int
	rssBefore  int64 // bytes, VmRSS from /proc/PID/status
	rssAfter   int64
	usedBefore int64 // bytes, INFO memory used_memory
	usedAfter  int64
	dbsize     int64
	loadTime   time.Duration
}

// rssPerKey is the RSS growth divided by the number of keys loaded.
func (m memResult) rssPerKey() float64 {
	return float64(m.rssAfter-m.rssBefore) / float64(m.keys)
}

// usedPerKey is the used_memory growth per key, if the server reports it.
func (m memResult) usedPerKey() (float64, bool) {
	if m.usedBefore < 0 || m.usedAfter < 0 {
		return 0, false
	}
	return float64(m.usedAfter-m.usedBefore) / float64(m.keys), true
}

// runMemory measures each server on its own fresh instance, one at a time so
// they do not compete for memory.
func runMemory(ctx context.Context, cfg config, tl benchkit.Tools, tmp string, log *benchkit.CommandLog) (map[string]memResult, error) {
	log.Add("memory load", fmt.Sprintf(
		"in-process pipelined loader: %d x SET key:%%09d <%d-byte value> over one TCP connection, then DBSIZE; "+
			"RSS = VmRSS of /proc/PID/status before and after", cfg.memKeys, memValueSize))
	results := map[string]memResult{}
	for _, name := range []string{nameRedis, nameNadb} {
		r, err := measureMemory(ctx, cfg, name, tl, tmp, log)
		if err != nil {
			return nil, fmt.Errorf("memory %s: %w", name, err)
		}
		results[name] = r
	}
	return results, nil
}

func measureMemory(ctx context.Context, cfg config, name string, tl benchkit.Tools, tmp string, log *benchkit.CommandLog) (memResult, error) {
	s, err := startServer(ctx, name, "memory", tl, tmp, cfg.StartTimeout, log)
	if err != nil {
		return memResult{}, err
	}
	defer s.Stop()

	r := memResult{keys: cfg.memKeys, pid: serverPID(s)}
	if r.rssBefore, err = readRSS(r.pid); err != nil {
		return memResult{}, err
	}
	r.usedBefore = usedMemory(s.Addr())

	start := time.Now()
	if err := benchkit.LoadKeys(ctx, s.Addr(), cfg.memKeys, memValueSize, cfg.RunTimeout); err != nil {
		return memResult{}, fmt.Errorf("load keys: %w%s", err, s.LogTail())
	}
	r.loadTime = time.Since(start)

	r.dbsize = -1
	if v, err := benchkit.Command(s.Addr(), 10*time.Second, "DBSIZE"); err == nil {
		if r.dbsize, err = strconv.ParseInt(v, 10, 64); err != nil {
			return memResult{}, fmt.Errorf("DBSIZE reply %q: %w", v, err)
		}
		if r.dbsize != int64(cfg.memKeys) {
			return memResult{}, fmt.Errorf("DBSIZE is %d after loading %d distinct keys", r.dbsize, cfg.memKeys)
		}
	}

	if r.rssAfter, err = readRSS(r.pid); err != nil {
		return memResult{}, err
	}
	r.usedAfter = usedMemory(s.Addr())
	if err := s.Alive(); err != nil {
		return memResult{}, err
	}
	fmt.Fprintf(os.Stderr, "%-5s memory: %d keys in %.1fs, RSS %d -> %d bytes (%.1f B/key)\n",
		name, r.keys, r.loadTime.Seconds(), r.rssBefore, r.rssAfter, r.rssPerKey())
	return r, nil
}

// readRSS returns VmRSS of pid in bytes.
func readRSS(pid int) (int64, error) {
	path := fmt.Sprintf("/proc/%d/status", pid)
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("read RSS: %w", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		rest, ok := strings.CutPrefix(line, "VmRSS:")
		if !ok {
			continue
		}
		fields := strings.Fields(rest) // e.g. ["12345", "kB"]
		if len(fields) != 2 || fields[1] != "kB" {
			return 0, fmt.Errorf("unexpected VmRSS line %q in %s", line, path)
		}
		kb, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("parse VmRSS in %s: %w", path, err)
		}
		return kb * 1024, nil
	}
	return 0, fmt.Errorf("no VmRSS line in %s", path)
}

// usedMemory returns INFO memory used_memory, or -1 if unavailable.
func usedMemory(addr string) int64 {
	info, err := benchkit.Command(addr, 10*time.Second, "INFO", "memory")
	if err != nil {
		return -1
	}
	return benchkit.FieldInt(benchkit.ParseInfo(info), "used_memory")
}
