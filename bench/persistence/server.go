package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/nadb-server/nadb-server/bench/internal/benchkit"
)

// Server names used as keys throughout the report.
const (
	nameRedis = "redis"
	nameNadb  = "nadb"
)

// serverNames is the report order.
var serverNames = []string{nameRedis, nameNadb}

// serverOrder alternates which server goes first so slow drift (thermal,
// page cache, background noise) affects both equally.
func serverOrder(round int) []string {
	if round%2 == 0 {
		return []string{nameRedis, nameNadb}
	}
	return []string{nameNadb, nameRedis}
}

// mode is one persistence configuration: appendonly no, or appendonly yes
// with an appendfsync policy.
type mode struct {
	fsync         string // "" for appendonly no
	noAutoRewrite bool   // --auto-aof-rewrite-percentage 0 (both servers)
}

func (m mode) aof() bool { return m.fsync != "" }

// label names the mode in tables and progress lines.
func (m mode) label() string {
	if !m.aof() {
		return "appendonly no"
	}
	return "appendfsync " + m.fsync
}

// modes are the throughput configurations; the first is the baseline. They
// keep both servers' automatic rewrite settings at their defaults.
var modes = []mode{{fsync: ""}, {fsync: "no"}, {fsync: "everysec"}, {fsync: "always"}}

// restartMode is the configuration of the restart and disk measurements:
// automatic rewrites are off, so that the files after the load are the
// plain log and the only rewrite is the harness's BGREWRITEAOF.
var restartMode = mode{fsync: "everysec", noAutoRewrite: true}

// serverArgs returns the command line of the named server on port (and
// replPort for nadb-server's replication listener) with data in dataDir.
// Both servers get --appendonly explicitly: nadb-server's default is yes.
func serverArgs(name, bin string, port, replPort int, dataDir string, m mode) []string {
	var args []string
	if name == nameRedis {
		args = []string{bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--save", "", "--dir", dataDir}
	} else {
		args = []string{bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--repl-listen-port", strconv.Itoa(replPort), "--dir", dataDir}
	}
	if !m.aof() {
		return append(args, "--appendonly", "no")
	}
	args = append(args, "--appendonly", "yes", "--appendfsync", m.fsync)
	if m.noAutoRewrite {
		args = append(args, "--auto-aof-rewrite-percentage", "0")
	}
	return args
}

// harness holds what every measurement needs.
type harness struct {
	cfg       config
	tl        benchkit.Tools
	tmp       string
	commands  *benchkit.CommandLog
	anomalies []string
}

// anomaly records something unexpected for the report and prints it now.
func (h *harness) anomaly(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	h.anomalies = append(h.anomalies, msg)
	fmt.Fprintf(os.Stderr, "ANOMALY: %s\n", msg)
}

func (h *harness) bin(name string) string {
	if name == nameNadb {
		return h.tl.NadbServer
	}
	return h.tl.RedisServer
}

// instance is one server configuration with its data directory, which
// survives restarts; every launch gets its own log directory.
type instance struct {
	name     string
	mode     mode
	dir      string // holds data/ and logN/
	dataDir  string
	launches int
}

// newInstance creates dir/data for a fresh server.
func newInstance(h *harness, label, name string, m mode) (*instance, error) {
	dir, err := os.MkdirTemp(h.tmp, label+"-"+name+"-")
	if err != nil {
		return nil, fmt.Errorf("create directory for %s: %w", name, err)
	}
	in := &instance{name: name, mode: m, dir: dir, dataDir: filepath.Join(dir, "data")}
	if err := os.Mkdir(in.dataDir, 0o755); err != nil {
		return nil, fmt.Errorf("create data dir for %s: %w", name, err)
	}
	return in, nil
}

// launch starts the server on free ports with the instance's data dir; it
// does not wait for readiness. phase labels the command log.
func (h *harness) launch(in *instance, phase string) (*benchkit.Process, error) {
	ports, err := benchkit.FreePorts(2)
	if err != nil {
		return nil, err
	}
	in.launches++
	logDir := filepath.Join(in.dir, "log"+strconv.Itoa(in.launches))
	if err := os.Mkdir(logDir, 0o755); err != nil {
		return nil, fmt.Errorf("create log dir for %s: %w", in.name, err)
	}
	args := serverArgs(in.name, h.bin(in.name), ports[0], ports[1], in.dataDir, in.mode)
	p, err := benchkit.Start(in.name, ports[0], logDir, args)
	if err != nil {
		return nil, err
	}
	h.commands.Add(fmt.Sprintf("%s server (%s)", in.name, phase), benchkit.ShellJoin(args))
	return p, nil
}

// startReady launches the server and waits for PING.
func (h *harness) startReady(ctx context.Context, in *instance, phase string) (*benchkit.Process, error) {
	p, err := h.launch(in, phase)
	if err != nil {
		return nil, err
	}
	if err := p.WaitPing(ctx, h.cfg.StartTimeout); err != nil {
		p.Stop()
		return nil, err
	}
	return p, nil
}

// remove deletes the instance's files unless -keep-tmp is set.
func (h *harness) remove(in *instance) {
	if !h.cfg.KeepTmp {
		_ = os.RemoveAll(in.dir)
	}
}

// shutdown stops p cleanly: SHUTDOWN (which both servers answer by closing
// the connection once the append-only file is flushed), then SIGTERM if the
// process is still there after timeout. It returns how the process stopped.
// A process that only dies to SIGKILL is an error.
func shutdown(p *benchkit.Process, timeout time.Duration) (string, error) {
	if c, err := benchkit.Dial(p.Addr(), 2*time.Second); err == nil {
		_ = c.SetDeadline(time.Now().Add(timeout))
		rep, err := c.Do("SHUTDOWN")
		c.Close()
		if err != nil && rep.Kind == '-' {
			return "", fmt.Errorf("%s refused SHUTDOWN: %s", p.Name, rep.Str)
		}
	}
	err := p.WaitExit(timeout)
	if err == nil {
		return "SHUTDOWN", nil
	}
	if !errors.Is(err, benchkit.ErrStillRunning) {
		return "", fmt.Errorf("%s exited with %v after SHUTDOWN%s", p.Name, err, p.LogTail())
	}
	if err := p.Signal(syscall.SIGTERM); err != nil {
		return "", fmt.Errorf("SIGTERM %s: %w", p.Name, err)
	}
	if err := p.WaitExit(timeout); err != nil {
		p.Stop()
		return "", fmt.Errorf("%s did not stop cleanly after SHUTDOWN and SIGTERM (%v); killed%s", p.Name, err, p.LogTail())
	}
	return "SIGTERM", nil
}

// fileSize is one file of a data directory, relative to it.
type fileSize struct {
	path  string
	bytes int64
}

// dirFiles lists the regular files under dir, sorted by path.
func dirFiles(dir string) ([]fileSize, error) {
	var files []fileSize
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		files = append(files, fileSize{path: rel, bytes: info.Size()})
		return nil
	})
	slices.SortFunc(files, func(a, b fileSize) int { return strings.Compare(a.path, b.path) })
	return files, err
}

