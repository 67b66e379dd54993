// Command lruhit measures the GET hit rate of allkeys-lru eviction under a
// zipfian workload, nadb-server against redis-server, and writes its section
// of bench/RESULTS.md between <!-- lruhit:begin --> and <!-- lruhit:end -->.
//
// Each run starts a fresh server, sets maxmemory-policy allkeys-lru and
// maxmemory with CONFIG SET, then runs a read-through cache (GET a key
// drawn from a Zipf distribution; on a miss, SET it with a -value-size
// value) over -keys keys, with maxmemory small enough to force eviction.
// A server that answers CONFIG SET maxmemory-policy or maxmemory with an
// error (nadb-server until it implements maxmemory) is skipped with a
// clear message and its goal row says so.
//
//	go run ./bench/lruhit [flags]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/nadb-server/nadb-server/bench/internal/benchkit"
)

const resultsSection = "lruhit"

type config struct {
	rounds    int
	keys      int
	ops       int
	warmup    int
	batch     int
	valueSize int
	maxmemory string
	zipfS     float64
	zipfV     float64
	seed      uint64
	benchkit.CommonFlags
}

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintf(os.Stderr, "lruhit: %v\n", err)
		os.Exit(2)
	}
	benchkit.Main("lruhit", func(ctx context.Context) error { return run(ctx, cfg) })
}

func parseFlags(args []string) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("lruhit", flag.ContinueOnError)
	fs.IntVar(&cfg.rounds, "rounds", 3, "alternating rounds (fresh server each); the table shows medians")
	fs.IntVar(&cfg.keys, "keys", 1000000, "keyspace: Zipf-drawn key indexes are below this")
	fs.IntVar(&cfg.ops, "ops", 2000000, "counted operations (GET, plus SET on a miss) per run")
	fs.IntVar(&cfg.warmup, "warmup", 500000, "operations run first and not counted")
	fs.IntVar(&cfg.batch, "batch", 64, "GETs pipelined per batch (the misses' SETs follow as one batch)")
	fs.IntVar(&cfg.valueSize, "value-size", 100, "bytes per value")
	fs.StringVar(&cfg.maxmemory, "maxmemory", "32mb", "CONFIG SET maxmemory value (must force eviction: well under the keyspace's size)")
	fs.Float64Var(&cfg.zipfS, "zipf-s", 1.01, "Zipf exponent s (> 1; larger is more skewed)")
	fs.Float64Var(&cfg.zipfV, "zipf-v", 1, "Zipf parameter v (>= 1)")
	fs.Uint64Var(&cfg.seed, "seed", 1, "seed of the key sequence (the same for every server and round)")
	cfg.Register(fs, benchkit.FlagHelp{
		Out:         "markdown file whose lruhit section is rewritten",
		RunTimeout:  "cap on one driver run",
		RedisServer: true,
	})
	if err := benchkit.ParseFlags(fs, args); err != nil {
		return config{}, err
	}
	if cfg.rounds < 1 || cfg.keys < 1 || cfg.ops < 1 || cfg.warmup < 0 || cfg.batch < 1 || cfg.valueSize < 1 {
		return config{}, errors.New("-rounds, -keys, -ops, -batch and -value-size must be positive, -warmup not negative")
	}
	if _, err := newKeyGen(cfg.seed, cfg.zipfS, cfg.zipfV, cfg.keys); err != nil {
		return config{}, err
	}
	return cfg, nil
}

// result is one run against one server.
type result struct {
	counts
	skipped   string // why the server could not be measured
	evicted   int64  // INFO stats evicted_keys, -1 when not reported
	dbsize    int64
	usedMem   int64 // INFO memory used_memory at the end, -1 when not reported
	maxmemory int64 // CONFIG GET maxmemory as applied
	took      time.Duration
}

func run(ctx context.Context, cfg config) error {
	tl, tmp, cleanup, err := benchkit.Prepare(ctx, cfg.CommonFlags, "nadb-lruhit-")
	if err != nil {
		return err
	}
	defer cleanup()
	rep := &report{started: time.Now(), cfg: cfg, machine: benchkit.DescribeMachine(ctx),
		redisVersion: benchkit.Version(ctx, tl.RedisServer), runs: map[string][]result{}, cmds: &benchkit.CommandLog{}}
	skipped := map[string]bool{}
	for round := range cfg.rounds {
		order := []string{nameRedis, nameNadb}
		if round%2 == 1 {
			order = []string{nameNadb, nameRedis}
		}
		for _, name := range order {
			if skipped[name] {
				continue
			}
			r, err := runOne(ctx, cfg, tl, tmp, name, rep.cmds)
			if err != nil {
				return fmt.Errorf("round %d, %s: %w", round+1, name, err)
			}
			if r.skipped != "" {
				fmt.Fprintf(os.Stderr, "lruhit: SKIPPING %s: %s\n", name, r.skipped)
				skipped[name] = true
			} else {
				fmt.Fprintf(os.Stderr, "round %d %-5s hit rate %.2f%% (%d hits, %d misses), evicted %d, dbsize %d, used_memory %d, %.1fs\n",
					round+1, name, 100*r.hitRate(), r.hits, r.misses, r.evicted, r.dbsize, r.usedMem, r.took.Seconds())
			}
			rep.runs[name] = append(rep.runs[name], r)
		}
	}
	return benchkit.Publish(cfg.Out, resultsSection, rep.markdown())
}

