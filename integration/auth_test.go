package integration

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

const (
	noAuth    = "-NOAUTH Authentication required."
	wrongPass = "-WRONGPASS invalid username-password pair or user is disabled."
	denied    = "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface."
)

// startWithPassword starts a server and sets its password at run time
// (the readiness check speaks before any AUTH); clients connected before
// stay authenticated, as in Redis, so every test dials afresh.
func startWithPassword(t *testing.T, pass string, args ...string) *Server {
	t.Helper()
	s := startServer(t, args...)
	c := dialRaw(t, s.Addr())
	c.send(cmd("CONFIG", "SET", "requirepass", pass))
	require.Equal(t, "+OK", c.readLine())
	return s
}

// cmd encodes a command as a RESP multibulk request.
func cmd(args ...string) string {
	var b strings.Builder
	b.WriteString("*" + strconv.Itoa(len(args)) + "\r\n")
	for _, a := range args {
		b.WriteString("$" + strconv.Itoa(len(a)) + "\r\n" + a + "\r\n")
	}
	return b.String()
}

// TestAuthRequirePass: the replies before and after AUTH, the same from
// nadb-server and redis-server.
func TestAuthRequirePass(t *testing.T) {
	t.Parallel()
	s := startWithPassword(t, "s3cret")
	c := dialRaw(t, s.Addr())
	for _, st := range []struct {
		args []string
		want string
	}{
		{[]string{"PING"}, noAuth},
		{[]string{"GET", "k"}, noAuth},
		{[]string{"AUTH", "x"}, wrongPass},
		{[]string{"AUTH", "default", "x"}, wrongPass},
		{[]string{"AUTH", "bob", "s3cret"}, wrongPass},
		{[]string{"HELLO", "2", "AUTH", "default", "x"}, wrongPass},
		{[]string{"HELLO", "2"}, "-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time"},
		{[]string{"AUTH", "s3cret"}, "+OK"},
		{[]string{"PING"}, "+PONG"},
		{[]string{"RESET"}, "+RESET"},
		{[]string{"PING"}, noAuth},
		{[]string{"AUTH", "default", "s3cret"}, "+OK"},
		{[]string{"ACL", "WHOAMI"}, "$7"},
	} {
		c.send(cmd(st.args...))
		require.Equal(t, st.want, c.readLine(), "%q", st.args)
	}
	require.Equal(t, "default", c.readLine())

	// HELLO 2 AUTH authenticates and answers the handshake.
	h := dialRaw(t, s.Addr())
	h.send(cmd("HELLO", "2", "AUTH", "default", "s3cret"))
	require.Equal(t, "*14", h.readLine())

	// Input caps before AUTH close the connection.
	for in, want := range map[string]string{
		"*11\r\n":          "-ERR Protocol error: unauthenticated multibulk length",
		"*2\r\n$16385\r\n": "-ERR Protocol error: unauthenticated bulk length",
	} {
		r := dialRaw(t, s.Addr())
		r.send(in)
		require.Equal(t, want, r.readLine())
		r.requireEOF(5 * time.Second)
	}
	// AUTH in the same packet lifts them for what follows.
	r := dialRaw(t, s.Addr())
	r.send(cmd("AUTH", "s3cret") + cmd("ECHO", strings.Repeat("x", 20000)))
	require.Equal(t, "+OK", r.readLine())
	require.Equal(t, "$20000", r.readLine())

	// The password appears in no INFO field and no log line.
	rc := redis.NewClient(&redis.Options{Addr: s.Addr(), Password: "s3cret"})
	defer rc.Close()
	info, err := rc.Info(context.Background(), "everything").Result()
	require.NoError(t, err)
	require.NotContains(t, info, "s3cret")
	require.NotContains(t, s.Output(), "s3cret")
}

// TestRequirePassOnCommandLine: --requirepass at start.
func TestRequirePassOnCommandLine(t *testing.T) {
	t.Parallel()
	port := freePorts(t, 2)
	args := append([]string{"--port", strconv.Itoa(port[0]), "--requirepass", "pw"}, baseArgs(t.TempDir(), port[1])...)
	proc := exec.Command(serverBin, args...)
	var out lockedBuffer
	proc.Stdout, proc.Stderr = &out, &out
	setPdeathsig(proc)
	require.NoError(t, proc.Start())
	exited := make(chan error, 1)
	go func() { exited <- proc.Wait() }()
	t.Cleanup(func() {
		_ = proc.Process.Kill()
		<-exited
	})
	addr := "127.0.0.1:" + strconv.Itoa(port[0])
	deadline := time.Now().Add(startTimeout)
	for ping(addr) == nil || !strings.Contains(pingErr(addr), "NOAUTH") {
		require.True(t, time.Now().Before(deadline), "no NOAUTH from %s; output:\n%s", addr, out.String())
		select {
		case err := <-exited:
			t.Fatalf("server exited: %v\n%s", err, out.String())
		case <-time.After(20 * time.Millisecond): // poll interval
		}
	}
	c := redis.NewClient(&redis.Options{Addr: addr, Password: "pw"})
	defer c.Close()
	require.NoError(t, c.Set(context.Background(), "k", "v", 0).Err())
	require.Equal(t, "v", c.Get(context.Background(), "k").Val())
	require.NotContains(t, out.String(), "pw ", "the password must not be logged")
}

