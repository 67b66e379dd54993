package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/nadb-server/nadb-server/bench/internal/benchkit"
)

type config struct {
	before, after string
	rounds        int
	n, clients    int
	pipeline      int
	keys          int
	digestCalls   int
}

func main() {
	var c config
	flag.StringVar(&c.before, "before", "", "nadb-server binary without the change (required)")
	flag.StringVar(&c.after, "after", "", "nadb-server binary with the change (required)")
	flag.IntVar(&c.rounds, "rounds", 5, "alternating rounds; the table shows medians")
	flag.IntVar(&c.n, "n", 2_000_000, "redis-benchmark -n")
	flag.IntVar(&c.clients, "c", 50, "redis-benchmark -c")
	flag.IntVar(&c.pipeline, "P", 16, "redis-benchmark -P")
	flag.IntVar(&c.keys, "keys", 1_000_000, "keys loaded before DEBUG DIGEST is timed")
	flag.IntVar(&c.digestCalls, "digest-calls", 200, "DEBUG DIGEST calls timed per round")
	flag.Parse()
	if c.before == "" || c.after == "" {
		fmt.Fprintln(os.Stderr, "abcost: -before and -after are required")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, c); err != nil {
		fmt.Fprintln(os.Stderr, "abcost:", err)
		os.Exit(1)
	}
}

// sample is one round of one binary.
type sample struct {
	rps        float64
	p99        float64
	cpuPerM    float64 // server CPU seconds per million commands
	digestUsec float64 // median DEBUG DIGEST round trip with keys loaded
}

func run(ctx context.Context, c config) error {
	bench, err := benchkit.LookRedisBenchmark()
	if err != nil {
		return err
	}
	tmp, cleanup, err := benchkit.TempDir("abcost-", false)
	if err != nil {
		return err
	}
	defer cleanup()
	bins := map[string]string{"before": c.before, "after": c.after}
	got := map[string][]sample{}
	for round := range c.rounds {
		order := []string{"before", "after"}
		if round%2 == 1 {
			order = []string{"after", "before"}
		}
		for _, name := range order {
			s, err := one(ctx, bins[name], bench, filepath.Join(tmp, fmt.Sprintf("%s-%d", name, round)), c)
			if err != nil {
				return fmt.Errorf("%s, round %d: %w", name, round+1, err)
			}
			fmt.Fprintf(os.Stderr, "round %d %-6s %9.0f rps  p99 %.2f ms  %.3f CPU s/M  DEBUG DIGEST %.0f us\n",
				round+1, name, s.rps, s.p99, s.cpuPerM, s.digestUsec)
			got[name] = append(got[name], s)
		}
	}
	med := func(name string, f func(sample) float64) float64 { return benchkit.MedianOf(got[name], f) }
	var b strings.Builder
	fmt.Fprintf(&b, "| %d rounds, medians | before | after | after / before |\n|---|---:|---:|---:|\n", c.rounds)
	row := func(label, format string, f func(sample) float64) {
		x, y := med("before", f), med("after", f)
		fmt.Fprintf(&b, "| %s | "+format+" | "+format+" | %.3f |\n", label, x, y, y/x)
	}
	row(fmt.Sprintf("SET -c %d -P %d, requests/s", c.clients, c.pipeline), "%.0f", func(s sample) float64 { return s.rps })
	row("p99 latency, ms", "%.2f", func(s sample) float64 { return s.p99 })
	row("server CPU seconds per million SETs", "%.3f", func(s sample) float64 { return s.cpuPerM })
	row(fmt.Sprintf("DEBUG DIGEST with %d keys, µs (round trip)", c.keys), "%.0f", func(s sample) float64 { return s.digestUsec })
	fmt.Println(b.String())
	fmt.Println("machine:", benchkit.DescribeMachine(ctx))
	return nil
}

// one starts bin, runs the SET workload, then loads the keys and times
// DEBUG DIGEST, and stops it.
func one(ctx context.Context, bin, bench, dir string, c config) (sample, error) {
	var s sample
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return s, err
	}
	ports, err := benchkit.FreePorts(2)
	if err != nil {
		return s, err
	}
	p, err := benchkit.Start("nadb", ports[0], dir, []string{bin, "--port", strconv.Itoa(ports[0]),
		"--repl-listen-port", strconv.Itoa(ports[1]), "--dir", dir, "--appendonly", "no", "--enable-debug-command", "local"})
	if err != nil {
		return s, err
	}
	defer p.Stop()
	if err := p.WaitPing(ctx, 15*time.Second); err != nil {
		return s, err
	}
	cpu0, err := benchkit.CPUSeconds(p.Pid())
	if err != nil {
		return s, err
	}
	rows, err := benchkit.RunRedisBenchmark(ctx, []string{bench, "-p", strconv.Itoa(ports[0]), "-t", "set",
		"-n", strconv.Itoa(c.n), "-c", strconv.Itoa(c.clients), "-P", strconv.Itoa(c.pipeline),
		"-d", "100", "-r", "1000000", "--csv"}, 10*time.Minute, "SET")
	if err != nil {
		return s, err
	}
	cpu1, err := benchkit.CPUSeconds(p.Pid())
	if err != nil {
		return s, err
	}
	s.rps, s.p99 = rows["SET"].RPS, rows["SET"].P99
	s.cpuPerM = benchkit.CPUPerMillion(cpu0, cpu1, c.n)

	if _, err := benchkit.Command(p.Addr(), 10*time.Second, "FLUSHALL"); err != nil {
		return s, err
	}
	if err := benchkit.LoadKeys(ctx, p.Addr(), c.keys, 100, 5*time.Minute); err != nil {
		return s, err
	}
	cl, err := benchkit.Dial(p.Addr(), 5*time.Second)
	if err != nil {
		return s, err
	}
	defer cl.Close()
	times := make([]float64, 0, c.digestCalls)
	for range c.digestCalls {
		start := time.Now()
		if _, err := cl.DoString("DEBUG", "DIGEST"); err != nil {
			return s, err
		}
		times = append(times, float64(time.Since(start).Microseconds()))
	}
	s.digestUsec = benchkit.Median(times)
	return s, nil
}
