package frame

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// decodeBothWays decodes frame with fast, a Decoder on the fast path, and
// with slow, one forced onto the canonicalising path, and requires the same
// verdict: the same error text, or the same Op (checksum included) from the
// same checksum input. It reports whether fast took the fast path.
func decodeBothWays(t testing.TB, fast, slow *Decoder, frame []byte) (quick bool, err error) {
	t.Helper()
	slow.slowOnly = true
	var opF, opS Op
	nF, errF := fast.DecodeFrame(frame, &opF)
	nS, errS := slow.DecodeFrame(frame, &opS)
	require.False(t, slow.quick)
	if errS != nil {
		require.Error(t, errF, "fast path accepted what the slow path refuses (%v): %q", errS, frame)
		require.Equal(t, errS.Error(), errF.Error(), "frame %q", frame)
		return fast.quick, errS
	}
	require.NoError(t, errF, "fast path refused what the slow path accepts: %q", frame)
	require.Equal(t, nS, nF)
	require.Equal(t, string(slow.canon), string(fast.canon), "checksum input of %q", frame)
	require.Equal(t, opS.Checksum, opF.Checksum)
	requireSameOp(t, opS, opF, "frame %q", frame)
	return fast.quick, nil
}

// Every golden vector gets the same verdict on both paths, and every valid
// one (all written in canonical form by the reference) takes the fast path.
func TestFastPathVectors(t *testing.T) {
	var fast, slow Decoder
	for _, v := range loadVectors(t) {
		quick, err := decodeBothWays(t, &fast, &slow, v.frame)
		if v.Valid {
			require.NoError(t, err, v.Name)
			require.True(t, quick, "%s did not take the fast path", v.Name)
		}
	}
}

// CPython's payloads (escapes in both cases, raw UTF-8, lone surrogates,
// number literals such as 1E5, -0 and 1.50, whitespace, shuffled members,
// unknown nested members; all written to need canonicalising) get the same
// verdict on both paths.
func TestFastPathPython(t *testing.T) {
	var fast, slow Decoder
	quick, total := 0, 0
	for _, c := range loadPythonCases(t) {
		if c.Kind != "payload" {
			continue
		}
		p, err := hex.DecodeString(c.PayloadHex)
		require.NoError(t, err)
		q, err := decodeBothWays(t, &fast, &slow, frameOf(string(p)))
		require.NoError(t, err)
		total++
		if q {
			quick++
		}
	}
	t.Logf("%d of %d payloads on the fast path", quick, total)
	require.Positive(t, total)
}

// Every frame of the round-trip corpus (this server's Encoder) takes the fast
// path and decodes as on the slow one, with both Decoders reused.
func TestFastPathRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var e Encoder
	var fast, slow Decoder
	var frame []byte
	for i := range 5000 {
		in, _ := randOp(r)
		var err error
		frame, err = e.AppendFrame(frame[:0], &in)
		require.NoError(t, err)
		quick, err := decodeBothWays(t, &fast, &slow, frame)
		require.NoError(t, err, "op %d", i)
		require.True(t, quick, "op %d: %s", i, frame)
	}
}

