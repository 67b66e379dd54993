package benchkit

import (
	"flag"
	"path/filepath"
	"time"
)

// CommonFlags holds the command-line options shared by the benchmark
// programs. Embed it in a program's config and call Register.
type CommonFlags struct {
	Out          string        // -out: markdown file whose section is rewritten
	NadbBin      string        // -nadb-bin: prebuilt nadb-server, "" builds ./cmd/nadb-server
	RedisServer  string        // -redis-server, if FlagHelp.RedisServer is set
	StartTimeout time.Duration // -start-timeout
	RunTimeout   time.Duration // -run-timeout
	KeepTmp      bool          // -keep-tmp
	Smoke        bool          // -smoke: label the section and its goal rows as a smoke run
}

// FlagHelp is the per-program part of the common flags: help texts that
// differ between programs (an empty text selects the default below) and
// whether the program takes -redis-server.
type FlagHelp struct {
	Out          string // default: "markdown file to update (generated section between markers)"
	StartTimeout string // default: "how long to wait for a server to answer PING"
	RunTimeout   string // required: what one run covers differs per program
	KeepTmp      string // default: "keep the temporary directory (server logs, built binary)"
	RedisServer  bool   // register -redis-server
}

// Register defines the common flags on fs, storing into c. The defaults are
// the same for every program: -out bench/RESULTS.md, -start-timeout 30s,
// -run-timeout 10m, -redis-server redis-server.
func (c *CommonFlags) Register(fs *flag.FlagSet, h FlagHelp) {
	fs.StringVar(&c.Out, "out", filepath.Join("bench", "RESULTS.md"), orDefault(h.Out, "markdown file to update (generated section between markers)"))
	fs.StringVar(&c.NadbBin, "nadb-bin", "", "use this nadb-server binary instead of building ./cmd/nadb-server")
	if h.RedisServer {
		fs.StringVar(&c.RedisServer, "redis-server", "redis-server", "redis-server binary (name looked up in PATH, or a path)")
	}
	fs.DurationVar(&c.StartTimeout, "start-timeout", 30*time.Second, orDefault(h.StartTimeout, "how long to wait for a server to answer PING"))
	fs.DurationVar(&c.RunTimeout, "run-timeout", 10*time.Minute, h.RunTimeout)
	fs.BoolVar(&c.KeepTmp, "keep-tmp", false, orDefault(h.KeepTmp, "keep the temporary directory (server logs, built binary)"))
	fs.BoolVar(&c.Smoke, "smoke", false, "label the section and its goal rows as a smoke run (tiny sizes: checks the harness, not results)")
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
