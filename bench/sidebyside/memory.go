package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/nadb-server/nadb-server/bench/internal/benchkit"
)

// memValueSize is the value length used by the memory load.
const memValueSize = 100

// memSeed fixes the random keys of the overwrite file (the same for both
// servers and every run).
const memSeed = 10

// memFiles are the redis-cli --pipe inputs, written once per run.
type memFiles struct {
	load, overwrite string
}

// writeMemFiles writes the load file (SET key:%09d, each key once, in
// order) and the overwrite file (as many SETs of keys drawn uniformly from
// the same keys, with new values).
func writeMemFiles(tmp string, keys int) (memFiles, error) {
	f := memFiles{load: filepath.Join(tmp, "load.resp"), overwrite: filepath.Join(tmp, "overwrite.resp")}
	start := time.Now()
	if err := benchkit.WriteSetFile(f.load, keys, memValueSize, false, 0); err != nil {
		return f, fmt.Errorf("write %s: %w", f.load, err)
	}
	if err := benchkit.WriteSetFile(f.overwrite, keys, memValueSize, true, memSeed); err != nil {
		return f, fmt.Errorf("write %s: %w", f.overwrite, err)
	}
	fmt.Fprintf(os.Stderr, "wrote the redis-cli --pipe inputs (%d SETs each) in %.1fs\n", keys, time.Since(start).Seconds())
	return f, nil
}

// memPoint is RSS and used_memory at one moment; used is -1 when the
// server does not report it.
type memPoint struct {
	rss, used int64
}

// memResult is the memory footprint of one fresh server before loading,
// after loading the keys and after overwriting random keys.
type memResult struct {
	keys                 int
	pid                  int
	before, loaded, over memPoint
	dbsize               int64 // after the overwrites (the same key set); -1 when not supported
	loadTime, overTime   time.Duration
}

// perKey is the RSS growth from before to p divided by the number of keys.
func (m memResult) perKey(p memPoint) float64 {
	return float64(p.rss-m.before.rss) / float64(m.keys)
}

// usedPerKey is the used_memory growth per key, if the server reports it.
func (m memResult) usedPerKey(p memPoint) (float64, bool) {
	if m.before.used < 0 || p.used < 0 {
		return 0, false
	}
	return float64(p.used-m.before.used) / float64(m.keys), true
}

// runMemory measures each server on its own fresh instance, one at a time so
// they do not compete for memory.
func runMemory(ctx context.Context, cfg config, tl benchkit.Tools, tmp string, log *benchkit.CommandLog) (map[string]memResult, error) {
	files, err := writeMemFiles(tmp, cfg.memKeys)
	if err != nil {
		return nil, err
	}
	defer os.Remove(files.load)
	defer os.Remove(files.overwrite)
	log.Add("memory load", fmt.Sprintf(
		"redis-cli -h 127.0.0.1 -p PORT --pipe < load.resp (%d x SET key:%%09d <%d-byte value>, each key once), "+
			"then --pipe < overwrite.resp (%d x SET of a key drawn uniformly from the same keys, new value); "+
			"RSS = VmRSS of /proc/PID/status before, after the load and after the overwrites", cfg.memKeys, memValueSize, cfg.memKeys))
	results := map[string]memResult{}
	for _, name := range []string{nameRedis, nameNadb} {
		r, err := measureMemory(ctx, cfg, name, tl, tmp, files, log)
		if err != nil {
			return nil, fmt.Errorf("memory %s: %w", name, err)
		}
		results[name] = r
	}
	return results, nil
}

func measureMemory(ctx context.Context, cfg config, name string, tl benchkit.Tools, tmp string, files memFiles, log *benchkit.CommandLog) (memResult, error) {
	s, err := startServer(ctx, name, "memory", tl, tmp, cfg.StartTimeout, log)
	if err != nil {
		return memResult{}, err
	}
	defer s.Stop()

	r := memResult{keys: cfg.memKeys, pid: benchkit.ServerPID(s)}
	point := func() (memPoint, error) {
		rss, err := benchkit.RSSBytes(r.pid)
		return memPoint{rss: rss, used: usedMemory(s.Addr())}, err
	}
	if r.before, err = point(); err != nil {
		return memResult{}, err
	}
	pipe := func(path string) (time.Duration, error) {
		start := time.Now()
		args, err := benchkit.RedisCLIPipe(ctx, tl.RedisCLI, s.Port, path, int64(cfg.memKeys), cfg.RunTimeout)
		log.Add("memory pipe", benchkit.ShellJoin(args)+" < "+filepath.Base(path))
		if err != nil {
			return 0, fmt.Errorf("%w%s", err, s.LogTail())
		}
		return time.Since(start), nil
	}
	if r.loadTime, err = pipe(files.load); err != nil {
		return memResult{}, err
	}
	if err := checkDBSize(s, cfg.memKeys); err != nil {
		return memResult{}, err
	}
	if r.loaded, err = point(); err != nil {
		return memResult{}, err
	}
	if r.overTime, err = pipe(files.overwrite); err != nil {
		return memResult{}, err
	}
	if err := checkDBSize(s, cfg.memKeys); err != nil {
		return memResult{}, err
	}
	if r.over, err = point(); err != nil {
		return memResult{}, err
	}
	if err := s.Alive(); err != nil {
		return memResult{}, err
	}
	fmt.Fprintf(os.Stderr, "%-5s memory: %d keys in %.1fs, RSS %d -> %d bytes (%.1f B/key); after %d overwrites (%.1fs) %d bytes (%.1f B/key)\n",
		name, r.keys, r.loadTime.Seconds(), r.before.rss, r.loaded.rss, r.perKey(r.loaded),
		r.keys, r.overTime.Seconds(), r.over.rss, r.perKey(r.over))
	return r, nil
}

// checkDBSize fails when DBSIZE, if the server supports it, is not want.
func checkDBSize(s *benchkit.Process, want int) error {
	v, err := benchkit.Command(s.Addr(), 10*time.Second, "DBSIZE")
	if err != nil {
		return nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return fmt.Errorf("DBSIZE reply %q: %w", v, err)
	}
	if n != int64(want) {
		return fmt.Errorf("DBSIZE is %d, want %d distinct keys", n, want)
	}
	return nil
}

// usedMemory returns INFO memory used_memory, or -1 if unavailable.
func usedMemory(addr string) int64 {
	info, err := benchkit.Command(addr, 10*time.Second, "INFO", "memory")
	if err != nil {
		return -1
	}
	return benchkit.FieldInt(benchkit.ParseInfo(info), "used_memory")
}
