package resp

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// saver is a Replication whose snapshots are scripted: Save returns err,
// and busy makes it report a snapshot in progress.
type saver struct {
	standalone
	mu     sync.Mutex
	busy   bool
	err    error
	saves  []bool // the background argument of each Save
	last   time.Time
	queued int
}

type busyErr struct{}

func (busyErr) Error() string        { return "busy" }
func (busyErr) SaveInProgress() bool { return true }

func (f *saver) Save(background bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.busy {
		return busyErr{}
	}
	if f.err != nil {
		return f.err
	}
	f.saves = append(f.saves, background)
	return nil
}

func (f *saver) ScheduleSave() (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.busy {
		f.queued++
		return true, nil
	}
	if f.err != nil {
		return false, f.err
	}
	f.saves = append(f.saves, true)
	return false, nil
}

func (f *saver) LastSave() time.Time { return f.last }

func (f *saver) set(busy bool, err error) {
	f.mu.Lock()
	f.busy, f.err = busy, err
	f.mu.Unlock()
}

// TestPersistCommands checks the replies of SAVE, BGSAVE, BGREWRITEAOF
// and LASTSAVE against Redis's, idle, during a snapshot and on failure.
func TestPersistCommands(t *testing.T) {
	f := &saver{last: time.Unix(1700000000, 0)}
	ts := startServer(t, Options{Replication: f})
	c := dialRaw(t, ts.addr)

	require.Equal(t, "+OK\r\n", c.do("SAVE"))
	require.Equal(t, "+Background saving started\r\n", c.do("BGSAVE"))
	require.Equal(t, "+Background saving started\r\n", c.do("BGSAVE", "SCHEDULE"))
	require.Equal(t, "+Background append only file rewriting started\r\n", c.do("BGREWRITEAOF"))
	require.Equal(t, ":1700000000\r\n", c.do("LASTSAVE"))
	require.Equal(t, []bool{false, true, true, true}, f.saves)

	f.set(true, nil)
	require.Equal(t, "-ERR Background save already in progress\r\n", c.do("SAVE"))
	require.Equal(t, "-ERR Background save already in progress\r\n", c.do("BGSAVE"))
	require.Equal(t, "+Background saving scheduled\r\n", c.do("BGSAVE", "schedule"))
	require.Equal(t, "+Background append only file rewriting scheduled\r\n", c.do("BGREWRITEAOF"))
	require.Equal(t, 2, f.queued)

	f.set(false, errors.New("disk on fire"))
	require.Equal(t, "-ERR\r\n", c.do("SAVE"))
	require.Equal(t, "-ERR\r\n", c.do("BGSAVE"))
	require.Equal(t, "-ERR Errors trying to SHUTDOWN. Check logs.\r\n", c.do("SHUTDOWN", "SAVE"))
	require.Equal(t, "+PONG\r\n", c.do("PING"), "a failed SHUTDOWN SAVE leaves the server up")

	require.Equal(t, "-ERR syntax error\r\n", c.do("BGSAVE", "NOW"))
	require.Equal(t, "-ERR wrong number of arguments for 'save' command\r\n", c.do("SAVE", "x"))
	require.Equal(t, "-ERR wrong number of arguments for 'lastsave' command\r\n", c.do("LASTSAVE", "x"))
	require.Equal(t, "-ERR wrong number of arguments for 'bgrewriteaof' command\r\n", c.do("BGREWRITEAOF", "x"))
}
