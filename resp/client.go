package resp

import (
	"github.com/nadb-server/nadb-server/engine"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// client is the state of one connection. The connection goroutine owns in,
// conn and the flags below them; fields read by other clients (CLIENT
// LIST, INFO) are atomic or guarded by mu.
type client struct {
	id int64
	// invokes counts the handlers run and errsClaimed the error replies
	// (conn.errs) already counted for a command: INFO commandstats
	// (cmdstats.go). Connection goroutine only.
	invokes     int64
	errsClaimed int
	// tick is when the running command began (Server.clock): the end of
	// the one before it in the pipeline, or the pipeline's start (0: none
	// yet). One clock read per command times them all.
	tick int64
	// pubYielded: a PUBLISH of this pipeline already let the other
	// connections run (publishInOrder); the next pipeline's may again.
	pubYielded bool
	// conn is where handlers write replies: the output buffer, which the
	// connection loop sends once per pipeline. (Named conn because
	// handlers wrote to a redcon.Conn before the loop was ours.)
	conn     *replyWriter
	in       requests   // the read buffer and the parsed command's arguments
	lc       *limitConn // the socket: input guard, authentication, limits
	created  time.Time
	addr     string
	laddr    string
	commands atomic.Int64 // commands processed
	lastSeen atomic.Int64 // Unix nanoseconds of the last command
	db       atomic.Int32 // selected database
	lastCmd  atomic.Pointer[string]
	// resp mirrors the protocol version of conn (2 or 3) for CLIENT LIST
	// and for publishers, which frame a subscriber's messages by it. For
	// a client with an outbox it changes when the replies before the
	// switch enter the outbox (see subscriber.push).
	resp atomic.Int32
	// pendingResp is a switch of protocol not yet visible in resp (0:
	// none); connection goroutine only.
	pendingResp int32

	closeAfterReply bool   // close once the reply is written; connection goroutine only
	closed          bool   // closed: ignore the rest of the pipeline; connection goroutine only
	unsynced        bool   // a write of this pipeline awaits Replication.WriteDone; connection goroutine only
	value           []byte // GET copies the value here under the engine lock, then replies; connection goroutine only
	// prefetchKeys holds the keys prefetchAhead hands the engine,
	// prefetched the offset in the read buffer up to which it looked.
	// Connection goroutine only.
	prefetchKeys [][]byte
	prefetched   int
	// named remembers the last command name looked up, as sent, and what
	// it found (Server.lookupFor): a pipeline of one command looks the
	// table up once. Connection goroutine only.
	named struct {
		name [16]byte
		n    int
		cmd  *command
	}
	// eng is the keyspace the client's commands use: the server's, or
	// inside EXEC the Engine of the transaction's group (see cmd_tx.go).
	// Connection goroutine only.
	eng *engine.Engine
	tx  txState     // MULTI and WATCH; connection goroutine only
	sub *subscriber // pub/sub, from the first subscription on (see pubsub.go)
	// box is sub for other goroutines (a tracking client's redirect
	// target is sent invalidations through it); gone is set once the
	// client is closed.
	box  atomic.Pointer[subscriber]
	gone atomic.Bool
	// Client-side caching (tracking.go). trk is guarded by the server's
	// tracker; trkFlags and trkRedir mirror it for CLIENT LIST. The rest
	// are the connection goroutine's: tracking mirrors trk.on (and
	// trkOptIn, trkOptOut its modes), caching is CLIENT CACHING's flag
	// for the next command, trkBusy mirrors trk.busy.
	// CLIENT REPLY: off drops every reply, skip the reply of the
	// command running, skipNext that of the next one. Connection
	// goroutine only.
	replyOff, replySkip, replySkipNext bool
	trk                                trackState
	trkFlags                           atomic.Uint32
	trkRedir                           atomic.Int64
	tracking, trkOptIn, trkOptOut      bool
	caching, trkBusy                   bool
	// subs, psubs and queued mirror the connection goroutine's state for
	// CLIENT LIST and CLIENT KILL: channels, patterns, and commands queued
	// since MULTI (-1 outside MULTI).
	subs, psubs, ssubs, queued atomic.Int32
	// execGate is set while EXEC runs its queue: the write gate is held
	// for the whole group (gateErr empty), or refused every write with
	// gateErr.
	execGate bool
	gateErr  string
	// inExec is set while EXEC runs its queue, whose writes were checked
	// against min-replicas-to-write as a whole, and while a script runs.
	// inGroup is set while the client holds the engine's group (c.eng is
	// the group's): EXEC's grouped queue, a script.
	inExec, inGroup bool
	// allowOOM is set while a script declared allow-oom runs: its writes
	// pass maxmemory. inScript is set while a script's commands run: the
	// script is not the client, so its subscriber mode does not apply.
	allowOOM, inScript bool
	// pubsAfter holds the PUBLISH and SPUBLISH messages of a running
	// script, forwarded to the secondaries once it ends.
	pubsAfter []pubAfter
	// selfMsgs holds the pub/sub messages the client's own commands sent
	// it while EXEC or a script ran (toSelf). outer is the client's own
	// reply writer while a script's command writes into the script's.
	selfMsgs []byte
	outer    *replyWriter
	// blocked is the wait a blocking command registered, which the loop
	// carries out once its handler returned (block.go); connection
	// goroutine only. isBlocked is set while it waits (CLIENT LIST flag
	// b, CLIENT UNBLOCK), and unblock takes CLIENT UNBLOCK's reason.
	blocked   *blockWait
	isBlocked atomic.Bool
	// pauseHeld is set while a pause holds the client (isBlocked too):
	// CLIENT UNBLOCK leaves such a client alone, as later Redis versions
	// do (7.0 crashes on it).
	pauseHeld atomic.Bool
	// monitoring: the client is in MONITOR mode (see monitor.go).
	monitoring atomic.Bool
	noEvict    atomic.Bool // CLIENT NO-EVICT on: shown as flag e (there is no client eviction)
	closeErr   error       // why a command closed the connection (c.closed), for closeClient
	unblock    chan uint8

	mu      sync.Mutex // guards the fields below
	name    string
	libName string
	libVer  string
}

func newClient(id int64, lc *limitConn, eng *engine.Engine) *client {
	c := &client{id: id, conn: &replyWriter{}, lc: lc, created: time.Now(), eng: eng, unblock: make(chan uint8, 1)}
	if a := lc.RemoteAddr(); a != nil {
		c.addr = a.String()
	}
	if a := lc.LocalAddr(); a != nil {
		c.laddr = a.String()
	}
	c.lastSeen.Store(c.created.UnixNano())
	c.queued.Store(-1)
	c.resp.Store(2)
	return c
}

// setProto switches the replies of c to RESP2 or RESP3 (HELLO, RESET).
// A client with an outbox publishes the switch when its replies so far go
// there (flushToOutbox), so that messages keep to the protocol in force.
func (c *client) setProto(v int) {
	c.conn.resp3 = v == 3
	if c.sub != nil {
		c.pendingResp = int32(v)
		return
	}
	c.resp.Store(int32(v))
}

// resp3 reports whether c speaks RESP3; connection goroutine only.
func (c *client) resp3() bool { return c.conn.resp3 }

// touch records an interaction with the client, for CLIENT LIST's idle:
// the connection loop calls it once per read, as Redis notes the time of
// the last read rather than of each command.
func (c *client) touch() { c.lastSeen.Store(time.Now().UnixNano()) }

// setLastCommand records the command for CLIENT LIST. name is not copied:
// pass a string that is never modified (the table's names are not).
func (c *client) setLastCommand(name *string) { c.lastCmd.Store(name) }

// DB returns the selected database.
func (c *client) DB() int { return int(c.db.Load()) }

func (c *client) setDB(db int) { c.db.Store(int32(db)) }

// info is the client's line in CLIENT LIST and CLIENT INFO, with Redis's
// field names and order.
func (c *client) info(now time.Time) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var b strings.Builder
	field := func(k, v string) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(v)
	}
	idle := now.Sub(time.Unix(0, c.lastSeen.Load()))
	field("id", strconv.FormatInt(c.id, 10))
	field("addr", c.addr)
	field("laddr", c.laddr)
	field("fd", "-1")
	field("name", c.name)
	field("age", strconv.FormatInt(int64(now.Sub(c.created)/time.Second), 10))
	field("idle", strconv.FormatInt(int64(idle/time.Second), 10))
	flags := ""
	if c.monitoring.Load() {
		flags += "O"
	}
	if c.pubsubCount() > 0 {
		flags += "P"
	}
	if c.isBlocked.Load() {
		flags += "b"
	}
	if c.queued.Load() >= 0 {
		flags += "x"
	}
	trk := c.trkFlags.Load()
	if trk&trkOn != 0 {
		flags += "t"
	}
	if trk&trkBroken != 0 {
		flags += "R"
	}
	if trk&trkBcast != 0 {
		flags += "B"
	}
	if c.noEvict.Load() {
		flags += "e"
	}
	if flags == "" {
		flags = "N"
	}
	field("flags", flags)
	field("db", strconv.Itoa(c.DB()))
	field("sub", strconv.Itoa(int(c.subs.Load())))
	field("psub", strconv.Itoa(int(c.psubs.Load())))
	field("ssub", strconv.Itoa(int(c.ssubs.Load())))
	field("multi", strconv.Itoa(int(c.queued.Load())))
	field("qbuf", "0")
	field("qbuf-free", "0")
	field("argv-mem", "0")
	field("multi-mem", "0")
	field("rbs", "0")
	field("rbp", "0")
	field("obl", "0")
	field("oll", "0")
	field("omem", "0")
	field("tot-mem", "0")
	field("events", "r")
	cmd := "NULL"
	if p := c.lastCmd.Load(); p != nil {
		cmd = *p
	}
	field("cmd", cmd)
	field("user", "default")
	redir := int64(-1)
	if trk&trkOn != 0 {
		redir = c.trkRedir.Load()
	}
	field("redir", strconv.FormatInt(redir, 10))
	field("resp", strconv.Itoa(int(c.resp.Load())))
	field("lib-name", c.libName)
	field("lib-ver", c.libVer)
	return b.String()
}

func sortClients(cs []*client) {
	slices.SortFunc(cs, func(a, b *client) int { return int(a.id - b.id) })
}

// clientType is the client's class for CLIENT LIST TYPE and CLIENT KILL
// TYPE: pubsub while it has subscriptions, normal otherwise. (Secondaries
// use the NADB port, so no client here is a master or a replica.)
func (c *client) clientType() string {
	if c.pubsubCount() > 0 {
		return "pubsub"
	}
	return "normal"
}

// pubsubCount is the client's channels, patterns and shard channels: it
// is in pub/sub mode while it has any.
func (c *client) pubsubCount() int32 { return c.subs.Load() + c.psubs.Load() + c.ssubs.Load() }
