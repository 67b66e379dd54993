package benchkit

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGoalStatus(t *testing.T) {
	ratioGE := GoalSpec{ID: "x", Compare: CompareRatio, Op: ">=", Limit: 1}
	nadbLT := GoalSpec{ID: "y", Unit: "ms", Compare: CompareNadb, Op: "<", Limit: 5}
	for _, tc := range []struct {
		name string
		spec GoalSpec
		r    GoalResult
		want string
	}{
		{"ratio met", ratioGE, Measured("x", 110, 100), "met"},
		{"ratio equal is met", ratioGE, Measured("x", 100, 100), "met"},
		{"ratio not met", ratioGE, Measured("x", 99, 100), "not met"},
		{"ratio without redis", ratioGE, GoalResult{ID: "x", Nadb: 1, HasNadb: true}, "not measured"},
		{"nadb bound met", nadbLT, GoalResult{ID: "y", Nadb: 4.9, HasNadb: true}, "met"},
		{"nadb bound strict", nadbLT, GoalResult{ID: "y", Nadb: 5, HasNadb: true, Redis: 1, HasRedis: true}, "not met"},
		{"skipped", ratioGE, GoalResult{ID: "x", Redis: 90, HasRedis: true, Skipped: "no maxmemory"}, "not measured: no maxmemory"},
		{"recorded", GoalSpec{Compare: CompareNone}, Measured("z", 1, 2), "recorded"},
	} {
		if got := tc.r.Status(tc.spec); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
	if !math.IsNaN(Measured("x", 1, 0).Ratio()) {
		t.Error("ratio with redis 0 should be NaN")
	}
}

func TestGoalsCatalogue(t *testing.T) {
	seen := map[string]bool{}
	prev := ""
	for _, g := range Goals {
		if seen[g.ID] || g.ID <= prev {
			t.Errorf("goal %s duplicated or out of order", g.ID)
		}
		seen[g.ID], prev = true, g.ID
		if (g.Compare == CompareNone) != (g.Op == "") {
			t.Errorf("goal %s: Op %q with Compare %q", g.ID, g.Op, g.Compare)
		}
		if g.Program == "" && g.Note == "" {
			t.Errorf("goal %s: neither program nor note", g.ID)
		}
		_ = GoalByID(g.ID)
	}
	if got := GoalByID("07").Target(); got != "nadb < 5 ms" {
		t.Errorf("target of 07: %q", got)
	}
	if got := GoalByID("01a").Target(); got != "nadb/redis ≥ 1.00" {
		t.Errorf("target of 01a: %q", got)
	}
	if got := GoalByID("06a").Target(); got != "nadb ≤ 1.20×" {
		t.Errorf("target of 06a: %q", got)
	}
}

func TestGoalCommentsRoundTrip(t *testing.T) {
	b1, e1 := Markers("sidebyside")
	b2, e2 := Markers("lruhit")
	doc := "# R\n\n" + b1 + "\nx\n" +
		GoalComments("sidebyside", "2026-01-01", false, []GoalResult{Measured("01a", 120, 100), Measured("02", 3, 1)}) +
		e1 + "\n\n" + b2 + "\n" +
		GoalComments("lruhit", "2026-01-02", true, []GoalResult{{ID: "11", Redis: 91.5, HasRedis: true, Skipped: "CONFIG SET maxmemory-policy: ERR unknown"}}) +
		e2 + "\n"
	got, err := ParseGoalComments(doc)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got["01a"].Nadb != 120 || got["01a"].Section != "sidebyside" || !got["11"].Smoke || got["11"].HasNadb {
		t.Fatalf("parsed %+v", got)
	}
	sec, err := RenderGoals(doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"| 01a | SET -c 50 -P 1 throughput | 120 | 100 | 1.20 | nadb/redis ≥ 1.00 | **met** | sidebyside, 2026-01-01 |",
		"| 02 | p99 latency, SET -c 50 -P 16 | 3.000 | 1.000 | 3.00 | nadb/redis ≤ 1.50 | **not met** |",
		"| 11 | allkeys-lru GET hit rate, zipfian keys, maxmemory set | skipped | 91.50 | - | nadb/redis ≥ 1.00 | not measured: CONFIG SET maxmemory-policy: ERR unknown (smoke run) |",
		"| 04 | SET -P 16 throughput, appendonly yes, appendfsync everysec | - | - | - | nadb/redis ≥ 1.00 | not measured yet | `go run ./bench/persistence` |",
		"| 10 |", "see section 'Connection loop'",
		"**Smoke run:** rows 11 ",
	} {
		if !strings.Contains(sec, want) {
			t.Errorf("goals section lacks %q:\n%s", want, sec)
		}
	}
	// The rendered section holds no goal comments, and rendering it into
	// the document again finds the same results.
	doc2 := Splice(doc, GoalsSection, sec)
	again, err := ParseGoalComments(doc2)
	if err != nil || len(again) != 3 {
		t.Fatalf("after splice: %v %v", again, err)
	}
	if _, err := ParseGoalComments("<!-- goal {bad -->"); err == nil {
		t.Error("bad JSON accepted")
	}
}

func TestRefreshGoalsPlacesTableBeforeSections(t *testing.T) {
	path := filepath.Join(t.TempDir(), "RESULTS.md")
	b, e := Markers("sidebyside")
	doc := "# Benchmark results\n\nintro\n\n## Where we stand\n\ntext\n\n" + b + "\n" +
		GoalComments("sidebyside", "d", false, []GoalResult{Measured("05", 4, 5)}) + e + "\n"
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second refresh replaces, not duplicates
		if err := RefreshGoals(path); err != nil {
			t.Fatal(err)
		}
	}
	out, _ := os.ReadFile(path)
	s := string(out)
	gb, _ := Markers(GoalsSection)
	if strings.Count(s, gb) != 1 || strings.Index(s, gb) > strings.Index(s, "## Where we stand") {
		t.Fatalf("goals table misplaced:\n%s", s)
	}
	if !strings.Contains(s, "| 05 | server CPU seconds per million SETs (-P 16) | 4.000 | 5.000 | 0.80 |") {
		t.Fatalf("row 05 missing:\n%s", s)
	}
	if err := RefreshGoals(filepath.Join(t.TempDir(), "none.md")); err != nil {
		t.Fatal(err)
	}
}

func TestRefreshGoalsNewFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "RESULTS.md")
	b, e := Markers("lruhit")
	sec := b + "\n## Eviction\n\n" + GoalComments("lruhit", "d", true, []GoalResult{{ID: "11", Redis: 80, HasRedis: true, Skipped: "x"}}) + e + "\n"
	if err := WriteSection(path, "lruhit", sec); err != nil {
		t.Fatal(err)
	}
	if err := RefreshGoals(path); err != nil {
		t.Fatal(err)
	}
	out, _ := os.ReadFile(path)
	s := string(out)
	gb, ge := Markers(GoalsSection)
	if !strings.HasPrefix(s, ResultsIntro+gb) || strings.Index(s, ge) > strings.Index(s, b) {
		t.Fatalf("goals table not between the intro and the first section:\n%s", s)
	}
}
