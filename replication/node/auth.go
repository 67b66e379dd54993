package node

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nadb-server/nadb-server/replication/frame"
)

// Limits of the replication port before a peer has authenticated (or, with
// no password, completed its handshake): the frames a stranger may
// announce, and how long it has to send them.
const (
	// handshakeMaxFrame bounds every frame a primary reads from a peer
	// (SYNC_REQUEST, AUTH_PROOF, ACK: all small) and every frame a
	// secondary with masterauth reads before its primary proved itself.
	handshakeMaxFrame = 4 << 10
	// handshakeTimeout is how long a peer has to complete its handshake.
	handshakeTimeout = 5 * time.Second
)

// Errors of the authenticated handshake. A secondary shows them in its log
// and as nadb_link_error in INFO replication; none contains a secret.
var (
	// ErrAuthRequired: the primary asks for a password and masterauth is
	// not set.
	ErrAuthRequired = errors.New("the primary requires authentication: set masterauth to its repl-password (or requirepass)")
	// ErrAuthRefused: the primary closed the link after this secondary's
	// proof: masterauth is not its password.
	ErrAuthRefused = errors.New("the primary refused our authentication: masterauth differs from its repl-password (or requirepass)")
	// ErrPrimaryProof: the primary's proof does not match masterauth: the
	// two passwords differ (the usual case), or the peer is not the
	// primary. The secondary checks the primary first, so a wrong
	// masterauth shows as this.
	ErrPrimaryProof = errors.New("authentication with the primary failed: masterauth is not its repl-password (or requirepass), or the peer is not our primary")
	// ErrPrimaryUnauthenticated: masterauth is set, but the primary
	// answered without authenticating itself.
	ErrPrimaryUnauthenticated = errors.New("masterauth is set but the primary did not authenticate (it has no password, or is a reference primary): not following it")
)

// errPeerAuth: a peer of the primary failed or skipped authentication.
var errPeerAuth = errors.New("replication peer failed authentication")

// authSettings are the node's replication secrets and policies, changed at
// run time (CONFIG SET) and read by every new connection.
type authSettings struct {
	password    atomic.Pointer[string]      // the primary's: repl-password, else requirepass ("": none)
	masterUser  atomic.Pointer[string]      // masteruser, for the discovery's AUTH
	masterAuth  atomic.Pointer[string]      // masterauth: the secondary's proof key
	allowLegacy atomic.Bool                 // repl-allow-legacy
	maxPeers    atomic.Int64                // repl-max-peers (<= 0: no cap)
	maxPending  atomic.Int64                // repl-max-unauthenticated (<= 0: no cap)
	outLimit    atomic.Pointer[OutputLimit] // client-output-buffer-limit's replica class (outlimit.go)
	timeout     atomic.Int64                // repl-timeout, in nanoseconds (see Node.SetTimeout)
	heartbeat   atomic.Int64                // heartbeat-interval, in nanoseconds (see Node.SetHeartbeat)
}

// heartbeatEvery returns heartbeat-interval: how often an idle secondary
// is sent a heartbeat.
func (a *authSettings) heartbeatEvery() time.Duration { return time.Duration(a.heartbeat.Load()) }

// replTimeout returns repl-timeout: how long a replication link may stay
// silent before it is dropped.
func (a *authSettings) replTimeout() time.Duration { return time.Duration(a.timeout.Load()) }

func loadString(p *atomic.Pointer[string]) string {
	if s := p.Load(); s != nil {
		return *s
	}
	return ""
}

// proofKey returns the primary's password, nil when it has none.
func (a *authSettings) proofKey() []byte {
	if s := loadString(&a.password); s != "" {
		return []byte(s)
	}
	return nil
}

// masterKey returns masterauth, nil when it is not set.
func (a *authSettings) masterKey() []byte {
	if s := loadString(&a.masterAuth); s != "" {
		return []byte(s)
	}
	return nil
}

// ownedRequest copies the slices of req that outlive the next frame read
// (a Reader's Op aliases its buffer).
func ownedRequest(req *frame.Op) {
	req.ReplID = bytes.Clone(req.ReplID)
	req.NodeID = bytes.Clone(req.NodeID)
	req.LastDigest = bytes.Clone(req.LastDigest)
	req.Nonce = bytes.Clone(req.Nonce)
}

