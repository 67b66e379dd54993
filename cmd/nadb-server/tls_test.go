package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nadb-server/nadb-server/replication/node"
	"github.com/stretchr/testify/require"
)

// certs is a throwaway CA and files it signed, in a test's directory (a
// small copy of the integration tests' generator).
type certs struct {
	t      *testing.T
	dir    string
	caFile string
	ca     *x509.Certificate
	key    *ecdsa.PrivateKey
}

func newCerts(t *testing.T) *certs {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	ca, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	c := &certs{t: t, dir: t.TempDir(), ca: ca, key: key}
	c.caFile = c.write("ca.crt", "CERTIFICATE", der)
	return c
}

// issue signs a certificate named name for 127.0.0.1 and localhost.
func (c *certs) issue(name string) (certFile, keyFile string) {
	c.t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(c.t, err)
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	require.NoError(c.t, err)
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, c.ca, &key.PublicKey, c.key)
	require.NoError(c.t, err)
	kd, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(c.t, err)
	return c.write(name+".crt", "CERTIFICATE", der), c.write(name+".key", "PRIVATE KEY", kd)
}

func (c *certs) write(name, typ string, der []byte) string {
	c.t.Helper()
	p := filepath.Join(c.dir, name)
	require.NoError(c.t, os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600))
	return p
}

// opts returns tls-port options with a certificate named name.
func (c *certs) opts(name string) tlsOptions {
	cert, key := c.issue(name)
	return tlsOptions{Port: 1, CertFile: cert, KeyFile: key, CAFile: c.caFile, AuthClients: "yes"}
}

func TestParseTLSProtocols(t *testing.T) {
	for _, tc := range []struct {
		in     string
		lo, hi uint16
		err    error
	}{
		{"", tls.VersionTLS12, tls.VersionTLS13, nil},
		{"TLSv1.2 TLSv1.3", tls.VersionTLS12, tls.VersionTLS13, nil},
		{"tlsv1.3", tls.VersionTLS13, tls.VersionTLS13, nil},
		{"TLSv1.3 TLSv1.2", tls.VersionTLS12, tls.VersionTLS13, nil},
		{"TLSv1 TLSv1.1 TLSv1.2", tls.VersionTLS10, tls.VersionTLS12, nil},
		{"TLSv1.2", tls.VersionTLS12, tls.VersionTLS12, nil},
		{"TLSv1 TLSv1.3", 0, 0, errTLSProtocolGap},
		{"SSLv3", 0, 0, errTLSProtocol},
		{"TLSv1.2 TLSv1.4", 0, 0, errTLSProtocol},
	} {
		t.Run(tc.in, func(t *testing.T) {
			lo, hi, err := parseTLSProtocols(tc.in)
			require.ErrorIs(t, err, tc.err)
			require.Equal(t, tc.lo, lo)
			require.Equal(t, tc.hi, hi)
		})
	}
}

func TestParseTLSCiphers(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []uint16
		err  error
	}{
		{"", nil, nil},
		{"ECDHE-RSA-AES128-GCM-SHA256", []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}, nil},
		{"ECDHE-ECDSA-AES256-GCM-SHA384:ecdhe-ecdsa-chacha20-poly1305", []uint16{
			tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}, nil},
		{"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", []uint16{tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384}, nil},
		{"ECDHE-RSA-AES128-SHA,ECDHE-RSA-AES256-SHA", []uint16{
			tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA}, nil},
		{"DES-CBC3-SHA", nil, errTLSCipherUnsup},
		{"AES128-GCM-SHA256", nil, errTLSCipherUnsup},
		{"TLS_RSA_WITH_RC4_128_SHA", nil, errTLSCipherUnsup},
		{"DHE-RSA-AES256-GCM-SHA384", nil, errTLSCipherUnsup},
		{"HIGH", nil, errTLSCipherSyntx},
		{"DEFAULT:!MEDIUM", nil, errTLSCipherSyntx},
		{"ECDHE+AESGCM", nil, errTLSCipherSyntx},
		{"NO-SUCH-CIPHER", nil, errTLSCipher},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parseTLSCiphers(tc.in)
			require.ErrorIs(t, err, tc.err)
			require.Equal(t, tc.want, got)
			if err != nil {
				require.Contains(t, err.Error(), strings.Split(tc.in, ":")[0])
			}
		})
	}
	t.Run("a TLS 1.3 suite belongs to tls-ciphersuites", func(t *testing.T) {
		_, err := parseTLSCiphers("TLS_AES_128_GCM_SHA256")
		require.ErrorContains(t, err, "tls-ciphersuites")
	})
}

