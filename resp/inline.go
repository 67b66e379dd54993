package resp

import "bytes"

// parseInline parses one inline (telnet style) command from the start of p,
// a line ending in "\n" or "\r\n", and appends its arguments to args. It
// returns the number of bytes the line took, 0 when p holds no complete
// line, or a protocol error reply.
//
// The line is split as Redis's sdssplitargs splits it: arguments are
// separated by blanks; a double-quoted part understands \xHH and the
// escapes \n, \r, \t, \b and \a (any other escaped byte stands for
// itself), a single-quoted part only \'; quoted and unquoted parts of one
// argument join ("a"b" c" is one argument), a closing quote must be
// followed by a blank or the end of the line, and a NUL ends the line, as
// the C string it is in Redis. Arguments are unescaped in place (they only
// shrink), so every argument points into p and nothing is allocated.
func parseInline(p []byte, args [][]byte) ([][]byte, int, string) {
	nl := bytes.IndexByte(p, '\n')
	if nl < 0 {
		return args, 0, ""
	}
	line := p[:nl]
	if nl > 0 && line[nl-1] == '\r' {
		line = line[:nl-1]
	}
	if z := bytes.IndexByte(line, 0); z >= 0 {
		line = line[:z]
	}
	i := 0
	for {
		for i < len(line) && isBlank(line[i]) {
			i++
		}
		if i >= len(line) {
			return args, nl + 1, ""
		}
		start, w := i, i
		inq, insq := false, false
		for done := false; !done; {
			end := i >= len(line)
			var c byte
			if !end {
				c = line[i]
			}
			switch {
			case (inq || insq) && end:
				return args[:0], 0, errProtoUnbalancedQuotes
			case inq && c == '\\' && i+3 < len(line) && line[i+1] == 'x' && isHexDigit(line[i+2]) && isHexDigit(line[i+3]):
				line[w] = hexValue(line[i+2])<<4 | hexValue(line[i+3])
				w++
				i += 3
			case inq && c == '\\' && i+1 < len(line):
				i++
				line[w] = unescape(line[i])
				w++
			case insq && c == '\\' && i+1 < len(line) && line[i+1] == '\'':
				i++
				line[w] = '\''
				w++
			case (inq && c == '"') || (insq && c == '\''):
				if i+1 < len(line) && !isBlank(line[i+1]) {
					return args[:0], 0, errProtoUnbalancedQuotes
				}
				done = true
			case inq || insq:
				line[w] = c
				w++
			case end || c == ' ' || c == '\n' || c == '\r' || c == '\t':
				done = true
			case c == '"':
				inq = true
			case c == '\'':
				insq = true
			default:
				line[w] = c
				w++
			}
			if !end {
				i++
			}
		}
		args = append(args, line[start:w])
	}
}

// isBlank is C's isspace.
func isBlank(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func isHexDigit(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func hexValue(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

// unescape is the byte a backslash escape in double quotes stands for.
func unescape(c byte) byte {
	switch c {
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	case 'b':
		return '\b'
	case 'a':
		return '\a'
	}
	return c
}
