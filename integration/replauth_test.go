package integration

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nadb-server/nadb-server/replication/frame"
)

// TestReplAuthSync: with a replication password, a secondary whose
// masterauth is right syncs and converges; one whose masterauth is wrong
// (or missing) does not sync, retries, and says why in INFO and in its log;
// no password appears in any output or INFO.
func TestReplAuthSync(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	p := startNode(t, "--repl-password", "s3cret-pw")
	writeKeys(t, p.rdb, "k", 500)
	good := startSecondary(t, p, "--masterauth", "s3cret-pw")
	requireConverged(t, p, good)

	for name, extra := range map[string][]string{
		"wrong":   {"--masterauth", "wrong-pw"},
		"missing": nil,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			bad := startSecondary(t, p, extra...)
			require.EventuallyWithT(t, func(c *assert.CollectT) {
				info, err := bad.info(context.Background(), "replication")
				if assert.NoError(c, err) {
					assert.Equal(c, "down", info["master_link_status"])
					assert.Contains(c, info["nadb_link_error"], "masterauth")
					assert.NotEqual(c, "0", info["nadb_connection_attempts"], "it retries")
				}
			}, convergeTimeout, pollInterval)
			bad.requireLogged(t, "masterauth")
			require.Zero(t, bad.rdb.DBSize(context.Background()).Val(), "nothing was synced")
			for _, out := range []string{bad.Output(), p.Output(), bad.requireInfo("replication")["nadb_link_error"]} {
				require.NotContains(t, out, "s3cret-pw")
				require.NotContains(t, out, "wrong-pw")
			}
		})
	}
}

// hostileCases are what a stranger may send to the NADB port; each
// returns the bytes to send, given a valid SYNC_REQUEST.
var hostileCases = map[string]func(req []byte) []byte{
	"silent":                   func([]byte) []byte { return nil },
	"junk":                     func([]byte) []byte { return []byte("\x00\xffGET / HTTP/1.1\r\nHost: x\r\n\r\n") },
	"RESP PING":                func([]byte) []byte { return []byte("*1\r\n$4\r\nPING\r\n") },
	"partial frame":            func(req []byte) []byte { return req[:len(req)/2] },
	"2 GiB frame announced":    func([]byte) []byte { return []byte{0x7f, 0xff, 0xff, 0xff, '{', '"'} },
	"unauthenticated request":  func(req []byte) []byte { return req },
	"wrong HMAC":               func(req []byte) []byte { return append(bytes.Clone(req), proofFrame(strings.Repeat("0", 64))...) },
	"request without a nonce":  func([]byte) []byte { return requestFrame(false) },
	"proof before any request": func([]byte) []byte { return proofFrame(strings.Repeat("ab", 32)) },
}

func requestFrame(nonce bool) []byte {
	op := frame.Op{Type: frame.OpSyncRequest, Timestamp: 1, FromSequence: 1, Has: frame.FieldFromSequence}
	if nonce {
		op.Nonce, op.Has = frame.NewNonce(), op.Has|frame.FieldNonce
	}
	var enc frame.Encoder
	b, _ := enc.AppendFrame(nil, &op)
	return b
}

func proofFrame(proof string) []byte {
	op := frame.Op{Type: frame.OpAuthProof, Timestamp: 1, Proof: []byte(proof), Has: frame.FieldProof}
	var enc frame.Encoder
	b, _ := enc.AppendFrame(nil, &op)
	return b
}

// TestReplAuthHostilePeers: with a password set, a raw socket on the NADB
// port gets zero bytes of any data frame whatever it does (at most the
// challenge, which holds a nonce, the replication ID and a proof), is
// dropped within the handshake timeout, and the server stays up with
// every acknowledged key intact.
func TestReplAuthHostilePeers(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	ctx := context.Background()
	p := startNode(t, "--repl-password", "s3cret-pw")
	writeKeys(t, p.rdb, "acked", 1000)
	before, err := p.state(ctx)
	require.NoError(t, err)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(p.ReplPort))
	for name, input := range hostileCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, err := net.Dial("tcp", addr)
			require.NoError(t, err)
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(15 * time.Second))
			if in := input(requestFrame(true)); len(in) > 0 {
				_, err := c.Write(in)
				require.NoError(t, err)
			}
			// Read until the primary drops the link (not a half-close of
			// ours: a silent or partial peer must be dropped by the
			// primary itself, within its handshake timeout).
			out, err := io.ReadAll(c)
			var ne net.Error
			require.False(t, errors.As(err, &ne) && ne.Timeout(), "the primary did not drop the peer")
			rd := frame.NewReader(bytes.NewReader(out), 0)
			var op frame.Op
			for n := 0; ; n++ {
				err := rd.Next(&op)
				if errors.Is(err, io.EOF) {
					break
				}
				require.NoError(t, err, "bytes from the primary: %q", out)
				require.Zero(t, n, "more than one frame")
				require.Equal(t, frame.OpAuthChallenge, op.Type)
			}
			require.NotContains(t, string(out), "acked:")
		})
	}
	t.Cleanup(func() {
		require.NoError(t, p.rdb.Ping(ctx).Err(), "the server is up")
		after, err := p.state(ctx)
		require.NoError(t, err)
		require.Equal(t, before, after, "every acknowledged key intact")
		require.Equal(t, int64(1000), p.rdb.DBSize(ctx).Val())
		require.NotContains(t, p.Output(), "s3cret-pw")
	})
}
