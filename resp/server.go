package resp

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nadb-server/nadb-server/engine"
	"github.com/nadb-server/nadb-server/replication/node"
	"github.com/nadb-server/nadb-server/resp/script"
)

// ErrServerClosed is returned by Serve after Close.
var ErrServerClosed = errors.New("resp: server closed")

// Config is the part of the server configuration that CONFIG GET and
// CONFIG SET reach. The cmd package owns the option table.
type Config interface {
	// Get returns name/value pairs of the options matching the glob
	// pattern (case-insensitive), sorted by name.
	Get(pattern string) [][2]string
	// Set changes options at run time, all of them or none, as Redis's
	// CONFIG SET does: every name must be known (else ErrUnknownOption),
	// changeable (ErrImmutableOption) and named once (ErrDuplicateOption;
	// as in Redis 7.0, an alias and its option's name are two names), and
	// then every value valid (ErrBadOptionValue, wrapped with why). A
	// refusal returns the name it is about: as given for the first three,
	// in lower case for a value.
	Set(pairs [][2]string) (name string, err error)
}

// ConfigRewriter is a Config that CONFIG REWRITE can write back to the
// config file the server started with. Rewrite returns ErrNoConfigFile
// without one.
type ConfigRewriter interface {
	Rewrite() error
}

// Errors of Config.Set. resp turns them into Redis's CONFIG SET replies.
var (
	// ErrUnknownOption: the option does not exist.
	ErrUnknownOption = errors.New("unknown option")
	// ErrImmutableOption: the option is read only at start.
	ErrImmutableOption = errors.New("immutable option")
	// ErrProtectedOption: the option is one of Redis's protected configs
	// (dir, dbfilename), which CONFIG SET may not change.
	ErrProtectedOption = errors.New("protected option")
	// ErrDuplicateOption: one CONFIG SET names the option twice.
	ErrDuplicateOption = errors.New("duplicate parameter")
	// ErrBadOptionValue: the value is refused; wrap it with why.
	ErrBadOptionValue = errors.New("bad option value")
)

// Options configures a Server.
type Options struct {
	Engine      *engine.Engine
	Config      Config      // nil: CONFIG GET returns nothing
	Replication Replication // nil: a primary without secondaries
	Persistence Persistence // nil: no snapshots (SAVE and BGSAVE fail)
	Logger      *slog.Logger

	RunID           string // INFO run_id; random when empty
	Port            int    // reported by INFO (tcp_port)
	ConfigFile      string // reported by INFO (config_file)
	ProtoMaxBulkLen int64  // 512 MiB when zero
	QueryBufLimit   int64  // 1 GiB when zero
	MaxClients      int    // 10000 when zero

	// RequirePass is the default user's password; empty: none.
	RequirePass string
	// ProtectedMode refuses clients from other hosts while no password is
	// set.
	ProtectedMode bool
	// DebugCommand and ModuleCommand are enable-debug-command and
	// enable-module-command: who may run DEBUG and MODULE LOAD, LOADEX and
	// UNLOAD. The zero value refuses everyone, as Redis's default (no).
	DebugCommand, ModuleCommand Allowance
	// Timeout closes clients idle for longer; zero: never.
	Timeout time.Duration
	// OutputLimit is client-output-buffer-limit for normal clients.
	OutputLimit OutputLimit
	// PubSubOutputLimit is client-output-buffer-limit for pub/sub
	// clients; nil: Redis's default, pubsub 32mb 8mb 60.
	PubSubOutputLimit *OutputLimit
	// MinReplicas is min-replicas-to-write and min-replicas-max-lag.
	MinReplicas MinReplicas

	// Loading starts the server in the loading state: commands without the
	// loading flag get -LOADING until SetLoaded.
	Loading bool

	// Shutdown is called once when a client sends SHUTDOWN. The caller is
	// expected to Close the server soon after.
	Shutdown func()
}

