package benchkit

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func TestParseProcStatCPU(t *testing.T) {
	stat := "1234 (redis-server *:6) S 1 1234 1234 0 -1 4194560 500 0 0 0 250 75 0 0 20 0 5 0 100 1000 200"
	got, err := ParseProcStatCPU(stat)
	if err != nil || got != 3.25 {
		t.Fatalf("got %v, %v; want 3.25", got, err)
	}
	for _, bad := range []string{"", "1 (x) S 1 2", "1 (x) S 1 2 3 4 5 6 7 8 9 10 u s 1"} {
		if _, err := ParseProcStatCPU(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if v, err := CPUSeconds(os.Getpid()); err != nil || v < 0 {
		t.Fatalf("own CPU: %v %v", v, err)
	}
	if got := CPUPerMillion(1, 3, 500000); got != 4 {
		t.Fatalf("CPUPerMillion = %v", got)
	}
}

func TestParseVmRSS(t *testing.T) {
	got, err := ParseVmRSS("Name:\tx\nVmRSS:\t    2048 kB\nVmSwap: 0 kB\n")
	if err != nil || got != 2048*1024 {
		t.Fatalf("got %v, %v", got, err)
	}
	for _, bad := range []string{"Name: x\n", "VmRSS: 12 MB\n", "VmRSS: x kB\n"} {
		if _, err := ParseVmRSS(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestParsePipeSummary(t *testing.T) {
	out := "All data transferred. Waiting for the last reply...\nLast reply received from server.\nerrors: 0, replies: 1000000\n"
	e, r, err := ParsePipeSummary(out)
	if err != nil || e != 0 || r != 1000000 {
		t.Fatalf("got %d %d %v", e, r, err)
	}
	if _, _, err := ParsePipeSummary("Error writing to the server: Connection reset"); err == nil {
		t.Fatal("missing summary accepted")
	}
}

func TestWriteSetFile(t *testing.T) {
	dir := t.TempDir()
	for _, overwrite := range []bool{false, true} {
		path := filepath.Join(dir, "f")
		if err := WriteSetFile(path, 50, 40, overwrite, 7); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		cmds, err := parseCommands(data)
		if err != nil {
			t.Fatal(err)
		}
		if len(cmds) != 50 {
			t.Fatalf("overwrite=%v: %d commands", overwrite, len(cmds))
		}
		keys := map[string]bool{}
		for i, c := range cmds {
			if len(c) != 3 || c[0] != "SET" || len(c[2]) != 40 {
				t.Fatalf("command %d: %q", i, c)
			}
			if !overwrite && c[1] != fmt.Sprintf("key:%09d", i) {
				t.Fatalf("command %d key %q", i, c[1])
			}
			keys[c[1]] = true
		}
		if !overwrite && len(keys) != 50 || overwrite && (len(keys) == 50 || len(keys) < 20) {
			t.Fatalf("overwrite=%v: %d distinct keys", overwrite, len(keys))
		}
	}
	// Same seed, same file.
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	_ = WriteSetFile(a, 100, 30, true, 9)
	_ = WriteSetFile(b, 100, 30, true, 9)
	da, _ := os.ReadFile(a)
	db, _ := os.ReadFile(b)
	if string(da) != string(db) {
		t.Fatal("not repeatable")
	}
}

// parseCommands reads RESP arrays of bulk strings back (the same
// encoding as replies).
func parseCommands(data []byte) ([][]string, error) {
	r := bufio.NewReader(bytes.NewReader(data))
	var cmds [][]string
	for {
		if _, err := r.Peek(1); err != nil {
			return cmds, nil
		}
		rep, err := ReadReply(r)
		if err != nil {
			return nil, err
		}
		var c []string
		for _, e := range rep.Elems {
			c = append(c, e.Str)
		}
		cmds = append(cmds, c)
	}
}
