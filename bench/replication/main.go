// Command replication measures nadb-server's primary → secondary replication
// on one machine and writes the results to bench/RESULTS.md.
//
// It starts real nadb-server processes on free loopback ports and measures:
//
//  1. primary SET throughput (redis-benchmark) and the primary's own CPU
//     seconds per million SETs with 0, 1 and 2 secondaries attached, and how
//     long the secondaries take to catch up afterwards;
//  2. replication lag (write on the primary → readable on a secondary) at a
//     fixed load of half the 1-secondary throughput;
//  3. a full resynchronisation of -keys keys to a fresh secondary;
//  4. the codec's Decode/Encode Go micro-benchmarks.
//
// Run from the module root:
//
//	go run ./bench/replication [flags]
//
// Tests 1 to 3 also run redis-server with as many redis replicas
// (--replicaof) for comparison, unless -skip-redis.
//
// See bench/README.md for details. Standard library only.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"time"

	"github.com/nadb-server/nadb-server/bench/internal/benchkit"
)

// config holds the parsed command line.
type config struct {
	rounds        int
	n             int
	keys          int
	skipFullSync  bool
	skipMicro     bool
	skipRedis     bool
	lagDuration   time.Duration
	lagConns      int
	lagRate       float64
	probeInterval time.Duration
	syncTimeout   time.Duration
	args          []string // the flags as given, for the report
	benchkit.CommonFlags
}

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintf(os.Stderr, "replication: %v\n", err)
		os.Exit(2)
	}
	benchkit.Main("replication", func(ctx context.Context) error { return run(ctx, cfg) })
}

func parseFlags(args []string) (config, error) {
	cfg := config{args: args}
	fs := flag.NewFlagSet("replication", flag.ContinueOnError)
	fs.IntVar(&cfg.rounds, "rounds", 5, "throughput rounds; each round runs 0, 1 and 2 secondaries (order alternates) and the table shows medians")
	fs.IntVar(&cfg.n, "n", 1000000, "redis-benchmark -n (SET requests) per throughput run")
	fs.IntVar(&cfg.keys, "keys", 1000000, "distinct keys (100-byte values) loaded before the full-sync test")
	fs.BoolVar(&cfg.skipFullSync, "skip-fullsync", false, "skip the full-sync test")
	fs.BoolVar(&cfg.skipRedis, "skip-redis", false, "measure nadb-server only (no redis-server with replicas for comparison)")
	fs.BoolVar(&cfg.skipMicro, "skip-micro", false, "skip the codec Go micro-benchmarks")
	fs.DurationVar(&cfg.lagDuration, "lag-duration", 10*time.Second, "how long the lag probes run (after 1s of load warm-up)")
	fs.IntVar(&cfg.lagConns, "lag-conns", 4, "connections of the paced load generator in the lag test")
	fs.Float64Var(&cfg.lagRate, "lag-rate", 0, "SET/s of the lag test's load; 0: half the median throughput with 1 secondary")
	fs.DurationVar(&cfg.probeInterval, "probe-interval", 10*time.Millisecond, "interval between lag probes")
	fs.DurationVar(&cfg.syncTimeout, "sync-timeout", 10*time.Minute, "how long to wait for a secondary to catch up or finish a full sync")
	cfg.Register(fs, benchkit.FlagHelp{
		Out:          "markdown file whose replication section is rewritten",
		StartTimeout: "how long to wait for a server to answer PING / a secondary to link up",
		RunTimeout:   "cap on one redis-benchmark run, key load or go test",
		RedisServer:  true,
	})
	if err := benchkit.ParseFlags(fs, args); err != nil {
		return config{}, err
	}
	if cfg.rounds < 1 || cfg.n < 1 || cfg.keys < 1 || cfg.lagConns < 1 {
		return config{}, errors.New("-rounds, -n, -keys and -lag-conns must be positive")
	}
	if cfg.lagDuration <= 0 || cfg.probeInterval <= 0 || cfg.lagRate < 0 {
		return config{}, errors.New("-lag-duration and -probe-interval must be positive, -lag-rate not negative")
	}
	return cfg, nil
}