// Server serves the Redis protocol for one engine.
type Server struct {
	stats    *cmdStats  // INFO commandstats and errorstats
	slow     slowLog    // SLOWLOG
	mon      monitors   // the clients in MONITOR mode
	pause    pauseState // CLIENT PAUSE, and a FAILOVER's hold on writes
	fo       failover   // FAILOVER (failover.go)
	epoch    time.Time  // what clock counts from
	eng      *engine.Engine
	cfg      Config
	repl     atomic.Pointer[replBox] // swapped once loading is done
	loading  atomic.Bool             // -LOADING for commands without the loading flag
	loadPerc atomic.Int64            // loading_loaded_perc, in hundredths of a percent
	log      *slog.Logger
	shutdown func()
	commands map[string]*command
	hub      hub            // pub/sub channels and patterns
	track    *tracker       // CLIENT TRACKING (tracking.go)
	notify   keyspaceEvents // notify-keyspace-events (notify.go)
	latency  latencyMonitor // LATENCY's monitor (latency.go)
	scripts  scripting      // EVAL's script cache and interpreters (cmd_scripting.go)
	funcs    functionLibs   // the function libraries, loaded (functions.go)
	limits   limits
	minRepl  minReplicas // min-replicas-to-write
	runID    string
	started  time.Time
	opts     Options

	maxClients atomic.Int64 // maxclients, changed by SetMaxClients
	open       atomic.Int64 // connections accepted and not closed
	protected  atomic.Bool  // protected-mode
	// debugCommand and moduleCommand are fixed at start, as Redis's.
	debugCommand, moduleCommand Allowance
	nextID                      atomic.Int64
	bytesRead                   atomic.Int64
	bytesWritten                atomic.Int64 // total_net_output_bytes
	rates                       rates        // instantaneous_* (SampleRates)
	connections                 atomic.Int64 // total_connections_received
	rejected                    atomic.Int64 // rejected_connections
	closedCmds                  atomic.Int64 // commands of clients that have gone
	// blockedClients counts the clients waiting in a blocking command
	// (INFO blocked_clients).
	blockedClients atomic.Int64
	shutdownOnce   sync.Once

	// ctx is the server's base context, cancelled by Stop. Every command
	// that blocks (WAIT, DEBUG SLEEP, a write waiting in WriteDone, and
	// any blocking command added later) selects on ctx.Done() or passes
	// ctx down, and returns when the server stops.
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex // guards clients, refused, lns, closed, serving, drained
	clients map[int64]*client
	refused map[net.Conn]struct{} // connections being answered a refusal (see refuse)
	lns     []net.Listener
	closed  bool
	serving int // Serve loops running
	failing int // FAILOVER goroutines running (failover.go)
	// drained is closed once the server is closed and neither a Serve
	// loop nor a connection is left (closeDrainedLocked).
	drained chan struct{}
}

