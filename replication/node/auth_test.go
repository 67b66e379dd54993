package node

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nadb-server/nadb-server/engine"
	"github.com/nadb-server/nadb-server/replication/frame"
)

// withPassword makes a node a primary that requires pw, and a secondary
// that proves masterauth.
func withAuth(primaryPW, masterAuth string) func(*NodeOptions) {
	return func(o *NodeOptions) {
		o.ReplPassword, o.MasterAuth = primaryPW, masterAuth
		o.AllowLegacy = false
		o.VerifyInterval = 5 * time.Millisecond
	}
}

// TestAuthHandshake: a secondary whose masterauth is the primary's
// password syncs and verifies; any other combination does not sync, and
// the secondary says why.
func TestAuthHandshake(t *testing.T) {
	leakCheck(t)
	t.Run("right password", func(t *testing.T) {
		p := startNode(t, withAuth("s3cret", ""))
		s := startNode(t, withAuth("", "s3cret"))
		p.eng.Set(0, "k", []byte("v"), engine.SetOptions{})
		follow(t, s, p.addr)
		requireConverged(t, p, s)
		p.eng.Set(0, "k2", []byte("v"), engine.SetOptions{})
		requireConverged(t, p, s)
		require.Empty(t, secStatus(t, s).LinkError)
	})
	for _, c := range []struct {
		name, primaryPW, masterAuth string
		want                        error
	}{
		{"wrong password", "s3cret", "guess", ErrPrimaryProof},
		{"no masterauth", "s3cret", "", ErrAuthRequired},
		{"primary without password", "", "s3cret", ErrPrimaryUnauthenticated},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := startNode(t, withAuth(c.primaryPW, ""))
			s := startNode(t, withAuth("", c.masterAuth))
			p.eng.Set(0, "k", []byte("v"), engine.SetOptions{})
			follow(t, s, p.addr)
			require.EventuallyWithT(t, func(ct *assert.CollectT) {
				st := secStatus(ct, s)
				assert.Contains(ct, st.LinkError, c.want.Error())
				assert.GreaterOrEqual(ct, st.Attempts, int64(1), "it retries")
			}, convergeWait, pollEvery)
			st := secStatus(t, s)
			require.False(t, st.LinkUp)
			require.Zero(t, st.Applied)
			require.Zero(t, s.eng.Len(), "nothing was synced")
			if c.primaryPW != "" {
				require.Empty(t, p.node.Status().Primary.Replicas, "an unauthenticated peer is never a replica")
			}
		})
	}
}

// rawExchange connects to addr, sends input, half-closes, and returns
// every byte the primary sent until it closed the connection.
func rawExchange(t testing.TB, addr string, input []byte) []byte {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * handshakeTimeout))
	_, _ = c.Write(input)
	_ = c.(*net.TCPConn).CloseWrite()
	out, _ := io.ReadAll(c)
	return out
}

// requireNoDataSent decodes out and fails on any frame but one
// AUTH_CHALLENGE: a peer that has not authenticated gets nothing else.
func requireNoDataSent(t testing.TB, out []byte) {
	t.Helper()
	rd := frame.NewReader(bytes.NewReader(out), 0)
	var op frame.Op
	for n := 0; ; n++ {
		err := rd.Next(&op)
		if err != nil {
			require.ErrorIs(t, err, io.EOF, "undecodable bytes from the primary: %q", out)
			return
		}
		require.Zero(t, n, "more than one frame")
		require.Equal(t, frame.OpAuthChallenge, op.Type, "the primary sent %s to an unauthenticated peer", op.Type)
	}
}

