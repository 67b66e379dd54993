package resp

import (
	"strconv"

	"github.com/tidwall/redcon"
)

// countingConn is a client's redcon.Conn that counts the bytes of the
// replies written into redcon's buffer, which stay there until the
// pipeline's flush: limitConn.Write resets the count once they are out.
// The connection goroutine is the only user.
type countingConn struct {
	redcon.Conn
	lc *limitConn
}

func (w countingConn) add(n int) { w.lc.pending += int64(n) }

func headerLen(n int) int { return 3 + len(strconv.Itoa(n)) } // type byte, digits, CRLF

func (w countingConn) WriteString(s string) { w.add(len(s) + 3); w.Conn.WriteString(s) }
func (w countingConn) WriteError(s string)  { w.add(len(s) + 3); w.Conn.WriteError(s) }
func (w countingConn) WriteBulk(b []byte)   { w.add(headerLen(len(b)) + len(b) + 2); w.Conn.WriteBulk(b) }
func (w countingConn) WriteBulkString(s string) {
	w.add(headerLen(len(s)) + len(s) + 2)
	w.Conn.WriteBulkString(s)
}
func (w countingConn) WriteInt(n int) { w.add(headerLen(n)); w.Conn.WriteInt(n) }
func (w countingConn) WriteInt64(n int64) {
	w.add(3 + len(strconv.FormatInt(n, 10)))
	w.Conn.WriteInt64(n)
}
func (w countingConn) WriteUint64(n uint64) {
	w.add(3 + len(strconv.FormatUint(n, 10)))
	w.Conn.WriteUint64(n)
}
func (w countingConn) WriteArray(n int)     { w.add(headerLen(n)); w.Conn.WriteArray(n) }
func (w countingConn) WriteNull()           { w.add(5); w.Conn.WriteNull() }
func (w countingConn) WriteRaw(data []byte) { w.add(len(data)); w.Conn.WriteRaw(data) }
func (w countingConn) WriteAny(v any)       { w.add(len(redcon.AppendAny(nil, v))); w.Conn.WriteAny(v) }