// New returns a server; call Serve to start it.
func New(o Options) *Server {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.ProtoMaxBulkLen <= 0 {
		o.ProtoMaxBulkLen = 512 << 20
	}
	if o.QueryBufLimit <= 0 {
		o.QueryBufLimit = 1 << 30
	}
	if o.MaxClients <= 0 {
		o.MaxClients = 10000
	}
	s := &Server{
		eng:      o.Engine,
		cfg:      o.Config,
		log:      o.Logger,
		shutdown: o.Shutdown,
		runID:    randomHex(20),
		started:  time.Now(),
		opts:     o,
		clients:  make(map[int64]*client),
		refused:  make(map[net.Conn]struct{}),
		drained:  make(chan struct{}),
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	if o.RunID != "" {
		s.runID = o.RunID
	}
	alone := standalone{replID: randomHex(20), started: time.Now()}
	box := &replBox{r: o.Replication, p: o.Persistence}
	if box.r == nil {
		box.r = alone
	}
	if box.p == nil {
		box.p = alone
	}
	s.repl.Store(box)
	s.track = newTracker(s.eng)
	s.notify.hub, s.notify.eng = &s.hub, s.eng
	s.loading.Store(o.Loading)
	s.SetSlowLog(DefaultSlowLogSlowerThan, DefaultSlowLogMaxLen)
	s.SetBusyThreshold(DefaultBusyThreshold)
	s.maxClients.Store(int64(o.MaxClients))
	s.limits.maxBulk.Store(o.ProtoMaxBulkLen)
	s.limits.maxQuery.Store(o.QueryBufLimit)
	s.limits.timeout.Store(int64(o.Timeout))
	s.limits.out.store(o.OutputLimit)
	s.limits.pubsub.store(defaultPubSubOutputLimit())
	if o.PubSubOutputLimit != nil {
		s.limits.pubsub.store(*o.PubSubOutputLimit)
	}
	s.minRepl.store(o.MinReplicas)
	s.SetRequirePass(o.RequirePass)
	s.protected.Store(o.ProtectedMode)
	s.debugCommand, s.moduleCommand = o.DebugCommand, o.ModuleCommand
	s.commands = newCommandTable()
	s.stats = newCmdStats()
	s.epoch = time.Now()
	for _, cmd := range s.commands {
		cmd.stat = s.stats.stat(cmd.name)
		for _, sc := range cmd.subs {
			sc.stat = s.stats.stat(sc.name)
		}
	}
	return s
}

// SetLimits changes proto-max-bulk-len and client-query-buffer-limit for
// input read from now on. A value <= 0 leaves that limit unchanged.
func (s *Server) SetLimits(maxBulk, maxQuery int64) {
	if maxBulk > 0 {
		s.limits.maxBulk.Store(maxBulk)
	}
	if maxQuery > 0 {
		s.limits.maxQuery.Store(maxQuery)
	}
}

// replBox holds the Replication and Persistence so they can be swapped
// atomically.
type replBox struct {
	r Replication
	p Persistence
}

func (s *Server) replication() Replication { return s.repl.Load().r }
func (s *Server) persistence() Persistence { return s.repl.Load().p }

// SetLoadProgress reports how far loading is, from 0 to 1, for INFO.
func (s *Server) SetLoadProgress(f float64) { s.loadPerc.Store(int64(f * 10000)) }

// SetLoaded ends the loading state: from now on commands run against r
// and p (each when not nil).
func (s *Server) SetLoaded(r Replication, p Persistence) {
	old := s.repl.Load()
	box := &replBox{r: old.r, p: old.p}
	if r != nil {
		box.r = r
	}
	if p != nil {
		box.p = p
	}
	s.repl.Store(box)
	s.loading.Store(false)
}

// SetTimeout changes timeout: clients idle for longer than d are closed
// (zero: never), including those already waiting for their next command.
func (s *Server) SetTimeout(d time.Duration) {
	s.limits.timeout.Store(int64(max(d, 0)))
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.clients {
		c.lc.rearm()
	}
}

// SetOutputLimit changes client-output-buffer-limit for normal clients.
func (s *Server) SetOutputLimit(l OutputLimit) { s.limits.out.store(l) }

// SetPubSubOutputLimit changes client-output-buffer-limit for pub/sub
// clients, for the messages queued from now on.
func (s *Server) SetPubSubOutputLimit(l OutputLimit) { s.limits.pubsub.store(l) }

// SetMaxClients changes maxclients for connections accepted from now on.
func (s *Server) SetMaxClients(n int) {
	if n > 0 {
		s.maxClients.Store(int64(n))
	}
}

// RunID returns the 40-hex-digit identity of this server process.
func (s *Server) RunID() string { return s.runID }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// guardedListener admits each accepted connection (maxclients, protected
// mode) before anything is allocated for it, and wraps it in a limitConn.
type guardedListener struct {
	net.Listener
	s *Server
}

func (l guardedListener) Accept() (net.Conn, error) {
	for {
		nc, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if refusal := l.s.admit(nc.RemoteAddr()); refusal != "" {
			l.s.refuse(nc, refusal)
			continue
		}
		lc := newLimitConn(nc, &l.s.limits, &l.s.bytesRead, &l.s.open)
		lc.wrote = &l.s.bytesWritten
		return lc, nil
	}
}

// refuseWait bounds how long a refused connection is given to take its
// answer (and, over TLS, to complete the handshake the answer needs), and
// maxRefusing how many may wait at once: beyond it a refused connection is
// closed without an answer, so that a flood over maxclients cannot hold
// more than that many descriptors.
const (
	refuseWait  = time.Second
	maxRefusing = 128
)

// refuse answers nc, which admit turned away, with refusal and closes it,
// in a goroutine of its own: over TLS the answer waits for the peer's
// handshake, and a peer that never sends one must not hold up the accept
// loop, and every client behind it, for the handshake timeout. refuseWait
// bounds the goroutine, and Stop closes the connection at once.
func (s *Server) refuse(nc net.Conn, refusal string) {
	s.mu.Lock()
	if s.closed || len(s.refused) >= maxRefusing {
		s.mu.Unlock()
		_ = nc.Close()
		return
	}
	s.refused[nc] = struct{}{}
	s.mu.Unlock()
	go func() {
		_ = nc.SetDeadline(time.Now().Add(refuseWait))
		_, _ = nc.Write([]byte("-" + refusal + "\r\n"))
		_ = nc.Close()
		s.mu.Lock()
		delete(s.refused, nc)
		s.closeDrainedLocked()
		s.mu.Unlock()
	}()
}

// admit takes a slot among maxclients for a new connection from remote and
// returns "" or, when it is refused, the error to answer before closing.
// limitConn.Close gives the slot back.
func (s *Server) admit(remote net.Addr) string {
	s.connections.Add(1)
	if s.open.Add(1) > s.maxClients.Load() {
		s.open.Add(-1)
		s.rejected.Add(1)
		return errMaxClients
	}
	if protectedDenied(s.protected.Load(), s.limits.pass.Load() != nil, remote) {
		s.open.Add(-1)
		return errDenied
	}
	return ""
}

// Serve accepts clients on ln until Stop (or Shutdown, or Close). It may
// be called for several listeners at once. It always returns a non-nil
// error: ErrServerClosed once the server is stopped.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrServerClosed
	}
	s.lns = append(s.lns, ln)
	s.serving++
	s.mu.Unlock()
	err := s.acceptLoop(guardedListener{Listener: ln, s: s})
	s.mu.Lock()
	defer s.mu.Unlock()
	s.serving--
	s.closeDrainedLocked()
	if s.closed || err == nil {
		return ErrServerClosed
	}
	return err
}

