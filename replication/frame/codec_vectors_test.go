package frame

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// vectorsPath is the reference implementation's golden frames, a copy kept
// in the repository (testdata/nadb-vectors/README.md says where it came from).
const vectorsPath = "testdata/nadb-vectors/vectors.jsonl"

// vector is one line of vectors.jsonl (see its README).
type vector struct {
	Name          string   `json:"name"`
	Valid         bool     `json:"valid"`
	FrameHex      string   `json:"frame_hex"`
	Length        int      `json:"length"`
	Payload       string   `json:"payload"`
	Type          string   `json:"type"`
	Sequence      uint64   `json:"sequence"`
	Timestamp     string   `json:"timestamp"`
	Key           *string  `json:"key"`
	ValueB64      *string  `json:"value_b64"`
	ValueEncoded  *bool    `json:"value_encoded"`
	Tags          []string `json:"tags"`
	TTL           *float64 `json:"ttl"`
	DB            *string  `json:"db"`
	Namespace     *string  `json:"namespace"`
	Checksum      string   `json:"checksum"`
	ChecksumInput string   `json:"checksum_input"`
	BuiltBy       string   `json:"built_by"`
	Reason        string   `json:"reason"`

	frame []byte
}

func loadVectors(tb testing.TB) []vector {
	tb.Helper()
	f, err := os.Open(vectorsPath)
	require.NoError(tb, err, "the golden vectors live in shared/ beside the repository")
	defer f.Close()
	var vs []vector
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var v vector
		require.NoError(tb, json.Unmarshal(sc.Bytes(), &v))
		v.frame, err = hex.DecodeString(v.FrameHex)
		require.NoError(tb, err, v.Name)
		vs = append(vs, v)
	}
	require.NoError(tb, sc.Err())
	require.Len(tb, vs, 55)
	return vs
}

func vectorByName(tb testing.TB, name string) vector {
	for _, v := range loadVectors(tb) {
		if v.Name == name {
			return v
		}
	}
	tb.Fatalf("no vector %s", name)
	return vector{}
}

// invalidVectors maps each invalid vector to the error the codec must give.
// json_missing_checksum and json_null_checksum are accepted by the reference,
// which skips the check when there is no checksum; this codec refuses them.
var invalidVectors = map[string]error{
	"bad_checksum_flipped_digit":           ErrBadChecksum,
	"bad_checksum_uppercase_hex":           ErrBadChecksum,
	"tampered_key_keeps_old_checksum":      ErrBadChecksum,
	"tampered_sequence_keeps_old_checksum": ErrBadChecksum,
	"truncated_payload":                    ErrTruncated,
	"truncated_length_prefix":              ErrTruncated,
	"length_exceeds_max_operation_size":    ErrFrameTooLarge,
	"zero_length_frame":                    ErrBadJSON,
	"non_json_payload":                     ErrBadJSON,
	"invalid_utf8_payload":                 ErrBadJSON,
	"json_trailing_garbage":                ErrBadJSON,
	"json_array_not_object":                ErrBadJSON,
	"json_missing_data":                    ErrMissingField,
	"json_missing_type":                    ErrMissingField,
	"json_missing_sequence":                ErrMissingField,
	"json_missing_timestamp":               ErrMissingField,
	"json_missing_checksum":                ErrBadChecksum,
	"json_null_checksum":                   ErrBadChecksum,
	"unknown_type_valid_checksum":          ErrUnknownType,
	"value_encoded_bad_base64":             ErrBadEncoding,
}

var allSentinels = []error{ErrFrameTooLarge, ErrTruncated, ErrBadJSON, ErrMissingField,
	ErrBadChecksum, ErrUnknownType, ErrBadEncoding}

// requireSentinel checks that err wraps want and no other sentinel.
func requireSentinel(t testing.TB, err, want error) {
	t.Helper()
	require.ErrorIs(t, err, want)
	for _, s := range allSentinels {
		if s != want {
			require.NotErrorIs(t, err, s)
		}
	}
}

// expectedKey is the key bytes a vector describes. set_key_lone_surrogate's
// key holds an unpaired \ud800, which encoding/json (used to read the vector
// file) turns into U+FFFD; the codec keeps it as the WTF-8 bytes ED A0 80.
func expectedKey(v vector) []byte {
	if v.Name == "set_key_lone_surrogate" {
		return []byte("bad\xed\xa0\x80key")
	}
	return []byte(*v.Key)
}

