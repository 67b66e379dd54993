package resp

import (
	"errors"
	"strconv"
	"time"
)

// Replication is what the front end needs from the replication layer. The
// replication package's node implements it; a nil Options.Replication
// means a primary that has no secondaries.
type Replication interface {
	// ReadOnly reports whether writes are refused (a secondary).
	ReadOnly() bool
	// BeginWrite is called before each write command. It refuses the write
	// with engine.ErrReadOnly on a secondary, or with another error when
	// the append-only file cannot be written (MISCONF). When it returns nil
	// the node cannot change role until EndWrite: the read-only check, the
	// apply and the logging of the write are one critical section.
	BeginWrite() error
	// EndWrite ends a write that BeginWrite admitted.
	EndWrite()
	// WriteDone is called after each write command has been applied, before
	// its reply is sent. It may block: until the write reached the
	// secondaries when broadcast-async is off, until it is fsynced with
	// appendfsync always. An error means the write is not durable: the
	// reply is then never sent.
	WriteDone() error
	// Persistence returns the fields of INFO persistence, in order.
	Persistence() [][2]string
	// Info returns the fields of INFO replication, in order.
	Info() [][2]string
	// SyncStats returns sync_full, sync_partial_ok and sync_partial_err.
	SyncStats() (full, partialOK, partialErr int64)
	// Role returns the reply of ROLE in Redis's shape.
	Role() []any
	// ReplicaOf follows the primary whose RESP endpoint is host:port, or
	// becomes a primary when host is empty. already reports that the node
	// follows that primary already.
	ReplicaOf(host string, port int) (already bool, err error)
	// Wait blocks until n secondaries acknowledged everything written so
	// far, or timeout passes (0: forever), and returns how many did.
	Wait(n int, timeout time.Duration) int
	// Save writes a snapshot (SAVE, or BGSAVE with background), Rewrite
	// starts one for BGREWRITEAOF, ScheduleSave for BGSAVE SCHEDULE. While
	// another snapshot is written they return an error whose methods
	// SaveInProgress() bool and RewriteInProgress() bool say which kind;
	// scheduled reports a snapshot queued behind the running one.
	Save(background bool) error
	ScheduleSave() (scheduled bool, err error)
	Rewrite() (scheduled bool, err error)
	// LastSave returns when the last snapshot was written.
	LastSave() time.Time
}

// ErrReplicationUnavailable is returned by a node that cannot replicate.
var ErrReplicationUnavailable = errors.New("replication is not available")

// standalone is the Replication of a server built without a node.
type standalone struct {
	replID  string
	started time.Time
}

func (standalone) ReadOnly() bool    { return false }
func (standalone) BeginWrite() error { return nil }
func (standalone) EndWrite()         {}
func (standalone) WriteDone() error  { return nil }
func (s standalone) Persistence() [][2]string {
	return [][2]string{
		{"rdb_changes_since_last_save", "0"}, {"rdb_bgsave_in_progress", "0"},
		{"rdb_last_save_time", strconv.FormatInt(s.started.Unix(), 10)}, {"rdb_last_bgsave_status", "ok"},
		{"aof_enabled", "0"}, {"aof_rewrite_in_progress", "0"}, {"aof_rewrite_scheduled", "0"},
		{"aof_last_write_status", "ok"},
	}
}
func (standalone) Save(bool) error             { return ErrReplicationUnavailable }
func (standalone) ScheduleSave() (bool, error) { return false, ErrReplicationUnavailable }
func (standalone) Rewrite() (bool, error)      { return false, ErrReplicationUnavailable }
func (s standalone) LastSave() time.Time       { return s.started }
func (s standalone) Info() [][2]string {
	return [][2]string{
		{"role", "master"}, {"connected_slaves", "0"},
		{"master_failover_state", "no-failover"},
		{"master_replid", s.replID},
		{"master_replid2", "0000000000000000000000000000000000000000"},
		{"master_repl_offset", "0"}, {"second_repl_offset", "-1"},
		{"repl_backlog_active", "0"}, {"repl_backlog_size", "0"},
		{"repl_backlog_first_byte_offset", "0"}, {"repl_backlog_histlen", "0"},
	}
}
func (standalone) SyncStats() (int64, int64, int64)    { return 0, 0, 0 }
func (standalone) Role() []any                         { return []any{"master", int64(0), []any{}} }
func (standalone) ReplicaOf(string, int) (bool, error) { return false, ErrReplicationUnavailable }
func (standalone) Wait(int, time.Duration) int         { return 0 }