// Stop stops accepting, cancels the server's context (which wakes every
// blocking command) and closes every client's connection, as Redis closes
// its clients when it shuts down: a blocked client sees its connection
// close, never a reply. A connection in the middle of a pipeline runs no
// further command of it. Stop returns at once; Shutdown waits for the
// connections to finish. A caller that owns other parts a command may wait
// on (the replication node) stops them between Stop and Shutdown. Calling
// Stop again does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.closed = true
	for _, ln := range s.lns {
		_ = ln.Close()
	}
	// The connections close before the blocked commands wake, so that no
	// reply of theirs can get out.
	for _, c := range s.clients {
		_ = c.lc.Close()
	}
	for nc := range s.refused {
		_ = nc.Close()
	}
	s.cancel()
	s.stopPauseTimer()
	s.closeDrainedLocked()
}

// sleep blocks for d or until the server stops, whichever comes first,
// and reports whether d passed. It is how a command waits on a timer.
func (s *Server) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.ctx.Done():
		return false
	}
}

// stopped reports whether Stop was called.
func (s *Server) stopped() bool { return s.ctx.Err() != nil }

// closeDrainedLocked closes drained once the server is closed and no Serve
// loop, connection or refusal is left. s.mu must be held.
func (s *Server) closeDrainedLocked() {
	if !s.closed || s.serving > 0 || s.failing > 0 || len(s.clients) > 0 || len(s.refused) > 0 {
		return
	}
	select {
	case <-s.drained:
	default:
		close(s.drained)
	}
}