// The fast path does not accept a payload because its raw text hashes to
// its checksum: the checksum must be that of the canonical form, as for the
// reference. Each variant of set_ascii below spells the same frame in a
// form that is not canonical; with the canonical checksum it is accepted
// (through the slow path, or the fast one where only whitespace between
// members or their order differs), and with the checksum of its own text
// (data as written, then sequence, timestamp and type) it is refused.
func TestFastPathNeedsCanonicalChecksum(t *testing.T) {
	v := vectorByName(t, "set_ascii")
	const (
		typ  = `"SET"`
		seq  = `1`
		ts   = `1700000000.123456`
		data = `{"key":"user:1","value":"QWxpY2U=","db":"example_db","namespace":"default","_value_encoded":true}`
	)
	for _, tc := range []struct {
		name, typ, seq, ts, data string
		quick                    bool // with the canonical checksum
	}{
		{"timestamp with a trailing zero", typ, seq, ts + "0", data, false},
		{"timestamp with an exponent", typ, seq, "1.700000000123456e9", data, false},
		{"escaped printable in key", typ, seq, ts, `{"key":"user\u003a1","value":"QWxpY2U=","db":"example_db","namespace":"default","_value_encoded":true}`, false},
		{"uppercase hex escape", typ, seq, ts, `{"key":"user:1","value":"QWxpY2U=","db":"example\u005Fdb","namespace":"default","_value_encoded":true}`, false},
		{"escaped slash", `"S\u0045T"`, seq, ts, data, false},
		{"escaped data key", typ, seq, ts, `{"k\u0065y":"user:1","value":"QWxpY2U=","db":"example_db","namespace":"default","_value_encoded":true}`, false},
		{"whitespace in data", typ, seq, ts, `{ "key" : "user:1" , "value":"QWxpY2U=","db":"example_db","namespace":"default","_value_encoded":true }`, true},
		{"sorted data", typ, seq, ts, `{"_value_encoded":true,"db":"example_db","key":"user:1","namespace":"default","value":"QWxpY2U="}`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := `{"type":` + tc.typ + `,"sequence":` + tc.seq + `,"timestamp":` + tc.ts + `,"data":` + tc.data
			var fast, slow Decoder
			quick, err := decodeBothWays(t, &fast, &slow, frameOf(body+`,"checksum":"`+v.Checksum+`"}`))
			require.NoError(t, err)
			require.Equal(t, tc.quick, quick)
			require.Equal(t, v.ChecksumInput, string(fast.canon))

			rawInput := `{"data":` + tc.data + `,"sequence":` + tc.seq + `,"timestamp":` + tc.ts + `,"type":` + tc.typ + `}`
			sum := sha256.Sum256([]byte(rawInput))
			if rawInput == v.ChecksumInput {
				return // canonical as written: the two checksums are one
			}
			_, err = decodeBothWays(t, &fast, &slow, frameOf(body+`,"checksum":"`+hex.EncodeToString(sum[:])+`"}`))
			requireSentinel(t, err, ErrBadChecksum)
		})
	}
}

// isCanonString agrees with appendCanonString on every string made of
// tokens chosen to sit on both sides of each rule.
func TestIsCanonString(t *testing.T) {
	tokens := []string{"a", " ", "~", "/", `\/`, `\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t`,
		`\u0008`, `\u000a`, `\u000b`, `\u001f`, `\u0020`, `\u0022`, `\u0041`, `\u005c`, `\u007e`,
		`\u007f`, `\u007F`, `\u0080`, `\u00e9`, `\u00E9`, `\u2028`, `\ud83d`, `\ude00`, `\uD83D`,
		`\uffff`, "\x7f", "\u00e9", "\U0001f600", "\ufeff"}
	check := func(raw string) {
		t.Helper()
		end, fl, err := scanString([]byte(`"`+raw+`"`), 0)
		require.NoError(t, err, raw)
		require.Equal(t, len(raw)+2, end)
		c := appendCanonString(nil, []byte(raw), fl)
		want := string(c[1:len(c)-1]) == raw
		got := fl&strNeedsCanon == 0 || isCanonString([]byte(raw))
		require.Equal(t, want, got, "%q", raw)
	}
	check("")
	for _, a := range tokens {
		for _, b := range tokens {
			for _, c := range tokens {
				check(a + b + c)
			}
		}
	}
	for u := range 0x10000 {
		check(fmt.Sprintf(`x\u%04x`, u))
		check(fmt.Sprintf(`\u%04X`, u))
	}
}

