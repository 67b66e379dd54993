package integration

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// runTool runs a command with stdin and returns its stdout, stderr and exit code.
func runTool(t *testing.T, stdin string, name string, args ...string) (string, string, int) {
	t.Helper()
	return runCmd(t, 5*time.Minute, stdin, name, args...)
}

// runCmd is runTool with a deadline, after which the command is killed and
// the test fails.
func runCmd(t *testing.T, timeout time.Duration, stdin string, name string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdin = strings.NewReader(stdin)
	setPdeathsig(cmd)
	var stdout, stderr lockedBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s %v did not finish: %v\nstdout:\n%s\nstderr:\n%s", name, args, ctx.Err(), stdout.String(), stderr.String())
	}
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatalf("%s %v: %v", name, args, err)
	}
	return stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()
}

func TestRedisCLI(t *testing.T) {
	t.Parallel()
	cli := requireTool(t, "redis-cli")
	s := startServer(t)
	port := strconv.Itoa(s.Port)

	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
		want  string // exact stdout, unless re is set
		re    string
		code  int // the exit code; -1 for any
	}{
		{name: "SET", args: []string{"SET", "a", "1"}, want: "OK\n"},
		{name: "GET", args: []string{"GET", "a"}, want: "1\n"},
		{name: "GET with host", args: []string{"-h", "127.0.0.1", "GET", "a"}, want: "1\n"},
		{name: "INCR", args: []string{"INCR", "a"}, want: "2\n"},
		{name: "no-raw GET", args: []string{"--no-raw", "GET", "a"}, want: "\"2\"\n"},
		{name: "no-raw INCR", args: []string{"--no-raw", "INCR", "a"}, want: "(integer) 3\n"},
		{name: "no-raw nil", args: []string{"--no-raw", "GET", "nope"}, want: "(nil)\n"},
		{name: "no-raw MGET", args: []string{"--no-raw", "MGET", "a", "nope"}, want: "1) \"3\"\n2) (nil)\n"},
		{name: "INFO server", args: []string{"INFO", "server"}, re: `(?s)^# Server\r?\n.*redis_version:\d+\.\d+\.\d+.*tcp_port:` + port + `\r?\n`},
		{name: "error reply", args: []string{"FOOBAR", "x"}, want: "ERR unknown command 'FOOBAR', with args beginning with: 'x' \n\n", code: -1},
		{name: "piped", stdin: "SET x 1\nINCR x\nGET x\n", want: "OK\n2\n2\n"},
		{name: "piped PING", stdin: "PING\n", want: "PONG\n"},
		{name: "quoted args", stdin: "SET q \"hello world\"\nGET q\n", want: "OK\nhello world\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runTool(t, tc.stdin, cli, append([]string{"-p", port}, tc.args...)...)
			if tc.code >= 0 {
				require.Equal(t, tc.code, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
			}
			if tc.re != "" {
				require.Regexp(t, tc.re, out)
			} else {
				require.Equal(t, tc.want, out, "stderr:\n%s", errOut)
			}
		})
	}

	t.Run("pipe mode", func(t *testing.T) {
		var in strings.Builder
		const n = 300
		for i := range n {
			k, v := fmt.Sprintf("pipe:%d", i), strconv.Itoa(i)
			fmt.Fprintf(&in, "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", len(k), k, len(v), v)
		}
		out, errOut, code := runTool(t, in.String(), cli, "-p", port, "--pipe")
		require.Zero(t, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
		require.Contains(t, out, fmt.Sprintf("errors: 0, replies: %d", n), "stderr:\n%s", errOut)
		c := s.Client()
		ctx := context.Background()
		require.Equal(t, "299", c.Get(ctx, "pipe:299").Val())
		keys, err := c.Keys(ctx, "pipe:*").Result()
		require.NoError(t, err)
		require.Len(t, keys, n)
	})
}