// Shutdown stops the server (see Stop) and waits until every Serve loop
// and every connection has finished, or until ctx is done, whichever comes
// first. It returns nil when everything finished, ctx's error otherwise.
// It starts no goroutine, so returning early leaks nothing of its own.
func (s *Server) Shutdown(ctx context.Context) error {
	s.Stop()
	select {
	case <-s.drained:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close is Shutdown without a deadline: it returns once every connection
// has finished, which Stop makes prompt.
func (s *Server) Close() error { return s.Shutdown(context.Background()) }

// clientList returns the connected clients ordered by id.
func (s *Server) clientList() []*client {
	s.mu.Lock()
	out := make([]*client, 0, len(s.clients))
	for _, c := range s.clients {
		// A client whose socket was closed (killed, or its loop ending)
		// is gone, as Redis frees it at once, even if its goroutine has
		// not forgotten it yet.
		if !c.lc.closed.Load() {
			out = append(out, c)
		}
	}
	s.mu.Unlock()
	sortClients(out)
	return out
}

// connectedClients returns the number of connected clients.
func (s *Server) connectedClients() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.clients)
}

// totalCommands returns total_commands_processed.
func (s *Server) totalCommands() int64 {
	s.mu.Lock()
	n := s.closedCmds.Load()
	for _, c := range s.clients {
		n += c.commands.Load()
	}
	s.mu.Unlock()
	return n
}

// run looks up, checks and runs one command, writing its reply.
func (s *Server) run(c *client, args [][]byte) {
	cmd := s.lookupFor(c, args[0])
	if cmd == nil {
		c.setLastCommand(nil)
		c.refuse(errUnknownCommand(args[0], args[1:]))
		return
	}
	if cmd.subs != nil && len(args) > 1 {
		sc := cmd.subcommand(args[1])
		if sc == nil {
			c.setLastCommand(nil)
			c.refuse(errUnknownSubcommand(cmd.name, args[1]))
			return
		}
		cmd = sc
	}
	if c.tick == 0 {
		c.tick = s.clock()
	}
	d := dispatch{c.invokes, len(c.conn.errs), c.errsClaimed, c.tick}
	defer func() { s.account(c, cmd, args, d) }()
	if !c.inExec && !c.inScript {
		// CLIENT LIST's cmd: the command the client sent (EXEC, EVAL),
		// not the ones they run; none (NULL) after an unknown one.
		c.setLastCommand(&cmd.name)
	}
	if !cmd.arityOK(len(args)) {
		s.reject(c, cmd, errArity(cmd.name))
		return
	}
	if cmd.flags&flagProtected != 0 && !s.allowsProtected(c, cmd) {
		s.reject(c, cmd, errProtectedCommand(protectedFamily(cmd)))
		return
	}
	if cmd.flags&flagNoAuth == 0 && c.lc.authRequired() {
		s.reject(c, cmd, errNoAuth)
		return
	}
	// EXEC's commands were checked, as one, when EXEC was: neither the
	// link nor a pause stops a transaction half way.
	if (!c.inExec || c.inScript) && s.needsFresh(c, cmd) && s.replication().StaleError() != nil {
		if c.inScript { // an allow-stale script calling a command that is not
			s.reject(c, cmd, errScriptStale)
			return
		}
		s.reject(c, cmd, errMasterDown)
		return
	}
	if c.monitoring.Load() && (cmd.flags&(flagReadOnly|flagWrite) != 0 || s.mayReplicate(c, cmd, args) || cmd.name == "spublish") {
		s.reject(c, cmd, errMonitorKeyspace)
		return
	}
	if cmd.flags&flagLoading == 0 && s.loading.Load() {
		s.reject(c, cmd, errLoading)
		return
	}
	if s.scriptBusy(c, cmd) {
		s.reject(c, cmd, s.busyReply())
		return
	}
	if c.pubsubCount() > 0 && !c.inScript && !c.resp3() && !allowedWhileSubscribed(cmd) {
		s.reject(c, cmd, errSubscribedContext(cmd.name))
		return
	}
	if !c.inExec && s.mayReplicate(c, cmd, args) {
		// Held in the pause gate while it runs: a CLIENT PAUSE returns
		// only once the writes that passed this check are applied.
		s.pause.gate.RLock()
		defer s.pause.gate.RUnlock()
	}
	if !c.inExec && s.pause.on.Load() {
		held, ok := s.waitUnpaused(c, cmd, args)
		if !ok {
			c.closed = true
			return
		}
		if held {
			// The wait is not the command's time (SLOWLOG, commandstats).
			d.started = s.clock()
			c.tick = d.started
		}
	}
	if c.tx.on {
		// Above maxmemory Redis queues nothing (a transaction's queue is
		// memory too) and refuses whole an EXEC that may grow memory;
		// only DISCARD, QUIT, RESET and an EXEC that cannot grow memory
		// pass.
		exempt := cmd.name == "discard" || cmd.name == "quit" || cmd.name == "reset" ||
			(cmd.name == "exec" && !s.queuedDenyOOM(c))
		if !exempt {
			if err := s.eng.FreeMemory(); err != nil {
				s.reject(c, cmd, errorText(err))
				return
			}
		}
	}
	if c.tx.on && !runsInMulti(cmd) {
		s.queueChecked(c, cmd, args)
		return
	}
	if cmd.flags&flagWrite != 0 {
		s.runWrite(c, cmd, args)
		return
	}
	if cmd.flags&flagReadOnly != 0 {
		if c.tracking {
			s.track.remember(c, cmd, args)
		}
		// errors.As only on an error: its target escapes, an allocation.
		if err := s.replication().ReadError(); err != nil {
			if de := (*node.DivergedError)(nil); errors.As(err, &de) {
				c.conn.WriteError(errDiverged(de.Seq))
				return
			}
		}
	}
	c.invokes++
	cmd.handler(s, c, args)
}

