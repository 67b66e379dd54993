package integration

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tlsClient is a go-redis client of addr over TLS with cfg.
func tlsClient(t *testing.T, addr string, cfg *tls.Config) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr, TLSConfig: cfg, MaxRetries: -1})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// requireRefusedPlain checks that a plain-text client on the TLS port at
// addr gets no reply: the handshake fails and the connection closes.
func requireRefusedPlain(t *testing.T, addr string) {
	t.Helper()
	c := dialRaw(t, addr)
	c.send("*1\r\n$4\r\nPING\r\n")
	require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
	got, err := io.ReadAll(c.r)
	// The server closes with the rest of the request unread, so the close
	// may arrive as a reset rather than an end of file.
	if err != nil {
		require.ErrorIs(t, err, syscall.ECONNRESET)
	}
	require.Empty(t, string(got), "a plain-text client on the TLS port got a reply")
}

func TestTLSClients(t *testing.T) {
	t.Parallel()
	nadbOnly(t)
	ca := newTestCA(t, "main")
	other := newTestCA(t, "other")
	tlsPort := freePorts(t, 1)[0]
	s := startServer(t, tlsArgs(ca, "server", tlsPort)...)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(tlsPort))
	clientCert, clientKey := ca.issue("client")
	strangerCert, strangerKey := other.issue("stranger")
	ctx := context.Background()

	t.Run("go-redis with a client certificate", func(t *testing.T) {
		c := tlsClient(t, addr, ca.clientConfig(clientCert, clientKey))
		require.NoError(t, c.Set(ctx, "tls:go", "1", 0).Err())
		require.Equal(t, "1", c.Get(ctx, "tls:go").Val())
		// The plain port serves the same data.
		require.Equal(t, "1", s.Client().Get(ctx, "tls:go").Val())
	})
	t.Run("go-redis without a client certificate is refused", func(t *testing.T) {
		err := tlsClient(t, addr, ca.clientConfig("", "")).Ping(ctx).Err()
		require.Error(t, err)
		require.Contains(t, err.Error(), "certificate required")
	})
	t.Run("a client certificate of another CA is refused", func(t *testing.T) {
		err := tlsClient(t, addr, ca.clientConfig(strangerCert, strangerKey)).Ping(ctx).Err()
		require.Error(t, err)
		require.Contains(t, err.Error(), "unknown certificate authority")
	})
	t.Run("a server certificate the client does not trust", func(t *testing.T) {
		err := tlsClient(t, addr, other.clientConfig(strangerCert, strangerKey)).Ping(ctx).Err()
		var verr *tls.CertificateVerificationError
		require.ErrorAs(t, err, &verr)
	})
	t.Run("redis-cli", func(t *testing.T) {
		cli := requireTool(t, "redis-cli")
		base := []string{"-h", "127.0.0.1", "-p", strconv.Itoa(tlsPort), "--tls", "--cacert", ca.CAFile, "--cert", clientCert, "--key", clientKey}
		for _, step := range []struct {
			args []string
			want string
		}{
			{[]string{"PING"}, "PONG\n"},
			{[]string{"SET", "tls:cli", "v"}, "OK\n"},
			{[]string{"GET", "tls:cli"}, "v\n"},
		} {
			out, errOut, code := runTool(t, "", cli, append(base, step.args...)...)
			require.Zero(t, code, "stderr:\n%s", errOut)
			require.Equal(t, step.want, out, "stderr:\n%s", errOut)
		}
		// Without its certificate redis-cli cannot run a command.
		out, errOut, _ := runTool(t, "", cli, append(slices.Clone(base[:7]), "PING")...)
		require.NotContains(t, out, "PONG", "stderr:\n%s", errOut)
	})
	t.Run("redis-py", func(t *testing.T) {
		python := requireTool(t, "/usr/bin/python3")
		script := fmt.Sprintf(`import redis
r = redis.Redis(host="127.0.0.1", port=%d, ssl=True, ssl_ca_certs=%q, ssl_certfile=%q, ssl_keyfile=%q, decode_responses=True)
assert r.ping() is True
assert r.set("tls:py", "42") is True
assert r.get("tls:py") == "42"
print("OK")
`, tlsPort, ca.CAFile, clientCert, clientKey)
		if out, _, code := runTool(t, "", python, "-c", "import redis"); code != 0 {
			skipOrFail(t, "redis-py is not installed for %s: %s", python, out)
		}
		out, errOut, code := runTool(t, "", python, "-c", script)
		require.Zero(t, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
		require.Equal(t, "OK\n", out)
		require.Equal(t, "42", s.Client().Get(ctx, "tls:py").Val())
	})
	t.Run("a plain-text client on the TLS port is refused", func(t *testing.T) {
		requireRefusedPlain(t, addr)
		// A client that sends nothing closes on its own; the server stays.
		dialRaw(t, addr).Close()
		require.NoError(t, tlsPing(addr, ca.clientConfig(clientCert, clientKey)))
		require.NoError(t, ping(s.Addr()))
	})
}