// isCanonNumber agrees with appendCanonNumber on integer literals and on
// several spellings of random and special doubles.
func TestIsCanonNumber(t *testing.T) {
	check := func(lit string) {
		t.Helper()
		end, isInt, err := scanNumber([]byte(lit), 0)
		require.NoError(t, err, lit)
		require.Equal(t, len(lit), end, lit)
		want := string(appendCanonNumber(nil, []byte(lit), isInt)) == lit
		require.Equal(t, want, isCanonNumber([]byte(lit), isInt), lit)
	}
	for _, lit := range []string{"0", "-0", "7", "-7", "12345678901234567890123", "0.0", "-0.0",
		"0.00", "1.0", "1.00", "1.5", "1.50", "1e5", "1E5", "1e+16", "1e16", "1e-05", "1e-5",
		"0.0001", "0.00010", "1e-4", "1e400", "-1e400", "5e-324", "4.9e-324", "9999999999999998.0",
		"1e+300", "123456789012345.67", "1700000000.123456", "1700000000.1234560"} {
		check(lit)
	}
	r := rand.New(rand.NewPCG(5, 6))
	for range 20000 {
		f := math.Float64frombits(r.Uint64())
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		if r.IntN(2) == 0 {
			f = float64(r.Int64N(1<<40)) / math.Pow10(r.IntN(12))
		}
		check(string(appendPyFloat(nil, f)))
		for _, fm := range []byte{'e', 'E', 'f', 'g'} {
			check(strconv.FormatFloat(f, fm, -1, 64))
			check(strconv.FormatFloat(f, fm, 17, 64))
		}
	}
}

// The fast path's own limits: what it leaves to the slow path still decodes
// the same.
func TestFastPathFallsBack(t *testing.T) {
	const env = `{"type":"SET","sequence":7,"timestamp":1.5`
	for _, tc := range []struct {
		name  string
		body  string
		quick bool
	}{
		{"plain", env + `,"data":{"key":"k","value":"v"}`, true},
		{"unknown members", env + `,"data":{"key":"k"},"a":1,"b":"x","c":[1,"y"],"d":null`, true},
		{"too many unknown members", env + `,"data":{"key":"k"},"a":1,"b":2,"c":3,"d":4,"e":5`, false},
		{"object in data", env + `,"data":{"key":"k","zz":{"a":1}}`, false},
		{"unknown object member", env + `,"data":{"key":"k"},"zz":{"a":1}`, false},
		{"nested array", env + `,"data":{"key":"k","zz":[["a"]]}`, false},
		{"spaced array", env + `,"data":{"key":"k","tags":["a", "b"]}`, false},
		{"empty spaced array", env + `,"data":{"key":"k","tags":[ ]}`, false},
		{"null data member", env + `,"data":{"key":"k","value":null}`, true},
		{"non-ASCII data key", env + `,"data":{"key":"k","\u00e9":1}`, false},
		{"raw non-ASCII value", env + `,"data":{"key":"k","value":"é"}`, false},
		{"escaped envelope key", `{"t\u0079pe":"SET","sequence":7,"timestamp":1.5,"data":{}`, false},
		{"integer timestamp", `{"type":"SET","sequence":7,"timestamp":-0,"data":{}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var fast, slow Decoder
			quick, err := decodeBothWays(t, &fast, &slow, frameOf(withChecksum(t, tc.body)))
			require.NoError(t, err)
			require.Equal(t, tc.quick, quick)
		})
	}
	// Errors come from the slow path, so both give the same text.
	for _, body := range []string{
		env + `,"data":{"key":"k","key":"k"}`,
		env + `,"data":{"key":"k"},"type":"SET"`,
		env + `,"data":{"key":"k"},"a":1,"a":2`,
		env + `,"data":{"key":"k",}`,
		env + `,"data":{"key":"k"}} `,
		env + `,"data":{"key":"k"}}x`,
		`{"type":"SET","sequence":7,"data":{}`,
		env + `,"data":[]`,
		`{"type":"SET","sequence":7.0,"timestamp":1,"data":{}`,
		env + `,"data":{"key":"k","tags":[["a"]]}`,
	} {
		var fast, slow Decoder
		_, err := decodeBothWays(t, &fast, &slow, frameOf(withChecksum(t, body)))
		require.Error(t, err, body)
	}
	var fast, slow Decoder
	_, err := decodeBothWays(t, &fast, &slow, bytes.Repeat([]byte{0}, 8))
	require.Error(t, err)
}
