// Command persistence compares the cost of persistence (log segments and
// snapshots in nadb-server, the append-only file in Redis 7) in
// nadb-server and a real redis-server on the same machine and writes a
// markdown section to bench/RESULTS.md.
//
// It measures, alternating the servers within every round and flipping the
// order each round:
//
//  1. SET throughput (redis-benchmark -t set -d 100 -r 1000000 -c 50 -P 16)
//     with appendonly no (passed explicitly: nadb-server's default is yes)
//     and with appendfsync no, everysec and always, on a fresh server and
//     data directory per run;
//  2. restart time in two cases: load -keys keys with appendfsync everysec
//     and automatic rewrites off, stop the server cleanly (SHUTDOWN), start
//     it again on the same directory (a: the log only) and time from
//     process start until PING answers PONG and DBSIZE is -keys; then send
//     that server BGREWRITEAOF, wait until INFO persistence shows it done,
//     stop it cleanly and time a second restart (b: snapshot plus the log
//     after it);
//  3. MSET throughput (redis-benchmark -t mset -P 16) with appendonly no
//     and with appendonly yes (appendfsync everysec, both servers' default
//     policy), each server against itself;
//  4. disk bytes per key of the log and snapshot files (nadb-*.aof and
//     nadb-*.snap; Redis's appendonlydir/ and dump.rdb) before each of
//     those restarts, i.e. right after the load and after BGREWRITEAOF.
//
// Run from the module root:
//
//	go run ./bench/persistence [flags]
//
// See bench/README.md for details.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/nadb-server/nadb-server/bench/internal/benchkit"
)

// config holds the parsed command line.
type config struct {
	rounds         int
	n              int
	keys           int
	skipRestart    bool
	nMSET          int
	skipMSET       bool
	restartTimeout time.Duration
	benchkit.CommonFlags
}

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintf(os.Stderr, "persistence: %v\n", err)
		os.Exit(2)
	}
	benchkit.Main("persistence", func(ctx context.Context) error { return run(ctx, cfg) })
}

func parseFlags(args []string) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("persistence", flag.ContinueOnError)
	fs.IntVar(&cfg.rounds, "rounds", 3, "number of alternating rounds; medians are taken over rounds")
	fs.IntVar(&cfg.n, "n", 1000000, "redis-benchmark -n (SETs) per throughput run")
	fs.IntVar(&cfg.keys, "keys", 1000000, "distinct keys loaded before the restart and disk measurements")
	fs.IntVar(&cfg.nMSET, "n-mset", 200000, "redis-benchmark -n (MSET commands of 10 keys) per MSET run")
	fs.BoolVar(&cfg.skipMSET, "skip-mset", false, "skip the MSET appendonly yes / no comparison")
	fs.BoolVar(&cfg.skipRestart, "skip-restart", false, "skip the restart-time, BGREWRITEAOF and disk-bytes measurements")
	fs.DurationVar(&cfg.restartTimeout, "restart-timeout", 10*time.Minute, "how long to wait for a restarted server to load its data directory (PONG and DBSIZE)")
	cfg.Register(fs, benchkit.FlagHelp{
		StartTimeout: "how long to wait for a fresh server to answer PING, or to exit after SHUTDOWN",
		RunTimeout:   "upper bound for one redis-benchmark run, one key load or one BGREWRITEAOF",
		KeepTmp:      "keep the temporary directory (server logs, data dirs, built binary)",
		RedisServer:  true,
	})
	if err := benchkit.ParseFlags(fs, args); err != nil {
		return config{}, err
	}
	if cfg.rounds < 1 || cfg.n < 1 || cfg.keys < 1 || cfg.nMSET < 1 {
		return config{}, errors.New("-rounds, -n, -n-mset and -keys must be positive")
	}
	return cfg, nil
}

func run(ctx context.Context, cfg config) error {
	tl, tmp, cleanup, err := benchkit.Prepare(ctx, cfg.CommonFlags, "nadb-persistence-")
	if err != nil {
		return err
	}
	defer cleanup()

	h := &harness{cfg: cfg, tl: tl, tmp: tmp, commands: &benchkit.CommandLog{}}
	rep := report{
		started:      time.Now(),
		machine:      benchkit.DescribeMachine(ctx),
		redisVersion: benchkit.Version(ctx, tl.RedisServer),
		nadbVersion:  benchkit.Version(ctx, tl.NadbServer),
		filesystem:   filesystemOf(tmp),
		tmp:          tmp,
		cfg:          cfg,
		commands:     h.commands,
	}
	fmt.Fprintf(os.Stderr, "data directories under %s (%s)\n", tmp, rep.filesystem)

	if rep.throughput, err = runThroughput(ctx, h); err != nil {
		return err
	}
	if !cfg.skipMSET {
		if rep.mset, err = runMSET(ctx, h); err != nil {
			return err
		}
	}
	if !cfg.skipRestart {
		if rep.restart, err = runRestart(ctx, h); err != nil {
			return err
		}
	}
	rep.anomalies = h.anomalies

	return benchkit.Publish(cfg.Out, resultsSection, rep.markdown())
}
