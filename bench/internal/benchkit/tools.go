package benchkit

import (
	"context"
	"fmt"
	"os"
	"os/exec"
)

// Tools are the resolved paths of the programs a side-by-side benchmark
// runs. NadbServer is empty until the caller builds it, unless -nadb-bin
// named one.
type Tools struct {
	RedisServer    string
	RedisBenchmark string
	RedisCLI       string
	NadbServer     string
}

// FindTools resolves redis-server, redis-benchmark, redis-cli and -nadb-bin from the
// common flags, failing with a message that says what to install.
func FindTools(c CommonFlags) (Tools, error) {
	var tl Tools
	var err error
	if tl.RedisServer, err = exec.LookPath(c.RedisServer); err != nil {
		return Tools{}, fmt.Errorf("redis-server not found (%q): %w; install redis-server or pass -redis-server PATH", c.RedisServer, err)
	}
	if tl.RedisBenchmark, err = LookRedisBenchmark(); err != nil {
		return Tools{}, err
	}
	if tl.RedisCLI, err = LookRedisCLI(); err != nil {
		return Tools{}, err
	}
	if c.NadbBin != "" {
		if tl.NadbServer, err = LookBinary(c.NadbBin); err != nil {
			return Tools{}, fmt.Errorf("-nadb-bin %q is not executable: %w", c.NadbBin, err)
		}
	}
	return tl, nil
}

// Publish prints a generated section to stdout, writes it between the
// markers of name in the results file out and regenerates the goals table
// of that file from the goal comments its sections hold.
func Publish(out, name, section string) error {
	fmt.Println(section)
	if err := WriteSection(out, name, section); err != nil {
		return err
	}
	if err := RefreshGoals(out); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %s\n", out)
	return nil
}

// SmokeBanner is the line a program puts under its section's heading when
// -smoke is set, and "" otherwise.
func SmokeBanner(smoke bool) string {
	if !smoke {
		return ""
	}
	return "> **Smoke run** (-smoke): tiny sizes and few rounds, to check the harness; these figures are not results.\n\n"
}

// Prepare is how the side-by-side programs start: find the tools, make
// the temp dir (prefix, removed by cleanup unless -keep-tmp), and build
// nadb-server into it when -nadb-bin did not name one.
func Prepare(ctx context.Context, c CommonFlags, prefix string) (tl Tools, tmp string, cleanup func(), err error) {
	if tl, err = FindTools(c); err != nil {
		return tl, "", nil, err
	}
	if tmp, cleanup, err = TempDir(prefix, c.KeepTmp); err != nil {
		return tl, "", nil, err
	}
	if tl.NadbServer == "" {
		root, rerr := ModuleRoot()
		if rerr == nil {
			tl.NadbServer, rerr = BuildNadb(ctx, root, tmp)
		}
		if rerr != nil {
			cleanup()
			return tl, "", nil, rerr
		}
	}
	return tl, tmp, cleanup, nil
}
