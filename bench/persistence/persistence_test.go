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
	for _, tc := range []struct {
		name string
		m    mode
		want string
	}{
		{nameRedis, mode{fsync: "always"}, "redis-server --port 1 --bind 127.0.0.1 --save '' --dir /d --appendonly yes --appendfsync always"},
		{nameNadb, mode{}, "nadb-server --port 1 --bind 127.0.0.1 --repl-listen-port 2 --dir /d --appendonly no"},
		{nameRedis, mode{}, "redis-server --port 1 --bind 127.0.0.1 --save '' --dir /d --appendonly no"},
		{nameNadb, restartMode, "nadb-server --port 1 --bind 127.0.0.1 --repl-listen-port 2 --dir /d " +
			"--appendonly yes --appendfsync everysec --auto-aof-rewrite-percentage 0"},
		{nameRedis, restartMode, "redis-server --port 1 --bind 127.0.0.1 --save '' --dir /d " +
			"--appendonly yes --appendfsync everysec --auto-aof-rewrite-percentage 0"},
	} {
		if got := benchkit.ShellJoin(serverArgs(tc.name, tc.name+"-server", 1, 2, "/d", tc.m)); got != tc.want {
			t.Errorf("%s %+v:\n got %s\nwant %s", tc.name, tc.m, got, tc.want)
		}
	}
	// The baseline must say --appendonly no explicitly (nadb's default is yes).
	if modes[0].aof() || modes[0].noAutoRewrite {
		t.Errorf("modes[0] = %+v, want appendonly no", modes[0])
	}
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		name, rel string
		want      fileKind
	}{
		{nameNadb, "nadb-00000000000000000000.aof", kindLog},
		{nameNadb, "nadb-00000000000001000000.aof", kindLog},
		{nameNadb, "nadb-00000000000001000000.snap", kindSnap},
		{nameNadb, "nadb-00000000000001000000.snap.tmp", kindOther},
		{nameNadb, "nadb-1000.aof", kindOther},
		{nameNadb, "nadb-000000000000000000001.aof", kindOther}, // 21 digits
		{nameNadb, "nadb.aof", kindOther},                       // the old single file
		{nameNadb, "appendonlydir/appendonly.aof.1.incr.aof", kindOther},
		{nameNadb, "dump.rdb", kindOther},
		{nameRedis, "appendonlydir/appendonly.aof.1.base.rdb", kindSnap},
		{nameRedis, "appendonlydir/appendonly.aof.1.base.aof", kindSnap},
		{nameRedis, "appendonlydir/appendonly.aof.1.incr.aof", kindLog},
		{nameRedis, "appendonlydir/appendonly.aof.manifest", kindLog},
		{nameRedis, "appendonlydir/sub/x", kindOther},
		{nameRedis, "appendonlydir/temp-appendonly.aof.incr", kindOther},
		{nameRedis, "dump.rdb", kindSnap},
		{nameRedis, "appendonly.aof", kindLog},
		{nameRedis, "nadb-00000000000000000000.aof", kindOther},
		{nameRedis, "temp-123.rdb", kindOther},
	} {
		if got := classify(tc.name, tc.rel); got != tc.want {
			t.Errorf("classify(%s, %s) = %d, want %d", tc.name, tc.rel, got, tc.want)
		}
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
	write("nadb-00000000000000000000.aof", 100)
	write("nadb-00000000000000000042.aof", 50)
	write("nadb-00000000000000000042.snap", 1000)
	write("nadb-00000000000000000099.snap.tmp", 5)
	write("appendonlydir/appendonly.aof.1.base.rdb", 10)
	write("appendonlydir/appendonly.aof.1.incr.aof", 20)
	write("appendonlydir/appendonly.aof.manifest", 3)
	write("dump.rdb", 7)
	if err := os.Mkdir(filepath.Join(dir, "emptydir"), 0o755); err != nil {
		t.Fatal(err)
	}

	d, err := measureDisk(nameNadb, dir)
	if err != nil || d.logBytes() != 150 || d.snapBytes() != 1000 || d.totalBytes() != 1150 ||
		len(d.log) != 2 || len(d.snap) != 1 || len(d.other) != 5 {
		t.Fatalf("nadb: %+v, %v", d, err)
	}
	if got, want := fileList(d.files()), "`nadb-00000000000000000000.aof` (100), `nadb-00000000000000000042.aof` (50), "+
		"`nadb-00000000000000000042.snap` (1000)"; got != want {
		t.Errorf("nadb files:\n got %s\nwant %s", got, want)
	}

	d, err = measureDisk(nameRedis, dir)
	if err != nil || d.logBytes() != 23 || d.snapBytes() != 17 || d.totalBytes() != 40 ||
		len(d.log) != 2 || len(d.snap) != 2 || len(d.other) != 4 {
		t.Fatalf("redis: %+v, %v", d, err)
	}
	if got, want := fileList(d.files()), "`appendonlydir/appendonly.aof.1.base.rdb` (10), `appendonlydir/appendonly.aof.1.incr.aof` (20), "+
		"`appendonlydir/appendonly.aof.manifest` (3), `dump.rdb` (7)"; got != want {
		t.Errorf("redis files:\n got %s\nwant %s", got, want)
	}
	if got := fileList(d.other); !strings.HasPrefix(got, "`nadb-00000000000000000000.aof` (100), ") {
		t.Errorf("redis other files %q", got)
	}

	if d, err := measureDisk(nameNadb, filepath.Join(dir, "emptydir")); err != nil || d.totalBytes() != 0 || len(d.files()) != 0 {
		t.Errorf("empty dir: %+v, %v", d, err)
	}
}

