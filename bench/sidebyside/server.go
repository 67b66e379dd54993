package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/nadb-server/nadb-server/bench/internal/benchkit"
)

// Server names used as keys throughout the report.
const (
	nameRedis = "redis"
	nameNadb  = "nadb"
)

// serverArgs returns the command line for a server named name listening on
// port, storing its data under dir. nadb-server takes exactly the options
// below (redis-server compatible plus --repl-listen-port).
func serverArgs(name, bin string, port, replPort int, dir string) []string {
	if name == nameRedis {
		return []string{bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--save", "", "--appendonly", "no", "--dir", dir}
	}
	return []string{bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--repl-listen-port", strconv.Itoa(replPort), "--dir", dir, "--appendonly", "no"}
}

// startServer launches a fresh instance of the named server on free ports in
// its own data directory under tmp and waits until it answers PING. phase
// only labels the command log. The caller must call Stop.
func startServer(ctx context.Context, name, phase string, tl benchkit.Tools, tmp string, timeout time.Duration, log *benchkit.CommandLog) (*benchkit.Process, error) {
	ports, err := benchkit.FreePorts(2)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(tmp, name+"-data-")
	if err != nil {
		return nil, fmt.Errorf("create data dir for %s: %w", name, err)
	}
	bin := tl.RedisServer
	if name == nameNadb {
		bin = tl.NadbServer
	}
	args := serverArgs(name, bin, ports[0], ports[1], dir)
	s, err := benchkit.Start(name, ports[0], dir, args)
	if err != nil {
		return nil, err
	}
	log.Add(fmt.Sprintf("%s server (%s)", name, phase), benchkit.ShellJoin(args))
	if err := s.WaitPing(ctx, timeout); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}
