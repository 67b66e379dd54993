package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nadb-server/nadb-server/bench/internal/benchkit"
)

func TestServerArgs(t *testing.T) {
	got := benchkit.ShellJoin(serverArgs(nameRedis, "redis-server", 1, 2, "/d", mode{"always"}))
	if want := "redis-server --port 1 --bind 127.0.0.1 --save '' --dir /d --appendonly yes --appendfsync always"; got != want {
		t.Errorf("redis:\n got %s\nwant %s", got, want)
	}
	got = benchkit.ShellJoin(serverArgs(nameNadb, "nadb-server", 1, 2, "/d", mode{}))
	if want := "nadb-server --port 1 --bind 127.0.0.1 --repl-listen-port 2 --dir /d --appendonly no"; got != want {
		t.Errorf("nadb:\n got %s\nwant %s", got, want)
	}
}

func TestMeasureDisk(t *testing.T) {
	dir := t.TempDir()
	write := func(rel string, n int) {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, make([]byte, n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("nadb.aof", 100)
	write("appendonlydir/appendonly.aof.1.base.rdb", 10)
	write("appendonlydir/appendonly.aof.1.incr.aof", 20)
	write("appendonlydir/appendonly.aof.manifest", 3)
	write("dump.rdb", 7)

	d, err := measureDisk(nameNadb, dir)
	if err != nil || d.aofBytes() != 100 || len(d.aof) != 1 || len(d.other) != 4 {
		t.Fatalf("nadb: %+v, %v", d, err)
	}
	d, err = measureDisk(nameRedis, dir)
	if err != nil || d.aofBytes() != 33 || len(d.aof) != 3 || len(d.other) != 2 {
		t.Fatalf("redis: %+v, %v", d, err)
	}
	if got := fileList(d.other); got != "`dump.rdb` (7), `nadb.aof` (100)" {
		t.Fatalf("fileList %q", got)
	}
}

func TestOwnLoadTime(t *testing.T) {
	nadb := []string{
		`time=2026-11-26T00:00:00Z level=INFO msg="append-only file loaded" file=/d/nadb.aof operations=5 sequence=5 replid=ab took=1.5s`,
		`time=2026-11-26T00:00:00Z level=INFO msg=ready`,
	}
	if d := ownLoadTime(nameNadb, nadb); d != 1500*time.Millisecond {
		t.Errorf("nadb: %v", d)
	}
	redis := []string{"1:M 26 Nov 2026 00:00:00.000 * DB loaded from append only file: 0.250 seconds"}
	if d := ownLoadTime(nameRedis, redis); d != 250*time.Millisecond {
		t.Errorf("redis: %v", d)
	}
	if d := ownLoadTime(nameNadb, redis); d != -1 {
		t.Errorf("missing: %v", d)
	}
}

func TestParseFlags(t *testing.T) {
	cfg, err := parseFlags([]string{"-rounds", "1", "-n", "5", "-keys", "7", "-skip-restart"})
	if err != nil || cfg.rounds != 1 || cfg.n != 5 || cfg.keys != 7 || !cfg.skipRestart {
		t.Fatalf("%+v, %v", cfg, err)
	}
	if _, err := parseFlags([]string{"-keys", "0"}); err == nil {
		t.Fatal("no error for -keys 0")
	}
}

func TestMarkdown(t *testing.T) {
	tr := &throughputResults{n: 1000, runs: map[string]map[string][]throughputRun{}}
	for i, m := range modes {
		tr.runs[m.fsync] = map[string][]throughputRun{
			nameRedis: {{sample: benchkit.Sample{RPS: float64(400 - 100*i), P99: 1}}},
			nameNadb:  {{sample: benchkit.Sample{RPS: float64(200 - 50*i), P99: 2}}},
		}
	}
	disk := func(n int64) diskUsage { return diskUsage{aof: []fileSize{{"f", n}}} }
	rs := &restartResults{keys: 10, runs: map[string][]restartRun{
		nameRedis: {{ready: 2 * time.Second, ownLoad: time.Second, disk: disk(1000), rewrites: 1, stopMethod: "SHUTDOWN"}},
		nameNadb:  {{ready: time.Second, ownLoad: -1, disk: disk(500), rewrites: -1, stopMethod: "SHUTDOWN"}},
	}}
	r := report{cfg: config{rounds: 1}, commands: &benchkit.CommandLog{}, throughput: tr, restart: rs, anomalies: []string{"x\ny"}}
	md := r.markdown()
	for _, want := range []string{
		"<!-- persistence:begin -->\n", "<!-- persistence:end -->\n",
		"| appendonly no | 400 | 200 | **0.50** | 1.00 | 1.00 | 1.000 | 2.000 |",
		"| appendfsync always | 100 | 50 | **0.50** | 0.25 | 0.25 |",
		"| redis | 2.000 | 2.000–2.000 |", "| nadb | 1.000 | 1.000–1.000 | 0.000 | n/a | 10 |",
		"Restart time ratio nadb/redis: **0.50**",
		"| redis | `f` (1000) | 1000 | 100.0 | 1 | none |",
		"Disk bytes/key ratio nadb/redis: **0.50**",
		"- x y\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}

	r.restart = nil // -skip-restart
	if md := r.markdown(); strings.Contains(md, "### Restart") || !strings.Contains(md, "### SET throughput") {
		t.Errorf("-skip-restart markdown:\n%s", md)
	}
}