// pingErr is the first line a fresh connection's PING gets, or the error.
func pingErr(addr string) string {
	err := ping(addr)
	if err == nil {
		return "+PONG"
	}
	return err.Error()
}

// TestRequirePassKeepsConnectedClients: as in Redis, a client connected
// before CONFIG SET requirepass stays authenticated.
func TestRequirePassKeepsConnectedClients(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	old := dialRaw(t, s.Addr())
	old.send(cmd("CONFIG", "SET", "requirepass", "pw"))
	require.Equal(t, "+OK", old.readLine())
	old.send(cmd("PING"))
	require.Equal(t, "+PONG", old.readLine())
	old.send(cmd("CONFIG", "GET", "requirepass"))
	for _, want := range []string{"*2", "$11", "requirepass", "$2", "pw"} {
		require.Equal(t, want, old.readLine())
	}
	fresh := dialRaw(t, s.Addr())
	fresh.send(cmd("PING"))
	require.Equal(t, noAuth, fresh.readLine())
	old.send(cmd("CONFIG", "SET", "requirepass", ""))
	require.Equal(t, "+OK", old.readLine())
	fresh.send(cmd("PING"))
	require.Equal(t, "+PONG", fresh.readLine())
}

func TestAuthRedisCLI(t *testing.T) {
	t.Parallel()
	cli := requireTool(t, "redis-cli")
	s := startWithPassword(t, "s3cret")
	port := strconv.Itoa(s.Port)
	out, errOut, code := runTool(t, "", cli, "-p", port, "-a", "s3cret", "--no-auth-warning", "SET", "cli", "1")
	require.Zero(t, code, errOut)
	require.Equal(t, "OK\n", out)
	out, _, _ = runTool(t, "", cli, "-p", port, "GET", "cli")
	require.Equal(t, "NOAUTH Authentication required.\n\n", out)
	out, errOut, _ = runTool(t, "", cli, "-p", port, "-a", "nope", "--no-auth-warning", "GET", "cli")
	require.Contains(t, out+errOut, "WRONGPASS")
}

func TestAuthGoRedis(t *testing.T) {
	t.Parallel()
	s := startWithPassword(t, "s3cret")
	ctx := context.Background()
	for _, o := range []*redis.Options{
		{Addr: s.Addr(), Password: "s3cret"},
		{Addr: s.Addr(), Username: "default", Password: "s3cret"},
		{Addr: s.Addr(), Password: "s3cret", Protocol: 2},
	} {
		c := redis.NewClient(o)
		require.NoError(t, c.Set(ctx, "go", "1", 0).Err())
		require.Equal(t, "1", c.Get(ctx, "go").Val())
		require.NoError(t, c.Close())
	}
	bad := redis.NewClient(&redis.Options{Addr: s.Addr(), Password: "nope", MaxRetries: -1})
	defer bad.Close()
	require.ErrorContains(t, bad.Ping(ctx).Err(), "WRONGPASS")
	none := redis.NewClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1})
	defer none.Close()
	err := none.Ping(ctx).Err()
	var rerr redis.Error
	require.True(t, errors.As(err, &rerr), "%v", err)
	require.Equal(t, noAuth[1:], err.Error())
}

func TestAuthRedisPy(t *testing.T) {
	t.Parallel()
	python := requireRedisPy(t, "redis")
	s := startWithPassword(t, "s3cret")
	const script = `
import sys, redis
port = int(sys.argv[1])
r = redis.Redis(port=port, password="s3cret")
r.set("py", "v")
print(r.get("py").decode())
try:
    redis.Redis(port=port, password="nope").ping()
except (redis.exceptions.AuthenticationError, redis.exceptions.ResponseError) as e:
    print("refused" if "WRONGPASS" in str(e) else str(e))
`
	out, errOut, code := runTool(t, "", python, "-c", script, strconv.Itoa(s.Port))
	require.Zero(t, code, errOut)
	require.Equal(t, "v\nrefused\n", out, errOut)
}

