// NADB frame codec.
//
// A frame is a 4-byte big-endian payload length followed by a compact JSON
// object {"type","sequence","timestamp","data","checksum"}. The checksum is
// the lowercase hex SHA-256 of the canonical JSON of {type, sequence,
// timestamp, data}, where "canonical" means exactly what the Python reference
// prints with json.dumps(obj, sort_keys=True, separators=(',', ':')):
//
//   - object keys sorted by code point, at every level, no whitespace;
//   - strings with ensure_ascii escaping: `\"`, `\\`, the short forms \b \f
//     \n \r \t, every other UTF-16 code unit outside 0x20..0x7e as a
//     lowercase \uXXXX (so 0x7f is escaped, '/' is not, and characters above
//     the BMP become surrogate pairs);
//   - integers as their digits (an integer literal stays an integer: a
//     timestamp of 1700000000 hashes differently from 1700000000.0);
//   - other numbers as Python's repr of the float: shortest round-trip
//     digits, fixed notation with at least one decimal for 1e-4 <= |x| <
//     1e16 (1700000000.0, 0.0001), otherwise d[.ddd]e±XX (1e-05, 1e+16).
//
// Why hand-written rather than encoding/json: the checksum must be recomputed
// from what the peer actually sent, token by token. encoding/json replaces
// lone surrogates and invalid bytes with U+FFFD, matches field names
// case-insensitively, keeps the last of duplicate keys, loses integer
// precision above 2^53 when it goes through float64, forgets whether a number
// was written as 1700000000 or 1700000000.0, and allocates per field. The
// decoder here makes one pass over the payload: it validates the JSON,
// rejects duplicate keys, writes the canonical form of every value it meets
// (strings re-escaped from their decoded UTF-16 code units, numbers
// re-printed by the rules above, unknown data fields included) and records
// where the known fields are. Only after the SHA-256 of that canonical text
// matches the frame's checksum does it interpret the fields, base64 included.
// Frames whose hashed values are already canonical as written (this server's
// and the reference's) take a fast path that checks that and assembles the
// same canonical text from the raw values, data's members sorted, without
// rewriting them (codec_decode_fast.go).
// With a reused Decoder and Op a typical SET decodes without allocating.
//
// Strings are byte strings on our side and UTF-16 on the reference's. A JSON
// string decodes to WTF-8: UTF-8 in which an unpaired surrogate (\ud800) is
// kept as its 3-byte generalised encoding instead of being replaced, so every
// string a Python peer can send survives decoding and re-encoding unchanged.
// The encoder writes a key or value as a plain JSON string when its bytes are
// well-formed WTF-8, and as base64 flagged by "_key_encoded" /
// "_value_encoded" otherwise.

package frame

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"math"
	"time"
)

// DefaultMaxFrame is the largest payload accepted when no other limit is set:
// the reference's MAX_OPERATION_SIZE, 100 MiB.
const DefaultMaxFrame = 100 << 20

// FileMaxFrame is the frame limit for reading a file of size bytes back:
// no frame is longer than the file, and nothing else limits what the
// server itself wrote (a large value makes a large frame).
func FileMaxFrame(size int64) int { return int(max(min(size, math.MaxUint32), 1)) }

// MaxFrameLimit is the largest frame the 4-byte length can announce: the
// limit of a stream from a primary, whose frames carry whole values (a
// list built by many pushes, a snapshot's key, a STORE's result) that
// can be far larger than one client argument, escaped up to six bytes a
// byte. The Reader allocates only what arrives, never what a length
// announces.
const MaxFrameLimit = math.MaxUint32

