package engine

import (
	"errors"
	"strconv"
)

// The packed form of a list of byte strings, as hash effects carry their
// fields and values and as snapshots carry a whole hash: each element is
// its length in decimal, a colon, then its bytes ("5:field5:value"). It is
// text whenever the elements are, so it travels in a frame's value as a
// plain JSON string.

// ErrBadPacked: a packed list is malformed.
var ErrBadPacked = errors.New("malformed packed list")

// AppendPacked appends the packed form of one element to dst.
func AppendPacked[S ~string | ~[]byte](dst []byte, elem S) []byte {
	dst = strconv.AppendInt(dst, int64(len(elem)), 10)
	dst = append(dst, ':')
	return append(dst, elem...)
}

// EachPacked calls fn for every element of p, in order, until fn returns
// false; the element aliases p. It fails on a malformed p, possibly after
// some elements were passed to fn.
func EachPacked(p []byte, fn func(elem []byte) bool) error {
	for len(p) > 0 {
		n, i := 0, 0
		for i < len(p) && p[i] >= '0' && p[i] <= '9' {
			if n > len(p) {
				return ErrBadPacked
			}
			n = n*10 + int(p[i]-'0')
			i++
		}
		if i == 0 || i >= len(p) || p[i] != ':' || n > len(p)-i-1 {
			return ErrBadPacked
		}
		p = p[i+1:]
		if !fn(p[:n:n]) {
			return nil
		}
		p = p[n:]
	}
	return nil
}

// CountPacked returns the number of elements of p, or an error.
func CountPacked(p []byte) (int, error) {
	n := 0
	err := EachPacked(p, func([]byte) bool { n++; return true })
	return n, err
}
