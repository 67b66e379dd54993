package resp

import "github.com/tidwall/redcon"

// replyWriter is a client's output buffer: handlers append their replies
// to it (with redcon's RESP encoders) and the connection loop writes it to
// the socket once per pipeline (loop.go), then reuses it. Its length is the
// count of reply bytes not yet sent, which the output buffer limits
// (client-output-buffer-limit normal) are checked against after every
// command. Only the connection goroutine uses it.
//
// Every reply is RESP2 today. RESP3 (a later HELLO 3) fits here: the
// writer will carry the protocol version the client chose, and type
// methods that differ between the two (WriteNull as "_", and new ones such
// as WriteMap, WriteSet, WriteDouble, WriteBool) will pick the encoding,
// so handlers stay unaware of it. Pub/sub push messages come from other
// goroutines and must not append here: they go through a per-client queue
// that the connection loop drains into this buffer (see "Connection loop"
// in docs/ARCHITECTURE.md).
type replyWriter struct {
	b []byte
}

// outKeepCap is the largest output buffer kept between pipelines; a larger
// one (a big MGET, KEYS *) is dropped once written.
const outKeepCap = 64 << 10

func (w *replyWriter) WriteString(s string)     { w.b = redcon.AppendString(w.b, s) }
func (w *replyWriter) WriteError(s string)      { w.b = redcon.AppendError(w.b, s) }
func (w *replyWriter) WriteBulk(b []byte)       { w.b = redcon.AppendBulk(w.b, b) }
func (w *replyWriter) WriteBulkString(s string) { w.b = redcon.AppendBulkString(w.b, s) }
func (w *replyWriter) WriteInt(n int)           { w.b = redcon.AppendInt(w.b, int64(n)) }
func (w *replyWriter) WriteInt64(n int64)       { w.b = redcon.AppendInt(w.b, n) }
func (w *replyWriter) WriteUint64(n uint64)     { w.b = redcon.AppendUint(w.b, n) }
func (w *replyWriter) WriteArray(n int)         { w.b = redcon.AppendArray(w.b, n) }
func (w *replyWriter) WriteNull()               { w.b = redcon.AppendNull(w.b) }

// WriteNullArray writes RESP2's null array (EXEC of an aborted WATCH).
func (w *replyWriter) WriteNullArray()      { w.b = append(w.b, "*-1\r\n"...) }
func (w *replyWriter) WriteRaw(data []byte) { w.b = append(w.b, data...) }

// pending returns the number of reply bytes buffered and not yet sent.
func (w *replyWriter) pending() int64 { return int64(len(w.b)) }

// reset empties the buffer once it was sent, keeping its memory unless it
// grew past outKeepCap.
func (w *replyWriter) reset() {
	if cap(w.b) > outKeepCap {
		w.b = nil
		return
	}
	w.b = w.b[:0]
}
