package benchkit

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"strings"
)

// GoalsSection names the markers of the summary table in RESULTS.md.
const GoalsSection = "goals"

// Compare says which figure a goal bounds.
type Compare string

const (
	// CompareRatio bounds nadb / redis.
	CompareRatio Compare = "ratio"
	// CompareNadb bounds nadb's own figure (lag in ms, seconds, or a
	// ratio nadb computed against itself, such as CPU with 2 secondaries
	// over CPU with none).
	CompareNadb Compare = "nadb"
	// CompareNone is a figure recorded for reference, with no goal.
	CompareNone Compare = ""
)

// GoalSpec is one row of the issue #10 goal list: what is measured, by
// which program, and the bound that makes it "met".
type GoalSpec struct {
	ID      string  // "01a"; the table is sorted by ID
	Name    string  // what is measured
	Unit    string  // of the nadb and redis figures
	Digits  int     // decimals shown for the nadb and redis figures
	Compare Compare // which figure the goal bounds
	Op      string  // ">=", "<=" or "<"; "" when Compare is CompareNone
	Limit   float64
	Program string // the program (bench/<Program>) that measures it; "" for rows kept elsewhere
	Note    string // shown instead of figures when no program measures the row here
	Goal    string // the goal's text when it is not a bound on a figure measured here
}

// Target renders the bound, e.g. "nadb/redis ≥ 1.00" or "nadb < 5 ms".
func (s GoalSpec) Target() string {
	if s.Goal != "" {
		return s.Goal
	}
	if s.Compare == CompareNone {
		return "recorded"
	}
	op := map[string]string{">=": "≥", "<=": "≤", "<": "<", ">": ">"}[s.Op]
	if s.Compare == CompareRatio {
		return fmt.Sprintf("nadb/redis %s %.2f", op, s.Limit)
	}
	unit := s.Unit
	if unit == "×" {
		return fmt.Sprintf("nadb %s %.2f×", op, s.Limit)
	}
	return fmt.Sprintf("nadb %s %g %s", op, s.Limit, unit)
}

// Goals is the list of issue #10 in table order. Programs look their rows
// up by ID (GoalByID) so the names and bounds live in one place.
var Goals = []GoalSpec{
	{ID: "01a", Name: "SET -c 50 -P 1 throughput", Unit: "rps", Compare: CompareRatio, Op: ">=", Limit: 1.0, Program: "sidebyside"},
	{ID: "01b", Name: "GET -c 50 -P 1 throughput", Unit: "rps", Compare: CompareRatio, Op: ">=", Limit: 1.0, Program: "sidebyside"},
	{ID: "01c", Name: "SET -c 50 -P 16 throughput", Unit: "rps", Compare: CompareRatio, Op: ">=", Limit: 1.0, Program: "sidebyside"},
	{ID: "01d", Name: "GET -c 50 -P 16 throughput", Unit: "rps", Compare: CompareRatio, Op: ">=", Limit: 1.0, Program: "sidebyside"},
	{ID: "02", Name: "p99 latency, SET -c 50 -P 16", Unit: "ms", Digits: 3, Compare: CompareRatio, Op: "<=", Limit: 1.5, Program: "sidebyside"},
	{ID: "03a", Name: "RSS per key after loading the keys (`redis-cli --pipe`)", Unit: "B/key", Digits: 1, Compare: CompareRatio, Op: "<=", Limit: 1.0, Program: "sidebyside"},
	{ID: "03b", Name: "RSS per key after as many overwrites of random keys", Unit: "B/key", Digits: 1, Compare: CompareRatio, Op: "<=", Limit: 1.0, Program: "sidebyside"},
	{ID: "04", Name: "SET -P 16 throughput, appendonly yes, appendfsync everysec", Unit: "rps", Compare: CompareRatio, Op: ">=", Limit: 1.0, Program: "persistence"},
	{ID: "05", Name: "server CPU seconds per million SETs (-P 16)", Unit: "s", Digits: 3, Compare: CompareRatio, Op: "<=", Limit: 1.0, Program: "sidebyside"},
	{ID: "06a", Name: "replication cost: primary CPU per million SETs, 2 secondaries / none", Unit: "×", Digits: 2, Compare: CompareNadb, Op: "<=", Limit: 1.2, Program: "replication"},
	{ID: "06b", Name: "replication: primary SET throughput, 2 secondaries / none", Unit: "×", Digits: 2, Compare: CompareNone, Program: "replication"},
	{ID: "07", Name: "replication lag p99 at half the maximum load, 1 secondary", Unit: "ms", Digits: 3, Compare: CompareNadb, Op: "<", Limit: 5, Program: "replication"},
	{ID: "08", Name: "full sync of a fresh secondary (start → holds every key)", Unit: "s", Digits: 2, Compare: CompareNadb, Op: "<=", Limit: 2, Program: "replication"},
	{ID: "09", Name: "MSET -P 16 throughput, appendonly yes / appendonly no (each server against itself)", Unit: "×", Digits: 2, Compare: CompareNadb, Op: ">=", Limit: 0.9, Program: "persistence"},
	{ID: "10", Name: "allocations per GET and per SET on the command path", Unit: "allocs", Compare: CompareNone,
		Goal: "0 allocs per GET and per SET", Note: "the command-path Go benchmark, see section 'Connection loop'"},
	{ID: "11", Name: "allkeys-lru GET hit rate, zipfian keys, maxmemory set", Unit: "%", Digits: 2, Compare: CompareRatio, Op: ">=", Limit: 1.0, Program: "lruhit"},
}

