package resp

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// saver is a Persistence whose snapshots are scripted: running says which
// kind of snapshot is in progress ("", "save" or "rewrite"), err is what a
// started snapshot returns, and the node's rules for scheduling apply.
type saver struct {
	standalone
	mu      sync.Mutex
	running string
	err     error
	started []string // the kind of each snapshot started
	queued  []string // the kind of each snapshot scheduled
	last    time.Time
}

// busy is the error of a snapshot method while one of kind is running.
type busy struct{ kind string }

func (b busy) Error() string           { return b.kind + " in progress" }
func (b busy) SaveInProgress() bool    { return b.kind == "save" }
func (b busy) RewriteInProgress() bool { return b.kind == "rewrite" }

func (f *saver) start(kind string) error {
	if f.running != "" {
		return busy{f.running}
	}
	if f.err != nil {
		return f.err
	}
	f.started = append(f.started, kind)
	return nil
}

func (f *saver) Save(bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.start("save")
}

func (f *saver) ScheduleSave() (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.running == "rewrite" {
		f.queued = append(f.queued, "save")
		return true, nil
	}
	return false, f.start("save")
}

func (f *saver) Rewrite() (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.running == "save" {
		f.queued = append(f.queued, "rewrite")
		return true, nil
	}
	return false, f.start("rewrite")
}

func (f *saver) LastSave() time.Time { return f.last }

func (f *saver) set(running string, err error) {
	f.mu.Lock()
	f.running, f.err = running, err
	f.mu.Unlock()
}

// TestPersistCommands checks the replies of SAVE, BGSAVE, BGREWRITEAOF
// and LASTSAVE against Redis's: idle, during a save, during a rewrite and
// on failure.
func TestPersistCommands(t *testing.T) {
	f := &saver{last: time.Unix(1700000000, 0)}
	ts := startServer(t, Options{Persistence: f})
	c := dialRaw(t, ts.addr)

	require.Equal(t, "+OK\r\n", c.do("SAVE"))
	require.Equal(t, "+Background saving started\r\n", c.do("BGSAVE"))
	require.Equal(t, "+Background saving started\r\n", c.do("BGSAVE", "SCHEDULE"))
	require.Equal(t, "+Background append only file rewriting started\r\n", c.do("BGREWRITEAOF"))
	require.Equal(t, ":1700000000\r\n", c.do("LASTSAVE"))
	require.Equal(t, []string{"save", "save", "save", "rewrite"}, f.started)

	f.set("save", nil)
	require.Equal(t, "-ERR Background save already in progress\r\n", c.do("SAVE"))
	require.Equal(t, "-ERR Background save already in progress\r\n", c.do("BGSAVE"))
	require.Equal(t, "-ERR Background save already in progress\r\n", c.do("BGSAVE", "schedule"))
	require.Equal(t, "+Background append only file rewriting scheduled\r\n", c.do("BGREWRITEAOF"))

	f.set("rewrite", nil)
	require.Equal(t, "-ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.\r\n", c.do("BGSAVE"))
	require.Equal(t, "+Background saving scheduled\r\n", c.do("BGSAVE", "SCHEDULE"))
	require.Equal(t, "-ERR Background append only file rewriting already in progress\r\n", c.do("BGREWRITEAOF"))
	require.Equal(t, []string{"rewrite", "save"}, f.queued)

	f.set("", errors.New("disk on fire"))
	require.Equal(t, "-ERR\r\n", c.do("SAVE"))
	require.Equal(t, "-ERR\r\n", c.do("BGSAVE"))
	require.Equal(t, "-ERR\r\n", c.do("BGREWRITEAOF"))
	require.Equal(t, "-ERR Errors trying to SHUTDOWN. Check logs.\r\n", c.do("SHUTDOWN", "SAVE"))
	require.Equal(t, "+PONG\r\n", c.do("PING"), "a failed SHUTDOWN SAVE leaves the server up")

	require.Equal(t, "-ERR syntax error\r\n", c.do("BGSAVE", "NOW"))
	require.Equal(t, "-ERR wrong number of arguments for 'save' command\r\n", c.do("SAVE", "x"))
	require.Equal(t, "-ERR wrong number of arguments for 'lastsave' command\r\n", c.do("LASTSAVE", "x"))
	require.Equal(t, "-ERR wrong number of arguments for 'bgrewriteaof' command\r\n", c.do("BGREWRITEAOF", "x"))
}
