package resp

// prefetchWindow is how many commands' keys a connection prefetches at
// once (prefetchAhead): a pipeline of 16, as redis-benchmark -P 16 sends,
// in one engine call.
const prefetchWindow = 16

// prefetchAhead prefetches (engine.Prefetch) the keys of the next complete
// commands in c's read buffer, up to prefetchWindow of them, once the loop
// has run every command prefetched before: with many random keys, each
// command's lookup waits for a cache miss on its slot and another on its
// record, one command after the other; fetched together, the misses
// overlap. The scan reads only each command's name and first argument, in
// place; it is a hint and never an error (a malformed command is the
// parser's to refuse). Only the key of a single-key command counts (MSET
// and its kind touch their own keys: Engine.MSet); one key alone is not
// worth the engine's lock (every command of a -P 1 client). A SELECT in
// the window is not followed: the keys are looked for in the database
// selected now.
//
// partial is limitConn.partial: the bytes at the end of the buffer that
// the input guard knows to be an unfinished command are never scanned, or
// a command of many arguments arriving in many reads would be walked again
// at every read (the square of its size, as the parser's cost was before
// it took the same count). It returns how many bytes it offered the scan.
func (s *Server) prefetchAhead(c *client, partial int) (offered int) {
	q := &c.in
	if q.start < c.prefetched || c.lc.authRequired() {
		return 0 // nothing to prefetch for commands NOAUTH refuses
	}
	p := q.complete(partial)
	keys, n := s.windowKeys(c, p, c.prefetchKeys[:0])
	c.prefetched = q.start + max(n, 1)
	if len(keys) > 1 {
		s.eng.Prefetch(int(c.db.Load()), keys)
	}
	clear(keys) // they point into the read buffer
	c.prefetchKeys = keys[:0]
	return len(p)
}

// windowKeys appends to keys the first keys of the complete commands at
// the head of p, up to prefetchWindow commands, and returns them and how
// many bytes of p those commands take.
func (s *Server) windowKeys(c *client, p []byte, keys [][]byte) ([][]byte, int) {
	i := 0
	for range prefetchWindow {
		name, key, n := firstTwo(p[i:])
		if n == 0 {
			break
		}
		i += n
		if len(key) > prefetchMaxKey {
			continue // its hash would cost more, under the lock, than a miss
		}
		if cmd := s.lookupFor(c, name); cmd != nil && cmd.keys.first == 1 && cmd.keys.last == 1 && cmd.subs == nil {
			keys = append(keys, key)
		}
	}
	return keys, i
}

// prefetchMaxKey is the longest key prefetched.
const prefetchMaxKey = 256

// prefetchMaxArgs is the most arguments a command the prefetch looks past
// may have: a longer one ends the window (finding the next command would
// cost a walk of all its arguments, for nothing to prefetch in it).
const prefetchMaxArgs = 256

// firstTwo reads the multibulk command at the head of p and returns its
// first two arguments (aliasing p) and its length, or n 0 when p does not
// start with a complete command of 2 to prefetchMaxArgs arguments in the
// form Redis clients send (each count and length without sign, leading
// zero or more than 18 digits).
func firstTwo(p []byte) (name, key []byte, n int) {
	if len(p) == 0 || p[0] != '*' {
		return nil, nil, 0
	}
	count, i := plainNumber(p, 1)
	if count < 2 || count > prefetchMaxArgs {
		return nil, nil, 0
	}
	for a := int64(0); a < count; a++ {
		b, next, ok := bulkAt(p, i)
		if !ok {
			return nil, nil, 0
		}
		switch a {
		case 0:
			name = b
		case 1:
			key = b
		}
		i = next
	}
	return name, key, i
}

// bulkAt reads the bulk string "$<n>\r\n<n bytes>\r\n" at p[i:] and returns
// it and the offset after it; ok is false when p holds no complete one
// there.
func bulkAt(p []byte, i int) (b []byte, next int, ok bool) {
	if i >= len(p) || p[i] != '$' {
		return nil, 0, false
	}
	n, j := plainNumber(p, i+1)
	if n < 0 || int64(len(p)-j) < n+2 || p[j+int(n)] != '\r' || p[j+int(n)+1] != '\n' {
		return nil, 0, false
	}
	return p[j : j+int(n)], j + int(n) + 2, true
}