// GoalByID returns the spec with id; it panics on an unknown id, which is
// a programming error.
func GoalByID(id string) GoalSpec {
	for _, g := range Goals {
		if g.ID == id {
			return g
		}
	}
	panic("benchkit: unknown goal " + id)
}

// GoalResult is what a program measured for one goal. It is embedded in the
// program's own section as a comment (GoalComment) and read back by
// RenderGoals.
type GoalResult struct {
	ID       string  `json:"id"`
	Nadb     float64 `json:"nadb"`
	Redis    float64 `json:"redis"`
	HasNadb  bool    `json:"has_nadb"`
	HasRedis bool    `json:"has_redis"`
	Skipped  string  `json:"skipped,omitempty"` // why nadb's figure is missing
	Smoke    bool    `json:"smoke,omitempty"`
	Date     string  `json:"date,omitempty"`
	Section  string  `json:"section,omitempty"` // the program's section name
}

// Measured is a result with both figures.
func Measured(id string, nadb, redis float64) GoalResult {
	return GoalResult{ID: id, Nadb: nadb, Redis: redis, HasNadb: true, HasRedis: true}
}

// Ratio is nadb / redis, or NaN when either figure is missing or redis is 0.
func (r GoalResult) Ratio() float64 {
	if !r.HasNadb || !r.HasRedis || r.Redis == 0 {
		return math.NaN()
	}
	return r.Nadb / r.Redis
}

// Status is "met", "not met", "recorded" or "not measured: why".
func (r GoalResult) Status(s GoalSpec) string {
	if s.Compare == CompareNone {
		return "recorded"
	}
	if r.Skipped != "" {
		return "not measured: " + r.Skipped
	}
	v := r.Nadb
	if s.Compare == CompareRatio {
		v = r.Ratio()
	}
	if !r.HasNadb || math.IsNaN(v) {
		return "not measured"
	}
	ok := false
	switch s.Op {
	case ">=":
		ok = v >= s.Limit
	case ">":
		ok = v > s.Limit
	case "<=":
		ok = v <= s.Limit
	case "<":
		ok = v < s.Limit
	}
	if ok {
		return "met"
	}
	return "not met"
}

const goalCommentPrefix = "<!-- goal "

// GoalComment renders r as one line to embed in a program's section.
func GoalComment(r GoalResult) string {
	data, err := json.Marshal(r)
	if err != nil {
		panic(err) // plain struct of numbers and strings
	}
	return goalCommentPrefix + string(data) + " -->"
}

// GoalComments renders every result, one line each, stamped with the
// section, date and smoke flag.
func GoalComments(section, date string, smoke bool, results []GoalResult) string {
	var b strings.Builder
	for _, r := range results {
		r.Section, r.Date, r.Smoke = section, date, smoke
		b.WriteString(GoalComment(r))
		b.WriteByte('\n')
	}
	return b.String()
}

// ParseGoalComments returns every goal result embedded in doc, outside the
// goals section itself. A later line for the same ID replaces an earlier one.
func ParseGoalComments(doc string) (map[string]GoalResult, error) {
	begin, end := Markers(GoalsSection)
	if i := strings.Index(doc, begin); i >= 0 {
		if j := strings.Index(doc[i:], end); j >= 0 {
			doc = doc[:i] + doc[i+j+len(end):]
		}
	}
	out := map[string]GoalResult{}
	for _, line := range strings.Split(doc, "\n") {
		line = strings.TrimSpace(line)
		rest, ok := strings.CutPrefix(line, goalCommentPrefix)
		if !ok {
			continue
		}
		rest, ok = strings.CutSuffix(rest, " -->")
		if !ok {
			return nil, fmt.Errorf("goal comment without end: %q", line)
		}
		var r GoalResult
		if err := json.Unmarshal([]byte(rest), &r); err != nil {
			return nil, fmt.Errorf("goal comment %q: %w", line, err)
		}
		out[r.ID] = r
	}
	return out, nil
}

