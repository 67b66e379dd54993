package benchkit

import (
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
	NadbServer     string
}

// FindTools resolves redis-server, redis-benchmark and -nadb-bin from the
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
	if c.NadbBin != "" {
		if tl.NadbServer, err = LookBinary(c.NadbBin); err != nil {
			return Tools{}, fmt.Errorf("-nadb-bin %q is not executable: %w", c.NadbBin, err)
		}
	}
	return tl, nil
}

// Publish prints a generated section to stdout and writes it between the
// markers of name in the results file out.
func Publish(out, name, section string) error {
	fmt.Println(section)
	if err := WriteSection(out, name, section); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %s\n", out)
	return nil
}
