package integration

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// legacyFrame is one frame as a reference secondary sees it: the JSON
// object decoded by encoding/json, numbers kept as written.
type legacyFrame struct {
	Type     string
	Sequence uint64
	Data     map[string]any
	raw      map[string]any
}

// readLegacyFrame reads one frame (a 4-byte big-endian length, then JSON)
// and verifies its checksum against canonicalJSON, independently of the
// server's codec.
func readLegacyFrame(t *testing.T, c *rawConn) legacyFrame {
	t.Helper()
	require.NoError(t, c.SetReadDeadline(time.Now().Add(convergeTimeout)))
	var hdr [4]byte
	_, err := io.ReadFull(c.r, hdr[:])
	require.NoError(t, err, "reading a frame length")
	n := binary.BigEndian.Uint32(hdr[:])
	require.LessOrEqual(t, n, uint32(1<<20), "frame length")
	payload := make([]byte, n)
	_, err = io.ReadFull(c.r, payload)
	require.NoError(t, err, "reading a %d-byte payload", n)

	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	var raw map[string]any
	require.NoError(t, dec.Decode(&raw), "payload %s", payload)
	require.False(t, dec.More(), "trailing data in %s", payload)

	sum, ok := raw["checksum"].(string)
	require.True(t, ok, "no checksum in %s", payload)
	signed := map[string]any{}
	for _, k := range []string{"type", "sequence", "timestamp", "data"} {
		v, ok := raw[k]
		require.True(t, ok, "no %s in %s", k, payload)
		signed[k] = v
	}
	canon := canonicalJSON(t, signed)
	digest := sha256.Sum256([]byte(canon))
	require.Equal(t, hex.EncodeToString(digest[:]), sum, "checksum of %s (canonical form %s)", payload, canon)

	f := legacyFrame{raw: raw}
	f.Type, ok = raw["type"].(string)
	require.True(t, ok, "type in %s", payload)
	seq, ok := raw["sequence"].(json.Number)
	require.True(t, ok, "sequence in %s", payload)
	f.Sequence, err = strconv.ParseUint(seq.String(), 10, 64)
	require.NoError(t, err, "sequence in %s", payload)
	f.Data, ok = raw["data"].(map[string]any)
	require.True(t, ok, "data in %s", payload)
	return f
}

// canonicalJSON prints v as Python's json.dumps(v, sort_keys=True,
// separators=(',', ':')) does, for values decoded by encoding/json with
// UseNumber: a number written without fraction or exponent is a Python int,
// any other a float printed as repr prints it.
func canonicalJSON(t *testing.T, v any) string {
	t.Helper()
	var b strings.Builder
	var write func(v any)
	write = func(v any) {
		switch v := v.(type) {
		case nil:
			b.WriteString("null")
		case bool:
			b.WriteString(strconv.FormatBool(v))
		case string:
			b.WriteString(pythonQuote(v))
		case json.Number:
			b.WriteString(pythonNumber(t, v.String()))
		case []any:
			b.WriteByte('[')
			for i, e := range v {
				if i > 0 {
					b.WriteByte(',')
				}
				write(e)
			}
			b.WriteByte(']')
		case map[string]any:
			// Python sorts str keys by code point; so does sorting the
			// UTF-16 units for the BMP and the UTF-8 bytes for all: the keys
			// here are ASCII anyway.
			keys := slices.Sorted(func(yield func(string) bool) {
				for k := range v {
					if !yield(k) {
						return
					}
				}
			})
			b.WriteByte('{')
			for i, k := range keys {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(pythonQuote(k))
				b.WriteByte(':')
				write(v[k])
			}
			b.WriteByte('}')
		default:
			t.Fatalf("canonicalJSON: unexpected %T", v)
		}
	}
	write(v)
	return b.String()
}

