package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
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
func runMemory(ctx context.Context, cfg config, tl tools, tmp string, log *commandLog) (map[string]memResult, error) {
	log.addText("memory load", fmt.Sprintf(
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

func measureMemory(ctx context.Context, cfg config, name string, tl tools, tmp string, log *commandLog) (memResult, error) {
	s, err := startServer(ctx, name, "memory", tl, tmp, cfg.startTimeout, log)
	if err != nil {
		return memResult{}, err
	}
	defer s.stop()

	r := memResult{keys: cfg.memKeys, pid: s.pid()}
	if r.rssBefore, err = readRSS(r.pid); err != nil {
		return memResult{}, err
	}
	r.usedBefore = usedMemory(s.addr())

	start := time.Now()
	if err := loadKeys(ctx, s.addr(), cfg.memKeys, cfg.runTimeout); err != nil {
		return memResult{}, fmt.Errorf("load keys: %w%s", err, s.logTail())
	}
	r.loadTime = time.Since(start)

	r.dbsize = -1
	if v, err := respCommand(s.addr(), "DBSIZE"); err == nil {
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
	r.usedAfter = usedMemory(s.addr())
	if err := s.alive(); err != nil {
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
	info, err := respCommand(addr, "INFO", "memory")
	if err != nil {
		return -1
	}
	v, ok := infoField(info, "used_memory")
	if !ok {
		return -1
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// loadKeys writes n pipelined SET commands on one connection while a second
// goroutine consumes the replies, each of which must be +OK.
func loadKeys(ctx context.Context, addr string, n int, timeout time.Duration) error {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(timeout)); err != nil {
		return err
	}
	stopWatch := context.AfterFunc(ctx, func() { conn.Close() })
	defer stopWatch()

	writeErr := make(chan error, 1)
	go func() { writeErr <- writeSets(conn, n) }()

	if err := readOKs(bufio.NewReaderSize(conn, 64<<10), n); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	}
	return <-writeErr
}

// writeSets streams SET key:%09d <value> for i in [0, n).
func writeSets(conn net.Conn, n int) error {
	w := bufio.NewWriterSize(conn, 256<<10)
	value := []byte(strings.Repeat("v", memValueSize))
	var buf []byte
	for i := range n {
		key := fmt.Sprintf("key:%09d", i)
		copy(value, key[4:]) // distinct values too; no accidental sharing
		buf = encodeCommand(buf[:0], "SET", key, string(value))
		if _, err := w.Write(buf); err != nil {
			return fmt.Errorf("write SET %d: %w", i, err)
		}
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("flush SETs: %w", err)
	}
	return nil
}

// readOKs reads n replies and fails on the first one that is not +OK.
func readOKs(r *bufio.Reader, n int) error {
	for i := range n {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return fmt.Errorf("reply %d of %d: %w", i+1, n, err)
		}
		if string(line) != "+OK\r\n" {
			return errors.New("reply " + strconv.Itoa(i+1) + " to SET: " + strings.TrimSpace(string(line)))
		}
	}
	return nil
}
