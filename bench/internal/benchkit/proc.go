package benchkit

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// PingInterval is how often WaitPing retries PING.
const PingInterval = 10 * time.Millisecond

// FreePorts reserves n distinct free TCP ports on 127.0.0.1 by listening on
// port 0, then releases them all. Another program may take one before it is
// used; callers that care retry on "address already in use".
func FreePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find free port: %w", err)
		}
		defer ln.Close() // hold all until n distinct ports are known
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// Process is a server process started by Start. It is stopped through its
// handle: Stop kills its process group, never processes found by name.
type Process struct {
	Name    string    // label for errors and logs, e.g. "redis" or "secondary1"
	Port    int       // the port clients connect to on 127.0.0.1
	Args    []string  // the command line
	LogPath string    // the file receiving stdout and stderr
	Started time.Time // just before the process was started

	cmd     *exec.Cmd
	exited  chan struct{} // closed once cmd.Wait has returned
	waitErr error         // valid once exited is closed
}

// Start runs args in dir, with stdout and stderr going to dir/server.log.
// The process gets its own process group, so Stop also reaches children of
// wrapper scripts, and is killed if this program dies (Pdeathsig). Start
// does not wait for the server to be ready (see WaitPing); the caller must
// call Stop.
func Start(name string, port int, dir string, args []string) (*Process, error) {
	logPath := filepath.Join(dir, "server.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("create log for %s: %w", name, err)
	}
	defer logFile.Close() // the child keeps its own descriptor

	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = dir
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	p := &Process{Name: name, Port: port, Args: args, LogPath: logPath, cmd: cmd, exited: make(chan struct{})}
	p.Started = time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s (%s): %w", name, ShellJoin(args), err)
	}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// Addr is the TCP address clients connect to.
func (p *Process) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(p.Port)) }

// Pid is the process ID of the started process (also its process group ID).
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// WaitPing polls PING every PingInterval until the server answers PONG, the
// process exits, timeout passes or ctx ends.
func (p *Process) WaitPing(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		reply, err := Command(p.Addr(), time.Second, "PING")
		if err == nil && reply == "PONG" {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s on port %d did not answer PING within %v (last: %q, %v)%s",
				p.Name, p.Port, timeout, reply, err, p.LogTail())
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", p.Name, ctx.Err())
		case <-p.exited:
			return fmt.Errorf("%s exited before answering PING: %v%s", p.Name, p.waitErr, p.LogTail())
		case <-time.After(PingInterval):
		}
	}
}

// Alive returns an error, with the log's tail, if the process has exited.
func (p *Process) Alive() error {
	select {
	case <-p.exited:
		return fmt.Errorf("%s exited unexpectedly: %v%s", p.Name, p.waitErr, p.LogTail())
	default:
		return nil
	}
}

// ErrStillRunning is returned by WaitExit when the process has not exited
// within the timeout.
var ErrStillRunning = errors.New("still running")

// WaitExit waits up to timeout for the process to exit on its own (after
// SHUTDOWN or Signal, say) and returns its exit error: nil for status 0,
// the *exec.ExitError otherwise, or ErrStillRunning after timeout.
func (p *Process) WaitExit(timeout time.Duration) error {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-p.exited:
		return p.waitErr
	case <-t.C:
		return fmt.Errorf("%s: %w after %v", p.Name, ErrStillRunning, timeout)
	}
}

// Signal sends sig to the started process only (not its process group), for
// a clean stop such as SIGTERM. It is a no-op once the process has exited.
func (p *Process) Signal(sig os.Signal) error {
	select {
	case <-p.exited:
		return nil
	default:
	}
	return p.cmd.Process.Signal(sig)
}

// Stop kills the process group (by the handle's PID) with SIGKILL and waits
// for the process to exit. It is safe to call more than once.
func (p *Process) Stop() {
	select {
	case <-p.exited:
		return
	default:
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	_ = p.cmd.Process.Kill()
	<-p.exited
}

// LogLines returns the lines of the process's log so far.
func (p *Process) LogLines() []string {
	data, err := os.ReadFile(p.LogPath)
	if err != nil || len(data) == 0 {
		return nil
	}
	return strings.Split(strings.TrimRight(string(data), "\n"), "\n")
}

// LogTail returns the last 15 lines of the log formatted to be appended to
// an error, or "" when the log is empty.
func (p *Process) LogTail() string {
	lines := p.LogLines()
	if len(lines) == 0 {
		return ""
	}
	if len(lines) > 15 {
		lines = lines[len(lines)-15:]
	}
	return "\n--- " + p.LogPath + " (tail) ---\n" + strings.Join(lines, "\n")
}