// RenderGoals renders the Goals section (with its markers) from the results
// found in doc: one row per entry of Goals, measured or not.
func RenderGoals(doc string) (string, error) {
	results, err := ParseGoalComments(doc)
	if err != nil {
		return "", err
	}
	begin, end := Markers(GoalsSection)
	var b strings.Builder
	fmt.Fprintln(&b, begin)
	fmt.Fprintln(&b, "## Goals (issue #10)")
	fmt.Fprintln(&b)
	fmt.Fprintln(&b, "Generated by `go run ./bench/goals` (and by every program in bench/ after it writes its section) from the")
	fmt.Fprintln(&b, "figures each program records in its own section below. Every figure is a median of alternating rounds")
	fmt.Fprintln(&b, "with fresh processes on this machine, nadb-server and redis-server side by side. *ratio* is nadb / redis.")
	fmt.Fprintln(&b)
	fmt.Fprintln(&b, "| # | measure | nadb | redis | ratio | goal | status | from |")
	fmt.Fprintln(&b, "|---|---|---:|---:|---:|---|---|---|")
	var smoke []string
	for _, s := range Goals {
		r, ok := results[s.ID]
		nadb, redis, ratio, status, from := "-", "-", "-", "not measured yet", "-"
		switch {
		case s.Program == "":
			status, from = "see elsewhere", s.Note
		case !ok:
			from = "`go run ./bench/" + s.Program + "`"
		default:
			if r.HasNadb {
				nadb = formatFigure(r.Nadb, s)
			} else if r.Skipped != "" {
				nadb = "skipped"
			}
			if r.HasRedis {
				redis = formatFigure(r.Redis, s)
			}
			if q := r.Ratio(); !math.IsNaN(q) {
				ratio = fmt.Sprintf("%.2f", q)
			}
			status = r.Status(s)
			if status == "met" || status == "not met" {
				status = "**" + status + "**"
			}
			from = r.Section
			if r.Date != "" {
				from += ", " + r.Date
			}
			if r.Smoke {
				status += " (smoke run)"
				smoke = append(smoke, s.ID)
			}
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", s.ID, s.Name, nadb, redis, ratio, s.Target(), status, from)
	}
	fmt.Fprintln(&b)
	if len(smoke) > 0 {
		fmt.Fprintf(&b, "**Smoke run:** rows %s come from a run with tiny sizes (`make bench-quick` or `-smoke`): they check the harness, they are not results.\n\n",
			strings.Join(smoke, ", "))
	}
	fmt.Fprintln(&b, "Units: rps = requests/s; B/key = RSS growth per key; s = seconds; × = a server's figure against its own baseline")
	fmt.Fprintln(&b, "(for 06 and 09 the *nadb* and *redis* columns are each server's own ratio, and the goal bounds nadb's); % = GET hit rate.")
	fmt.Fprintln(&b, end)
	return b.String(), nil
}

func formatFigure(v float64, s GoalSpec) string {
	str := fmt.Sprintf("%.*f", s.Digits, v)
	if s.Unit == "×" {
		str += "×"
	}
	return str
}

// RefreshGoals rewrites the goals section of the results file at path
// from the goal comments the file holds. A missing file is not an error.
func RefreshGoals(path string) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	doc := string(data)
	section, err := RenderGoals(doc)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if begin, _ := Markers(GoalsSection); !strings.Contains(doc, begin) {
		// First time: put the table before the first heading or section,
		// not at the end.
		if i := firstSectionLine(doc); i >= 0 {
			doc = doc[:i] + section + "\n" + doc[i:]
			return os.WriteFile(path, []byte(doc), 0o644)
		}
	}
	return WriteSection(path, GoalsSection, section)
}

// firstSectionLine returns the offset of the first line (after the first)
// that starts a "## " heading or a "<!-- " marker, or -1.
func firstSectionLine(doc string) int {
	for off := 0; off < len(doc); {
		line, _, _ := strings.Cut(doc[off:], "\n")
		if off > 0 && (strings.HasPrefix(line, "## ") || strings.HasPrefix(line, "<!-- ")) {
			return off
		}
		off += len(line) + 1
	}
	return -1
}