func TestTLSCheckCipherSuites(t *testing.T) {
	for _, ok := range []string{"", "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:tls_aes_128_gcm_sha256"} {
		require.NoError(t, checkTLSCipherSuites(ok), ok)
	}
	require.ErrorIs(t, checkTLSCipherSuites("TLS_AES_128_CCM_8_SHA256"), errTLSCipherUnsup)
	require.ErrorIs(t, checkTLSCipherSuites("TLS_AES_128_GCM_SHA256:ECDHE-RSA-AES128-GCM-SHA256"), errTLSCipher)
}

func TestTLSOptionsValidate(t *testing.T) {
	c := newCerts(t)
	good := c.opts("server")
	require.NoError(t, good.validate())
	require.NoError(t, tlsOptions{AuthClients: "yes"}.validate(), "TLS off: nothing to check")

	for _, tc := range []struct {
		name   string
		change func(*tlsOptions)
		want   string
		err    error
	}{
		{"no certificate", func(o *tlsOptions) { o.CertFile = "" }, "option 'tls-cert-file'", errTLSNoCert},
		{"no key", func(o *tlsOptions) { o.KeyFile = "" }, "option 'tls-key-file'", errTLSNoCert},
		{"no CA to verify clients", func(o *tlsOptions) { o.CAFile = "" }, "tls-auth-clients yes", errTLSNoCA},
		{"no CA to verify the primary", func(o *tlsOptions) { o.CAFile, o.AuthClients, o.Replication = "", "no", true }, "tls-replication yes", errTLSNoCA},
		{"half a client pair", func(o *tlsOptions) { o.ClientCertFile = o.CertFile }, "'tls-client-cert-file'/'tls-client-key-file'", errTLSPair},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := good
			tc.change(&o)
			err := o.validate()
			require.ErrorIs(t, err, tc.err)
			require.ErrorContains(t, err, tc.want)
		})
	}
	t.Run("no CA needed without client verification or replication", func(t *testing.T) {
		o := good
		o.CAFile, o.AuthClients = "", "no"
		require.NoError(t, o.validate())
	})
}

func TestTLSCheckPorts(t *testing.T) {
	off := tlsOptions{AuthClients: "yes"}
	require.NoError(t, checkPorts(6379, 9000, off))
	require.ErrorContains(t, checkPorts(0, 9000, off), "option 'port'")
	c := newCerts(t)
	o := c.opts("server")
	o.Port = 6380
	require.NoError(t, checkPorts(0, 9000, o), "TLS only")
	require.ErrorContains(t, checkPorts(6380, 9000, o), "'tls-port' (6380) must differ from 'port'")
	require.ErrorContains(t, checkPorts(6379, 6380, o), "'repl-listen-port' (6380) must differ from 'tls-port'")
}

