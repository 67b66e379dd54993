package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/nadb-server/nadb-server/bench/internal/benchkit"
)

type report struct {
	started      time.Time
	cfg          config
	machine      benchkit.Machine
	redisVersion string
	runs         map[string][]result
	cmds         *benchkit.CommandLog
}

// measured returns a server's runs that were not skipped, and the reason
// of the first skipped one.
func (r *report) measured(name string) (runs []result, skipped string) {
	for _, x := range r.runs[name] {
		if x.skipped != "" {
			if skipped == "" {
				skipped = x.skipped
			}
			continue
		}
		runs = append(runs, x)
	}
	return runs, skipped
}

func medianRate(runs []result) float64 {
	return benchkit.MedianOf(runs, func(x result) float64 { return 100 * x.hitRate() })
}

func (r *report) goals() []benchkit.GoalResult {
	g := benchkit.GoalResult{ID: "11"}
	if runs, skipped := r.measured(nameNadb); len(runs) > 0 {
		g.Nadb, g.HasNadb = medianRate(runs), true
	} else {
		g.Skipped = "nadb-server: " + skipped
	}
	if runs, _ := r.measured(nameRedis); len(runs) > 0 {
		g.Redis, g.HasRedis = medianRate(runs), true
	}
	return []benchkit.GoalResult{g}
}

func (r *report) markdown() string {
	var b strings.Builder
	begin, end := benchkit.Markers(resultsSection)
	c := r.cfg
	fmt.Fprintln(&b, begin)
	fmt.Fprintf(&b, "## Eviction: allkeys-lru hit rate on a zipfian workload\n\n")
	b.WriteString(benchkit.SmokeBanner(c.Smoke))
	fmt.Fprintf(&b, "- Date: %s\n", r.started.Format(time.RFC3339))
	fmt.Fprintf(&b, "- Machine: %s\n", r.machine)
	fmt.Fprintf(&b, "- Go: %s; redis-server: %s\n", r.machine.GoVersion, r.redisVersion)
	fmt.Fprintf(&b, "- Workload: a read-through cache over %d keys: GET a key drawn from Zipf(s=%v, v=%v) (math/rand/v2, seed %d, the same sequence for every server and round); on a miss, SET it with a %d-byte value. %d GETs are pipelined per batch, then the misses' SETs (a key drawn twice in one batch can miss twice, alike for both servers). %d warm-up operations, then %d counted.\n",
		c.keys, c.zipfS, c.zipfV, c.seed, c.valueSize, c.batch, c.warmup, c.ops)
	fmt.Fprintf(&b, "- Eviction: after the start, `CONFIG SET maxmemory-policy allkeys-lru` and `CONFIG SET maxmemory %s`; a server answering either with an error is skipped. Median of %d round(s), fresh server each, order alternating.\n\n", c.maxmemory, c.rounds)
	fmt.Fprintln(&b, "| server | median hit rate % | hit rates % (round order) | evicted_keys | DBSIZE at end | used_memory at end | maxmemory | s per run |")
	fmt.Fprintln(&b, "|---|---:|---|---:|---:|---:|---:|---:|")
	for _, name := range []string{nameRedis, nameNadb} {
		runs, skipped := r.measured(name)
		if len(runs) == 0 {
			fmt.Fprintf(&b, "| %s | skipped | %s | - | - | - | - | - |\n", name, skipped)
			continue
		}
		var rates []string
		for _, x := range runs {
			rates = append(rates, fmt.Sprintf("%.2f", 100*x.hitRate()))
		}
		last := runs[len(runs)-1]
		fmt.Fprintf(&b, "| %s | **%.2f** | %s | %d | %d | %d | %d | %.1f |\n", name, medianRate(runs), strings.Join(rates, ", "),
			last.evicted, last.dbsize, last.usedMem, last.maxmemory,
			benchkit.MedianOf(runs, func(x result) float64 { return x.took.Seconds() }))
	}
	fmt.Fprintln(&b)
	nadb, _ := r.measured(nameNadb)
	red, _ := r.measured(nameRedis)
	if len(nadb) > 0 && len(red) > 0 {
		fmt.Fprintf(&b, "Hit rate ratio nadb/redis: **%s** (goal ≥ 1.00). evicted_keys, DBSIZE and used_memory are the last round's; an evicted_keys of 0 or a DBSIZE near the keyspace means maxmemory did not bind.\n\n",
			benchkit.Ratio(medianRate(nadb), medianRate(red)))
	}
	fmt.Fprintf(&b, "### Commands\n\n```\n")
	r.cmds.WriteTo(&b)
	fmt.Fprintf(&b, "```\n")
	b.WriteString(benchkit.GoalComments(resultsSection, r.started.Format("2006-01-02"), c.Smoke, r.goals()))
	fmt.Fprintln(&b, end)
	return b.String()
}