// Sentinel errors of the codec, checked with errors.Is. Every error of a
// Decoder wraps exactly one of them; so does every error of a Reader except
// an I/O error of the underlying stream, which it passes on wrapped.
var (
	// ErrFrameTooLarge: the length prefix exceeds the configured maximum.
	// Nothing is allocated for such a frame.
	ErrFrameTooLarge = errors.New("replication: frame too large")
	// ErrTruncated: fewer bytes than the length prefix announces, or fewer
	// than the 4 bytes of the prefix itself. From a Reader it also wraps
	// io.ErrUnexpectedEOF.
	ErrTruncated = errors.New("replication: truncated frame")
	// ErrBadJSON: the payload is not one well-formed JSON object in UTF-8
	// (syntax error, trailing data, not an object, invalid UTF-8, duplicate
	// key, nesting deeper than 64) or a known field has the wrong JSON type
	// or an out-of-range number.
	ErrBadJSON = errors.New("replication: malformed frame")
	// ErrMissingField: type, sequence, timestamp or data is absent or null.
	ErrMissingField = errors.New("replication: missing frame field")
	// ErrBadChecksum: the checksum is absent, null, not a string, not the
	// exact lowercase hex SHA-256 of the canonical form, or does not match.
	ErrBadChecksum = errors.New("replication: bad checksum")
	// ErrUnknownType: the type field names no known operation type.
	ErrUnknownType = errors.New("replication: unknown operation type")
	// ErrBadEncoding: _key_encoded or _value_encoded is true but the text
	// is not valid standard base64.
	ErrBadEncoding = errors.New("replication: bad base64 encoding")
	// ErrInvalidOp: the Encoder was given an Op it cannot represent: a
	// non-finite Timestamp or TTL, or a text field (DB, Namespace, Tags,
	// ReplID, Mode, NodeID) that is not well-formed UTF-8/WTF-8.
	ErrInvalidOp = errors.New("replication: operation cannot be encoded")
)

// OpType is the type field of a frame.
type OpType string

// Operation types. The first eight are the reference protocol's; the others
// are extensions of this server that reference peers do not know.
const (
	OpSet          OpType = "SET"
	OpDelete       OpType = "DELETE"
	OpSetTTL       OpType = "SET_TTL"
	OpFlush        OpType = "FLUSH"
	OpMetadata     OpType = "METADATA"
	OpHeartbeat    OpType = "HEARTBEAT"
	OpSyncRequest  OpType = "SYNC_REQUEST"
	OpSyncResponse OpType = "SYNC_RESPONSE"
	OpAck          OpType = "ACK"
	OpSnapshotEnd  OpType = "SNAPSHOT_END"
	// OpAuthChallenge and OpAuthProof are the authenticated handshake
	// (auth.go).
	OpAuthChallenge OpType = "AUTH_CHALLENGE"
	OpAuthProof     OpType = "AUTH_PROOF"
	// OpPublish carries a PUBLISH to the secondaries that asked for it
	// (FeaturePubSub): data.key is the channel, data.value the message,
	// the sequence the last operation logged before it. It takes no
	// sequence of its own and is never logged.
	OpPublish OpType = "PUBLISH"
	// OpHSet, OpHDel and OpHash carry hash changes (extension; see
	// docs/PROTOCOL.md): fields set, fields removed, a whole hash.
	OpHSet OpType = "HSET"
	OpHDel OpType = "HDEL"
	OpHash OpType = "HASH"
	// OpObject and OpApply carry lists, sets and sorted sets (extension;
	// see docs/PROTOCOL.md): a whole value, its type in data.tags, and
	// one deterministic change of one key, as packed words.
	OpObject OpType = "OBJECT"
	OpApply  OpType = "APPLY"
	// OpSwapDB swaps two databases (extension): data.db and the index
	// in data.value.
	OpSwapDB OpType = "SWAPDB"
	// OpRename gives data.key the value of another key, which it names
	// in data.value (extension; see docs/PROTOCOL.md).
	OpRename OpType = "RENAME"
	// OpCopy gives data.key a copy of the value of the key it names in
	// data.value, which stays (extension; see docs/PROTOCOL.md).
	OpCopy OpType = "COPY"
	// OpSnapshotBatch carries many keys of a full resynchronisation at
	// once, to a secondary that asked for it (FeatureSnapshotBatch; see
	// batch.go): data.value the packed keys, data.count how many.
	OpSnapshotBatch OpType = "SNAPSHOT_BATCH"
	// OpOpBatch carries consecutive operations of the live stream at
	// once, to a secondary that asked for it (FeatureOpBatch; see
	// opbatch.go): data.sequence the first one's, data.count how many,
	// data.value the packed operations.
	OpOpBatch OpType = "OP_BATCH"
)