// pythonQuote quotes s as json.dumps does with ensure_ascii.
func pythonQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			if r >= 0x20 && r <= 0x7e {
				b.WriteRune(r)
				continue
			}
			for _, u := range utf16.Encode([]rune{r}) {
				fmt.Fprintf(&b, `\u%04x`, u)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// pythonNumber prints a JSON number literal as Python reads and re-prints it.
func pythonNumber(t *testing.T, lit string) string {
	t.Helper()
	if !strings.ContainsAny(lit, ".eE") {
		return lit // an int keeps its digits
	}
	f, err := strconv.ParseFloat(lit, 64)
	require.NoError(t, err, "number %s", lit)
	if a := math.Abs(f); a == 0 || (a >= 1e-4 && a < 1e16) {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	return strconv.FormatFloat(f, 'e', -1, 64) // 1e-05, 1.5e+16, as repr
}

// TestLegacyCanonicalJSON pins the test's own canonical form to what
// Python prints, so that a checksum mismatch in the legacy test is the
// server's.
func TestLegacyCanonicalJSON(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{`{"b":1,"a":"x"}`, `{"a":"x","b":1}`},
		{`{"t":1700000000.5}`, `{"t":1700000000.5}`},
		{`{"t":1700000000.0}`, `{"t":1700000000.0}`},
		{`{"t":1700000000}`, `{"t":1700000000}`},
		{`{"t":1e5}`, `{"t":100000.0}`},
		{`{"t":0.00001}`, `{"t":1e-05}`},
		{`{"t":1e16}`, `{"t":1e+16}`},
		{`{"t":0.0001}`, `{"t":0.0001}`},
		{`{"s":"é\u00ff😀\n\"\\/\u007f\u0001"}`, `{"s":"\u00e9\u00ff\ud83d\ude00\n\"\\/\u007f\u0001"}`},
		{`{"d":{"z":[1,true,null],"a":{}}}`, `{"d":{"a":{},"z":[1,true,null]}}`},
	} {
		dec := json.NewDecoder(strings.NewReader(tc.in))
		dec.UseNumber()
		var v any
		require.NoError(t, dec.Decode(&v))
		require.Equal(t, tc.want, canonicalJSON(t, v), "input %s", tc.in)
	}
}

// TestLegacySecondary connects to a primary's NADB port as the reference
// secondary does: it sends nothing and reads frames (served only with
// repl-allow-legacy yes).
func TestLegacySecondary(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	ctx := context.Background()
	p := startNode(t, "--heartbeat-interval", "1", "--repl-allow-legacy", "yes")

	// expected describes the data frames in order: their type, key, and
	// value (for a SET).
	type expected struct{ typ, key, value string }
	runSteps(t, p.Conn(t), []step{
		{cmd: []any{"SET", "text", "hello"}, want: "OK"},
		{cmd: []any{"SET", "unicode", "héllo wörld ☃"}, want: "OK"},
		{cmd: []any{"SET", "binary", "\xff\x00\xfe"}, want: "OK"},
		{cmd: []any{"INCR", "counter"}, want: 1},
		{cmd: []any{"MSET", "m:1", "a", "m:2", "b"}, want: "OK"},
		{cmd: []any{"DEL", "text"}, want: 1},
	})
	want := []expected{
		{"SET", "text", "hello"},
		{"SET", "unicode", "héllo wörld ☃"},
		{"SET", "binary", "\xff\x00\xfe"},
		{"SET", "counter", "1"},
		{"SET", "m:1", "a"},
		{"SET", "m:2", "b"},
		{"DELETE", "text", ""},
	}
	require.Equal(t, strconv.Itoa(len(want)), p.requireInfo("replication")["master_repl_offset"])

	c := dialRaw(t, fmt.Sprintf("127.0.0.1:%d", p.ReplPort))
	var lastData uint64 // the last data frame's sequence
	heartbeats := 0
	// readData reads frames until the data frames in exp have arrived,
	// checking each, and the heartbeats that come between them.
	readData := func(exp []expected) {
		t.Helper()
		for len(exp) > 0 {
			f := readLegacyFrame(t, c)
			if f.Type == "HEARTBEAT" {
				heartbeats++
				require.LessOrEqual(t, f.Sequence, lastData, "a heartbeat claims more than the secondary was sent")
				continue
			}
			e := exp[0]
			exp = exp[1:]
			require.Equal(t, lastData+1, f.Sequence, "sequence of %v", f.raw)
			lastData = f.Sequence
			require.Equal(t, e.typ, f.Type, "frame %v", f.raw)
			if e.key == "" { // an operation on no key (SWAPDB)
				require.NotContains(t, f.Data, "key", "frame %v", f.raw)
			} else {
				require.Equal(t, e.key, f.Data["key"], "frame %v", f.raw)
			}
			require.Equal(t, "0", f.Data["db"], "frame %v", f.raw)
			require.Equal(t, "default", f.Data["namespace"], "frame %v", f.raw)
			if e.typ == "METADATA" {
				// A hash operation's stand-in: its type in tags, no value.
				require.Equal(t, []any{e.value}, f.Data["tags"], "frame %v", f.raw)
				require.NotContains(t, f.Data, "value", "frame %v", f.raw)
				continue
			}
			if e.typ != "SET" {
				continue
			}
			if e.key == "binary" {
				require.Equal(t, true, f.Data["_value_encoded"], "frame %v", f.raw)
				b, err := base64.StdEncoding.DecodeString(f.Data["value"].(string))
				require.NoError(t, err)
				require.Equal(t, e.value, string(b))
				continue
			}
			require.NotContains(t, f.Data, "_value_encoded", "a text value travels as plain JSON: %v", f.raw)
			require.Equal(t, e.value, f.Data["value"], "frame %v", f.raw)
			if strings.HasPrefix(e.key, "m:") {
				require.Equal(t, json.Number("2"), f.Data["group"], "an MSET of two keys is a group of two: %v", f.raw)
			}
		}
	}

	t.Run("catch-up", func(t *testing.T) {
		// The stream opens with a HEARTBEAT naming the history, at the
		// sequence before the catch-up's first: a reference secondary
		// ignores repl_id; a nadb-server secondary whose handshake came
		// late knows from it not to take the stream.
		f := readLegacyFrame(t, c)
		require.Equal(t, "HEARTBEAT", f.Type, "first frame %v", f.raw)
		require.Equal(t, uint64(0), f.Sequence, "first frame %v", f.raw)
		require.Equal(t, p.requireInfo("replication")["master_replid"], f.Data["repl_id"], "first frame %v", f.raw)
		readData(want)
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			pi, err := p.info(ctx, "replication")
			if assert.NoError(c, err) {
				assert.Equal(c, "1", pi["connected_slaves"])
				assert.Equal(c, "1", fields(pi["nadb_replica0"])["legacy"], "nadb_replica0:%s", pi["nadb_replica0"])
			}
		}, convergeTimeout, pollInterval)
	})

	t.Run("live", func(t *testing.T) {
		runSteps(t, p.Conn(t), []step{
			{cmd: []any{"SET", "live:1", "one"}, want: "OK"},
			{cmd: []any{"APPEND", "live:1", "+"}, want: 4},
			{cmd: []any{"DEL", "counter"}, want: 1},
		})
		readData([]expected{{"SET", "live:1", "one"}, {"SET", "live:1", "one+"}, {"DELETE", "counter", ""}})
	})

	t.Run("hashes", func(t *testing.T) {
		// The reference has no hashes: each hash operation reaches it as
		// a METADATA frame at its sequence; strings around it unchanged.
		runSteps(t, p.Conn(t), []step{
			{cmd: []any{"HSET", "h", "a", "1", "b", "2"}, want: 2},
			{cmd: []any{"SET", "after", "x"}, want: "OK"},
			{cmd: []any{"HDEL", "h", "a"}, want: 1},
			{cmd: []any{"COPY", "h", "h2"}, want: 1},
		})
		readData([]expected{{"METADATA", "h", "HSET"}, {"SET", "after", "x"}, {"METADATA", "h", "HDEL"}, {"METADATA", "h2", "HASH"}})
	})

	t.Run("collections and SWAPDB", func(t *testing.T) {
		// Lists, sets, sorted sets and SWAPDB reach it as METADATA
		// stand-ins too, naming the extension frame they replace.
		runSteps(t, p.Conn(t), []step{
			{cmd: []any{"SADD", "s", "a", "b"}, want: 2},
			{cmd: []any{"SET", "between", "y"}, want: "OK"},
			{cmd: []any{"COPY", "s", "s2"}, want: 1},
			{cmd: []any{"SWAPDB", "0", "1"}, want: "OK"},
		})
		readData([]expected{{"METADATA", "s", "APPLY"}, {"SET", "between", "y"}, {"METADATA", "s2", "OBJECT"}, {"METADATA", "", "SWAPDB"}})
	})

	t.Run("heartbeats", func(t *testing.T) {
		// The sender is idle now; with --heartbeat-interval 1 heartbeats
		// come every second, each within convergeTimeout.
		for heartbeats < 2 {
			f := readLegacyFrame(t, c)
			require.Equal(t, "HEARTBEAT", f.Type, "an idle primary sent %v", f.raw)
			require.LessOrEqual(t, f.Sequence, lastData, "a heartbeat claims more than the secondary was sent: %v", f.raw)
			heartbeats++
		}
		pi := p.requireInfo("replication")
		require.Equal(t, strconv.FormatUint(lastData, 10), pi["master_repl_offset"])
		r := fields(pi["nadb_replica0"])
		require.Equal(t, "1", r["legacy"])
		require.Equal(t, strconv.FormatUint(lastData, 10), r["ops_sent"], "heartbeats are not operations")
	})
}
