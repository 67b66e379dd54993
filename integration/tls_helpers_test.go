package integration

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// testCA is a throwaway certificate authority whose files live in a test's
// temporary directory.
type testCA struct {
	t      *testing.T
	dir    string
	name   string
	CAFile string // ca.crt, PEM
	cert   *x509.Certificate
	key    *ecdsa.PrivateKey
}

// newTestCA creates a CA named name (its files are name-ca.crt and so on).
func newTestCA(t *testing.T, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: name + " test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	ca := &testCA{t: t, dir: t.TempDir(), name: name, cert: cert, key: key}
	ca.CAFile = ca.write(name+"-ca.crt", "CERTIFICATE", der)
	return ca
}

// issue signs a certificate for 127.0.0.1 and localhost, usable by a
// server and as a client certificate (a node is both), and returns the
// paths of its certificate and key files.
func (ca *testCA) issue(name string) (certFile, keyFile string) {
	t := ca.t
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	require.NoError(t, err)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	prefix := ca.name + "-" + name
	return ca.write(prefix+".crt", "CERTIFICATE", der), ca.write(prefix+".key", "PRIVATE KEY", keyDER)
}

func (ca *testCA) write(file, typ string, der []byte) string {
	ca.t.Helper()
	p := filepath.Join(ca.dir, file)
	require.NoError(ca.t, os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600))
	return p
}

// clientConfig is a client's TLS configuration trusting ca, presenting
// the certificate in certFile and keyFile unless they are empty.
func (ca *testCA) clientConfig(certFile, keyFile string) *tls.Config {
	ca.t.Helper()
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	c := &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
	if certFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		require.NoError(ca.t, err)
		// Presented whatever CAs the server names as acceptable (Go's
		// client would otherwise send none that another CA signed), so
		// that the server's verification is what the tests see.
		c.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &cert, nil }
	}
	return c
}

// tlsArgs are the arguments that give a server ca's certificate files,
// with a certificate of its own named name, and tls-port tlsPort (0: none).
func tlsArgs(ca *testCA, name string, tlsPort int) []string {
	cert, key := ca.issue(name)
	args := []string{"--tls-cert-file", cert, "--tls-key-file", key, "--tls-ca-cert-file", ca.CAFile}
	if tlsPort != 0 {
		args = append(args, "--tls-port", strconv.Itoa(tlsPort))
	}
	return args
}

// tlsPing sends PING over TLS and expects +PONG.
func tlsPing(addr string, cfg *tls.Config) error {
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: time.Second}, "tcp", addr, cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("*1\r\n$4\r\nPING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" {
		return fmt.Errorf("PING answered %q", line)
	}
	return nil
}

// startTLSOnly starts a server with port 0 and tls-port (a TLS-only
// server), and waits until it answers PING over TLS with cfg.
func startTLSOnly(t *testing.T, cfg *tls.Config, extra ...string) *Server {
	t.Helper()
	ports := freePorts(t, 2)
	dir := t.TempDir()
	args := append([]string{"--port", "0", "--tls-port", strconv.Itoa(ports[0])}, baseArgs(dir, ports[1])...)
	args = append(args, extra...)
	s := &Server{Port: ports[0], ReplPort: ports[1], Dir: dir, t: t, out: &lockedBuffer{}, exited: make(chan struct{})}
	s.cmd = exec.Command(serverBin, args...)
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	setPdeathsig(s.cmd)
	require.NoError(t, s.cmd.Start())
	go func() {
		_ = s.cmd.Wait() // the exit status is read from state
		s.state = s.cmd.ProcessState
		close(s.exited)
	}()
	t.Cleanup(func() {
		s.Kill()
		if t.Failed() {
			t.Logf("%s %s\n--- output ---\n%s", serverBin, strings.Join(args, " "), s.Output())
		}
	})
	deadline := time.Now().Add(startTimeout)
	for {
		err := tlsPing(s.Addr(), cfg)
		if err == nil {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("no PONG over TLS within %v: %v\n%s", startTimeout, err, s.Output())
		}
		select {
		case <-s.exited:
			t.Fatalf("exited before answering PING over TLS (%v):\n%s", s.state, s.Output())
		case <-time.After(20 * time.Millisecond): // poll interval
		}
	}
}