func TestTLSAuthClientsOptionalAndNo(t *testing.T) {
	t.Parallel()
	nadbOnly(t)
	ca := newTestCA(t, "main")
	other := newTestCA(t, "other")
	clientCert, clientKey := ca.issue("client")
	strangerCert, strangerKey := other.issue("stranger")
	ctx := context.Background()
	for _, tc := range []struct {
		mode       string
		stranger   bool // a certificate of another CA is accepted
		noCertWork bool
	}{
		{mode: "optional", stranger: false, noCertWork: true},
		{mode: "no", stranger: true, noCertWork: true},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			t.Parallel()
			tlsPort := freePorts(t, 1)[0]
			startServer(t, append(tlsArgs(ca, "server-"+tc.mode, tlsPort), "--tls-auth-clients", tc.mode)...)
			addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(tlsPort))
			require.NoError(t, tlsClient(t, addr, ca.clientConfig(clientCert, clientKey)).Ping(ctx).Err())
			require.NoError(t, tlsClient(t, addr, ca.clientConfig("", "")).Ping(ctx).Err())
			err := tlsClient(t, addr, ca.clientConfig(strangerCert, strangerKey)).Ping(ctx).Err()
			if tc.stranger {
				require.NoError(t, err)
			} else {
				require.ErrorContains(t, err, "unknown certificate authority")
			}
		})
	}
}

func TestTLSOnlyServer(t *testing.T) {
	t.Parallel()
	nadbOnly(t)
	ca := newTestCA(t, "main")
	clientCert, clientKey := ca.issue("client")
	cfg := ca.clientConfig(clientCert, clientKey)
	s := startTLSOnly(t, cfg, tlsArgs(ca, "server", 0)...)
	ctx := context.Background()
	c := tlsClient(t, s.Addr(), cfg)
	require.NoError(t, c.Set(ctx, "k", "v", 0).Err())
	require.Equal(t, "v", c.Get(ctx, "k").Val())
	info, err := c.Info(ctx, "server").Result()
	require.NoError(t, err)
	require.Contains(t, info, "process_id:"+strconv.Itoa(s.cmd.Process.Pid)+"\r\n")
	requireRefusedPlain(t, s.Addr())
	require.NoError(t, c.Ping(ctx).Err())
	require.Zero(t, s.Stop())
}

func TestTLSBadOptionsRefuseToStart(t *testing.T) {
	t.Parallel()
	nadbOnly(t)
	ca := newTestCA(t, "main")
	cert, key := ca.issue("server")
	otherCert, _ := newTestCA(t, "other").issue("x")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"missing cert file", []string{"--tls-port", "1", "--tls-cert-file", "/nonexistent.crt"}, "option 'tls-cert-file'"},
		{"no key", []string{"--tls-port", "1", "--tls-cert-file", cert, "--tls-ca-cert-file", ca.CAFile}, "option 'tls-key-file'"},
		{"key of another cert", []string{"--tls-port", "1", "--tls-cert-file", otherCert, "--tls-key-file", key, "--tls-ca-cert-file", ca.CAFile}, "options 'tls-cert-file'/'tls-key-file'"},
		{"no CA with tls-auth-clients yes", []string{"--tls-port", "1", "--tls-cert-file", cert, "--tls-key-file", key}, "'tls-ca-cert-file'/'tls-ca-cert-dir'"},
		{"a key as CA", []string{"--tls-ca-cert-file", key}, "option 'tls-ca-cert-file'"},
		{"unknown protocol", []string{"--tls-protocols", "SSLv3"}, "option 'tls-protocols'"},
		{"unknown cipher", []string{"--tls-ciphers", "NOPE-CIPHER"}, "option 'tls-ciphers'"},
		{"unknown TLS 1.3 suite", []string{"--tls-ciphersuites", "TLS_AES_128_CCM_8_SHA256"}, "option 'tls-ciphersuites'"},
		{"bad tls-auth-clients", []string{"--tls-auth-clients", "maybe"}, "option 'tls-auth-clients'"},
		{"port 0 without tls-port", []string{"--port", "0"}, "option 'port'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"--dir", t.TempDir(), "--appendonly", "no"}, tc.args...)
			_, errOut, code := runCmd(t, time.Minute, "", serverBin, args...)
			require.Equal(t, 1, code, "stderr:\n%s", errOut)
			require.Contains(t, errOut, tc.want)
		})
	}
}

// tlsReplArgs are the arguments of a node of a mutual-TLS replication
// setup: its certificate from ca, tls-replication yes, tls-auth-clients
// yes (the default).
func tlsReplArgs(ca *testCA, name string, tlsPort int) []string {
	return append(tlsArgs(ca, name, tlsPort), "--tls-replication", "yes")
}

