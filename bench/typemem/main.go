package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nadb-server/nadb-server/bench/internal/benchkit"
)

func main() {
	nadb := flag.String("nadb", "", "nadb-server binary")
	redis := flag.String("redis", "redis-server", "redis-server binary")
	n := flag.Int("n", 1_000_000, "elements of each big collection; number of small hashes")
	backlog := flag.String("backlog", "1mb", "nadb-server's repl-backlog-size: the operations it keeps in memory for partial resynchronisation, counted in its RSS (1mb: Redis's default; nadb-server's is 64mb)")
	only := flag.String("only", "", "comma-separated workloads to run (default all): "+strings.Join(names(), ","))
	flag.Parse()
	if err := run(*nadb, *redis, *n, *only, *backlog); err != nil {
		fmt.Fprintln(os.Stderr, "typemem:", err)
		os.Exit(1)
	}
}

// workload is a redis-cli --pipe input and what to divide RSS growth by.
type workload struct {
	name, path string
	cmds, per  int64
	unit       string
}

// generator describes one workload: its name, its unit, and the commands
// for element i of n (a batch command every 100 elements, or one per i).
type generator struct {
	id, unit string
	desc     func(n int) string
	gen      func(w *bufio.Writer, i, n int) int
}

// batch writes cmd key then, for the 100 elements from i, what elem
// gives, every 100th i.
func batch(w *bufio.Writer, i, n int, cmd, key string, elem func(j int) []string) int {
	if i%100 != 0 {
		return 0
	}
	args := []string{cmd, key}
	for j := i; j < min(i+100, n); j++ {
		args = append(args, elem(j)...)
	}
	writeCmd(w, args)
	return 1
}

// generators are the workloads: one big collection of each type, with
// members like "member:000000001", and many small hashes.
var generators = []generator{
	{"bighash", "field", func(n int) string { return fmt.Sprintf("1 hash of %d fields", n) }, func(w *bufio.Writer, i, n int) int {
		return batch(w, i, n, "HSET", "big", func(j int) []string { return []string{fmt.Sprintf("field:%09d", j), fmt.Sprintf("v%09d", j)} })
	}},
	{"smallhashes", "hash", func(n int) string { return fmt.Sprintf("%d hashes of 4 fields", n) }, func(w *bufio.Writer, i, n int) int {
		writeCmd(w, []string{"HSET", fmt.Sprintf("user:%09d", i), "name", "user" + strconv.Itoa(i), "age", strconv.Itoa(20 + i%60), "city", "Paris", "score", strconv.Itoa(i % 1000)})
		return 1
	}},
	{"set", "member", func(n int) string { return fmt.Sprintf("1 set of %d members", n) }, func(w *bufio.Writer, i, n int) int {
		return batch(w, i, n, "SADD", "big", func(j int) []string { return []string{fmt.Sprintf("member:%09d", j)} })
	}},
	{"zset", "member", func(n int) string { return fmt.Sprintf("1 sorted set of %d members", n) }, func(w *bufio.Writer, i, n int) int {
		return batch(w, i, n, "ZADD", "big", func(j int) []string { return []string{strconv.Itoa(j * 7 % 1000003), fmt.Sprintf("member:%09d", j)} })
	}},
	{"list", "element", func(n int) string { return fmt.Sprintf("1 list of %d elements", n) }, func(w *bufio.Writer, i, n int) int {
		return batch(w, i, n, "RPUSH", "big", func(j int) []string { return []string{fmt.Sprintf("v%09d", j)} })
	}},
}

func names() []string {
	out := make([]string, len(generators))
	for i, g := range generators {
		out[i] = g.id
	}
	return out
}

func run(nadb, redis string, n int, only, backlog string) error {
	cli, err := benchkit.LookRedisCLI()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "typemem")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	var wls []workload
	for _, g := range generators {
		if only != "" && !slices.Contains(strings.Split(only, ","), g.id) {
			continue
		}
		wl := workload{name: g.desc(n), path: filepath.Join(tmp, g.id+".resp"), per: int64(n), unit: g.unit}
		if wl.cmds, err = writeFile(wl.path, n, func(w *bufio.Writer, i int) int { return g.gen(w, i, n) }); err != nil {
			return err
		}
		wls = append(wls, wl)
	}
	if len(wls) == 0 {
		return fmt.Errorf("no workload named in %q", only)
	}
	fmt.Printf("nadb-server with repl-backlog-size %s\n\n", backlog)
	fmt.Println("| server | workload | RSS growth | per element |")
	fmt.Println("|---|---|---|---|")
	for _, wl := range wls {
		for _, srv := range []struct{ name, bin string }{{"nadb-server", nadb}, {"redis-server", redis}} {
			if srv.bin == "" {
				continue
			}
			growth, err := measure(srv.name, srv.bin, cli, tmp, wl, backlog)
			if err != nil {
				return err
			}
			fmt.Printf("| %s | %s | %.1f MiB | %.1f B per %s |\n", srv.name, wl.name, float64(growth)/(1<<20), float64(growth)/float64(wl.per), wl.unit)
		}
	}
	return nil
}

func writeCmd(w *bufio.Writer, args []string) {
	fmt.Fprintf(w, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(w, "$%d\r\n%s\r\n", len(a), a)
	}
}

// writeFile writes the commands gen makes for i in [0, n) and returns how
// many it made.
func writeFile(path string, n int, gen func(w *bufio.Writer, i int) int) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var cmds int64
	for i := range n {
		cmds += int64(gen(w, i))
	}
	if err := w.Flush(); err != nil {
		return 0, err
	}
	return cmds, f.Close()
}

// measure loads wl into a fresh server and returns its RSS growth.
func measure(name, bin, cli, tmp string, wl workload, backlog string) (int64, error) {
	ports, err := benchkit.FreePorts(2)
	if err != nil {
		return 0, err
	}
	dir, err := os.MkdirTemp(tmp, name)
	if err != nil {
		return 0, err
	}
	args := []string{bin, "--port", strconv.Itoa(ports[0]), "--save", "", "--appendonly", "no"}
	if name == "nadb-server" {
		args = append(args, "--repl-listen-port", strconv.Itoa(ports[1]), "--dir", dir, "--repl-backlog-size", backlog)
	}
	p, err := benchkit.Start(name, ports[0], dir, args)
	if err != nil {
		return 0, err
	}
	defer p.Stop()
	ctx := context.Background()
	if err := p.WaitPing(ctx, 30*time.Second); err != nil {
		return 0, err
	}
	before, err := benchkit.RSSBytes(p.Pid())
	if err != nil {
		return 0, err
	}
	if _, err := benchkit.RedisCLIPipe(ctx, cli, ports[0], wl.path, wl.cmds, 10*time.Minute); err != nil {
		return 0, err
	}
	time.Sleep(2 * time.Second) // let the collector settle, as the side-by-side memory bench does
	after, err := benchkit.RSSBytes(p.Pid())
	if err != nil {
		return 0, err
	}
	return after - before, nil
}