// TestRedisCLIInteractive runs redis-cli on a terminal, where it starts by
// sending COMMAND DOCS to build its help and aborts on a malformed reply.
func TestRedisCLIInteractive(t *testing.T) {
	t.Parallel()
	cli := requireTool(t, "redis-cli")
	script := requireTool(t, "script")
	s := startServer(t)

	// script(1) gives redis-cli a pseudo-terminal; stty gives the terminal a
	// size so that linenoise does not query the cursor position.
	cmd := exec.Command(script, "-qfec", fmt.Sprintf("stty cols 200 rows 50; exec %s -p %d", cli, s.Port), "/dev/null")
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = 5 * time.Second // do not hang on a descendant holding the output pipe
	setPdeathsig(cmd)
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	var waitErr error
	exited := make(chan struct{}) // closed once Wait has returned; then waitErr is set
	go func() {
		waitErr = cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill() // fails harmlessly if redis-cli has quit
		<-exited
	})

	waitFor := func(what string) {
		t.Helper()
		require.Eventually(t, func() bool { return strings.Contains(out.String(), what) },
			20*time.Second, 10*time.Millisecond, "waiting for %q; output so far:\n%q", what, out.String())
	}
	prompt := fmt.Sprintf("127.0.0.1:%d> ", s.Port)
	waitFor(prompt)
	for _, line := range []struct{ in, out string }{
		{"PING", "PONG\r\n"},
		{"SET tty works", "OK\r\n"},
		{"ECHO from-the-tty", "\"from-the-tty\"\r\n"},
	} {
		_, err = stdin.Write([]byte(line.in + "\r"))
		require.NoError(t, err)
		waitFor(line.out)
	}
	require.Equal(t, "works", s.Client().Get(context.Background(), "tty").Val())
	_, err = stdin.Write([]byte("quit\r"))
	require.NoError(t, err)
	select {
	case <-exited:
		require.NoError(t, waitErr, "redis-cli output:\n%q", out.String())
	case <-time.After(20 * time.Second):
		t.Fatalf("redis-cli did not quit; output:\n%q", out.String())
	}
}

func TestRedisBenchmark(t *testing.T) {
	t.Parallel()
	bench := requireTool(t, "redis-benchmark")
	s := startServer(t)
	out, errOut, code := runTool(t, "", bench, "-p", strconv.Itoa(s.Port), "-t", "set,get,incr,mset,ping", "-n", "20000", "-q")
	require.Zero(t, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	t.Logf("redis-benchmark:\n%s%s", out, errOut)
	lines := regexp.MustCompile(`[\r\n]+`).Split(out+"\n"+errOut, -1)
	for _, line := range lines {
		require.NotContains(t, line, "ERR")
		require.NotContains(t, strings.ToLower(line), "error")
	}
	for _, test := range []string{"PING_INLINE", "PING_MBULK", "SET", "GET", "INCR", "MSET (10 keys)"} {
		require.Regexp(t, `(?m)^`+regexp.QuoteMeta(test)+`: [\d.]+ requests per second`, strings.ReplaceAll(out, "\r", "\n"))
	}
	c := s.Client()
	require.Positive(t, c.DBSize(context.Background()).Val())
}

// requireRedisPy returns the Python that has redis-py (Debian's
// python3-redis) with module importable, or skips (fails on CI) when it
// has not.
func requireRedisPy(t *testing.T, module string) string {
	t.Helper()
	python := requireTool(t, "/usr/bin/python3")
	if out, err := exec.Command(python, "-c", "import "+module).CombinedOutput(); err != nil {
		skipOrFail(t, "redis-py is not installed for %s: %v\n%s", python, err, out)
	}
	return python
}

func TestRedisPy(t *testing.T) {
	t.Parallel()
	python := requireRedisPy(t, "redis")
	s := startServer(t)
	out, errOut, code := runTool(t, "", python, "testdata/redis_py_smoke.py", strconv.Itoa(s.Port))
	require.Zero(t, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	require.Equal(t, "OK\n", out, "stderr:\n%s", errOut)
	require.Equal(t, "42", s.Client().Get(context.Background(), "py:a").Val())
}
