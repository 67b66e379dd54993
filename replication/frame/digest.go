package frame

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"

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
	if ef.Kind == engine.EffectObject {
		put(uint64(ef.Type))
	}
	sum := h.Sum(nil)
	return []byte(hex.EncodeToString(sum[:16]))
}

// Checkpoint returns the frame that tells a secondary the primary's dataset
// digest after sequence seq: a HEARTBEAT at seq carrying
// data.dataset_digest_v2. A secondary that has applied exactly seq compares it
// with its own; a peer that does not know the field (a reference secondary,
// or an older nadb-server) takes it for the heartbeat it also is.
func Checkpoint(seq uint64, d engine.Digest) Op {
	return Op{Type: OpHeartbeat, Sequence: seq, Timestamp: NowSeconds(),
		DatasetDigest: []byte(d.String()), Has: FieldDatasetDigest}
}

// DatasetDigestOf returns the dataset digest op carries, if it carries one
// (a checkpoint, a snapshot's METADATA). A digest that is not 32 hex
// digits is an error: the frame verified, so its sender meant it.
func DatasetDigestOf(op *Op) (engine.Digest, bool, error) {
	if op.Has&FieldDatasetDigest == 0 {
		return engine.Digest{}, false, nil
	}
	d, err := engine.ParseDigest(op.DatasetDigest)
	if err != nil {
		return engine.Digest{}, false, fmt.Errorf("%w: data.dataset_digest_v2 %q: %w", ErrBadJSON, op.DatasetDigest, err)
	}
	return d, true, nil
}