// FeaturePubSub, in data.tags of a SYNC_REQUEST, asks the primary to
// forward its PUBLISH messages (OpPublish). A primary sends that frame to
// no other peer, so reference secondaries and older nadb-server ones never
// see it.
const FeaturePubSub = "pubsub"

// FeatureShardPubSub, beside FeaturePubSub, asks the primary to forward
// its SPUBLISH messages too (OpPublish frames tagged "shard"): a secondary
// that does not ask would take them for plain PUBLISH messages.
const FeatureShardPubSub = "pubsub_shard"

// opTypes lists the known operation types.
var opTypes = [...]OpType{
	OpSet, OpDelete, OpSetTTL, OpFlush, OpMetadata, OpHeartbeat,
	OpSyncRequest, OpSyncResponse, OpAck, OpSnapshotEnd, OpAuthChallenge, OpAuthProof, OpPublish,
	OpHSet, OpHDel, OpHash, OpObject, OpApply, OpSwapDB, OpSnapshotBatch, OpRename, OpCopy, OpOpBatch,
}

// lookupOpType maps wire text to the OpType constant without allocating.
func lookupOpType[S ~string | ~[]byte](name S) (OpType, bool) {
	for _, t := range opTypes {
		if string(name) == string(t) {
			return t, true
		}
	}
	return "", false
}

// SyncMode is data.mode of a SYNC_RESPONSE.
type SyncMode string

// Sync modes of a SYNC_RESPONSE (extension).
const (
	ModePartial SyncMode = "partial"
	ModeFull    SyncMode = "full"
)

// FieldMask says which optional data fields of an Op are present.
type FieldMask uint32

// Data fields. A field whose bit is clear is absent from the frame (or was
// null on the wire) and its Op member is the zero value.
const (
	FieldKey           FieldMask = 1 << iota // data.key
	FieldValue                               // data.value
	FieldDB                                  // data.db
	FieldNamespace                           // data.namespace
	FieldTags                                // data.tags
	FieldTTL                                 // data.ttl
	FieldExpireAt                            // data.expire_at_ms (extension)
	FieldGroup                               // data.group (extension)
	FieldFromSequence                        // data.from_sequence
	FieldReplID                              // data.repl_id (extension)
	FieldMode                                // data.mode (extension)
	FieldListeningPort                       // data.listening_port (extension)
	FieldNodeID                              // data.node_id (extension)
	FieldApplied                             // data.applied (extension)
	FieldCount                               // data.count (extension)
	FieldLastDigest                          // data.last_digest (extension)
	FieldDatasetDigest                       // data.dataset_digest_v2 (extension)
	FieldVerified                            // data.verified (extension)
	FieldNonce                               // data.nonce (extension)
	FieldProof                               // data.proof (extension)
	FieldAnnounceIP                          // data.announce_ip (extension)
)

