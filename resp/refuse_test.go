package resp

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// selfSigned returns a throwaway certificate for 127.0.0.1.
func selfSigned(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// A connection over maxclients is answered off the accept loop: over TLS
// the answer waits for the peer's handshake, and a peer that connects and
// never sends one must not keep the clients behind it waiting.
func TestRefusalOverTLSDoesNotHoldAccepts(t *testing.T) {
	cfg := &tls.Config{Certificates: []tls.Certificate{selfSigned(t)}}
	ts := startServerWith(t, Options{MaxClients: 1}, func(ln net.Listener) net.Listener { return tls.NewListener(ln, cfg) })
	client := &tls.Config{InsecureSkipVerify: true} //nolint:gosec // a throwaway certificate

	first, err := tls.Dial("tcp", ts.addr, client)
	require.NoError(t, err)
	defer first.Close()
	_, err = first.Write([]byte(mb("PING")))
	require.NoError(t, err)
	line, err := bufio.NewReader(first).ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "+PONG\r\n", line)

	// Over the limit, and silent: no handshake ever comes. It stays open
	// until the next client has its answer.
	silent, err := net.Dial("tcp", ts.addr)
	require.NoError(t, err)
	defer silent.Close()

	third, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", ts.addr, client)
	require.NoError(t, err)
	defer third.Close()
	require.NoError(t, third.SetReadDeadline(time.Now().Add(10*time.Second)))
	line, err = bufio.NewReader(third).ReadString('\n')
	require.NoError(t, err, "the refusal of the client behind a silent peer")
	require.Equal(t, "-ERR max number of clients reached\r\n", line)
}

// A flood of silent connections over maxclients holds at most maxRefusing
// descriptors: the refusals beyond it are closed at once, unanswered.
func TestRefusalsAreBounded(t *testing.T) {
	cfg := &tls.Config{Certificates: []tls.Certificate{selfSigned(t)}}
	ts := startServerWith(t, Options{MaxClients: 1}, func(ln net.Listener) net.Listener { return tls.NewListener(ln, cfg) })
	first, err := tls.Dial("tcp", ts.addr, &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // a throwaway certificate
	require.NoError(t, err)
	defer first.Close()
	_, err = first.Write([]byte(mb("PING")))
	require.NoError(t, err)
	_, err = bufio.NewReader(first).ReadString('\n')
	require.NoError(t, err)

	const flood = maxRefusing + 72
	for range flood {
		c, err := net.Dial("tcp", ts.addr)
		require.NoError(t, err)
		defer c.Close()
	}
	require.Eventually(t, func() bool { return ts.srv.connections.Load() == flood+1 }, 10*time.Second, 5*time.Millisecond,
		"every connection accepted")
	ts.srv.mu.Lock()
	waiting := len(ts.srv.refused)
	ts.srv.mu.Unlock()
	require.LessOrEqual(t, waiting, maxRefusing)
}
