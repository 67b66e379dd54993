package slab

// sortRefs sorts refs in increasing order, using scratch (at least as long
// as refs, or nil) as the second buffer. It is a least-significant-digit
// radix sort a byte at a time that skips every byte all refs share: a ref
// is a chunk number above 32 bits and an offset below 20 (a little more
// for a value alone in its chunk), so a table's refs need four or five
// passes over the slice, each a sequential read and a scatter, instead of
// a comparison sort's twenty-odd levels of a million entries (the sort was
// 7 % of a primary's CPU under MSET with the log, which rewrites often).
func sortRefs(refs, scratch []uint64) {
	n := len(refs)
	if n < 256 {
		insertionSort(refs)
		return
	}
	var counts [8][256]int
	for _, r := range refs {
		for b := 0; b < 8; b++ {
			counts[b][byte(r>>(8*b))]++
		}
	}
	if len(scratch) < n {
		scratch = make([]uint64, n)
	}
	src, dst := refs, scratch[:n]
	for b := 0; b < 8; b++ {
		c := &counts[b]
		if c[byte(src[0]>>(8*b))] == n {
			continue // every ref has the same byte here
		}
		sum := 0
		for i := range c {
			c[i], sum = sum, sum+c[i]
		}
		shift := uint(8 * b)
		for _, r := range src {
			d := byte(r >> shift)
			dst[c[d]] = r
			c[d]++
		}
		src, dst = dst, src
	}
	if &src[0] != &refs[0] {
		copy(refs, src)
	}
}

// insertionSort sorts a short slice in place.
func insertionSort(a []uint64) {
	for i := 1; i < len(a); i++ {
		v := a[i]
		j := i
		for ; j > 0 && a[j-1] > v; j-- {
			a[j] = a[j-1]
		}
		a[j] = v
	}
}