// Op is one decoded or to-be-encoded operation.
//
// Decoding overwrites the whole Op. A present slice field is non-nil, even
// when empty; an absent one is nil. Slices filled by a Decoder (Tags
// included) alias the decoded payload or the Decoder's own buffers: they stay
// valid until the next decode on that Decoder (or the next Reader.Next) and
// must not be modified; they are capped, so appending to one copies. The
// Encoder only reads an Op, so several goroutines may encode one Op at once.
type Op struct {
	Type     OpType
	Sequence uint64
	// Timestamp is seconds since the Unix epoch.
	Timestamp float64
	// TimestampIsInt records that the literal had no fraction or exponent
	// (1700000000, not 1700000000.0). The two forms hash differently, so the
	// Encoder keeps the integer form when this is set and Timestamp is
	// integral.
	TimestampIsInt bool
	// Checksum is the SHA-256 the decoded frame carried (and that was
	// verified). The Encoder ignores it.
	Checksum [32]byte

	// Has says which of the data fields below are present.
	Has FieldMask

	// Key is data.key, base64-decoded when data._key_encoded was true.
	Key []byte
	// KeyBase64: decoding, the wire had "_key_encoded": true; encoding,
	// send the key as base64 even if it is valid text. A key that is not
	// well-formed WTF-8 is always sent as base64.
	KeyBase64 bool
	// Value is data.value, base64-decoded when data._value_encoded was true.
	Value []byte
	// ValueBase64: decoding, the wire had "_value_encoded": true; encoding,
	// send the value as base64 even if it is valid text (the reference
	// primary's form for bytes values). A value that is not well-formed
	// WTF-8 is always sent as base64.
	ValueBase64 bool

	// DB is data.db: a name for the reference ("example_db"), a decimal
	// index "0".."15" for this server.
	DB        []byte
	Namespace []byte // data.namespace
	Tags      [][]byte
	// TTL is data.ttl in seconds. An integral TTL below 1e16 is written as
	// a JSON integer, as the reference does.
	TTL float64
	// ExpireAtMs is data.expire_at_ms: absolute expiry in Unix
	// milliseconds (extension).
	ExpireAtMs int64
	// Group is data.group: the number of operations in the atomic group
	// this one belongs to (extension).
	Group int
	// FromSequence is data.from_sequence of a SYNC_REQUEST: the first
	// sequence the secondary needs.
	FromSequence uint64
	// ReplID is data.repl_id: the history the sender has (extension).
	ReplID []byte
	// Mode is data.mode of a SYNC_RESPONSE (extension). Decoding interns
	// ModePartial and ModeFull; any other text is kept as sent.
	Mode SyncMode
	// ListeningPort is data.listening_port: the secondary's RESP port
	// (extension).
	ListeningPort int
	// NodeID is data.node_id (extension).
	NodeID []byte
	// LastDigest is data.last_digest (extension): in a SYNC_REQUEST, a
	// digest of the last operation the secondary applied (see OpDigest),
	// so the primary can tell that its history really holds that
	// operation before it offers a partial resync.
	LastDigest []byte
	// Applied is data.applied of an ACK: the last applied sequence
	// (extension).
	Applied uint64
	// Count is data.count: the number of snapshot operations of a full
	// resync (SNAPSHOT_END, SYNC_RESPONSE; extension).
	Count uint64
	// DatasetDigest is data.dataset_digest_v2 (extension): 32 hex digits of
	// the digest of the whole dataset (engine.Digest) at Sequence. A
	// HEARTBEAT that carries it is a checkpoint; a snapshot's METADATA
	// records with it what the snapshot holds.
	DatasetDigest []byte
	// Verified is data.verified of an ACK: the last sequence at which the
	// secondary found its dataset equal to the primary's (extension).
	Verified uint64
	// Nonce is data.nonce: a SYNC_REQUEST's or AUTH_CHALLENGE's random
	// challenge, 32 hex digits (extension).
	Nonce []byte
	// Proof is data.proof: an HMAC-SHA256 in 64 hex digits proving the
	// sender knows the replication password (AUTH_CHALLENGE, AUTH_PROOF;
	// extension).
	Proof []byte
	// AnnounceIP is data.announce_ip of a SYNC_REQUEST: the address the
	// secondary's primary reports for it (replica-announce-ip;
	// extension). Absent, the primary reports the connection's address.
	AnnounceIP []byte
}

// field identifies a known data member. The order is the wire order the
// Encoder uses: the reference's own order first, then the extensions.
type field uint8

const (
	fKey field = iota
	fValue
	fDB
	fNamespace
	fTags
	fTTL
	fValueEncoded
	fKeyEncoded
	fExpireAt
	fGroup
	fFromSequence
	fReplID
	fMode
	fListeningPort
	fNodeID
	fApplied
	fCount
	fLastDigest
	fDatasetDigest
	fVerified
	fNonce
	fProof
	fAnnounceIP
	numFields
)