func TestVectorsValid(t *testing.T) {
	for _, v := range loadVectors(t) {
		if !v.Valid {
			continue
		}
		t.Run(v.Name, func(t *testing.T) {
			require.Equal(t, v.Length+4, len(v.frame))
			var d Decoder
			var op Op
			n, err := d.DecodeFrame(v.frame, &op)
			require.NoError(t, err)
			require.Equal(t, len(v.frame), n)
			require.Equal(t, v.ChecksumInput, string(d.canon), "checksum input recomputed from the raw payload")
			require.Equal(t, v.Checksum, hex.EncodeToString(op.Checksum[:]))

			require.Equal(t, OpType(v.Type), op.Type)
			require.Equal(t, v.Sequence, op.Sequence)
			ts, err := strconv.ParseFloat(v.Timestamp, 64)
			require.NoError(t, err)
			require.Equal(t, ts, op.Timestamp)
			require.Equal(t, !strings.ContainsAny(v.Timestamp, ".eE"), op.TimestampIsInt)

			requireField(t, op, FieldKey, v.Key != nil)
			if v.Key != nil {
				require.Equal(t, expectedKey(v), op.Key)
			}
			requireField(t, op, FieldValue, v.ValueB64 != nil)
			if v.ValueB64 != nil {
				want, err := base64.StdEncoding.DecodeString(*v.ValueB64)
				require.NoError(t, err)
				require.Equal(t, want, op.Value)
			}
			require.Equal(t, v.ValueEncoded != nil && *v.ValueEncoded, op.ValueBase64)
			require.False(t, op.KeyBase64)
			requireField(t, op, FieldDB, v.DB != nil)
			if v.DB != nil {
				require.Equal(t, *v.DB, string(op.DB))
			}
			requireField(t, op, FieldNamespace, v.Namespace != nil)
			if v.Namespace != nil {
				require.Equal(t, *v.Namespace, string(op.Namespace))
			}
			requireField(t, op, FieldTags, v.Tags != nil)
			var tags []string
			for _, tag := range op.Tags {
				tags = append(tags, string(tag))
			}
			require.Equal(t, v.Tags, tags)
			requireField(t, op, FieldTTL, v.TTL != nil)
			if v.TTL != nil {
				require.Equal(t, *v.TTL, op.TTL)
			}
			if v.Type == "SYNC_REQUEST" {
				require.Equal(t, FieldFromSequence, op.Has)
				require.Equal(t, uint64(5), op.FromSequence)
			}
		})
	}
}

func requireField(t *testing.T, op Op, f FieldMask, present bool) {
	t.Helper()
	require.Equal(t, present, op.Has&f != 0, "Has bit %b", f)
}

// TestVectorsReencode encodes the decoded fields of every valid vector and
// requires the reference's checksum input, checksum and, except where the
// reference frame was hand-built with its own member order, the very same
// frame bytes. The lone-surrogate key needs no exception: it decodes to WTF-8
// and the encoder writes WTF-8 back as \ud800.
func TestVectorsReencode(t *testing.T) {
	// set_ttl_type_hand_built was written with data members in the order
	// key, ttl, db, namespace; the encoder uses the reference's SET order
	// (key, db, namespace, ttl). The checksum covers the sorted form, so
	// only the frame bytes differ.
	sameFrame := func(name string) bool { return name != "set_ttl_type_hand_built" }
	for _, v := range loadVectors(t) {
		if !v.Valid {
			continue
		}
		t.Run(v.Name, func(t *testing.T) {
			var d Decoder
			var op Op
			_, err := d.DecodeFrame(v.frame, &op)
			require.NoError(t, err)
			var e Encoder
			frame, err := e.AppendFrame(nil, &op)
			require.NoError(t, err)
			require.Equal(t, v.ChecksumInput, string(e.canon))
			require.Equal(t, v.Checksum, string(frame[len(frame)-66:len(frame)-2]))
			if sameFrame(v.Name) {
				require.Equal(t, string(v.frame), string(frame))
			}
			var op2 Op
			_, err = d.DecodeFrame(frame, &op2)
			require.NoError(t, err)
			require.Equal(t, op, op2)
		})
	}
}

func TestVectorsInvalid(t *testing.T) {
	seen := 0
	for _, v := range loadVectors(t) {
		if v.Valid {
			continue
		}
		seen++
		want, ok := invalidVectors[v.Name]
		require.True(t, ok, "new invalid vector %s (%s): decide which error it gets", v.Name, v.Reason)
		t.Run(v.Name, func(t *testing.T) {
			var d Decoder
			var op Op
			_, err := d.DecodeFrame(v.frame, &op)
			requireSentinel(t, err, want)
			t.Log(err)

			// The stream reader gives the same verdict; a short frame at the
			// end of a stream is a truncation there too.
			err = NewReader(bytes.NewReader(v.frame), 0).Next(&op)
			requireSentinel(t, err, want)
			if want == ErrTruncated {
				require.ErrorIs(t, err, io.ErrUnexpectedEOF)
			}
		})
	}
	require.Equal(t, len(invalidVectors), seen)
}

// The checksum is verified before base64: a bad value under a bad checksum is
// a checksum error, not an encoding error.
func TestChecksumBeforeBase64(t *testing.T) {
	v := vectorByName(t, "value_encoded_bad_base64")
	frame := bytes.Clone(v.frame)
	i := bytes.Index(frame, []byte(`"checksum":"`)) + len(`"checksum":"`)
	frame[i] ^= 1
	var d Decoder
	_, err := d.DecodeFrame(frame, new(Op))
	requireSentinel(t, err, ErrBadChecksum)
	require.False(t, errors.Is(err, ErrBadEncoding))
}
