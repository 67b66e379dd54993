package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/nadb-server/nadb-server/bench/internal/benchkit"
)

func main() {
	nadb := flag.String("nadb", "", "nadb-server binary")
	redis := flag.String("redis", "redis-server", "redis-server binary")
	n := flag.Int("n", 1_000_000, "fields of the big hash; number of small hashes")
	flag.Parse()
	if err := run(*nadb, *redis, *n); err != nil {
		fmt.Fprintln(os.Stderr, "hashmem:", err)
		os.Exit(1)
	}
}

// workload is a redis-cli --pipe input and what to divide RSS growth by.
type workload struct {
	name, path string
	cmds, per  int64
	unit       string
}

func run(nadb, redis string, n int) error {
	cli, err := benchkit.LookRedisCLI()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "hashmem")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	// One hash of n fields "field:%09d" with 10-byte values, 100 per HSET;
	// n hashes "user:%09d" of 4 fields each (name, age, city, score).
	big := workload{name: fmt.Sprintf("1 hash of %d fields", n), path: filepath.Join(tmp, "big.resp"), per: int64(n), unit: "field"}
	small := workload{name: fmt.Sprintf("%d hashes of 4 fields", n), path: filepath.Join(tmp, "small.resp"), per: int64(n), unit: "hash"}
	if big.cmds, err = writeFile(big.path, n, func(w *bufio.Writer, i int) int {
		if i%100 != 0 {
			return 0
		}
		args := []string{"HSET", "big"}
		for j := i; j < min(i+100, n); j++ {
			args = append(args, fmt.Sprintf("field:%09d", j), fmt.Sprintf("v%09d", j))
		}
		writeCmd(w, args)
		return 1
	}); err != nil {
		return err
	}
	if small.cmds, err = writeFile(small.path, n, func(w *bufio.Writer, i int) int {
		writeCmd(w, []string{"HSET", fmt.Sprintf("user:%09d", i), "name", "user" + strconv.Itoa(i), "age", strconv.Itoa(20 + i%60), "city", "Paris", "score", strconv.Itoa(i % 1000)})
		return 1
	}); err != nil {
		return err
	}
	fmt.Println("| server | workload | RSS growth | per " + "field or hash |")
	fmt.Println("|---|---|---|---|")
	for _, srv := range []struct{ name, bin string }{{"nadb-server", nadb}, {"redis-server", redis}} {
		if srv.bin == "" {
			continue
		}
		for _, wl := range []workload{big, small} {
			growth, err := measure(srv.name, srv.bin, cli, tmp, wl)
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
func measure(name, bin, cli, tmp string, wl workload) (int64, error) {
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
		args = append(args, "--repl-listen-port", strconv.Itoa(ports[1]), "--dir", dir)
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
