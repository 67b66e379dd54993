package resp

import "bytes"

// parseInline parses one inline (telnet style) command from the start of p,
// a line ending in "\n" or "\r\n", and appends its arguments to args. It
// returns the number of bytes the line took, 0 when p holds no complete
// line, or a protocol error reply.
//
// Arguments are separated by spaces. An argument that starts with a quote
// (" or ') runs to the matching quote, which must be followed by a space or
// the end of the line; inside it a backslash takes the next byte literally,
// except \n, \r and \t. A quote inside an unquoted argument is an error.
// That is exactly how redcon's server read inline commands, which this
// replaces. Quoted arguments are unescaped in place (they only shrink), so
// every argument points into p and nothing is allocated.
func parseInline(p []byte, args [][]byte) ([][]byte, int, string) {
	nl := bytes.IndexByte(p, '\n')
	if nl < 0 {
		return args, 0, ""
	}
	line := p[:nl]
	if nl > 0 && line[nl-1] == '\r' {
		line = line[:nl-1]
	}
	for i := 0; i < len(line); {
		switch c := line[i]; c {
		case ' ':
			i++
		case '"', '\'':
			start, w, closed := i, i, false
			for i++; i < len(line); i++ {
				ch := line[i]
				if ch == '\\' {
					if i++; i == len(line) {
						break
					}
					switch ch = line[i]; ch {
					case 'n':
						ch = '\n'
					case 'r':
						ch = '\r'
					case 't':
						ch = '\t'
					}
				} else if ch == c {
					closed = true
					i++
					break
				}
				line[w] = ch
				w++
			}
			if !closed || (i < len(line) && line[i] != ' ') {
				return args[:0], 0, errProtoUnbalancedQuotes
			}
			args = append(args, line[start:w])
		default:
			start := i
			for ; i < len(line) && line[i] != ' '; i++ {
				if line[i] == '"' || line[i] == '\'' {
					return args[:0], 0, errProtoUnbalancedQuotes
				}
			}
			args = append(args, line[start:i])
		}
	}
	return args, nl + 1, ""
}