func run(ctx context.Context, cfg config) error {
	redisBenchmark, err := benchkit.LookRedisBenchmark()
	if err != nil {
		return err
	}
	root, rootErr := benchkit.ModuleRoot()
	var redisBin string
	if !cfg.skipRedis {
		if redisBin, err = exec.LookPath(cfg.RedisServer); err != nil {
			return fmt.Errorf("redis-server not found (%q): %w; install redis-server, pass -redis-server PATH or -skip-redis", cfg.RedisServer, err)
		}
	}

	tmp, cleanup, err := benchkit.TempDir("nadb-replbench-", cfg.KeepTmp)
	if err != nil {
		return err
	}
	defer cleanup()

	h := &harness{
		cfg:            cfg,
		tmp:            tmp,
		redisBenchmark: redisBenchmark,
		redisBin:       redisBin,
		root:           root,
	}
	defer h.stopAll()

	rep := &report{started: time.Now(), cfg: cfg, cmds: &h.cmds}
	rep.machine = describeMachine(ctx, redisBenchmark)
	h.cmds.Add("this harness", "go run ./bench/replication"+argsSuffix(cfg.args))

	if cfg.NadbBin != "" {
		if h.nadbBin, err = benchkit.LookBinary(cfg.NadbBin); err != nil {
			return fmt.Errorf("-nadb-bin %q is not executable: %w", cfg.NadbBin, err)
		}
	} else {
		if rootErr != nil {
			return rootErr
		}
		if h.nadbBin, err = benchkit.BuildNadb(ctx, root, tmp); err != nil {
			return err
		}
		h.cmds.Add("build", benchkit.ShellJoin([]string{"go", "build", "-o", "TMP/nadb-server", "./cmd/nadb-server"}))
	}

	phase := func(name string) func() {
		start := time.Now()
		fmt.Fprintf(os.Stderr, "== %s\n", name)
		return func() { fmt.Fprintf(os.Stderr, "== %s done in %.1fs\n", name, time.Since(start).Seconds()) }
	}

	done := phase("1. throughput with 0, 1, 2 secondaries")
	if rep.throughput, err = runThroughput(ctx, h); err != nil {
		return err
	}
	done()

	done = phase("2. replication lag at fixed load")
	for _, kind := range h.servers() {
		rate := rep.throughput.medianRPS(kind, 1) / 2
		if cfg.lagRate > 0 {
			rate = cfg.lagRate
		}
		l, err := runLag(ctx, h, kind, rate)
		if err != nil {
			return err
		}
		l.maxRPS = rep.throughput.medianRPS(kind, 1)
		rep.lag = append(rep.lag, l)
	}
	done()

	if !cfg.skipFullSync {
		done = phase("3. full sync")
		for _, kind := range h.servers() {
			f, err := runFullSync(ctx, h, kind)
			if err != nil {
				return err
			}
			rep.fullSync = append(rep.fullSync, f)
		}
		done()
	}

	if !cfg.skipMicro {
		done = phase("4. codec micro-benchmarks")
		if rootErr != nil {
			h.anomaly("micro-benchmarks skipped: %v", rootErr)
		} else if rep.micro, err = runMicro(ctx, h); err != nil {
			return err
		}
		done()
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}

	rep.machine.loadEnd = loadAvg()
	rep.nadbGo = h.nadbGo
	rep.anomalies = h.anomalies
	return benchkit.Publish(cfg.Out, resultsSection, rep.markdown())
}

// argsSuffix renders the flags as given, for a copy-pasteable command.
func argsSuffix(args []string) string {
	if len(args) == 0 {
		return ""
	}
	return " " + benchkit.ShellJoin(args)
}