// reject refuses cmd before it runs; a refused EXEC discards the
// transaction and says why, as Redis's EXECABORT does (inside MULTI or
// not).
func (s *Server) reject(c *client, cmd *command, msg string) {
	if cmd.name != "exec" {
		c.refuse(msg)
		return
	}
	s.endTx(c)
	c.conn.WriteError(errExecAbortBecause(strings.TrimPrefix(msg, "ERR ")))
}

// needsFresh reports whether cmd is one a secondary refuses while its link
// is down and replica-serve-stale-data is no: a command without the stale
// flag, or an EXEC whose queue holds one, as in Redis. Writes are left to
// the read-only check, which a secondary answers first (READONLY).
func (s *Server) needsFresh(c *client, cmd *command) bool {
	if cmd.flags&flagWrite != 0 {
		return false
	}
	if cmd.flags&flagStale == 0 {
		return true
	}
	if !c.tx.on || cmd.name != "exec" {
		return false
	}
	for _, q := range c.tx.queue {
		if q.cmd.flags&flagStale == 0 {
			return true
		}
	}
	return false
}

// queuedDenyOOM reports whether c's transaction queued a command that
// may grow memory: one flagged so, or a script whose shebang line does
// not declare no-writes or allow-oom (its flags are the command's, as in
// Redis).
func (s *Server) queuedDenyOOM(c *client) bool {
	for _, q := range c.tx.queue {
		if q.cmd.flags&flagDenyOOM != 0 {
			return true
		}
		if f := s.declaredFlags(c, q.cmd, q.args); f.Shebang && !f.NoWrites && !f.AllowOOM {
			return true
		}
	}
	return false
}

