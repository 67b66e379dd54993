package engine_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/nadb-server/nadb-server/engine"
	"github.com/stretchr/testify/require"
)

// TestStringPatchesReplay: random partial writes (APPEND, SETRANGE,
// SETBIT, BITFIELD) of strings short and long, with whole SETs, expiries
// and deletions in between, replayed group by group on a replica engine,
// leave it with the primary's values and digest after every command. A
// partial write of a long string is reported as a SETRANGE patch; with
// patches off, and for a short string or a new key, as the whole value.
func TestStringPatchesReplay(t *testing.T) {
	for _, patches := range []bool{true, false} {
		t.Run(fmt.Sprint("patches=", patches), func(t *testing.T) {
			v := newEnv(t)
			v.e.SetCompactEffects(patches)
			r := engine.New(engine.Options{Databases: 16, Clock: v.clk})
			rng := rand.New(rand.NewPCG(7, 11))
			keys := []string{"a", "b", "c"}
			sawPatch, sawLongSet := false, false
			var snap *engine.Snapshot
			var snapAt engine.Digest
			snapLeft := 0
			for step := range 3000 {
				k := keys[rng.IntN(len(keys))]
				before, _ := v.e.Get(0, k)
				var err error
				empty := false // a write of no bytes: reported whole
				op := rng.IntN(12)
				switch op {
				case 0:
					v.e.Set(0, k, bytes.Repeat([]byte{byte('a' + step%26)}, rng.IntN(6000)+1+rng.IntN(2)*rng.IntN(20000)), engine.SetOptions{})
				case 1, 2:
					n := rng.IntN(900) + 1
					if rng.IntN(8) == 0 {
						n, empty = 0, true // APPEND k "": the key is written, no byte is
					}
					_, err = v.e.Append(0, k, bytes.Repeat([]byte{'x'}, n))
				case 3, 4:
					_, err = v.e.SetRange(0, k, int64(rng.IntN(len(before)+2000)), []byte(fmt.Sprint("r", step)))
				case 5, 6:
					_, err = v.e.SetBit(0, k, uint64(rng.IntN((len(before)+500)*8)), rng.IntN(2) == 0)
				case 7:
					off := uint64(rng.IntN((len(before) + 100) * 8))
					_, err = v.e.BitField(0, k, []engine.BitFieldOp{
						{Kind: engine.BitFieldSet, Bits: 8, Offset: off, Value: int64(step)},
						{Kind: engine.BitFieldIncrBy, Bits: 5, Offset: off / 3, Value: 3},
					})
				case 8:
					v.e.Expire(0, k, v.clk.Now().UnixMilli()+int64(rng.IntN(1000)+1000), engine.ExpireAlways)
				case 9:
					if rng.IntN(4) == 0 {
						v.e.Del(0, []string{k})
					}
				case 10: // several writes of the key in one group: only the first may go in place
					v.e.Group(func(tx *engine.Engine) {
						for i := range 3 {
							cur, _ := tx.Get(0, k)
							_, err = tx.SetBit(0, k, uint64(rng.IntN(len(cur)*8+8)), i%2 == 0)
							require.NoError(t, err)
							_, err = tx.SetRange(0, k, int64(rng.IntN(len(cur)+1)), []byte("grp"))
							require.NoError(t, err)
						}
					})
				case 11: // a snapshot held across writes sees none of them
					if snap == nil {
						snap = v.e.Capture(func(d engine.Digest) { snapAt = d })
						snapLeft = rng.IntN(20) + 1
					}
				}
				if snap != nil {
					if snapLeft--; snapLeft <= 0 {
						items := snapshotItems(snap)
						snap.Release()
						require.Equal(t, snapAt, engine.DigestOf(items), "a snapshot's values changed under it (step %d)", step)
						snap = nil
					}
				}
				require.NoError(t, err)
				for _, g := range v.sink.Take() {
					for _, ef := range g {
						long := len(before) >= 512
						switch {
						case ef.Kind == engine.EffectApply:
							sawPatch = true
							require.True(t, patches, "a patch with patches off")
							require.NoError(t, engine.CheckApply(ef.Value), "every patch can be replayed from a frame")
						case ef.Kind == engine.EffectSet && long && op >= 1 && op <= 7 && !empty:
							sawLongSet = true
						}
					}
					r.Apply(g, nil)
				}
				require.Equal(t, v.e.Digest(), r.Digest(), "step %d (op %d on %q)", step, op, k)
				if snap == nil {
					// The digest kept write by write (a long string's
					// value hash patched piece by piece) is the one of
					// the data.
					held := v.e.Capture(nil)
					require.Equal(t, v.e.Digest(), engine.DigestOf(snapshotItems(held)), "step %d (op %d on %q)", step, op, k)
					held.Release()
				}
				want, _ := v.e.Get(0, k)
				got, _ := r.Get(0, k)
				require.Equal(t, want, got, "step %d", step)
			}
			if snap != nil {
				snap.Release()
			}
			require.Equal(t, patches, sawPatch, "long strings' partial writes go as patches")
			require.Equal(t, !patches, sawLongSet, "or whole")
			require.NoError(t, r.CheckInvariants())
		})
	}
}

// TestStringPatchChecks: a SETRANGE patch must carry an offset in range
// and bytes to write.
func TestStringPatchChecks(t *testing.T) {
	pack := func(words ...string) []byte {
		var p []byte
		for _, w := range words {
			p = engine.AppendPacked(p, w)
		}
		return p
	}
	require.NoError(t, engine.CheckApply(pack("SETRANGE", "0", "x")))
	require.NoError(t, engine.CheckApply(pack("SETRANGE", "4096", "xyz")))
	for _, bad := range [][]string{
		{"SETRANGE", "-1", "x"},
		{"SETRANGE", "1", ""},
		{"SETRANGE", "x", "y"},
		{"SETRANGE", "1099511627776", "x"},
		{"SETRANGE", "4294967295", "x"}, // past what a whole SET frame could carry
		{"SETRANGE", "1"},
		{"SETRANGE", "1", "x", "y"},
	} {
		require.Error(t, engine.CheckApply(pack(bad...)), "%q", bad)
	}
}
