package benchkit

import (
	"context"
	"errors"
	"flag"
	"github.com/stretchr/testify/require"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestFreePorts(t *testing.T) {
	ports, err := FreePorts(3)
	if err != nil {
		t.Fatal(err)
	}
	if len(ports) != 3 || ports[0] == ports[1] || ports[1] == ports[2] || ports[0] == ports[2] {
		t.Fatalf("got %v", ports)
	}
}

// TestProcess runs a shell loop standing in for a server: the fake RESP
// server answers PING on its port while the process stays alive.
func TestProcess(t *testing.T) {
	fake := startFakeServer(t)
	dir := t.TempDir()
	p, err := Start("fake", fake.port(), dir, []string{"sh", "-c", "echo started; sleep 60"})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	if err := p.WaitPing(context.Background(), 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := p.Alive(); err != nil {
		t.Fatal(err)
	}
	if p.Pid() <= 0 || p.Started.IsZero() || p.LogPath != filepath.Join(dir, "server.log") {
		t.Fatalf("pid %d, started %v, log %s", p.Pid(), p.Started, p.LogPath)
	}
	require.Eventually(t, func() bool { return len(p.LogLines()) > 0 }, 5*time.Second, 10*time.Millisecond, "the fake server's log line")
	if lines := p.LogLines(); len(lines) != 1 || lines[0] != "started" {
		t.Fatalf("log lines %q", lines)
	}
	p.Stop()
	p.Stop() // idempotent
	if err := p.Alive(); err == nil || !strings.Contains(err.Error(), "fake exited unexpectedly") {
		t.Fatalf("after Stop: %v", err)
	}
}

func TestWaitPingExited(t *testing.T) {
	ports, err := FreePorts(1)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Start("quitter", ports[0], t.TempDir(), []string{"sh", "-c", "echo bye; exit 3"})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	err = p.WaitPing(context.Background(), 10*time.Second)
	if err == nil || !strings.Contains(err.Error(), "quitter exited before answering PING") || !strings.Contains(err.Error(), "bye") {
		t.Fatalf("got %v", err)
	}
}

func TestWaitPingTimeoutAndCancel(t *testing.T) {
	ports, err := FreePorts(1)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Start("silent", ports[0], t.TempDir(), []string{"sleep", "60"})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	if err := p.WaitPing(context.Background(), 50*time.Millisecond); err == nil || !strings.Contains(err.Error(), "did not answer PING within") {
		t.Fatalf("timeout: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.WaitPing(ctx, 10*time.Second); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancel: %v", err)
	}
}

func TestStartFailure(t *testing.T) {
	dir := t.TempDir()
	if _, err := Start("missing", 1, dir, []string{filepath.Join(dir, "no-such-binary")}); err == nil {
		t.Fatal("no error for a missing binary")
	}
	if _, err := Start("nodir", 1, filepath.Join(dir, "absent"), []string{"true"}); err == nil {
		t.Fatal("no error for a missing directory")
	}
}

func TestLookBinary(t *testing.T) {
	if p, err := LookBinary("sh"); err != nil || !filepath.IsAbs(p) {
		t.Fatalf("sh: %q, %v", p, err)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "tool")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	if p, err := LookBinary("./tool"); err != nil || p != bin {
		t.Fatalf("./tool: %q, %v", p, err)
	}
}

func TestModuleRoot(t *testing.T) {
	root, err := ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "bench", "internal", "benchkit", "doc.go")); err != nil {
		t.Fatalf("root %s: %v", root, err)
	}
	other := t.TempDir()
	if err := os.WriteFile(filepath.Join(other, "go.mod"), []byte("module example.com/other\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(other)
	if _, err := ModuleRoot(); err == nil {
		t.Fatal("no error for another module")
	}
}

func TestDescribeMachine(t *testing.T) {
	m := DescribeMachine(context.Background())
	if m.CPUs < 1 || m.GoVersion == "" || m.CPUModel == "" || m.Kernel == "" {
		t.Fatalf("got %+v", m)
	}
	if s := m.String(); !strings.HasSuffix(s, ", loopback only") || !strings.Contains(s, " CPUs (nproc), ") {
		t.Fatalf("String %q", s)
	}
	if v := Version(context.Background(), "/nonexistent/tool"); v != "unknown" {
		t.Fatalf("Version %q", v)
	}
}

func TestTempDir(t *testing.T) {
	dir, cleanup, err := TempDir("benchkit-test-", false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Fatal(err)
	}
	cleanup()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("not removed: %v", err)
	}
}

func TestParseFlags(t *testing.T) {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	n := fs.Int("n", 1, "")
	if err := ParseFlags(fs, []string{"-n", "3"}); err != nil || *n != 3 {
		t.Fatalf("n %d, %v", *n, err)
	}
	fs = flag.NewFlagSet("x", flag.ContinueOnError)
	if err := ParseFlags(fs, []string{"extra"}); err == nil || !strings.Contains(err.Error(), "unexpected arguments: [extra]") {
		t.Fatalf("got %v", err)
	}
}

func TestWaitExitAndSignal(t *testing.T) {
	ports, err := FreePorts(1)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Start("sleeper", ports[0], t.TempDir(), []string{"sleep", "60"})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	if err := p.WaitExit(20 * time.Millisecond); !errors.Is(err, ErrStillRunning) {
		t.Fatalf("running: %v", err)
	}
	if err := p.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitExit(5 * time.Second); err == nil || errors.Is(err, ErrStillRunning) {
		t.Fatalf("after SIGTERM: %v", err) // killed by a signal: not status 0
	}
	if err := p.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("signal after exit: %v", err)
	}

	q, err := Start("clean", ports[0], t.TempDir(), []string{"sh", "-c", "exit 0"})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Stop()
	if err := q.WaitExit(5 * time.Second); err != nil {
		t.Fatalf("clean exit: %v", err)
	}
}
