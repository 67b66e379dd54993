package main

import (
	"bufio"
	"strings"
	"testing"
	"time"
)

func TestSplice(t *testing.T) {
	side := "<!-- sidebyside:begin -->\nS\n<!-- sidebyside:end -->\n"
	sec := markerBegin + "\nNEW\n" + markerEnd + "\n"
	for _, tc := range []struct{ name, doc, want string }{
		{"append", "# T\n\n" + side, "# T\n\n" + side + "\n" + sec},
		{"replace", "# T\n\n" + markerBegin + "\nOLD\n" + markerEnd + "\n\n" + side, "# T\n\n" + sec + "\n" + side},
		{"replace at end", side + "\n" + markerBegin + "\nOLD\n" + markerEnd + "\n", side + "\n" + sec},
		{"begin without end", "# T\n" + markerBegin + "\n", "# T\n" + markerBegin + "\n\n" + sec},
	} {
		if got := splice(tc.doc, sec); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
}

func TestParseBenchCSV(t *testing.T) {
	out := `"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
"SET","123456.78","3.000","0.500","2.500","5.000","7.250","20.000"
`
	s, err := parseBenchCSV([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	if s != (benchSample{rps: 123456.78, p50: 2.5, p99: 7.25}) {
		t.Fatalf("got %+v", s)
	}
	if _, err := parseBenchCSV([]byte(`"test","rps"` + "\n")); err == nil {
		t.Fatal("no error for a header without rows")
	}
}

func TestStats(t *testing.T) {
	var ds []time.Duration
	for i := 1; i <= 200; i++ {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	s := durStats(ds)
	if s.n != 200 || s.p50 != 100 || s.p99 != 198 || s.max != 200 {
		t.Fatalf("got %+v", s)
	}
	if (floatStats(nil) != stats{}) {
		t.Fatal("empty stats not zero")
	}
	if m := median([]float64{3, 1, 2, 10}); m != 2.5 {
		t.Fatalf("median %v", m)
	}
}

func TestReadReply(t *testing.T) {
	r := bufio.NewReader(strings.NewReader("+OK\r\n$-1\r\n$3\r\nabc\r\n:42\r\n*2\r\n$1\r\na\r\n:1\r\n-ERR x\r\n"))
	for _, want := range []reply{
		{kind: '+', str: "OK"}, {kind: '$', null: true}, {kind: '$', str: "abc"}, {kind: ':', num: 42},
	} {
		got, err := readReply(r)
		if err != nil || got.kind != want.kind || got.str != want.str || got.null != want.null || got.num != want.num {
			t.Fatalf("got %+v, %v; want %+v", got, err, want)
		}
	}
	if arr, err := readReply(r); err != nil || len(arr.elems) != 2 || arr.elems[0].str != "a" || arr.elems[1].num != 1 {
		t.Fatalf("array: %+v, %v", arr, err)
	}
	if e, err := readReply(r); err != nil || e.kind != '-' || e.str != "ERR x" {
		t.Fatalf("error reply: %+v, %v", e, err)
	}
}

func TestParseInfo(t *testing.T) {
	m := parseInfo("# Replication\r\nrole:master\r\nnadb_replica0:id=1,addr=127.0.0.1:5,acked_seq=7,lag_ops=2,lag_ms=3\r\n")
	f := parseFields(m["nadb_replica0"])
	if m["role"] != "master" || fieldInt(f, "lag_ops") != 2 || fieldInt(f, "lag_ms") != 3 || f["addr"] != "127.0.0.1:5" {
		t.Fatalf("got %v / %v", m, f)
	}
	if !busy("2.5 1 1", 2) || busy("1.9 5 5", 2) || busy("garbage", 2) {
		t.Fatal("busy")
	}
}