// TestIdleTimeoutCloses: CONFIG SET timeout closes a client that stays
// idle for longer (Redis checks about once a second).
func TestIdleTimeoutCloses(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := dialRaw(t, s.Addr())
	c.send(cmd("CONFIG", "SET", "timeout", "1"))
	require.Equal(t, "+OK", c.readLine())
	idle := dialRaw(t, s.Addr())
	// The server's idle time starts when it reads the PING, after this.
	start := time.Now()
	idle.send(cmd("PING"))
	require.Equal(t, "+PONG", idle.readLine())
	idle.requireEOF(10 * time.Second)
	require.GreaterOrEqual(t, time.Since(start), time.Second)
}

// TestOutputLimitClosesNonReader: a client that pipelines big GETs and
// never reads is closed at the hard limit instead of growing the server.
func TestOutputLimitClosesNonReader(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	ctx := context.Background()
	cl := s.Client()
	require.NoError(t, cl.ConfigSet(ctx, "client-output-buffer-limit", "normal 4mb 0 0").Err())
	require.Equal(t, "normal 4194304 0 0", strings.Join(strings.Fields(cl.ConfigGet(ctx, "client-output-buffer-limit").Val()["client-output-buffer-limit"])[:4], " "))
	require.NoError(t, cl.Set(ctx, "big", bytes.Repeat([]byte("v"), 1<<20), 0).Err())
	c := dialRaw(t, s.Addr())
	req := strings.Repeat(cmd("GET", "big"), 2000) // 2 GB of replies
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		_ = c.SetWriteDeadline(time.Now().Add(30 * time.Second))
		_, _ = io.WriteString(c, req)
	}()
	t.Cleanup(func() { <-sent })
	require.NoError(t, c.SetReadDeadline(time.Now().Add(30*time.Second)))
	n, err := io.Copy(io.Discard, c.r)
	var te interface{ Timeout() bool }
	require.False(t, errors.As(err, &te) && te.Timeout(), "never closed (%d bytes read)", n)
	require.Less(t, n, int64(200<<20), "the server sent far more than the limit")
	require.NoError(t, cl.Ping(ctx).Err())
}

// TestProtectedModeOtherLoopback: protected mode admits 127.0.0.1 and
// refuses 127.0.0.2, which Redis does not count as local either (byte for
// byte against redis-server too).
func TestProtectedModeOtherLoopback(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	requireExactReplies(t, dialRawFrom(t, s.Addr(), "127.0.0.1"), []exactStep{{[]string{"PING"}, "+PONG\r\n"}})
	c := dialRawFrom(t, s.Addr(), "127.0.0.2") // told and closed at once
	require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
	got, err := io.ReadAll(c.r)
	require.NoError(t, err, "the refused client is closed after the reply")
	require.True(t, strings.HasPrefix(string(got), denied+" If you want"), "got %q", got)
}

