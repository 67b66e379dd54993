package integration

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
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