// authenticate runs the primary's side of the handshake with a peer whose
// SYNC_REQUEST is req, when the primary has a password: AUTH_CHALLENGE with
// the primary's proof, then the peer's AUTH_PROOF, checked. Nothing else is
// sent before it returns nil.
func (p *primary) authenticate(conn net.Conn, rd *frame.Reader, req *frame.Op, password []byte) error {
	if req.Has&frame.FieldNonce == 0 || !frame.ValidNonce(req.Nonce) {
		return fmt.Errorf("%w: its SYNC_REQUEST has no nonce (a secondary without authentication support)", errPeerAuth)
	}
	np := frame.NewNonce()
	replID := []byte(p.replID)
	ch := frame.Op{Type: frame.OpAuthChallenge, Timestamp: frame.NowSeconds(), Nonce: np, ReplID: replID,
		Proof: frame.AuthProof(password, frame.SidePrimary, req.Nonce, np, replID, req.Checksum),
		Has:   frame.FieldNonce | frame.FieldReplID | frame.FieldProof}
	var enc frame.Encoder
	buf, err := enc.AppendFrame(nil, &ch)
	if err != nil {
		return err
	}
	_ = conn.SetWriteDeadline(time.Now().Add(handshakeTimeout))
	if _, err := conn.Write(buf); err != nil {
		return err
	}
	var op frame.Op
	if err := rd.Next(&op); err != nil {
		return fmt.Errorf("%w: %w", errPeerAuth, err)
	}
	if op.Type != frame.OpAuthProof || op.Has&frame.FieldProof == 0 ||
		!frame.CheckProof(op.Proof, password, frame.SideSecondary, req.Nonce, np, replID, req.Checksum) {
		return fmt.Errorf("%w: wrong proof (%s)", errPeerAuth, op.Type)
	}
	return nil
}

// admitPeer counts a new replication connection against repl-max-peers
// and repl-max-unauthenticated; false means it must be closed at once.
// A peer admitted holds a slot of each until handshakeDone, then of
// maxPeers only, until release.
func (p *primary) admitPeer() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	maxPeers, maxPending := p.auth.maxPeers.Load(), p.auth.maxPending.Load()
	if (maxPeers > 0 && p.peers >= maxPeers) || (maxPending > 0 && p.pending >= maxPending) {
		return false
	}
	p.peers++
	p.pending++
	return true
}

// handshakeDone moves a peer from the unauthenticated count.
func (p *primary) handshakeDone(done *bool) {
	if *done {
		return
	}
	*done = true
	p.mu.Lock()
	p.pending--
	p.mu.Unlock()
}

// releasePeer ends what admitPeer counted.
func (p *primary) releasePeer(done bool) {
	p.mu.Lock()
	p.peers--
	if !done {
		p.pending--
	}
	p.mu.Unlock()
}

// requestChecksum returns the checksum of the encoded frame buf, which the
// proofs bind.
func requestChecksum(buf []byte) ([32]byte, error) {
	var op frame.Op
	if err := frame.NewReader(bytes.NewReader(buf), 0).Next(&op); err != nil {
		return [32]byte{}, err
	}
	return op.Checksum, nil
}

// proveToPrimary runs the secondary's side once the primary answered with
// AUTH_CHALLENGE (op): it checks the primary's proof, sends its own, and
// reads the next frame into op.
func (s *secondary) proveToPrimary(conn net.Conn, rd *frame.Reader, op *frame.Op, ns []byte, reqSum [32]byte) error {
	key := s.auth.masterKey()
	if key == nil {
		return ErrAuthRequired
	}
	np, replID := bytes.Clone(op.Nonce), bytes.Clone(op.ReplID)
	if !frame.ValidNonce(np) || !frame.CheckProof(op.Proof, key, frame.SidePrimary, ns, np, replID, reqSum) {
		return ErrPrimaryProof
	}
	proof := frame.Op{Type: frame.OpAuthProof, Timestamp: frame.NowSeconds(),
		Proof: frame.AuthProof(key, frame.SideSecondary, ns, np, replID, reqSum), Has: frame.FieldProof}
	var enc frame.Encoder
	buf, err := enc.AppendFrame(nil, &proof)
	if err != nil {
		return err
	}
	_ = conn.SetWriteDeadline(time.Now().Add(s.auth.replTimeout()))
	if _, err := conn.Write(buf); err != nil {
		return err
	}
	if err := s.next(conn, rd, op); err != nil {
		return fmt.Errorf("%w (%w)", ErrAuthRefused, err)
	}
	return nil
}

// authenticateRedis sends AUTH [user] password on a Redis connection and
// checks the reply (the discovery of the NADB port through INFO, against a
// primary with requirepass).
func authenticateRedis(conn net.Conn, br *bufio.Reader, user, password string) error {
	args := []string{"AUTH", password}
	if user != "" {
		args = []string{"AUTH", user, password}
	}
	if _, err := conn.Write(respCommand(args)); err != nil {
		return err
	}
	line, err := br.ReadString('\n')
	if err != nil {
		return err
	}
	switch {
	case strings.HasPrefix(line, "+"):
	case strings.Contains(line, "without any password configured"):
		// The primary's Redis port has no requirepass (its NADB port may
		// still have repl-password): nothing to prove there.
	default:
		return fmt.Errorf("AUTH with masterauth refused: %s", strings.TrimSpace(line))
	}
	return nil
}
