package resp

import (
	"math/rand/v2"
	"testing"
)

// isSubsequence reports whether s can be read in order within t.
func isSubsequence(s, t []byte) bool {
	for _, ch := range t {
		if len(s) > 0 && s[0] == ch {
			s = s[1:]
		}
	}
	return len(s) == 0
}

// TestLongestCommonSubsequenceModel checks random small strings: the
// subsequence is common to both and as long as the length reported, and
// the runs, read from the end, are equal slices of the two strings that
// together spell the subsequence.
func TestLongestCommonSubsequenceModel(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	word := func() []byte {
		b := make([]byte, r.IntN(12))
		for i := range b {
			b[i] = "abc"[r.IntN(3)]
		}
		return b
	}
	for range 2000 {
		a, b := word(), word()
		n, seq, runs := longestCommonSubsequence(a, b, make([]uint32, (len(a)+1)*(len(b)+1)), true)
		if len(seq) != n || !isSubsequence(seq, a) || !isSubsequence(seq, b) {
			t.Fatalf("%q %q: n %d seq %q", a, b, n, seq)
		}
		var spelled []byte
		for i := len(runs) - 1; i >= 0; i-- {
			rg := runs[i]
			x, y := a[rg.aStart:rg.aEnd+1], b[rg.bStart:rg.bEnd+1]
			if string(x) != string(y) {
				t.Fatalf("%q %q: run %+v", a, b, rg)
			}
			spelled = append(spelled, x...)
		}
		if string(spelled) != string(seq) {
			t.Fatalf("%q %q: runs spell %q, want %q", a, b, spelled, seq)
		}
		if m, _, _ := longestCommonSubsequence(a, b, make([]uint32, (len(a)+1)*(len(b)+1)), false); m != n {
			t.Fatalf("%q %q: length alone %d, want %d", a, b, m, n)
		}
	}
}