const (
	nameRedis = "redis"
	nameNadb  = "nadb"
)

// runOne starts a fresh server, configures eviction and drives it.
func runOne(ctx context.Context, cfg config, tl benchkit.Tools, tmp, name string, cmds *benchkit.CommandLog) (result, error) {
	ports, err := benchkit.FreePorts(2)
	if err != nil {
		return result{}, err
	}
	dir, err := os.MkdirTemp(tmp, name+"-")
	if err != nil {
		return result{}, err
	}
	defer os.RemoveAll(dir)
	var args []string
	if name == nameRedis {
		args = []string{tl.RedisServer, "--port", strconv.Itoa(ports[0]), "--bind", "127.0.0.1",
			"--save", "", "--appendonly", "no", "--dir", dir}
	} else {
		args = []string{tl.NadbServer, "--port", strconv.Itoa(ports[0]), "--bind", "127.0.0.1",
			"--repl-listen-port", strconv.Itoa(ports[1]), "--dir", dir, "--appendonly", "no"}
	}
	cmds.Add(name+" server", benchkit.ShellJoin(args))
	p, err := benchkit.Start(name, ports[0], dir, args)
	if err != nil {
		return result{}, err
	}
	defer p.Stop()
	if err := p.WaitPing(ctx, cfg.StartTimeout); err != nil {
		return result{}, err
	}

	c, err := benchkit.Dial(p.Addr(), 5*time.Second)
	if err != nil {
		return result{}, err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	for _, kv := range [][2]string{{"maxmemory-policy", "allkeys-lru"}, {"maxmemory", cfg.maxmemory}} {
		cmds.Add("configure", "CONFIG SET maxmemory-policy allkeys-lru; CONFIG SET maxmemory "+cfg.maxmemory)
		if rep, err := c.Do("CONFIG", "SET", kv[0], kv[1]); err != nil {
			why := strings.TrimSpace(rep.Str)
			if why == "" {
				why = err.Error()
			}
			return result{skipped: fmt.Sprintf("CONFIG SET %s %s answered %q: the server does not support eviction yet", kv[0], kv[1], why)}, nil
		}
	}
	r := result{maxmemory: -1}
	if rep, err := c.Do("CONFIG", "GET", "maxmemory"); err == nil && len(rep.Elems) == 2 {
		r.maxmemory, _ = strconv.ParseInt(rep.Elems[1].Str, 10, 64)
	}

	gen, err := newKeyGen(cfg.seed, cfg.zipfS, cfg.zipfV, cfg.keys)
	if err != nil {
		return result{}, err
	}
	_ = c.SetDeadline(time.Now().Add(cfg.RunTimeout))
	cmds.Add("driver", fmt.Sprintf("in-process read-through cache over one connection: GET lru:<Zipf(s=%v, v=%v) index below %d>, "+
		"%d GETs pipelined per batch, then SET of each miss (%d-byte value); %d warm-up operations, then %d counted",
		cfg.zipfS, cfg.zipfV, cfg.keys, cfg.batch, cfg.valueSize, cfg.warmup, cfg.ops))
	start := time.Now()
	r.counts, err = drive(&respStore{c: c, value: strings.Repeat("v", cfg.valueSize)}, gen, cfg.warmup, cfg.ops, cfg.batch)
	r.took = time.Since(start)
	if err != nil {
		return result{}, fmt.Errorf("driver: %w%s", err, p.LogTail())
	}
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	r.evicted, r.usedMem, r.dbsize = -1, -1, -1
	if s, err := c.DoString("INFO", "stats"); err == nil {
		r.evicted = benchkit.FieldInt(benchkit.ParseInfo(s), "evicted_keys")
	}
	if s, err := c.DoString("INFO", "memory"); err == nil {
		r.usedMem = benchkit.FieldInt(benchkit.ParseInfo(s), "used_memory")
	}
	if s, err := c.DoString("DBSIZE"); err == nil {
		r.dbsize, _ = strconv.ParseInt(s, 10, 64)
	}
	return r, p.Alive()
}

// respStore is the driver's store on a benchkit client.
type respStore struct {
	c     *benchkit.Client
	value string
}

func (s *respStore) getBatch(keys []string) ([]bool, error) {
	for _, k := range keys {
		if err := s.c.Send("GET", k); err != nil {
			return nil, err
		}
	}
	if err := s.c.Flush(); err != nil {
		return nil, err
	}
	hits := make([]bool, len(keys))
	for i := range keys {
		rep, err := s.c.Receive()
		if err != nil {
			return nil, err
		}
		if rep.Kind == '-' {
			return nil, fmt.Errorf("GET %s: %s", keys[i], rep.Str)
		}
		hits[i] = !rep.Null
	}
	return hits, nil
}

func (s *respStore) setBatch(keys []string) error {
	for _, k := range keys {
		if err := s.c.Send("SET", k, s.value); err != nil {
			return err
		}
	}
	if err := s.c.Flush(); err != nil {
		return err
	}
	for i := range keys {
		rep, err := s.c.Receive()
		if err != nil {
			return err
		}
		if rep.Kind != '+' {
			return fmt.Errorf("SET %s: %c%s", keys[i], rep.Kind, rep.Str)
		}
	}
	return nil
}
