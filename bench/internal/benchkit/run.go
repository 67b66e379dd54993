package benchkit

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
)

// Main runs run under a context that ends on SIGINT or SIGTERM and exits the
// program: with 130 and a note when interrupted (the deferred cleanups of
// run have stopped the servers by then), with 1 when run fails, otherwise
// normally. prog prefixes the messages.
func Main(prog string, run func(ctx context.Context) error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx)
	interrupted := ctx.Err() != nil
	stop()
	if interrupted {
		fmt.Fprintf(os.Stderr, "%s: interrupted; servers stopped, results not written\n", prog)
		os.Exit(130)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", prog, err)
		os.Exit(1)
	}
}

// ParseFlags parses args with fs and rejects positional arguments.
func ParseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	return nil
}

// LookRedisBenchmark finds redis-benchmark in PATH.
func LookRedisBenchmark() (string, error) {
	bin, err := exec.LookPath("redis-benchmark")
	if err != nil {
		return "", fmt.Errorf("redis-benchmark not found in PATH: %w; install redis-tools", err)
	}
	return bin, nil
}

// TempDir creates a fresh temporary directory whose name starts with
// prefix. Calling cleanup removes it, unless keep is set, in which case the
// path is printed to stderr and cleanup does nothing.
func TempDir(prefix string, keep bool) (dir string, cleanup func(), err error) {
	dir, err = os.MkdirTemp("", prefix)
	if err != nil {
		return "", nil, fmt.Errorf("create temp dir: %w", err)
	}
	if keep {
		fmt.Fprintf(os.Stderr, "temporary files kept in %s\n", dir)
		return dir, func() {}, nil
	}
	return dir, func() { os.RemoveAll(dir) }, nil
}

// modulePath is the module whose ./cmd/nadb-server BuildNadb compiles.
const modulePath = "github.com/nadb-server/nadb-server"

// ModuleRoot walks up from the working directory to the directory holding
// the go.mod of the nadb-server module.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("get working directory: %w", err)
	}
	for {
		if data, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil {
			if !strings.Contains(string(data), "module "+modulePath) {
				return "", fmt.Errorf("%s is not the nadb-server module; run from its root or pass -nadb-bin", dir)
			}
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the working directory; run from the module root or pass -nadb-bin")
		}
		dir = parent
	}
}

// BuildNadb compiles ./cmd/nadb-server of the module at root into
// dir/nadb-server and returns the binary's path.
func BuildNadb(ctx context.Context, root, dir string) (string, error) {
	bin := filepath.Join(dir, "nadb-server")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/nadb-server")
	cmd.Dir = root
	fmt.Fprintf(os.Stderr, "building nadb-server: %s (in %s)\n", ShellJoin(cmd.Args), root)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build nadb-server: %w\n%s", err, out)
	}
	return bin, nil
}

// LookBinary resolves an executable like exec.LookPath, except that a path
// containing a separator is made absolute first, so PATH is not searched for
// it and the result survives a change of working directory.
func LookBinary(p string) (string, error) {
	if filepath.Base(p) != p {
		if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
	}
	return exec.LookPath(p)
}