// fieldNames are the JSON names, indexed by field.
var fieldNames = [numFields]string{
	fKey:           "key",
	fValue:         "value",
	fDB:            "db",
	fNamespace:     "namespace",
	fTags:          "tags",
	fTTL:           "ttl",
	fValueEncoded:  "_value_encoded",
	fKeyEncoded:    "_key_encoded",
	fExpireAt:      "expire_at_ms",
	fGroup:         "group",
	fFromSequence:  "from_sequence",
	fReplID:        "repl_id",
	fMode:          "mode",
	fListeningPort: "listening_port",
	fNodeID:        "node_id",
	fApplied:       "applied",
	fCount:         "count",
	fLastDigest:    "last_digest",
	fDatasetDigest: "dataset_digest_v2",
	fVerified:      "verified",
	fNonce:         "nonce",
	fProof:         "proof",
	fAnnounceIP:    "announce_ip",
}

// canonicalFieldOrder lists the fields sorted by name (code point order), the
// order of the checksum input. TestCanonicalFieldOrder checks it.
var canonicalFieldOrder = [numFields]field{
	fKeyEncoded, fValueEncoded, fAnnounceIP, fApplied, fCount, fDatasetDigest, fDB, fExpireAt,
	fFromSequence, fGroup, fKey, fLastDigest, fListeningPort, fMode, fNamespace,
	fNodeID, fNonce, fProof, fReplID, fTags, fTTL, fValue, fVerified,
}

// lookupField maps a decoded data member name to its field.
func lookupField(name []byte) (field, bool) {
	switch string(name) {
	case "announce_ip":
		return fAnnounceIP, true
	case "key":
		return fKey, true
	case "value":
		return fValue, true
	case "db":
		return fDB, true
	case "namespace":
		return fNamespace, true
	case "tags":
		return fTags, true
	case "ttl":
		return fTTL, true
	case "_value_encoded":
		return fValueEncoded, true
	case "_key_encoded":
		return fKeyEncoded, true
	case "expire_at_ms":
		return fExpireAt, true
	case "group":
		return fGroup, true
	case "from_sequence":
		return fFromSequence, true
	case "repl_id":
		return fReplID, true
	case "mode":
		return fMode, true
	case "listening_port":
		return fListeningPort, true
	case "node_id":
		return fNodeID, true
	case "applied":
		return fApplied, true
	case "count":
		return fCount, true
	case "last_digest":
		return fLastDigest, true
	case "dataset_digest_v2":
		return fDatasetDigest, true
	case "verified":
		return fVerified, true
	case "nonce":
		return fNonce, true
	case "proof":
		return fProof, true
	}
	return 0, false
}

// fieldMask maps a field to its Has bit; the two base64 flags have none.
var fieldMask = [numFields]FieldMask{
	fKey:           FieldKey,
	fValue:         FieldValue,
	fDB:            FieldDB,
	fNamespace:     FieldNamespace,
	fTags:          FieldTags,
	fTTL:           FieldTTL,
	fExpireAt:      FieldExpireAt,
	fGroup:         FieldGroup,
	fFromSequence:  FieldFromSequence,
	fReplID:        FieldReplID,
	fMode:          FieldMode,
	fListeningPort: FieldListeningPort,
	fNodeID:        FieldNodeID,
	fApplied:       FieldApplied,
	fCount:         FieldCount,
	fLastDigest:    FieldLastDigest,
	fDatasetDigest: FieldDatasetDigest,
	fVerified:      FieldVerified,
	fNonce:         FieldNonce,
	fProof:         FieldProof,
	fAnnounceIP:    FieldAnnounceIP,
}

// NowSeconds is the current time as a frame's timestamp: Unix seconds with
// microseconds.
func NowSeconds() float64 { return float64(time.Now().UnixMicro()) / 1e6 }

// NewReplID returns a random 40-hex-digit replication ID, naming a new
// history.
func NewReplID() string {
	b := make([]byte, 20)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
