package engine

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestHLLPatLenGolden: the register and run length of a few elements, as
// redis-server 7.0.15's PFDEBUG GETREG shows them after one PFADD.
func TestHLLPatLenGolden(t *testing.T) {
	for _, c := range []struct {
		ele      string
		idx, val int
	}{
		{"foo", 7348, 5}, {"bar", 10007, 1}, {"", 5938, 2}, {"hello world", 9399, 4},
		{"0123456789abcdef", 5949, 1}, {"x", 16374, 2},
	} {
		i, n := hllPatLen([]byte(c.ele))
		require.Equal(t, c.idx, i, "%q", c.ele)
		require.Equal(t, c.val, int(n), "%q", c.ele)
	}
}

// hllRegs decodes a HyperLogLog value (either encoding) into registers.
func hllRegs(t *testing.T, v []byte) [hllRegisters]uint8 {
	t.Helper()
	require.True(t, isHLL(v))
	var regs [hllRegisters]uint8
	require.True(t, hllMergeInto(&regs, v))
	return regs
}

// refEstimate is the cardinality of registers as a plain transcription of
// Ertl's improved estimator (arXiv:1702.01284), written independently of
// hllEstimate: sigma and tau as series summed until they stop changing.
func refEstimate(regs *[hllRegisters]uint8) uint64 {
	const m = float64(hllRegisters)
	var c [hllQ + 2]float64
	for _, r := range regs {
		c[r]++
	}
	sigma := func(x float64) float64 {
		if x == 1 {
			return math.Inf(1)
		}
		sum, pow2, xk := x, 1.0, x
		for {
			xk = xk * xk
			next := sum + float64(xk*pow2)
			if next == sum {
				return sum
			}
			sum, pow2 = next, pow2*2
		}
	}
	tau := func(x float64) float64 {
		if x == 0 || x == 1 {
			return 0
		}
		sum, half := 1-x, 1.0
		for {
			x = math.Sqrt(x)
			half /= 2
			next := sum - float64(float64((1-x)*(1-x))*half)
			if next == sum {
				return sum / 3
			}
			sum = next
		}
	}
	z := float64(m * tau((m-c[hllQ+1])/m))
	for k := hllQ; k >= 1; k-- {
		z = (z + c[k]) / 2
	}
	z += float64(m * sigma(c[0]/m))
	return uint64(math.Round(hllAlphaInf * m * m / z))
}

// TestHLLModel adds random elements one PFADD at a time and checks, after
// each, that the stored value (sparse, then dense past
// hll-sparse-max-bytes) holds exactly the registers of a plain register
// array, that PFADD's answer says whether one changed, and that PFCOUNT
// equals the reference estimate of those registers.
func TestHLLModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 9))
	e := New(Options{})
	var ref [hllRegisters]uint8
	sawSparse, sawDense := false, false
	for step := range 4000 {
		n := 1 + rng.IntN(3)
		elems := make([][]byte, n)
		changed := step == 0 // creating the key counts as a change
		for i := range elems {
			elems[i] = []byte("e" + strconv.Itoa(rng.IntN(6000)))
			idx, cnt := hllPatLen(elems[i])
			if cnt > ref[idx] {
				ref[idx], changed = cnt, true
			}
		}
		got, err := e.PFAdd(0, "h", elems)
		require.NoError(t, err)
		require.Equal(t, changed, got, "step %d", step)
		v, _ := e.Get(0, "h")
		if v[4] == hllSparse {
			require.False(t, sawDense, "a dense HyperLogLog never turns sparse")
			require.LessOrEqual(t, len(v), DefaultHLLSparseMaxBytes)
			sawSparse = true
		} else {
			require.Len(t, v, hllDenseSize)
			sawDense = true
		}
		require.Equal(t, ref, hllRegs(t, v), "step %d", step)
		if step%50 == 0 || step > 3990 {
			c, err := e.PFCount(0, []string{"h"})
			require.NoError(t, err)
			require.Equal(t, int64(refEstimate(&ref)), c, "step %d", step)
			// The count is now cached in the value: asked again, the
			// same.
			v, _ := e.Get(0, "h")
			require.Zero(t, v[15]&0x80, "a valid cached cardinality")
			again, err := e.PFCount(0, []string{"h"})
			require.NoError(t, err)
			require.Equal(t, c, again)
		}
	}
	require.True(t, sawSparse && sawDense)
}

