package main

import (
	"strings"
	"testing"

	"github.com/nadb-server/nadb-server/bench/internal/benchkit"
)

func TestGoalsAndMarkdown(t *testing.T) {
	res := &benchResults{workloads: []workload{{1, 100}, {16, 1000}}, samples: map[seriesKey]map[string][]benchRun{}}
	for _, k := range []seriesKey{{"SET", 1}, {"GET", 1}, {"SET", 16}, {"GET", 16}} {
		for i, v := range []float64{100, 300, 200} { // median 200
			res.add(k, nameRedis, benchRun{Sample: benchkit.Sample{RPS: v, P99: 2}, cpuPerM: 4})
			res.add(k, nameNadb, benchRun{Sample: benchkit.Sample{RPS: v / 2, P99: float64(i + 1)}, cpuPerM: 2})
		}
	}
	mem := map[string]memResult{
		nameRedis: {keys: 10, before: memPoint{rss: 1000}, loaded: memPoint{rss: 3000}, over: memPoint{rss: 3000}},
		nameNadb:  {keys: 10, before: memPoint{rss: 1000}, loaded: memPoint{rss: 2000}, over: memPoint{rss: 5000}},
	}
	r := &report{rounds: 3, smoke: true, commands: &benchkit.CommandLog{}, bench: res, memory: mem}
	got := map[string]benchkit.GoalResult{}
	for _, g := range r.goals() {
		got[g.ID] = g
	}
	for id, want := range map[string][2]float64{
		"01a": {100, 200}, "01d": {100, 200}, "02": {2, 2}, "03a": {100, 200}, "03b": {400, 200}, "05": {2, 4},
	} {
		if g := got[id]; g.Nadb != want[0] || g.Redis != want[1] {
			t.Errorf("goal %s: nadb %v redis %v, want %v", id, g.Nadb, g.Redis, want)
		}
	}
	md := r.markdown()
	for _, want := range []string{"Smoke run", "after overwrites **2.00**", `<!-- goal {"id":"05","nadb":2,"redis":4`} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
}
