// Command sidebyside benchmarks nadb-server against a real redis-server on
// the same machine and writes a markdown comparison to bench/RESULTS.md.
//
// It shells out to redis-benchmark for throughput, latency and the servers'
// own CPU time per request (alternating the two servers within every round
// and flipping the order each round), and loads 1,000,000 keys with
// `redis-cli --pipe` into a fresh instance of each server, then overwrites
// as many random keys, to compare RSS per key.
//
// Run from the module root:
//
//	go run ./bench/sidebyside [flags]
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
	rounds     int
	nP1        int
	nP16       int
	memKeys    int
	skipMemory bool
	benchkit.CommonFlags
}

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintf(os.Stderr, "sidebyside: %v\n", err)
		os.Exit(2)
	}
	benchkit.Main("sidebyside", func(ctx context.Context) error { return run(ctx, cfg) })
}

func parseFlags(args []string) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("sidebyside", flag.ContinueOnError)
	fs.IntVar(&cfg.rounds, "rounds", 5, "number of alternating rounds; medians are taken over rounds")
	fs.IntVar(&cfg.nP1, "n-p1", 200000, "redis-benchmark -n (requests per test) for the -P 1 workload")
	fs.IntVar(&cfg.nP16, "n-p16", 2000000, "redis-benchmark -n (requests per test) for the -P 16 workload")
	fs.IntVar(&cfg.memKeys, "mem-keys", 1000000, "number of distinct keys loaded for the memory comparison")
	fs.BoolVar(&cfg.skipMemory, "skip-memory", false, "skip the RSS-per-key comparison")
	cfg.Register(fs, benchkit.FlagHelp{
		RunTimeout:  "upper bound for one redis-benchmark invocation or one memory load",
		RedisServer: true,
	})
	if err := benchkit.ParseFlags(fs, args); err != nil {
		return config{}, err
	}
	if cfg.rounds < 1 || cfg.nP1 < 1 || cfg.nP16 < 1 || cfg.memKeys < 1 {
		return config{}, errors.New("-rounds, -n-p1, -n-p16 and -mem-keys must be positive")
	}
	return cfg, nil
}

func run(ctx context.Context, cfg config) error {
	tl, tmp, cleanup, err := benchkit.Prepare(ctx, cfg.CommonFlags, "nadb-sidebyside-")
	if err != nil {
		return err
	}
	defer cleanup()

	rep := report{
		started:      time.Now(),
		machine:      benchkit.DescribeMachine(ctx),
		redisVersion: benchkit.Version(ctx, tl.RedisServer),
		rounds:       cfg.rounds,
		smoke:        cfg.Smoke,
		commands:     &benchkit.CommandLog{},
	}

	rep.bench, err = runBenchmarks(ctx, cfg, tl, tmp, rep.commands)
	if err != nil {
		return err
	}

	if !cfg.skipMemory {
		rep.memory, err = runMemory(ctx, cfg, tl, tmp, rep.commands)
		if err != nil {
			return err
		}
	}

	return benchkit.Publish(cfg.Out, resultsSection, rep.markdown())
}