// TestHLLAccuracy: the estimates of distinct counts up to 200,000 stay
// within 2% (the standard error of 16384 registers is 0.81%).
func TestHLLAccuracy(t *testing.T) {
	e := New(Options{})
	added := 0
	for _, n := range []int{10, 100, 1000, 10_000, 50_000, 200_000} {
		var batch [][]byte
		for ; added < n; added++ {
			batch = append(batch, []byte("item:"+strconv.Itoa(added)))
		}
		_, err := e.PFAdd(0, "acc", batch)
		require.NoError(t, err)
		c, err := e.PFCount(0, []string{"acc"})
		require.NoError(t, err)
		require.InEpsilon(t, n, c, 0.02, "n=%d", n)
	}
}

// TestHLLMergeModel: PFCOUNT of several keys and PFMERGE are the union
// of the registers, whatever the mix of sparse and dense sources, and
// leave the sources as they were.
func TestHLLMergeModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 13))
	e := New(Options{})
	refs := map[string]*[hllRegisters]uint8{}
	for i, size := range []int{5, 300, 1500, 8000} {
		k := "src" + strconv.Itoa(i)
		refs[k] = new([hllRegisters]uint8)
		var elems [][]byte
		for range size {
			el := []byte(strconv.Itoa(rng.IntN(1 << 30)))
			elems = append(elems, el)
			idx, cnt := hllPatLen(el)
			refs[k][idx] = max(refs[k][idx], cnt)
		}
		_, err := e.PFAdd(0, k, elems)
		require.NoError(t, err)
	}
	for _, keys := range [][]string{{"src0", "src1"}, {"src1", "src2"}, {"src0", "src3"}, {"src0", "src1", "src2", "src3", "missing"}} {
		var union [hllRegisters]uint8
		for _, k := range keys {
			if r := refs[k]; r != nil {
				for i := range union {
					union[i] = max(union[i], r[i])
				}
			}
		}
		before := map[string][]byte{}
		for _, k := range keys {
			before[k], _ = e.Get(0, k)
		}
		c, err := e.PFCount(0, keys)
		require.NoError(t, err)
		require.Equal(t, int64(refEstimate(&union)), c, "%v", keys)
		require.NoError(t, e.PFMerge(0, "dst", append([]string{"dst"}, keys...)))
		v, _ := e.Get(0, "dst")
		require.Equal(t, union, hllRegs(t, v), "%v", keys)
		for _, k := range keys {
			after, _ := e.Get(0, k)
			require.Equal(t, before[k], after, "PFMERGE and PFCOUNT of several keys leave %s as it was", k)
		}
		require.Equal(t, 1, e.Del(0, []string{"dst"}))
	}
}

// TestHLLCorrupted: sparse values whose opcodes do not cover exactly
// 16384 registers are refused with ErrInvalidHLL and left as they were.
func TestHLLCorrupted(t *testing.T) {
	e := New(Options{})
	hdr := "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80"
	for _, body := range []string{"\x7f\xfe", "", "\x7f\xff\x80", "\x00\x7f\xfe\x80", "\x7f"} {
		v := []byte(hdr + body)
		e.Set(0, "bad", v, SetOptions{})
		_, err := e.PFCount(0, []string{"bad"})
		require.ErrorIs(t, err, ErrInvalidHLL, "%q", body)
		_, err = e.PFCount(0, []string{"bad", "other"})
		require.ErrorIs(t, err, ErrInvalidHLL, "%q", body)
		require.ErrorIs(t, e.PFMerge(0, "d", []string{"d", "bad"}), ErrInvalidHLL, "%q", body)
		got, _ := e.Get(0, "bad")
		require.Equal(t, v, got)
	}
}