// scriptMayWrite reports whether cmd runs a script or function that may
// write: an EVAL without a shebang line, or one (a function) that does
// not declare no-writes.
func (s *Server) scriptMayWrite(c *client, cmd *command, args [][]byte) bool {
	if !mayWriteScript(cmd) {
		return false
	}
	f := s.declaredFlags(c, cmd, args)
	return !f.Shebang || !f.NoWrites
}

// declaredFlags are the flags a script's shebang line, or a function's
// registration, declares for a call of it (none for another command, an
// unknown script or function): what Redis takes as the command's flags.
func (s *Server) declaredFlags(c *client, cmd *command, args [][]byte) script.Flags {
	switch cmd.name {
	case "eval", "eval_ro":
		return script.FlagsOf(args[1])
	case "evalsha", "evalsha_ro":
		if sc := s.scripts.cache.Get(args[1]); sc != nil {
			return sc.Flags
		}
	case "fcall", "fcall_ro":
		reg, _ := s.functions(c.eng)
		if f := reg.Function(string(args[1])); f != nil {
			return f.Flags
		}
	}
	return script.Flags{}
}

// queueChecked refuses what Redis refuses between MULTI and EXEC, and
// queues the rest.
func (s *Server) queueChecked(c *client, cmd *command, args [][]byte) {
	// A script or function that declares it may write is a write here,
	// as Redis takes its declared flags for the command's.
	f := s.declaredFlags(c, cmd, args)
	write := cmd.flags&flagWrite != 0 || f.Shebang && !f.NoWrites
	switch {
	case cmd.flags&flagNoMulti != 0:
		c.refuse(errNotInMulti)
	case write && s.replication().ReadOnly():
		c.refuse(errReadOnly)
	default:
		// Memory was checked in run; then min-replicas-to-write.
		if write && !s.enoughReplicas() {
			c.refuse(errNoReplicas)
			return
		}
		c.queue(cmd, args)
	}
}

// runWrite runs a write command inside the replication layer's write gate,
// so that the node cannot become a secondary between the read-only check
// and the logging of the write's effects.
func (s *Server) runWrite(c *client, cmd *command, args [][]byte) {
	switch {
	case c.execGate && c.gateErr != "":
		c.conn.WriteError(c.gateErr)
		return
	case !c.execGate && !c.inExec && !s.enoughReplicas():
		// Checked once for a whole transaction, at EXEC.
		c.refuse(errNoReplicas)
		return
	case !c.execGate: // inside EXEC, the gate is held for the whole group
		r := s.replication()
		if err := r.BeginWrite(); err != nil {
			c.conn.WriteError(gateError(err))
			return
		}
		defer r.EndWrite()
	}
	if !s.makeRoom(c, cmd) {
		return
	}
	c.unsynced = true
	c.invokes++
	cmd.handler(s, c, args)
}

// gateError is the reply to a write the write gate refused.
func gateError(err error) string {
	if errors.Is(err, engine.ErrReadOnly) {
		return errReadOnly
	}
	return errMisconf(err)
}

// lookupFor is lookup with c's memory of the last name it sent: the table
// never changes once the server runs, so the same bytes find the same
// command. Clients that send names in capitals (redis-benchmark, many
// drivers) would otherwise pay two lookups per command.
func (s *Server) lookupFor(c *client, name []byte) *command {
	m := &c.named
	if m.cmd != nil && len(name) == m.n && string(name) == string(m.name[:m.n]) {
		return m.cmd
	}
	cmd := s.lookup(name)
	if cmd != nil && len(name) <= len(m.name) {
		m.n = copy(m.name[:], name)
		m.cmd = cmd
	}
	return cmd
}

// lookup finds a command by name, in any letter case, without allocating
// for names already in lower case.
func (s *Server) lookup(name []byte) *command {
	if cmd, ok := s.commands[string(name)]; ok {
		return cmd
	}
	if len(name) > 32 {
		return nil
	}
	var buf [32]byte
	for i, ch := range name {
		if ch >= 'A' && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		buf[i] = ch
	}
	return s.commands[string(buf[:len(name)])]
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
