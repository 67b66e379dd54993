package integration

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestDataDirLocked: two nodes given the same --dir cannot both run. The
// second refuses to start, naming the directory and the process holding
// it; the first keeps serving. Once the first stops, the directory is free.
func TestDataDirLocked(t *testing.T) {
	t.Parallel()
	nadbOnly(t)
	first := startServer(t, "--appendonly", "yes")
	ports := freePorts(t, 2)
	args := append([]string{"--port", strconv.Itoa(ports[0])}, baseArgs(first.Dir, ports[1])...)
	code, out := runUntilExit(t, append(args, "--appendonly", "yes")...)
	require.NotEqual(t, 0, code)
	require.Contains(t, out, first.Dir+" is locked by process "+strconv.Itoa(first.cmd.Process.Pid))
	require.Equal(t, 1, strings.Count(out, "is locked"), "the error is printed once:\n%s", out)
	require.NoError(t, ping(first.Addr()), "the first node keeps running")

	first.Signal(os.Interrupt)
	require.Equal(t, 0, first.WaitExit(startTimeout))
	again := launch(t, ports[0], append(args, "--appendonly", "yes")...)
	require.NoError(t, ping(again.Addr()))
}

// TestDataDirMissing: a --dir that does not exist is refused, as
// redis-server refuses it, and nothing is created.
func TestDataDirMissing(t *testing.T) {
	t.Parallel()
	nadbOnly(t)
	missing := filepath.Join(t.TempDir(), "typo")
	ports := freePorts(t, 2)
	code, out := runUntilExit(t, append([]string{"--port", strconv.Itoa(ports[0])}, baseArgs(missing, ports[1])...)...)
	require.NotEqual(t, 0, code)
	require.Contains(t, out, "Can't chdir to '"+missing+"': No such file or directory")
	require.NoDirExists(t, missing)
}

// TestPidFile: pidfile is written at start with the process id and removed
// at a clean exit.
func TestPidFile(t *testing.T) {
	t.Parallel()
	nadbOnly(t)
	pidfile := filepath.Join(t.TempDir(), "nadb.pid")
	s := startServer(t, "--pidfile", pidfile)
	b, err := os.ReadFile(pidfile)
	require.NoError(t, err)
	require.Equal(t, strconv.Itoa(s.cmd.Process.Pid)+"\n", string(b))
	s.Signal(os.Interrupt)
	require.Equal(t, 0, s.WaitExit(10*time.Second))
	require.NoFileExists(t, pidfile)
}

// debianRedisConf is Debian's stock /etc/redis/redis.conf, kept in the
// repository (see cmd/nadb-server/testdata/README.md).
func debianRedisConf(t *testing.T) string {
	t.Helper()
	root, err := moduleRoot()
	require.NoError(t, err)
	return filepath.Join(root, "cmd", "nadb-server", "testdata", "debian-redis.conf")
}