func TestOwnLoadTime(t *testing.T) {
	nadb := []string{
		`time=2026-11-26T00:00:00Z level=INFO msg="loading the data directory" percent=50.0 mb_per_second=100.0`,
		`time=2026-11-26T00:00:00Z level=INFO msg="data directory loaded" dir=/d snapshot=true snapshot_sequence=5 operations=0 sequence=5 replid=ab took=1.5s`,
		`time=2026-11-26T00:00:00Z level=INFO msg="ready to accept connections" port=1`,
	}
	if d := ownLoadTime(nameNadb, nadb); d != 1500*time.Millisecond {
		t.Errorf("nadb: %v", d)
	}
	old := []string{`time=2026-11-26T00:00:00Z level=INFO msg="append-only file loaded" file=/d/nadb.aof operations=5 took=250ms`}
	if d := ownLoadTime(nameNadb, old); d != 250*time.Millisecond {
		t.Errorf("nadb, old message: %v", d)
	}
	redis := []string{
		"1:M 26 Nov 2026 00:00:00.000 * DB loaded from base file appendonly.aof.2.base.rdb: 0.200 seconds",
		"1:M 26 Nov 2026 00:00:00.000 * DB loaded from incr file appendonly.aof.2.incr.aof: 0.000 seconds",
		"1:M 26 Nov 2026 00:00:00.000 * DB loaded from append only file: 0.250 seconds",
	}
	if d := ownLoadTime(nameRedis, redis); d != 250*time.Millisecond {
		t.Errorf("redis: %v", d)
	}
	if d := ownLoadTime(nameNadb, redis); d != -1 {
		t.Errorf("missing: %v", d)
	}
}