func TestLoadTLSErrorsNameTheOption(t *testing.T) {
	c := newCerts(t)
	good := c.opts("server")
	otherCert, _ := newCerts(t).issue("other")
	notPEM := filepath.Join(t.TempDir(), "junk")
	require.NoError(t, os.WriteFile(notPEM, []byte("not a certificate"), 0o600))
	emptyDir := t.TempDir()
	for _, tc := range []struct {
		name   string
		change func(*tlsOptions)
		want   string
	}{
		{"key of another certificate", func(o *tlsOptions) { o.CertFile = otherCert }, "options 'tls-cert-file'/'tls-key-file'"},
		{"missing key", func(o *tlsOptions) { o.KeyFile = "/nonexistent/key" }, "options 'tls-cert-file'/'tls-key-file'"},
		{"CA file without a certificate", func(o *tlsOptions) { o.CAFile = notPEM }, "option 'tls-ca-cert-file'"},
		{"missing CA file", func(o *tlsOptions) { o.CAFile = "/nonexistent/ca" }, "option 'tls-ca-cert-file'"},
		{"CA dir without a certificate", func(o *tlsOptions) { o.CAFile, o.CADir = "", emptyDir }, "option 'tls-ca-cert-dir'"},
		{"client pair mismatch", func(o *tlsOptions) { o.ClientCertFile, o.ClientKeyFile = otherCert, o.KeyFile }, "'tls-client-cert-file'/'tls-client-key-file'"},
		{"protocols", func(o *tlsOptions) { o.Protocols = "TLSv9" }, "option 'tls-protocols'"},
		{"ciphers", func(o *tlsOptions) { o.Ciphers = "RC4-SHA" }, "option 'tls-ciphers'"},
		{"ciphersuites", func(o *tlsOptions) { o.CipherSuites = "TLS_AES_128_CCM_SHA256" }, "option 'tls-ciphersuites'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := good
			tc.change(&o)
			_, err := newTLSSetup(o)
			require.ErrorContains(t, err, tc.want)
		})
	}
	t.Run("CA dir", func(t *testing.T) {
		o := good
		o.CAFile, o.CADir = "", c.dir // holds ca.crt among keys and leaf certificates
		_, err := newTLSSetup(o)
		require.NoError(t, err)
	})
}

func TestTLSCheckPEMFile(t *testing.T) {
	c := newCerts(t)
	cert, key := c.issue("x")
	require.NoError(t, checkPEMFile("CERTIFICATE")(""))
	require.NoError(t, checkPEMFile("CERTIFICATE")(cert))
	require.NoError(t, checkPEMFile("PRIVATE KEY")(key))
	require.ErrorIs(t, checkPEMFile("CERTIFICATE")(key), errTLSNoPEM)
	require.ErrorIs(t, checkPEMFile("PRIVATE KEY")(cert), errTLSNoPEM)
	require.ErrorIs(t, checkPEMFile("CERTIFICATE")("/nonexistent"), os.ErrNotExist)
	require.NoError(t, checkCADir(""))
	require.NoError(t, checkCADir(c.dir))
	require.Error(t, checkCADir(cert))
}

func TestTLSAnnouncedPort(t *testing.T) {
	require.Equal(t, 6379, announcedPort(6379, tlsOptions{}))
	require.Equal(t, 6379, announcedPort(6379, tlsOptions{Port: 6380}))
	require.Equal(t, 6380, announcedPort(6379, tlsOptions{Port: 6380, Replication: true}))
	require.Equal(t, 6380, announcedPort(0, tlsOptions{Port: 6380}))
}

// serveTLS serves a TLS listener of setup on 127.0.0.1 that answers each
// connection's first line with the same line, until the test ends.
func serveTLS(t *testing.T, setup *tlsSetup, logger *slog.Logger) string {
	t.Helper()
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ln := tlsListener{Listener: raw, config: setup.serverConfig(), logger: logger, port: "tls-port"}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		_ = ln.Close()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer conn.Close()
				buf := make([]byte, 64)
				n, err := conn.Read(buf)
				if err == nil {
					_, _ = conn.Write(buf[:n])
				}
			})
		}
	})
	return raw.Addr().String()
}

// echo dials addr with dial and checks the echo.
func echo(conn net.Conn, err error) error {
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Write([]byte("hello")); err != nil {
		return err
	}
	got, err := io.ReadAll(conn)
	if err != nil {
		return err
	}
	if string(got) != "hello" {
		return errors.New("echo answered " + string(got))
	}
	return nil
}

