package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Server names used as keys throughout the report.
const (
	nameRedis = "redis"
	nameNadb  = "nadb"
)

// server is one running server process started by the harness.
type server struct {
	name    string
	port    int
	cmd     *exec.Cmd
	logPath string
	exited  chan struct{} // closed once cmd.Wait has returned
	waitErr error         // valid after exited is closed
}

// addr is the TCP address clients connect to.
func (s *server) addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// serverArgs returns the command line for a server named name listening on
// port, storing its data under dir. nadb-server takes exactly the options
// below (redis-server compatible plus --repl-listen-port).
func serverArgs(name, bin string, port, replPort int, dir string) []string {
	if name == nameRedis {
		return []string{bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--save", "", "--appendonly", "no", "--dir", dir}
	}
	return []string{bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--repl-listen-port", strconv.Itoa(replPort), "--dir", dir, "--appendonly", "no"}
}

// startServer launches a fresh instance of the named server on free ports in
// its own data directory under tmp and waits until it answers PING. phase
// only labels the command log. The caller must call stop.
func startServer(ctx context.Context, name, phase string, tl tools, tmp string, timeout time.Duration, log *commandLog) (*server, error) {
	ports, err := freePorts(2)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(tmp, name+"-data-")
	if err != nil {
		return nil, fmt.Errorf("create data dir for %s: %w", name, err)
	}
	bin := tl.redisServer
	if name == nameNadb {
		bin = tl.nadbServer
	}
	args := serverArgs(name, bin, ports[0], ports[1], dir)

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
	// Own process group so stop can also reach children of wrapper scripts;
	// Pdeathsig kills the server if the harness itself dies unexpectedly.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s (%s): %w", name, shellJoin(args), err)
	}
	log.add(fmt.Sprintf("%s server (%s)", name, phase), args)

	s := &server{name: name, port: ports[0], cmd: cmd, logPath: logPath, exited: make(chan struct{})}
	go func() {
		s.waitErr = cmd.Wait()
		close(s.exited)
	}()

	if err := s.waitReady(ctx, timeout); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// waitReady polls PING until the server answers, the process exits, the
// deadline passes or ctx is cancelled.
func (s *server) waitReady(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		reply, err := respCommand(s.addr(), "PING")
		if err == nil && reply == "PONG" {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s on port %d did not answer PING within %v (last: %q, %v)%s",
				s.name, s.port, timeout, reply, err, s.logTail())
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", s.name, ctx.Err())
		case <-s.exited:
			return fmt.Errorf("%s exited before answering PING: %v%s", s.name, s.waitErr, s.logTail())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// alive reports an error if the server process has already exited.
func (s *server) alive() error {
	select {
	case <-s.exited:
		return fmt.Errorf("%s exited unexpectedly: %v%s", s.name, s.waitErr, s.logTail())
	default:
		return nil
	}
}

// stop kills the server's process group and waits for the process to exit.
// It is safe to call more than once.
func (s *server) stop() {
	select {
	case <-s.exited:
		return
	default:
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	_ = s.cmd.Process.Kill()
	<-s.exited
}

// logTail returns the last lines of the server log, formatted for an error.
func (s *server) logTail() string {
	data, err := os.ReadFile(s.logPath)
	if err != nil || len(data) == 0 {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > 15 {
		lines = lines[len(lines)-15:]
	}
	return "\n--- " + s.logPath + " (tail) ---\n" + strings.Join(lines, "\n")
}

// pid returns the PID whose /proc entry describes the server's memory: the
// process_id reported by INFO server when available (this sees through
// wrapper scripts that do not exec), otherwise the started process.
func (s *server) pid() int {
	if info, err := respCommand(s.addr(), "INFO", "server"); err == nil {
		if v, ok := infoField(info, "process_id"); ok {
			if pid, err := strconv.Atoi(v); err == nil {
				if _, err := os.Stat(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
					return pid
				}
			}
		}
	}
	return s.cmd.Process.Pid
}

// freePorts reserves n distinct free TCP ports on 127.0.0.1 by listening on
// port 0, then releases them.
func freePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find free port: %w", err)
		}
		defer ln.Close() // keep all open until we have n distinct ports
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// respCommand sends one command on a fresh connection and returns the reply
// of a simple string, integer or bulk string. Error replies become errors.
func respCommand(addr string, args ...string) (string, error) {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		return "", err
	}
	if _, err := conn.Write(encodeCommand(nil, args...)); err != nil {
		return "", fmt.Errorf("send %s: %w", args[0], err)
	}
	return readReply(bufio.NewReader(conn))
}

// encodeCommand appends args as a RESP array of bulk strings to buf.
func encodeCommand(buf []byte, args ...string) []byte {
	buf = append(buf, '*')
	buf = strconv.AppendInt(buf, int64(len(args)), 10)
	buf = append(buf, '\r', '\n')
	for _, a := range args {
		buf = append(buf, '$')
		buf = strconv.AppendInt(buf, int64(len(a)), 10)
		buf = append(buf, '\r', '\n')
		buf = append(buf, a...)
		buf = append(buf, '\r', '\n')
	}
	return buf
}

// readReply reads one non-aggregate RESP reply.
func readReply(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return "", fmt.Errorf("read reply: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("empty reply line")
	}
	switch line[0] {
	case '+', ':':
		return line[1:], nil
	case '-':
		return "", fmt.Errorf("server error: %s", line[1:])
	case '$':
		n, err := strconv.Atoi(line[1:])
		if err != nil {
			return "", fmt.Errorf("bad bulk length %q: %w", line, err)
		}
		if n < 0 {
			return "", errors.New("nil reply")
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", fmt.Errorf("read bulk: %w", err)
		}
		return string(buf[:n]), nil
	default:
		return "", fmt.Errorf("unsupported reply type %q", line)
	}
}

// infoField extracts "key:value" from INFO output.
func infoField(info, key string) (string, bool) {
	for _, line := range strings.Split(info, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if ok && k == key {
			return v, true
		}
	}
	return "", false
}