func TestRewriteDone(t *testing.T) {
	inf := func(inProgress, scheduled, status, rewrites string) map[string]string {
		return map[string]string{"aof_rewrite_in_progress": inProgress, "aof_rewrite_scheduled": scheduled,
			"aof_last_bgrewrite_status": status, "aof_rewrites": rewrites}
	}
	for _, tc := range []struct {
		name    string
		inf     map[string]string
		prev    int64
		done    bool
		wantErr bool
	}{
		{nameNadb, nil, 0, false, false},
		{nameNadb, inf("0", "0", "ok", "0"), 0, false, false}, // not started yet
		{nameNadb, inf("1", "0", "ok", "0"), 0, false, false},
		{nameNadb, inf("0", "0", "ok", "1"), 0, true, false},
		{nameNadb, inf("0", "0", "ok", "1"), 1, false, false},
		{nameNadb, inf("0", "0", "err", "1"), 0, false, true},
		{nameNadb, inf("0", "0", "err", "0"), 0, false, true}, // failed: not counted
		{nameNadb, inf("1", "0", "err", "0"), 0, false, false},
		{nameNadb, inf("0", "1", "ok", "1"), 0, false, false}, // another one scheduled
		{nameRedis, inf("1", "0", "ok", "0"), 0, false, false},
		{nameRedis, inf("0", "0", "ok", "0"), 0, true, false}, // Redis forks before replying
		{nameRedis, map[string]string{"aof_rewrite_in_progress": "0", "aof_rewrite_scheduled": "0", "aof_last_bgrewrite_status": "ok"}, -1, true, false},
		{nameRedis, inf("0", "0", "err", "1"), 0, false, true},
		{nameRedis, inf("0", "0", "", "1"), 0, false, true},
	} {
		done, err := rewriteDone(tc.name, tc.inf, tc.prev)
		if done != tc.done || (err != nil) != tc.wantErr {
			t.Errorf("rewriteDone(%s, %v, %d) = %v, %v; want %v, error %v", tc.name, tc.inf, tc.prev, done, err, tc.done, tc.wantErr)
		}
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
			nameRedis: {{sample: benchkit.Sample{RPS: float64(400 - 100*i), P99: 1}, rewrites: 0}},
			nameNadb:  {{sample: benchkit.Sample{RPS: float64(200 - 50*i), P99: 2}, rewrites: -1}},
		}
	}
	logOnly := func(n int64) diskUsage { return diskUsage{log: []fileSize{{"l", n}}} }
	compacted := func(log, snap int64) diskUsage {
		return diskUsage{log: []fileSize{{"l", log}}, snap: []fileSize{{"s", snap}}, other: []fileSize{{"o", 1}}}
	}
	timing := func(ready, own time.Duration) restartTiming {
		return restartTiming{ping: ready, ready: ready, ownLoad: own}
	}
	rs := &restartResults{keys: 10, runs: map[string][]restartRun{
		nameRedis: {{
			loadTime: 3 * time.Second, loadRewrites: 0, rewriteTime: 500 * time.Millisecond,
			stopMethods: []string{"SHUTDOWN", "SHUTDOWN"},
			disk:        [2]diskUsage{logOnly(1000), compacted(100, 300)},
			restart:     [2]restartTiming{timing(2*time.Second, time.Second), timing(time.Second, 500*time.Millisecond)},
		}},
		nameNadb: {{
			loadTime: 4 * time.Second, loadRewrites: 0, rewriteTime: 250 * time.Millisecond,
			stopMethods: []string{"SHUTDOWN", "SIGTERM"},
			disk:        [2]diskUsage{logOnly(500), compacted(50, 150)},
			restart:     [2]restartTiming{timing(time.Second, -1), timing(2*time.Second, 2*time.Second)},
		}},
	}}
	r := report{cfg: config{rounds: 1}, commands: &benchkit.CommandLog{}, throughput: tr, restart: rs, anomalies: []string{"x\ny"}}
	md := r.markdown()
	for _, want := range []string{
		"<!-- persistence:begin -->\n", "<!-- persistence:end -->\n",
		"| appendonly no | 400 | 200 | **0.50** | 1.00 | 1.00 | 1.000 | 2.000 |",
		"| appendfsync always | 100 | 50 | **0.50** | 0.25 | 0.25 |",
		"| log only | redis | 2.000 | 2.000–2.000 | 2.000 | 1.000 | 5 |",
		"| log only | nadb | 1.000 | 1.000–1.000 | 1.000 | n/a | 10 |",
		"| after BGREWRITEAOF | redis | 1.000 | 1.000–1.000 | 1.000 | 0.500 | 10 |",
		"| after BGREWRITEAOF | nadb | 2.000 | 2.000–2.000 | 2.000 | 2.000 | 5 |",
		"Restart time ratio nadb/redis: log only **0.50**, after BGREWRITEAOF **2.00**",
		"| log only | redis | 1000 | 0 | 1000 | 100.0 | 1.00 | `l` (1000) | none |",
		"| after BGREWRITEAOF | nadb | 50 | 150 | 200 | 20.0 | 0.40 | `l` (50), `s` (150) | `o` (1) |",
		"Disk bytes/key ratio nadb/redis: log only **0.50**, after BGREWRITEAOF **0.50**",
		"Loading the keys took redis 3.0 s, nadb 4.0 s; BGREWRITEAOF",
		"took redis 0.500 s, nadb 0.250 s",
		"| automatic rewrites during run, appendfsync no | 0 | n/a |",
		"| stopped by | SHUTDOWN+SHUTDOWN | SHUTDOWN+SIGTERM |",
		"| restart ready s, after BGREWRITEAOF | 1.000 | 2.000 |",
		"| restart own load s, log only | 1.000 | n/a |",
		"| disk bytes, after BGREWRITEAOF | 400 | 200 |",
		"--appendonly",
		"- x y\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}

	r.restart = nil // -skip-restart
	if md := r.markdown(); strings.Contains(md, "### Restart") || strings.Contains(md, "### Disk") || !strings.Contains(md, "### SET throughput") {
		t.Errorf("-skip-restart markdown:\n%s", md)
	}
}
