package frame

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
)

// The authenticated handshake (docs/PROTOCOL.md, "Authentication"). Both
// sides know a shared password; neither ever sends it. The secondary's
// SYNC_REQUEST carries its nonce Ns. A primary that has a password answers
// AUTH_CHALLENGE with its own nonce Np, its replication ID and its proof;
// the secondary checks that proof (the primary knows the password) and
// answers AUTH_PROOF with its own; only then does the primary send
// anything else. Each proof is an HMAC-SHA256 keyed by the password over a
// label naming the prover's side, both nonces, the primary's replication
// ID and the SYNC_REQUEST's checksum, so a proof is good for this one
// request, on this one connection, in one direction.

// NonceSize is the number of random bytes in a nonce (32 hex digits).
const NonceSize = 16

// NewNonce returns a fresh random nonce as hex text.
func NewNonce() []byte {
	b := make([]byte, NonceSize)
	_, _ = rand.Read(b)
	return []byte(hex.EncodeToString(b))
}

// AuthSide names who proves: the primary in AUTH_CHALLENGE, the secondary
// in AUTH_PROOF.
type AuthSide string

// The two sides of the handshake.
const (
	SidePrimary   AuthSide = "primary"
	SideSecondary AuthSide = "secondary"
)

// AuthProof returns side's proof, as 64 hex digits, for the handshake of
// the SYNC_REQUEST whose checksum is reqSum, with the secondary's nonce ns,
// the primary's nonce np and the primary's replication ID replID.
func AuthProof(password []byte, side AuthSide, ns, np, replID []byte, reqSum [32]byte) []byte {
	m := hmac.New(sha256.New, password)
	m.Write([]byte("NADB-AUTH-v1 " + string(side) + "\n"))
	for _, part := range [][]byte{ns, np, replID, []byte(hex.EncodeToString(reqSum[:]))} {
		m.Write(part)
		m.Write([]byte{'\n'})
	}
	return []byte(hex.EncodeToString(m.Sum(nil)))
}

// CheckProof reports, in constant time, whether proof is side's proof.
func CheckProof(proof, password []byte, side AuthSide, ns, np, replID []byte, reqSum [32]byte) bool {
	return hmac.Equal(proof, AuthProof(password, side, ns, np, replID, reqSum))
}

// ValidNonce reports whether n looks like a nonce: 32 lowercase hex digits.
func ValidNonce(n []byte) bool {
	if len(n) != 2*NonceSize {
		return false
	}
	for _, c := range n {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