// fileKind is what a file of a data directory is to the server.
type fileKind int

const (
	kindOther fileKind = iota // not persistence data (logs, temporary files)
	kindLog                   // command log: replayed at start
	kindSnap                  // snapshot / base: the dataset at one point
)

var (
	// nadb-server: log segments nadb-<20 digits>.aof and snapshots
	// nadb-<20 digits>.snap (their .tmp files while being written are
	// other files).
	nadbSegmentRE  = regexp.MustCompile(`^nadb-[0-9]{20}\.aof$`)
	nadbSnapshotRE = regexp.MustCompile(`^nadb-[0-9]{20}\.snap$`)
)

// classify tells what a file of the named server's data directory (rel is
// relative to it) holds. nadb-server: segments are log, snapshots are
// snapshots. Redis 7: appendonlydir/*.base.rdb (or .base.aof) is the
// snapshot, the incr files and the manifest are log (temp-* files of a
// rewrite in flight are other); dump.rdb is a snapshot, appendonly.aof
// (Redis < 7) is log.
func classify(name, rel string) fileKind {
	if name == nameNadb {
		switch {
		case nadbSegmentRE.MatchString(rel):
			return kindLog
		case nadbSnapshotRE.MatchString(rel):
			return kindSnap
		}
		return kindOther
	}
	if dir, file, ok := strings.Cut(filepath.ToSlash(rel), "/"); ok {
		if dir != "appendonlydir" || strings.Contains(file, "/") || strings.HasPrefix(file, "temp-") {
			return kindOther // temp-*: a rewrite's files in flight
		}
		if strings.Contains(file, ".base.") {
			return kindSnap
		}
		return kindLog
	}
	switch {
	case rel == "dump.rdb":
		return kindSnap
	case rel == "appendonly.aof":
		return kindLog
	}
	return kindOther
}

// diskUsage splits a data directory's files into log, snapshot and other.
type diskUsage struct {
	log, snap, other []fileSize
}

func sumBytes(files []fileSize) int64 {
	var n int64
	for _, f := range files {
		n += f.bytes
	}
	return n
}

func (d diskUsage) logBytes() int64  { return sumBytes(d.log) }
func (d diskUsage) snapBytes() int64 { return sumBytes(d.snap) }

// totalBytes is what the server keeps on disk to restore its data: log
// plus snapshot files.
func (d diskUsage) totalBytes() int64 { return d.logBytes() + d.snapBytes() }

// files lists the log and snapshot files, sorted by path.
func (d diskUsage) files() []fileSize {
	all := append(slices.Clone(d.snap), d.log...)
	slices.SortFunc(all, func(a, b fileSize) int { return strings.Compare(a.path, b.path) })
	return all
}

func measureDisk(name, dataDir string) (diskUsage, error) {
	files, err := dirFiles(dataDir)
	if err != nil {
		return diskUsage{}, fmt.Errorf("list %s: %w", dataDir, err)
	}
	var d diskUsage
	for _, f := range files {
		switch classify(name, f.path) {
		case kindLog:
			d.log = append(d.log, f)
		case kindSnap:
			d.snap = append(d.snap, f)
		default:
			d.other = append(d.other, f)
		}
	}
	return d, nil
}

// info returns the parsed INFO section, or nil when the server fails it.
func info(p *benchkit.Process, section string) map[string]string {
	s, err := benchkit.Command(p.Addr(), 10*time.Second, "INFO", section)
	if err != nil {
		return nil
	}
	return benchkit.ParseInfo(s)
}

// filesystemOf names the file system holding dir (fsync cost depends on it).
func filesystemOf(dir string) string {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return "unknown file system"
	}
	names := map[int64]string{
		0xEF53: "ext2/3/4", 0x01021994: "tmpfs", 0x794c7630: "overlayfs", 0x58465342: "xfs",
		0x9123683E: "btrfs", 0x2FC12FC1: "zfs", 0x6969: "nfs", 0x65735546: "fuse",
	}
	if n, ok := names[int64(st.Type)]; ok {
		return n
	}
	return fmt.Sprintf("file system type 0x%x", st.Type)
}
