package benchkit

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const csvHeader = `"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"` + "\n"

func TestParseBenchmarkCSV(t *testing.T) {
	out := csvHeader +
		`"SET","123456.78","3.000","0.500","2.500","5.000","7.250","20.000"` + "\n" +
		`"get","1000.00","1.000","0.100","0.900","1.000","1.500","2.000"` + "\n"
	rows, err := ParseBenchmarkCSV([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows["SET"] != (Sample{RPS: 123456.78, P50: 2.5, P99: 7.25}) || rows["GET"] != (Sample{RPS: 1000, P50: 0.9, P99: 1.5}) {
		t.Fatalf("got %+v", rows)
	}
	for name, bad := range map[string]string{
		"header only":    csvHeader,
		"missing column": `"test","rps"` + "\n" + `"SET","1"` + "\n",
		"bad number":     csvHeader + `"SET","x","3.000","0.500","2.500","5.000","7.250","20.000"` + "\n",
		"short row":      csvHeader + `"SET","1"` + "\n",
	} {
		if _, err := ParseBenchmarkCSV([]byte(bad)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestRunRedisBenchmark stands in a shell script for redis-benchmark.
func TestRunRedisBenchmark(t *testing.T) {
	script := filepath.Join(t.TempDir(), "fake-benchmark")
	body := "#!/bin/sh\ncat <<'EOF'\n" + csvHeader + `"SET","10","1","1","2","3","4","5"` + "\nEOF\n"
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	rows, err := RunRedisBenchmark(context.Background(), []string{script, "--csv"}, 10*time.Second, "SET")
	if err != nil || rows["SET"].RPS != 10 {
		t.Fatalf("got %+v, %v", rows, err)
	}
	if _, err := RunRedisBenchmark(context.Background(), []string{script}, 10*time.Second, "SET", "GET"); err == nil || !strings.Contains(err.Error(), "no GET row") {
		t.Fatalf("missing GET: %v", err)
	}
	if _, err := RunRedisBenchmark(context.Background(), []string{"false"}, 10*time.Second); err == nil {
		t.Fatal("no error for a failing command")
	}
}

func TestMedian(t *testing.T) {
	vals := []float64{3, 1, 2, 10}
	if m := Median(vals); m != 2.5 {
		t.Fatalf("median %v", m)
	}
	if vals[0] != 3 {
		t.Fatal("Median reordered its argument")
	}
	if Median(nil) != 0 || Median([]float64{5, 1, 3}) != 3 {
		t.Fatal("median of empty or odd")
	}
	if m := MedianOf([]Sample{{RPS: 1}, {RPS: 9}, {RPS: 4}}, func(s Sample) float64 { return s.RPS }); m != 4 {
		t.Fatalf("MedianOf %v", m)
	}
}
