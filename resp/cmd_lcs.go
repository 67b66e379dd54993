package resp

import (
	"errors"

	"github.com/nadb-server/nadb-server/engine"
)

// lcsRange is one match of LCS IDX: a[aStart..aEnd] equals
// b[bStart..bEnd], bounds included.
type lcsRange struct{ aStart, aEnd, bStart, bEnd int }

// longestCommonSubsequence returns the length of the longest common
// subsequence of a and b and, when walk is true, the subsequence and its
// contiguous runs from the end of the strings backwards, as Redis 7.0's
// LCS finds them: where both directions keep the same length, the walk
// moves back in b. table holds (len(a)+1)*(len(b)+1) cells.
func longestCommonSubsequence(a, b []byte, table []uint32, walk bool) (n int, seq []byte, runs []lcsRange) {
	w := len(b) + 1
	at := func(i, j int) uint32 { return table[i*w+j] }
	for i := 0; i <= len(a); i++ {
		for j := 0; j <= len(b); j++ {
			switch {
			case i == 0 || j == 0:
				table[i*w+j] = 0
			case a[i-1] == b[j-1]:
				table[i*w+j] = at(i-1, j-1) + 1
			default:
				table[i*w+j] = max(at(i-1, j), at(i, j-1))
			}
		}
	}
	n = int(at(len(a), len(b)))
	if !walk {
		return n, nil, nil
	}
	seq = make([]byte, n)
	k := n
	var cur lcsRange
	open := false
	for i, j := len(a), len(b); i > 0 && j > 0; {
		closeRun := false
		if a[i-1] == b[j-1] {
			k--
			seq[k] = a[i-1]
			if open {
				cur.aStart, cur.bStart = i-1, j-1 // the run grows backwards
			} else {
				cur, open = lcsRange{i - 1, i - 1, j - 1, j - 1}, true
			}
			closeRun = i == 1 || j == 1 // the walk ends at the start of a string
			i, j = i-1, j-1
		} else {
			if at(i-1, j) > at(i, j-1) {
				i--
			} else {
				j--
			}
			closeRun = open
		}
		if closeRun {
			runs = append(runs, cur)
			open = false
		}
	}
	return n, seq, runs
}

// cmdLCS answers LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len]
// [WITHMATCHLEN] as Redis 7.0 does. Missing keys read as empty strings.
func cmdLCS(s *Server, c *client, args [][]byte) {
	buf, alen, err := c.eng.GetPairAppend(c.value[:0], c.DB(), string(args[1]), string(args[2]))
	if cap(buf) <= maxKeptValue {
		c.value = buf[:0]
	} else {
		c.value = nil
	}
	if err != nil {
		if errors.Is(err, engine.ErrWrongType) {
			c.conn.WriteError(errLCSNotStrings)
		} else {
			c.conn.WriteError(errorText(err))
		}
		return
	}
	var getLen, getIdx, withLen bool
	var minLen int64
	for i := 3; i < len(args); i++ {
		switch {
		case equalFold(args[i], "idx"):
			getIdx = true
		case equalFold(args[i], "len"):
			getLen = true
		case equalFold(args[i], "withmatchlen"):
			withLen = true
		case equalFold(args[i], "minmatchlen") && i+1 < len(args):
			n, ok := parseInt(args[i+1])
			if !ok {
				c.conn.WriteError(errNotInteger)
				return
			}
			minLen = max(n, 0)
			i++
		default:
			c.conn.WriteError(errSyntax)
			return
		}
	}
	if getIdx && getLen {
		c.conn.WriteError(errLCSLenAndIdx)
		return
	}
	a, b := buf[:alen], buf[alen:]
	// Redis refuses a table larger than proto-max-bulk-len.
	cells := uint64(len(a)+1) * uint64(len(b)+1)
	if cells*4 > uint64(s.limits.maxBulk.Load()) {
		c.conn.WriteError(errLCSMemory)
		return
	}
	n, seq, runs := longestCommonSubsequence(a, b, make([]uint32, cells), !getLen)
	switch {
	case getLen:
		c.conn.WriteInt(n)
	case !getIdx:
		c.conn.WriteBulk(seq)
	default:
		kept := runs[:0]
		for _, r := range runs {
			if int64(r.aEnd-r.aStart+1) >= minLen {
				kept = append(kept, r)
			}
		}
		c.conn.WriteMap(2)
		c.conn.WriteBulkString("matches")
		c.conn.WriteArray(len(kept))
		for _, r := range kept {
			if withLen {
				c.conn.WriteArray(3)
			} else {
				c.conn.WriteArray(2)
			}
			c.conn.WriteArray(2)
			c.conn.WriteInt(r.aStart)
			c.conn.WriteInt(r.aEnd)
			c.conn.WriteArray(2)
			c.conn.WriteInt(r.bStart)
			c.conn.WriteInt(r.bEnd)
			if withLen {
				c.conn.WriteInt(r.aEnd - r.aStart + 1)
			}
		}
		c.conn.WriteBulkString("len")
		c.conn.WriteInt(n)
	}
}