func TestTLSReplication(t *testing.T) {
	t.Parallel()
	nadbOnly(t)
	ca := newTestCA(t, "main")
	tlsPort := freePorts(t, 1)[0]
	p := startNode(t, tlsReplArgs(ca, "primary", tlsPort)...)
	ctx := context.Background()
	for i := range 100 {
		require.NoError(t, p.rdb.Set(ctx, "k"+strconv.Itoa(i), i, 0).Err())
	}
	// One secondary dials the NADB port; the other finds it through the
	// primary's TLS Redis port (replicaof host tls-port).
	s1 := startSecondary(t, p, tlsReplArgs(ca, "s1", 0)...)
	s2 := startNode(t, append([]string{"--replicaof", "127.0.0.1", strconv.Itoa(tlsPort)}, tlsReplArgs(ca, "s2", 0)...)...)
	for i := range 100 {
		require.NoError(t, p.rdb.Incr(ctx, "k"+strconv.Itoa(i)).Err())
	}
	requireConverged(t, p, s1, s2)
	s1.waitInfo("replication", "master_link_status", "up")
	s2.waitInfo("replication", "master_link_status", "up")
	require.Equal(t, "100", s2.rdb.Get(ctx, "k99").Val())
	require.Equal(t, "2", p.requireInfo("replication")["connected_slaves"])

	// A plain-text peer on the NADB port gets nothing and the primary stays.
	requireRefusedPlain(t, net.JoinHostPort("127.0.0.1", strconv.Itoa(p.ReplPort)))
	require.NoError(t, p.rdb.Set(ctx, "after", "1", 0).Err())
	requireConverged(t, p, s1, s2)
}

func TestTLSReplicationRefusesUnauthenticatedSecondaries(t *testing.T) {
	t.Parallel()
	nadbOnly(t)
	ca := newTestCA(t, "main")
	other := newTestCA(t, "other")
	p := startNode(t, append(tlsReplArgs(ca, "primary", 0), "--loglevel", "verbose")...)
	ctx := context.Background()
	require.NoError(t, p.rdb.Set(ctx, "secret", "1", 0).Err())

	strangerCert, strangerKey := other.issue("stranger")
	for _, tc := range []struct {
		name string
		args []string
		log  string // what the primary logs about the handshake
	}{
		// Trusts the primary, but presents a certificate of another CA.
		{"certificate of another CA", []string{"--tls-replication", "yes", "--tls-cert-file", strangerCert, "--tls-key-file", strangerKey,
			"--tls-ca-cert-file", ca.CAFile}, "client didn't provide a certificate"},
		// Speaks plain text to the TLS-only NADB port.
		{"plain text", nil, "first record does not look like a TLS handshake"},
		// Does not trust the primary's certificate: it hangs up, and the
		// primary sees the alert it sent.
		{"primary not trusted", []string{"--tls-replication", "yes", "--tls-cert-file", strangerCert, "--tls-key-file", strangerKey,
			"--tls-ca-cert-file", other.CAFile}, "remote error: tls: bad certificate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := startSecondary(t, p, tc.args...)
			p.requireLogged(t, tc.log)
			s.requireLogged(t, "replication link down")
			m := s.requireInfo("replication")
			assert.Equal(t, "down", m["master_link_status"])
			require.Equal(t, redis.Nil, s.rdb.Get(ctx, "secret").Err())
			require.Equal(t, "0", p.requireInfo("replication")["connected_slaves"])
			require.NoError(t, p.rdb.Ping(ctx).Err())
			require.True(t, strings.Contains(p.Output(), "TLS handshake failed"))
		})
	}
}

func TestTLSCertificateReloadByConfigSet(t *testing.T) {
	t.Parallel()
	nadbOnly(t)
	ca := newTestCA(t, "main")
	tlsPort := freePorts(t, 1)[0]
	s := startServer(t, append(tlsArgs(ca, "first", tlsPort), "--tls-auth-clients", "no")...)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(tlsPort))
	served := func() string {
		t.Helper()
		conn, err := tls.Dial("tcp", addr, ca.clientConfig("", ""))
		require.NoError(t, err)
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0].Subject.CommonName
	}
	require.Equal(t, "first", served())
	cert, key := ca.issue("second")
	ctx := context.Background()
	c := tlsClient(t, addr, ca.clientConfig("", ""))
	require.NoError(t, c.Ping(ctx).Err())
	// One CONFIG SET with both files: the certificate alone does not match
	// the old key (logged), the pair does.
	require.NoError(t, s.Client().ConfigSet(ctx, "tls-cert-file", cert).Err())
	require.NoError(t, s.Client().ConfigSet(ctx, "tls-key-file", key).Err())
	require.Equal(t, "second", served())
	require.NoError(t, c.Ping(ctx).Err(), "a connection open before the reload goes on")
	err := s.Client().ConfigSet(ctx, "tls-cert-file", "/nonexistent.crt").Err()
	require.ErrorContains(t, err, "tls-cert-file")
	require.Equal(t, "second", served())
}
