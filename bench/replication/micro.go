package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/nadb-server/nadb-server/bench/internal/benchkit"
)

// microArgs is the codec micro-benchmark command, run in the module root.
var microArgs = []string{"go", "test", "-run", "^$", "-bench", "Decode|Encode", "-benchmem", "./replication/frame/"}

// microResult holds the interesting lines of the go test output.
type microResult struct {
	lines  []string // goos/goarch/pkg/cpu headers and Benchmark lines
	failed bool
	output string // full output when it failed
	took   time.Duration
}

// runMicro runs the codec benchmarks. A failing go test (for example a
// package that does not compile) is reported, not fatal.
func runMicro(ctx context.Context, h *harness) (*microResult, error) {
	h.cmds.Add("codec micro-benchmarks (module root)", benchkit.ShellJoin(microArgs))
	ctx2, cancel := context.WithTimeout(ctx, h.cfg.RunTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx2, microArgs[0], microArgs[1:]...)
	cmd.Dir = h.root
	start := time.Now()
	out, err := cmd.CombinedOutput()
	res := &microResult{took: time.Since(start)}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	for _, l := range strings.Split(string(out), "\n") {
		for _, p := range []string{"goos:", "goarch:", "pkg:", "cpu:", "Benchmark"} {
			if strings.HasPrefix(l, p) {
				res.lines = append(res.lines, l)
				break
			}
		}
	}
	if err != nil {
		res.failed = true
		res.output = strings.TrimSpace(string(out))
		h.anomaly("micro-benchmarks: %s failed: %v", benchkit.ShellJoin(microArgs), err)
	}
	for _, l := range res.lines {
		if strings.HasPrefix(l, "Benchmark") {
			fmt.Fprintln(os.Stderr, l)
		}
	}
	return res, nil
}
