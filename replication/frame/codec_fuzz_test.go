package frame

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzDecode feeds arbitrary frames to the Decoder. Whatever it does, it must
// not panic; the fast path and the canonicalising one give the same verdict
// (the same error, or the same Op from the same checksum input); every
// refusal names one sentinel; whatever it accepts is valid JSON, and encodes
// to a frame that decodes to the same Op and encodes to the same bytes again.
func FuzzDecode(f *testing.F) {
	for _, v := range loadVectors(f) {
		if len(v.frame) < 4096 {
			f.Add(v.frame)
		}
	}
	for i, c := range loadPythonCases(f) {
		if c.Kind == "payload" && i%8 == 0 {
			p, err := hex.DecodeString(c.PayloadHex)
			require.NoError(f, err)
			f.Add(frameOf(string(p)))
		}
	}
	r := rand.New(rand.NewPCG(7, 8))
	var e Encoder
	for range 16 { // this server's frames, for the fast path
		in, _ := randOp(r)
		fr, err := e.AppendFrame(nil, &in)
		require.NoError(f, err)
		if len(fr) < 4096 {
			f.Add(fr)
		}
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		var fast, slow Decoder
		decodeBothWays(t, &fast, &slow, frame)

		var d Decoder
		var op Op
		n, err := d.DecodeFrame(frame, &op)
		if err != nil {
			matched := 0
			for _, s := range allSentinels {
				if errors.Is(err, s) {
					matched++
				}
			}
			require.Equal(t, 1, matched, "error %v", err)
			return
		}
		require.True(t, json.Valid(frame[4:n]), "accepted invalid JSON %q", frame[4:n])

		var e Encoder
		out, err := e.AppendFrame(nil, &op)
		require.NoError(t, err, "%+v", op)
		var d2 Decoder
		var op2 Op
		_, err = d2.DecodeFrame(out, &op2)
		require.NoError(t, err, "re-encoded %q", out)
		op2.Checksum = op.Checksum // the checksum covers unknown members, which are dropped
		requireSameOp(t, op, op2, "frame %q re-encoded %q", frame, out)
		again, err := e.AppendFrame(nil, &op2)
		require.NoError(t, err)
		require.Equal(t, out, again)
	})
}