func TestTLSMutualHandshake(t *testing.T) {
	c := newCerts(t)
	var logs bytes.Buffer
	var logMu sync.Mutex
	logger := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		logMu.Lock()
		defer logMu.Unlock()
		return logs.Write(p)
	}), &slog.HandlerOptions{Level: slog.LevelDebug}))
	o := c.opts("primary")
	o.Replication = true
	server, err := newTLSSetup(o)
	require.NoError(t, err)
	addr := serveTLS(t, server, logger)

	sec, err := newTLSSetup(c.opts("secondary"))
	require.NoError(t, err)
	ctx := context.Background()
	require.NoError(t, echo(sec.dial(ctx, node.KindNADB, addr)), "mutual TLS")
	require.NoError(t, echo(sec.dial(ctx, node.KindRedis, addr)), "discovery over TLS")

	t.Run("the server name is the host dialed", func(t *testing.T) {
		_, port, _ := net.SplitHostPort(addr)
		require.NoError(t, echo(sec.dial(ctx, node.KindNADB, net.JoinHostPort("localhost", port))))
	})
	t.Run("a primary signed by another CA is refused", func(t *testing.T) {
		other, err := newTLSSetup(newCerts(t).opts("stranger"))
		require.NoError(t, err)
		_, err = other.dial(ctx, node.KindNADB, addr)
		var verr *tls.CertificateVerificationError
		require.ErrorAs(t, err, &verr)
	})
	t.Run("a client without a certificate is refused", func(t *testing.T) {
		pool := x509.NewCertPool()
		pool.AddCert(c.ca)
		conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
		require.ErrorContains(t, echo(conn, err), "certificate required")
	})
	t.Run("plain text is refused and logged", func(t *testing.T) {
		conn, err := net.Dial("tcp", addr)
		require.Error(t, echo(conn, err))
		require.Eventually(t, func() bool {
			logMu.Lock()
			defer logMu.Unlock()
			return strings.Contains(logs.String(), "first record does not look like a TLS handshake")
		}, 5*time.Second, 5*time.Millisecond)
	})
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func TestTLSReload(t *testing.T) {
	c := newCerts(t)
	o := c.opts("first")
	o.AuthClients = "no"
	setup, err := newTLSSetup(o)
	require.NoError(t, err)
	addr := serveTLS(t, setup, slog.New(slog.DiscardHandler))
	pool := x509.NewCertPool()
	pool.AddCert(c.ca)
	served := func() string {
		t.Helper()
		conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
		require.NoError(t, err)
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0].Subject.CommonName
	}
	require.Equal(t, "first", served())

	second := c.opts("second")
	o.CertFile = second.CertFile
	require.Error(t, setup.reload(o), "the new certificate with the old key")
	require.Equal(t, "first", served(), "a failed reload keeps the previous files")
	o.KeyFile = second.KeyFile
	require.NoError(t, setup.reload(o))
	require.Equal(t, "second", served())

	o.Protocols = "TLSv1.2"
	require.NoError(t, setup.reload(o))
	conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
	require.NoError(t, err)
	require.Equal(t, uint16(tls.VersionTLS12), conn.ConnectionState().Version)
	_ = conn.Close()
}

func TestReloadTLSOnConfigSet(t *testing.T) {
	c := newCerts(t)
	first, second := c.opts("first"), c.opts("second")
	s := newSettings()
	for name, v := range map[string]string{"tls-port": "6380", "tls-cert-file": first.CertFile, "tls-key-file": first.KeyFile,
		"tls-ca-cert-file": c.caFile, "tls-auth-clients": "no"} {
		require.NoError(t, s.setAtStart(name, v))
	}
	setup, err := newTLSSetup(tlsOptionsOf(s.value))
	require.NoError(t, err)
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	s.onChange = func(name, _ string) { reloadTLS(setup, name, s.value, logger) }
	leaf := func() string { return setup.cur.Load().server.Certificates[0].Leaf.Subject.CommonName }

	// CONFIG SET tls-cert-file A tls-key-file B sets one after the other.
	require.NoError(t, setOne(s, "tls-cert-file", second.CertFile))
	require.Contains(t, logs.String(), "TLS configuration not reloaded")
	require.Equal(t, "first", leaf())
	require.NoError(t, setOne(s, "tls-key-file", second.KeyFile))
	require.Contains(t, logs.String(), "TLS configuration reloaded")
	require.Equal(t, "second", leaf())

	require.Error(t, setOne(s, "tls-cert-file", "/nonexistent.crt"), "a file that cannot be read is refused")
	require.Equal(t, second.CertFile, s.value("tls-cert-file"))
	reloadTLS(nil, "tls-cert-file", s.value, logger) // TLS off: nothing to reload
}