// TestStockRedisConf: nadb-server started with Debian's stock redis.conf,
// exactly as a user gets it, refuses with one message naming every line
// that does not apply. With those lines changed as the message says, and
// its paths moved to where the test may write, it serves: the pidfile and
// the logfile are the file's, dir is answered as an absolute path, and
// the pidfile goes at a clean exit. The ports come from the command line
// (which overrides the file) so that no test binds 6379.
func TestStockRedisConf(t *testing.T) {
	t.Parallel()
	nadbOnly(t)
	conf := debianRedisConf(t)
	ports := freePorts(t, 2)
	portArgs := []string{"--port", strconv.Itoa(ports[0]), "--repl-listen-port", strconv.Itoa(ports[1])}
	stdout, stderr, code := runCmd(t, startTimeout, "", serverBin, append([]string{conf}, portArgs...)...)
	require.Equal(t, 1, code)
	require.Empty(t, stdout)
	require.True(t, strings.HasPrefix(stderr, "nadb-server: "+conf+":309: invalid value 'yes' for option 'daemonize'"), stderr)
	require.Equal(t, 1, strings.Count(stderr, "\n"), "the one refused directive, printed once:\n%s", stderr)

	b, err := os.ReadFile(conf)
	require.NoError(t, err)
	tmp := t.TempDir()
	dir, pidfile, logfile := filepath.Join(tmp, "data"), filepath.Join(tmp, "nadb.pid"), filepath.Join(tmp, "nadb.log")
	require.NoError(t, os.Mkdir(dir, 0o755))
	lines := strings.Split(string(b), "\n")
	for i, line := range lines {
		switch f := strings.Fields(line); {
		case len(f) == 0:
		case f[0] == "daemonize":
			lines[i] = f[0] + " no"
		case f[0] == "dir":
			lines[i] = "dir " + dir
		case f[0] == "pidfile":
			lines[i] = "pidfile " + pidfile
		case f[0] == "logfile":
			lines[i] = "logfile " + logfile
		case line == "# maxmemory <bytes>":
			// The eviction section, uncommented as a cache's operator
			// would.
			lines[i] = "maxmemory 100mb"
		case line == "# maxmemory-policy noeviction":
			lines[i] = "maxmemory-policy allkeys-lru"
		case slices.Contains([]string{"# maxmemory-samples 5", "# maxmemory-eviction-tenacity 10", "# replica-ignore-maxmemory yes", "# lfu-log-factor 10", "# lfu-decay-time 1"}, line):
			lines[i] = strings.TrimPrefix(line, "# ")
		}
	}
	fixed := writeConfig(t, strings.Join(lines, "\n"))
	s := launch(t, ports[0], append([]string{fixed}, portArgs...)...)
	ctx := context.Background()
	require.Equal(t, map[string]string{"dir": dir}, s.Client().ConfigGet(ctx, "dir").Val())
	require.Equal(t, "no", s.Client().ConfigGet(ctx, "daemonize").Val()["daemonize"])
	require.Equal(t, "yes", s.Client().ConfigGet(ctx, "protected-mode").Val()["protected-mode"], "the file's protected-mode yes")
	require.Equal(t, "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
		s.Client().ConfigGet(ctx, "client-output-buffer-limit").Val()["client-output-buffer-limit"], "the file's three lines, in Redis's form")
	require.Equal(t, map[string]string{"maxmemory": "104857600", "maxmemory-eviction-tenacity": "10", "maxmemory-policy": "allkeys-lru", "maxmemory-samples": "5"},
		s.Client().ConfigGet(ctx, "maxmemory*").Val(), "the eviction lines, maxmemory in bytes")
	require.Contains(t, s.Client().Info(ctx, "memory").Val(), "\r\nmaxmemory_policy:allkeys-lru\r\n")
	b, err = os.ReadFile(pidfile)
	require.NoError(t, err)
	require.Equal(t, strconv.Itoa(s.cmd.Process.Pid)+"\n", string(b))
	s.Signal(syscall.SIGTERM)
	require.Equal(t, 0, s.WaitExit(startTimeout))
	require.NoFileExists(t, pidfile)
	log, err := os.ReadFile(logfile)
	require.NoError(t, err)
	require.Contains(t, string(log), "ready to accept connections")
	require.Contains(t, string(log), "config directives of redis-server that change nothing here")
}

// TestCheckLogOnRunningNode: check-log reads the data directory of a
// running node (and says which process holds it) but --fix refuses to
// change files the node writes; the node keeps serving.
func TestCheckLogOnRunningNode(t *testing.T) {
	t.Parallel()
	nadbOnly(t)
	s := startServer(t, "--appendonly", "yes")
	require.NoError(t, s.Client().Set(context.Background(), "k", "v", 0).Err())
	pid := strconv.Itoa(s.cmd.Process.Pid)

	stdout, stderr, code := runCmd(t, time.Minute, "", serverBin, "check-log", s.Dir)
	require.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	require.Contains(t, stdout, "note: process "+pid+" holds "+s.Dir+" (a running node)")

	stdout, stderr, code = runCmd(t, time.Minute, "", serverBin, "check-log", s.Dir, "--fix")
	require.Equal(t, 2, code, "stdout:\n%s", stdout)
	require.Equal(t, "nadb-server check-log: --fix changes files a running node writes: stop it first: data directory in use: "+
		s.Dir+" is locked by process "+pid+"\n", stderr)
	require.Equal(t, "v", s.Client().Get(context.Background(), "k").Val())
}
