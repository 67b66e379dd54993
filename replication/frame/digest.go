package frame

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"

	"github.com/nadb-server/nadb-server/engine"
)

// OpDigest identifies the operation at sequence seq by its content (kind,
// database, key, value, expiry), not by when or how it was framed: a
// primary that rebuilt its log from disk computes the same digest as the
// secondary that applied the frame. A secondary sends the digest of its
// last applied operation with a partial resync request; a primary whose
// operation at that sequence differs (it restarted having lost writes the
// secondary had, then logged others under the same numbers) sends a full
// resync instead of silently continuing.
func OpDigest(seq uint64, ef *engine.Effect) []byte {
	h := sha256.New()
	var b [8]byte
	put := func(v uint64) {
		binary.BigEndian.PutUint64(b[:], v)
		h.Write(b[:])
	}
	put(seq)
	put(uint64(ef.Kind))
	put(uint64(ef.DB))
	put(uint64(len(ef.Key)))
	h.Write([]byte(ef.Key))
	put(uint64(len(ef.Value)))
	h.Write(ef.Value)
	put(uint64(ef.ExpireAt))
	sum := h.Sum(nil)
	return []byte(hex.EncodeToString(sum[:16]))
}
