package engine

// GetPairAppend appends the values of keys a and b to dst under one lock,
// so that LCS reads both strings as they were at one instant, and returns
// the result and the length of a's value, which starts at len(dst). A missing key reads as an empty
// string. Both keys are read as GET reads them (an access, a hit or a
// miss). The error is ErrWrongType when a key holds a value that is not a
// string.
func (e *Engine) GetPairAppend(dst []byte, d int, a, b string) (buf []byte, alen int, err error) {
	e.lock()
	defer e.unlock()
	now := e.nowMs()
	start := len(dst)
	if en, ok := e.readLocked(d, a, now); ok {
		if en.valueType() != TypeString {
			return dst[:start], 0, ErrWrongType
		}
		dst = append(dst, en.val...)
	}
	alen = len(dst) - start
	if en, ok := e.readLocked(d, b, now); ok {
		if en.valueType() != TypeString {
			return dst[:start], 0, ErrWrongType
		}
		dst = append(dst, en.val...)
	}
	return dst, alen, nil
}