// handshakeSeeds are inputs of hostile or broken peers.
func handshakeSeeds(t testing.TB) [][]byte {
	var enc frame.Encoder
	req := frame.Op{Type: frame.OpSyncRequest, Timestamp: 1, FromSequence: 1, Nonce: frame.NewNonce(), Has: frame.FieldFromSequence | frame.FieldNonce}
	valid, err := enc.AppendFrame(nil, &req)
	require.NoError(t, err)
	noNonce := frame.Op{Type: frame.OpSyncRequest, Timestamp: 1, FromSequence: 1, Has: frame.FieldFromSequence}
	old, err := enc.AppendFrame(nil, &noNonce)
	require.NoError(t, err)
	proof := frame.Op{Type: frame.OpAuthProof, Timestamp: 1, Proof: bytes.Repeat([]byte("ab"), 32), Has: frame.FieldProof}
	bad, err := enc.AppendFrame(nil, &proof)
	require.NoError(t, err)
	huge := []byte{0x7f, 0xff, 0xff, 0xff, '{'}
	return [][]byte{
		nil,                                  // connects, sends nothing, closes
		[]byte("*1\r\n$4\r\nPING\r\n"),       // a Redis client
		[]byte("GET / HTTP/1.1\r\n\r\n"),     // junk
		valid[:len(valid)/2],                 // a partial frame
		valid,                                // a valid but unauthenticated request
		append(bytes.Clone(valid), bad...),   // a wrong proof
		old,                                  // a request without nonce
		huge,                                 // a frame announcing 2 GiB
		append(bytes.Clone(valid), valid...), // a second request instead of a proof
	}
}

// TestAuthHostilePeers: with a password set, every hostile or broken peer
// gets at most the challenge, never a data frame, and the primary keeps
// serving its real secondary.
func TestAuthHostilePeers(t *testing.T) {
	leakCheck(t)
	p := startNode(t, withAuth("s3cret", ""))
	s := startNode(t, withAuth("", "s3cret"))
	for i := range 50 {
		p.eng.Set(0, string(rune('a'+i%26))+"key", []byte("v"), engine.SetOptions{})
	}
	follow(t, s, p.addr)
	requireConverged(t, p, s)
	for i, in := range handshakeSeeds(t) {
		out := rawExchange(t, p.addr, in)
		requireNoDataSent(t, out)
		t.Logf("seed %d: %d bytes sent back", i, len(out))
	}
	p.eng.Set(0, "after", []byte("v"), engine.SetOptions{})
	requireConverged(t, p, s)
}

// TestPeerCaps: beyond repl-max-unauthenticated, a new connection is
// closed at once; a completed handshake frees its slot.
func TestPeerCaps(t *testing.T) {
	leakCheck(t)
	p := startNode(t, func(o *NodeOptions) {
		withAuth("s3cret", "")(o)
		o.MaxUnauthenticated = 2
	})
	var idle []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", p.addr)
		require.NoError(t, err)
		idle = append(idle, c)
		t.Cleanup(func() { _ = c.Close() })
	}
	// Both slots are taken once the primary has accepted them.
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		p.node.mu.Lock()
		prim := p.node.prim
		p.node.mu.Unlock()
		prim.mu.Lock()
		defer prim.mu.Unlock()
		assert.Equal(c, int64(2), prim.pending)
	}, convergeWait, pollEvery)
	c, err := net.Dial("tcp", p.addr)
	require.NoError(t, err)
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(handshakeTimeout / 2))
	_, err = c.Read(make([]byte, 1))
	require.ErrorIs(t, err, io.EOF, "the third is closed at once, not after the handshake timeout")
	_ = idle[0].Close()
	s := startNode(t, withAuth("", "s3cret"))
	follow(t, s, p.addr)
	requireConverged(t, p, s)
}

// FuzzPrimaryHandshake feeds arbitrary bytes to a primary that has a
// password, as a peer's whole input: whatever it is, the primary sends at
// most its challenge, and stays up.
func FuzzPrimaryHandshake(f *testing.F) {
	p := startNode(f, withAuth("s3cret", ""))
	p.eng.Set(0, "secret-key", []byte("secret-value"), engine.SetOptions{})
	for _, s := range handshakeSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out := rawExchange(t, p.addr, in)
		requireNoDataSent(t, out)
		require.False(t, bytes.Contains(out, []byte("secret-value")))
	})
}
