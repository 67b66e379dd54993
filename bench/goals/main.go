// Command goals regenerates the "Goals (issue #10)" table of
// bench/RESULTS.md, between <!-- goals:begin --> and <!-- goals:end -->,
// from the goal figures the other programs in bench/ embed in their own
// sections (one "<!-- goal {...} -->" comment per measured goal). Every
// program does this itself after writing its section; this command is for
// a results file edited or merged by hand, and is what `make bench` runs
// last.
//
//	go run ./bench/goals [-out bench/RESULTS.md]
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/nadb-server/nadb-server/bench/internal/benchkit"
)

func main() {
	out := flag.String("out", filepath.Join("bench", "RESULTS.md"), "results file whose goals table is regenerated")
	flag.Parse()
	if flag.NArg() != 0 {
		fmt.Fprintf(os.Stderr, "goals: unexpected arguments %v\n", flag.Args())
		os.Exit(2)
	}
	if _, err := os.Stat(*out); err != nil {
		fmt.Fprintf(os.Stderr, "goals: %v\n", err)
		os.Exit(1)
	}
	if err := benchkit.RefreshGoals(*out); err != nil {
		fmt.Fprintf(os.Stderr, "goals: %v\n", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "goals: rewrote the goals table of %s\n", *out)
}