// TestProtectedModeFromAnotherAddress runs the server in a private network
// namespace (unshare -rn) that has a second, non-loopback address, and
// connects to it from there: protected mode must refuse that client with
// Redis's DENIED and close, accept loopback, and accept it once a password
// is set.
func TestProtectedModeFromAnotherAddress(t *testing.T) {
	t.Parallel()
	unshare := requireTool(t, "unshare")
	requireTool(t, "ip")
	bash := requireTool(t, "bash")
	if out, err := exec.Command(unshare, "-rn", "true").CombinedOutput(); err != nil {
		skipOrFail(t, "cannot create a network namespace here (unshare -rn): %v\n%s", err, out)
	}
	dir := t.TempDir()
	var extra string
	if target == targetRedis {
		extra = "--save '' --appendonly no --dir " + dir
	} else {
		extra = "--appendonly no --repl-listen-port 0 --dir " + dir
	}
	// The namespace is private: its ports are free, and the server, its
	// clients and the address exist only there. Probes poll with a
	// deadline; raw replies are read with bash's /dev/tcp until EOF.
	script := `
set -u
ip link set lo up && ip addr add 10.9.8.7/32 dev lo || exit 3
"$BIN" --port 7777 --bind "127.0.0.1 10.9.8.7" ` + extra + ` >"$DIR/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid' EXIT
probe() { # host command...: prints what the server sends until it closes
	exec 3<>"/dev/tcp/$1/7777" || return 1
	shift
	printf '%s\r\n' "$@" >&3
	timeout 5 cat <&3 2>/dev/null # a reset instead of EOF is a close too
	exec 3<&-
}
deadline=$((SECONDS + 15))
until [ "$(probe 127.0.0.1 PING QUIT 2>/dev/null | head -c 5)" = "+PONG" ]; do
	[ $SECONDS -lt $deadline ] || { echo "server never answered"; cat "$DIR/server.log"; exit 4; }
	sleep 0.05
done
echo "== local"; probe 127.0.0.1 PING QUIT
echo "== remote"; probe 10.9.8.7 PING
echo "== set password"; probe 127.0.0.1 "CONFIG SET requirepass pw" QUIT
echo "== remote with password"; probe 10.9.8.7 "AUTH pw" PING QUIT
echo "== protected-mode no"; probe 127.0.0.1 "AUTH pw" "CONFIG SET requirepass ''" "CONFIG SET protected-mode no" QUIT
echo "== remote, protected-mode no"; probe 10.9.8.7 PING QUIT
`
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	run := exec.CommandContext(ctx, unshare, "-rn", bash, "-c", script)
	run.Env = append(os.Environ(), "BIN="+serverBin, "DIR="+dir)
	setPdeathsig(run)
	outb, err := run.CombinedOutput()
	out := strings.ReplaceAll(string(outb), "\r\n", "\n")
	require.NoError(t, err, out)
	want := "== local\n+PONG\n+OK\n" +
		"== remote\n" + denied + " If you want to connect from external computers to Redis you may adopt one of the following solutions:"
	require.True(t, strings.HasPrefix(out, want), "got:\n%s", out)
	require.Contains(t, out, " 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\n== set password\n+OK\n+OK\n")
	require.Contains(t, out, "== remote with password\n+OK\n+PONG\n+OK\n")
	require.True(t, strings.HasSuffix(out, "== remote, protected-mode no\n+PONG\n+OK\n"), "got:\n%s", out)
}

// TestACLDryRunAndDelUser: ACL DRYRUN answers for the default user, who
// may run every command, and ACL DELUSER deletes no one (there is no other
// user) and refuses to delete default, byte for byte as redis-server 7.0
// (run with NADB_TEST_TARGET=redis-server to see it still does).
func TestACLDryRunAndDelUser(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	requireExactReplies(t, dialRaw(t, s.Addr()), []exactStep{
		{[]string{"ACL", "DRYRUN", "default", "get", "k"}, "+OK\r\n"},
		{[]string{"ACL", "DRYRUN", "default", "set", "k", "v"}, "+OK\r\n"},
		{[]string{"ACL", "DRYRUN", "default", "get"}, "-ERR wrong number of arguments for 'get' command\r\n"},
		{[]string{"ACL", "DRYRUN", "default", "nosuch"}, "-ERR Command 'nosuch' not found\r\n"},
		{[]string{"ACL", "DRYRUN", "nouser", "get", "k"}, "-ERR User 'nouser' not found\r\n"},
		{[]string{"ACL", "DRYRUN", "Default", "get", "k"}, "-ERR User 'Default' not found\r\n"},
		{[]string{"ACL", "DRYRUN", "default", "config", "get", "x"}, "+OK\r\n"},
		{[]string{"ACL", "DRYRUN", "default", "config", "nosub"}, "-ERR Command 'config' not found\r\n"},
		{[]string{"ACL", "DRYRUN", "default", "config"}, "-ERR wrong number of arguments for 'config' command\r\n"},
		{[]string{"ACL", "DRYRUN", "default"}, "-ERR wrong number of arguments for 'acl|dryrun' command\r\n"},
		{[]string{"ACL", "DRYRUN", "default", "client", "list"}, "+OK\r\n"},
		{[]string{"ACL", "DRYRUN", "default", "client", "id", "x"}, "-ERR wrong number of arguments for 'client|id' command\r\n"},
		{[]string{"ACL", "DELUSER", "nouser"}, ":0\r\n"},
		{[]string{"ACL", "DELUSER", "a", "b"}, ":0\r\n"},
		{[]string{"ACL", "DELUSER", "nouser", "default"}, "-ERR The 'default' user cannot be removed\r\n"},
		{[]string{"ACL", "DELUSER", "Default"}, ":0\r\n"},
		{[]string{"ACL", "DELUSER"}, "-ERR wrong number of arguments for 'acl|deluser' command\r\n"},
		{[]string{"ACL", "DRYRUN", "default", "ping"}, "+OK\r\n"},
		{[]string{"ACL", "DRYRUN", "default", "PING", "a", "b"}, "+OK\r\n"},
	})
}
