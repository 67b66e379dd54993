package resp

import (
	"math"
	"testing"
)

// TestReplyWriterProtocols checks each writer method whose encoding
// depends on the protocol, in RESP2 and in RESP3.
func TestReplyWriterProtocols(t *testing.T) {
	for _, tc := range []struct {
		name         string
		write        func(w *replyWriter)
		resp2, resp3 string
	}{
		{"null", func(w *replyWriter) { w.WriteNull() }, "$-1\r\n", "_\r\n"},
		{"null array", func(w *replyWriter) { w.WriteNullArray() }, "*-1\r\n", "_\r\n"},
		{"map", func(w *replyWriter) { w.WriteMap(2) }, "*4\r\n", "%2\r\n"},
		{"empty map", func(w *replyWriter) { w.WriteMap(0) }, "*0\r\n", "%0\r\n"},
		{"set", func(w *replyWriter) { w.WriteSet(3) }, "*3\r\n", "~3\r\n"},
		{"push", func(w *replyWriter) { w.WritePush(3) }, "*3\r\n", ">3\r\n"},
		{"verbatim", func(w *replyWriter) { w.WriteVerbatim("a\r\nb") }, "$4\r\na\r\nb\r\n", "=8\r\ntxt:a\r\nb\r\n"},
		{"empty verbatim", func(w *replyWriter) { w.WriteVerbatim("") }, "$0\r\n\r\n", "=4\r\ntxt:\r\n"},
		{"double", func(w *replyWriter) { w.WriteDouble(1.5) }, "$3\r\n1.5\r\n", ",1.5\r\n"},
		{"double 17 digits", func(w *replyWriter) { w.WriteDouble(0.1) }, "$19\r\n0.10000000000000001\r\n", ",0.10000000000000001\r\n"},
		{"double inf", func(w *replyWriter) { w.WriteDouble(math.Inf(-1)) }, "$4\r\n-inf\r\n", ",-inf\r\n"},
		{"true", func(w *replyWriter) { w.WriteBool(true) }, ":1\r\n", "#t\r\n"},
		{"false", func(w *replyWriter) { w.WriteBool(false) }, ":0\r\n", "#f\r\n"},
		{"writeAny", func(w *replyWriter) {
			writeAny(w, mapReply{"k", setReply{simple("a")}, "n", nil, "l", []any{int64(1)}})
		}, "*6\r\n$1\r\nk\r\n*1\r\n+a\r\n$1\r\nn\r\n$-1\r\n$1\r\nl\r\n*1\r\n:1\r\n",
			"%3\r\n$1\r\nk\r\n~1\r\n+a\r\n$1\r\nn\r\n_\r\n$1\r\nl\r\n*1\r\n:1\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, resp3 := range []bool{false, true} {
				w := &replyWriter{resp3: resp3}
				tc.write(w)
				want := tc.resp2
				if resp3 {
					want = tc.resp3
				}
				if string(w.b) != want {
					t.Errorf("resp3=%v: got %q, want %q", resp3, w.b, want)
				}
			}
		})
	}
}
