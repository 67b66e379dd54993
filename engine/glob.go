package engine

// Match reports whether s matches the glob pattern as Redis's KEYS and SCAN
// MATCH understand it: '*' any run, '?' any byte, '[...]' a set with ranges
// and '^' negation, and '\' escaping the next byte. As in Redis, an empty s
// matches only an empty pattern (KEYS and SCAN take a lone "*" as "every
// key" before they match anything), a range's ends compare as C's signed
// chars, and a '-' before the ']' makes the ']' a range's end.
func Match(pattern, s string) bool { return match(pattern, s, false) }

// MatchNoCase is Match ignoring ASCII case, as Redis matches CONFIG GET's
// and COMMAND LIST's patterns (a range's ends are ordered first, then
// lowered; an escaped byte inside a set still compares exactly).
func MatchNoCase(pattern, s string) bool { return match(pattern, s, true) }

// lower is C's tolower.
func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func match(pattern, s string, nocase bool) bool {
	if s == "" {
		return pattern == ""
	}
	// Iterative matching with one backtrack point (the latest '*'): a
	// hostile pattern costs O(len(pattern)*len(s)), never exponential time.
	p := pattern
	pi, si := 0, 0
	starP, starS := -1, 0
	for si < len(s) {
		if pi < len(p) {
			switch c := p[pi]; c {
			case '*':
				starP, starS = pi, si
				pi++
				continue
			case '?':
				pi++
				si++
				continue
			case '[':
				if rest, ok := matchSet(p[pi+1:], s[si], nocase); ok {
					pi = len(p) - len(rest)
					si++
					continue
				}
			case '\\':
				lit := c
				step := 1
				if pi+1 < len(p) {
					lit, step = p[pi+1], 2
				}
				if lit == s[si] || (nocase && lower(lit) == lower(s[si])) {
					pi += step
					si++
					continue
				}
			default:
				if c == s[si] || (nocase && lower(c) == lower(s[si])) {
					pi++
					si++
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		starS++
		si, pi = starS, starP+1
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// matchSet matches c against the set that starts p (just after '[') and
// returns the pattern after the closing ']'.
func matchSet(p string, c byte, nocase bool) (string, bool) {
	not := len(p) > 0 && p[0] == '^'
	if not {
		p = p[1:]
	}
	found := false
	for len(p) > 0 && p[0] != ']' {
		switch {
		case p[0] == '\\' && len(p) >= 2:
			if p[1] == c {
				found = true
			}
			p = p[2:]
		case len(p) >= 3 && p[1] == '-':
			lo, hi, b := int8(p[0]), int8(p[2]), int8(c)
			if lo > hi {
				lo, hi = hi, lo
			}
			if nocase {
				lo, hi, b = int8(lower(byte(lo))), int8(lower(byte(hi))), int8(lower(c))
			}
			if b >= lo && b <= hi {
				found = true
			}
			p = p[3:]
		default:
			if p[0] == c || (nocase && lower(p[0]) == lower(c)) {
				found = true
			}
			p = p[1:]
		}
	}
	if len(p) > 0 {
		p = p[1:] // the ']'
	}
	return p, found != not
}

// scanMatch is the pattern filter of SCAN and its cousins: "*" keeps
// everything, the empty key or member too (Redis skips the pattern then),
// and any other pattern goes through Match, so "" keeps only "".
func scanMatch(pattern, s string) bool {
	return pattern == "*" || Match(pattern, s)
}
