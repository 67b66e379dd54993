package resp

import (
	"math"
	"strconv"

	"github.com/tidwall/redcon"
)

// replyWriter is a client's output buffer: handlers append their replies
// to it (with redcon's RESP encoders) and the connection loop writes it to
// the socket once per pipeline (loop.go), then reuses it. Its length is the
// count of reply bytes not yet sent, which the output buffer limits
// (client-output-buffer-limit normal) are checked against after every
// command. Only the connection goroutine uses it.
//
// The writer carries the protocol the client chose with HELLO (RESP2
// until then): the methods whose encoding differs between RESP2 and RESP3
// (WriteNull, WriteNullArray, WriteMap, WriteSet, WritePush, WriteVerbatim,
// WriteDouble, WriteBool) pick it, so handlers stay unaware of the version.
// Pub/sub messages come from other goroutines and never append here: they
// go through the client's outbox (pubsub.go).
type replyWriter struct {
	b []byte
	// sent counts the times the buffer was handed on (reset): a command
	// that sees it move knows its replies start at the buffer's start.
	sent  uint64
	errs  []string // error replies written since Server.noteErrors
	resp3 bool     // the client spoke HELLO 3; connection goroutine only
}

// outKeepCap is the largest output buffer kept between pipelines; a larger
// one (a big MGET, KEYS *) is dropped once written.
const outKeepCap = 64 << 10

func (w *replyWriter) WriteString(s string) { w.b = redcon.AppendString(w.b, s) }
func (w *replyWriter) WriteError(s string) {
	w.b = redcon.AppendError(w.b, s)
	w.errs = append(w.errs, s) // for errorstats (Server.noteErrors)
}
func (w *replyWriter) WriteBulk(b []byte)       { w.b = redcon.AppendBulk(w.b, b) }
func (w *replyWriter) WriteBulkString(s string) { w.b = redcon.AppendBulkString(w.b, s) }
func (w *replyWriter) WriteInt(n int)           { w.b = redcon.AppendInt(w.b, int64(n)) }
func (w *replyWriter) WriteInt64(n int64)       { w.b = redcon.AppendInt(w.b, n) }
func (w *replyWriter) WriteUint64(n uint64)     { w.b = redcon.AppendUint(w.b, n) }
func (w *replyWriter) WriteArray(n int)         { w.b = redcon.AppendArray(w.b, n) }
func (w *replyWriter) WriteRaw(data []byte)     { w.b = append(w.b, data...) }

// WriteNull writes a missing value: RESP2's null bulk string, RESP3's null.
func (w *replyWriter) WriteNull() {
	if w.resp3 {
		w.b = append(w.b, "_\r\n"...)
		return
	}
	w.b = redcon.AppendNull(w.b)
}

// WriteNullArray writes RESP2's null array (EXEC of an aborted WATCH), or
// RESP3's null.
func (w *replyWriter) WriteNullArray() {
	if w.resp3 {
		w.b = append(w.b, "_\r\n"...)
		return
	}
	w.b = append(w.b, "*-1\r\n"...)
}

// WriteMap starts a map of n key/value pairs: RESP3's map, or in RESP2
// an array of 2n elements, keys and values alternating.
func (w *replyWriter) WriteMap(n int) {
	if w.resp3 {
		w.b = appendHeader(w.b, '%', n)
		return
	}
	w.b = redcon.AppendArray(w.b, 2*n)
}

// WriteSet starts a set of n elements (an array in RESP2).
func (w *replyWriter) WriteSet(n int) {
	if w.resp3 {
		w.b = appendHeader(w.b, '~', n)
		return
	}
	w.b = redcon.AppendArray(w.b, n)
}

// WritePush starts a push message of n elements (an array in RESP2): how
// pub/sub confirmations are framed.
func (w *replyWriter) WritePush(n int) { w.b = appendPushHeader(w.b, w.resp3, n) }

// WriteVerbatim writes text as a RESP3 verbatim string of format "txt" (a
// bulk string in RESP2), as Redis answers INFO and CLIENT LIST/INFO.
func (w *replyWriter) WriteVerbatim(text string) {
	if !w.resp3 {
		w.b = redcon.AppendBulkString(w.b, text)
		return
	}
	w.b = appendHeader(w.b, '=', len(text)+4)
	w.b = append(w.b, "txt:"...)
	w.b = append(w.b, text...)
	w.b = append(w.b, "\r\n"...)
}

// WriteDouble writes a floating point number: RESP3's double, or in RESP2
// a bulk string of the same digits, as Redis's addReplyDouble.
func (w *replyWriter) WriteDouble(f float64) {
	var num []byte
	switch {
	case math.IsInf(f, 1):
		num = []byte("inf")
	case math.IsInf(f, -1):
		num = []byte("-inf")
	case math.IsNaN(f):
		num = []byte("nan")
	default:
		num = strconv.AppendFloat(nil, f, 'g', 17, 64)
	}
	if w.resp3 {
		w.b = append(w.b, ',')
		w.b = append(w.b, num...)
		w.b = append(w.b, "\r\n"...)
		return
	}
	w.b = redcon.AppendBulk(w.b, num)
}

// WriteDoubleText writes a number already formatted: RESP3's double, or
// in RESP2 a bulk string of the same text.
func (w *replyWriter) WriteDoubleText(text string) {
	if w.resp3 {
		w.b = append(w.b, ',')
		w.b = append(w.b, text...)
		w.b = append(w.b, "\r\n"...)
		return
	}
	w.b = redcon.AppendBulkString(w.b, text)
}

// WriteBool writes RESP3's boolean, or in RESP2 the integer 1 or 0.
func (w *replyWriter) WriteBool(v bool) {
	switch {
	case w.resp3 && v:
		w.b = append(w.b, "#t\r\n"...)
	case w.resp3:
		w.b = append(w.b, "#f\r\n"...)
	case v:
		w.b = append(w.b, ":1\r\n"...)
	default:
		w.b = append(w.b, ":0\r\n"...)
	}
}

// appendHeader appends an aggregate's or a sized string's header.
func appendHeader(b []byte, kind byte, n int) []byte {
	b = append(b, kind)
	b = strconv.AppendInt(b, int64(n), 10)
	return append(b, "\r\n"...)
}

// appendPushHeader starts a push message (RESP3) or an array (RESP2).
func appendPushHeader(b []byte, resp3 bool, n int) []byte {
	if resp3 {
		return appendHeader(b, '>', n)
	}
	return redcon.AppendArray(b, n)
}

// pending returns the number of reply bytes buffered and not yet sent.
func (w *replyWriter) pending() int64 { return int64(len(w.b)) }

// reset empties the buffer once it was sent, keeping its memory unless it
// grew past outKeepCap.
func (w *replyWriter) reset() {
	w.sent++
	if cap(w.b) > outKeepCap {
		w.b = nil
		return
	}
	w.b = w.b[:0]
}
