package benchkit

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"time"
)

// WriteSetFile writes n SET commands in RESP to path, for `redis-cli
// --pipe`. With overwrite false the keys are key:000000000 ... in order,
// each once; with overwrite true each key is drawn uniformly from the same
// n keys (a seeded, repeatable sequence) so some are written several times
// and some not at all. Values are valueSize bytes, distinct per command.
func WriteSetFile(path string, n, valueSize int, overwrite bool, seed uint64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	rng := rand.New(rand.NewPCG(seed, 0x6e616462))
	value := bytes.Repeat([]byte{'x'}, valueSize)
	var key, buf []byte
	for i := range n {
		k := i
		if overwrite {
			k = rng.IntN(n)
		}
		key = fmt.Appendf(key[:0], "key:%09d", k)
		// The command number, then the key: distinct values, and an
		// overwrite never stores the same bytes again.
		stamp := fmt.Appendf(nil, "%d:%s:", i, key)
		copy(value, stamp)
		buf = AppendSet(buf[:0], key, value)
		if _, err := w.Write(buf); err != nil {
			f.Close()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

var pipeSummaryRE = regexp.MustCompile(`errors:\s*(\d+),\s*replies:\s*(\d+)`)

// ParsePipeSummary reads redis-cli --pipe's last line, "errors: E,
// replies: R".
func ParsePipeSummary(out string) (errors, replies int64, err error) {
	m := pipeSummaryRE.FindAllStringSubmatch(out, -1)
	if len(m) == 0 {
		return 0, 0, fmt.Errorf("no \"errors: N, replies: N\" in redis-cli --pipe output %q", out)
	}
	last := m[len(m)-1]
	errors, _ = strconv.ParseInt(last[1], 10, 64)
	replies, _ = strconv.ParseInt(last[2], 10, 64)
	return errors, replies, nil
}

// RedisCLIPipe feeds the file at path to `redis-cli -h 127.0.0.1 -p port
// --pipe` and checks that it reports no error and want replies. It returns
// the command line run.
func RedisCLIPipe(ctx context.Context, redisCLI string, port int, path string, want int64, timeout time.Duration) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	args := []string{redisCLI, "-h", "127.0.0.1", "-p", strconv.Itoa(port), "--pipe"}
	in, err := os.Open(path)
	if err != nil {
		return args, err
	}
	defer in.Close()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = in, &out, &out
	if err := cmd.Run(); err != nil {
		return args, fmt.Errorf("%s < %s: %w (ctx: %v)\n%s", ShellJoin(args), path, err, ctx.Err(), out.String())
	}
	e, r, err := ParsePipeSummary(out.String())
	if err != nil {
		return args, err
	}
	if e != 0 || r != want {
		return args, fmt.Errorf("%s < %s: errors %d, replies %d, want 0 and %d\n%s", ShellJoin(args), path, e, r, want, out.String())
	}
	return args, nil
}

// LookRedisCLI finds redis-cli in PATH.
func LookRedisCLI() (string, error) {
	bin, err := exec.LookPath("redis-cli")
	if err != nil {
		return "", fmt.Errorf("redis-cli not found in PATH: %w; install redis-tools", err)
	}
	return bin, nil
}
