package resp

import (
	"context"
	"errors"
	"time"

	"github.com/nadb-server/nadb-server/replication/node"
)

// Replication is what the front end needs from the replication role: the
// write gate, role changes, WAIT, and the state INFO replication and ROLE
// report. The replication node implements it; a nil Options.Replication
// means a primary that has no secondaries. It returns typed values; the
// front end formats every reply (info_replication.go).
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
	// ReadError is called before each command that reads the keyspace: a
	// *node.DivergedError refuses it (a diverged secondary with
	// replica-serve-diverged-data no); nil lets it run.
	ReadError() error
	// StaleError is called before each command that needs fresh data
	// (every command without the stale flag, writes aside): an error
	// refuses it with MASTERDOWN (a secondary whose link to its primary is
	// down, with replica-serve-stale-data no); nil lets it run. It must be
	// cheap: it runs before almost every command.
	StaleError() error
	// WriteDone is called after the last write command of a pipeline has
	// been applied, before its replies are sent. It may block: until the
	// writes reached the secondaries when broadcast-async is off, until
	// they are fsynced with appendfsync always. It returns ctx's error
	// when ctx ends first (the server stops). An error means the writes
	// are not durable or not replicated as configured: the replies are
	// then never sent.
	WriteDone(ctx context.Context) error
	// Status returns the role and its state (INFO replication, ROLE).
	Status() node.Status
	// SyncStats returns sync_full, sync_partial_ok and sync_partial_err.
	SyncStats() (full, partialOK, partialErr int64)
	// ReplicaOf follows the primary whose RESP endpoint is host:port, or
	// becomes a primary when host is empty. already reports that the node
	// follows that primary already.
	ReplicaOf(host string, port int) (already bool, err error)
	// Wait blocks until n secondaries acknowledged everything written so
	// far, or timeout passes (0: forever), or ctx ends (the server stops),
	// or the node stops, and returns how many did.
	Wait(ctx context.Context, n int, timeout time.Duration) int
	// Publish forwards a PUBLISH (an SPUBLISH with shard) to the
	// secondaries, on a primary.
	Publish(channel, message []byte, shard bool)
	// RemoteCommand sends a command to another node's Redis endpoint,
	// authenticated as a secondary is to its primary's, and returns nil
	// when it answers +OK (FAILOVER).
	RemoteCommand(ctx context.Context, respAddr string, args ...string) error
}

// Persistence is what the front end needs from snapshots and the log on
// disk. The replication node implements it too.
type Persistence interface {
	// Persistence returns the state INFO persistence reports.
	Persistence() node.PersistenceStatus
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

// standalone is the Replication and Persistence of a server built without
// a node: a primary without secondaries or files.
type standalone struct {
	replID  string
	started time.Time
}

func (standalone) ReadOnly() bool                              { return false }
func (standalone) Publish(channel, message []byte, shard bool) {}
func (standalone) BeginWrite() error                           { return nil }
func (standalone) EndWrite()                                   {}
func (standalone) ReadError() error                            { return nil }
func (standalone) StaleError() error                           { return nil }
func (standalone) WriteDone(context.Context) error             { return nil }
func (s standalone) Status() node.Status {
	return node.Status{Primary: &node.PrimaryStatus{ReplID: s.replID}, Listener: node.ListenerDisabled}
}
func (standalone) SyncStats() (int64, int64, int64)    { return 0, 0, 0 }
func (standalone) ReplicaOf(string, int) (bool, error) { return false, ErrReplicationUnavailable }
func (standalone) RemoteCommand(context.Context, string, ...string) error {
	return ErrReplicationUnavailable
}
func (standalone) Wait(context.Context, int, time.Duration) int { return 0 }
func (s standalone) Persistence() node.PersistenceStatus {
	return node.PersistenceStatus{LastSave: s.started, LastSaveOK: true, LastRewriteOK: true, WriteOK: true}
}
func (standalone) Save(bool) error             { return ErrReplicationUnavailable }
func (standalone) ScheduleSave() (bool, error) { return false, ErrReplicationUnavailable }
func (standalone) Rewrite() (bool, error)      { return false, ErrReplicationUnavailable }
func (s standalone) LastSave() time.Time       { return s.started }
