package resp

import (
	"context"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nadb-server/nadb-server/engine"
	"github.com/nadb-server/nadb-server/resp/script"
)

// Scripts (EVAL, EVALSHA, SCRIPT LOAD) run as Redis runs them: atomically,
// one critical section of the engine like EXEC's (engine.Group), so no
// other client's command comes in between and a secondary applies the
// script's writes as one group. A script that may write holds the write
// gate for its whole run, taken before the engine's lock as EXEC takes it;
// on a read-only secondary, or without enough good replicas, its writes
// fail with the error a write gets there, and its reads still run.
// EVAL_RO and EVALSHA_RO refuse every write. A script's commands go
// through Server.run like a client's, each into a buffer of its own whose
// RESP the script package converts to Lua values.

// scripting is the server's script state.
type scripting struct {
	cache  script.Cache
	runner script.Runner

	mu      sync.Mutex
	running *runningScript // the script in execution, for SCRIPT KILL
	// started is when the script in execution started (Server.clock;
	// 0: none), and busyMs busy-reply-threshold: once a script has run
	// that long, other clients' commands are answered BUSY.
	started, busyMs atomic.Int64
}

// DefaultBusyThreshold is busy-reply-threshold's default, Redis's: 5 s.
const DefaultBusyThreshold = 5000

// SetBusyThreshold sets busy-reply-threshold (lua-time-limit), in
// milliseconds (0: a running script makes every other command BUSY).
func (s *Server) SetBusyThreshold(ms int64) { s.scripts.busyMs.Store(max(ms, 0)) }

// busyError is the BUSY reply while run runs: it names the kill that
// stops it.
func busyError(run *runningScript) string {
	if run != nil && run.function != "" {
		return errBusyFunction
	}
	return errBusyScript
}

// busyReply is the BUSY reply while the running script or function runs.
func (s *Server) busyReply() string {
	s.scripts.mu.Lock()
	defer s.scripts.mu.Unlock()
	return busyError(s.scripts.running)
}

// scriptBusy reports whether cmd is answered BUSY: a script has run past
// busy-reply-threshold and cmd is not one Redis lets through then.
func (s *Server) scriptBusy(c *client, cmd *command) bool {
	if c.inGroup || !s.scriptPastThreshold() {
		return false
	}
	return cmd.flags&flagAllowBusy == 0
}

// runningScript is a script in execution. Its state goes from clean to
// wrote (its first write command) or to killed (SCRIPT KILL), once: a
// script is killed only before it writes, and writes only if not killed.
type runningScript struct {
	cancel context.CancelFunc
	state  atomic.Int32
	// function is the function's name and args its FCALL, for FUNCTION
	// STATS ("": a script).
	function string
	args     [][]byte
}

const (
	scriptClean int32 = iota
	scriptWrote
	scriptKilled
)

// write reports whether the script may run a write command: it has not
// been killed, and from now on it cannot be.
func (r *runningScript) write() bool {
	return r.state.CompareAndSwap(scriptClean, scriptWrote) || r.state.Load() == scriptWrote
}

// kill stops the script unless it wrote, and reports whether it did.
func (r *runningScript) kill() bool {
	if r.state.CompareAndSwap(scriptClean, scriptKilled) || r.state.Load() == scriptKilled {
		r.cancel()
		return true
	}
	return false
}

// mayWriteScript reports whether cmd runs a script or function that may
// write.
func mayWriteScript(cmd *command) bool {
	return cmd.name == "eval" || cmd.name == "evalsha" || cmd.name == "fcall"
}

// scriptHost is what a running script's redis.call reaches.
type scriptHost struct {
	s        *Server
	c        *client
	readOnly bool // EVAL_RO, EVALSHA_RO
	run      *runningScript
	out      replyWriter
}

// Call implements script.Host.
func (h *scriptHost) Call(args [][]byte, resp3 bool) []byte {
	h.out.b, h.out.errs, h.out.resp3 = h.out.b[:0], h.out.errs[:0], resp3
	s, c := h.s, h.c
	cmd := s.lookup(args[0])
	if cmd != nil && cmd.subs != nil && len(args) > 1 {
		cmd = cmd.subcommand(args[1]) // none: unknown, as Redis's lookup says
	}
	switch {
	case cmd == nil:
		h.out.WriteError(errScriptUnknownCommand)
	case !cmd.arityOK(len(args)):
		h.out.WriteError(errScriptArity)
	case cmd.flags&flagNoScript != 0:
		h.out.WriteError(errScriptNotAllowed)
	case h.readOnly && (s.mayReplicate(c, cmd, args) || cmd.name == "spublish"):
		h.out.WriteError(errScriptReadOnly)
	case cmd.flags&flagWrite != 0 && c.gateErr == "" && !h.run.write():
		h.out.WriteError(script.Killed) // SCRIPT KILL came first: no write
	default:
		saved, claimed, outer := c.conn, c.errsClaimed, c.outer
		defer func() { c.conn, c.errsClaimed, c.outer = saved, claimed, outer }()
		c.conn, c.outer = &h.out, saved
		c.tick = 0 // the command's time starts now, not at the last one's end
		s.run(c, args)
	}
	return h.out.b
}

// Log implements script.Host.
func (h *scriptHost) Log(level int, msg string) {
	switch level {
	case script.LogWarning:
		h.s.log.Warn(msg, "source", "script")
	case script.LogNotice:
		h.s.log.Info(msg, "source", "script")
	default:
		h.s.log.Debug(msg, "source", "script")
	}
}

// Known implements script.Host: a command of that name exists (the one
// user may run every command).
func (h *scriptHost) Known(args [][]byte) (bool, string) {
	cmd := h.s.lookup(args[0])
	if cmd == nil {
		return false, errScriptACLCheck
	}
	return true, ""
}

// runScript runs sc with its keys and arguments for c and writes its
// result.
// runScript runs r, a script or a function (FCALL, whose arguments are
// call), whose flags are f.
func (s *Server) runScript(c *client, f script.Flags, r *script.Run, readOnly bool, call [][]byte) {
	// A script with a shebang line declares what it does (Redis 7.0): one
	// that may write is refused at once where it could not write, rather
	// than at its first write. Redis 7.0's order: memory, replicas,
	// read-only, stale (every script but an allow-stale one), then *_RO.
	mayWrite := f.Shebang && !f.NoWrites
	var oom error
	if mayWrite && !f.AllowOOM {
		oom = c.eng.FreeMemory()
	}
	switch {
	case oom != nil:
		c.conn.WriteError(errorText(oom))
		return
	case mayWrite && !c.inGroup && !s.enoughReplicas():
		c.conn.WriteError(errNoReplicas)
		return
	case mayWrite && s.replication().ReadOnly():
		c.conn.WriteError(errReadOnly)
		return
	case !f.AllowStale && !c.inGroup && s.replication().StaleError() != nil:
		// Only a script declared allow-stale runs on a secondary whose
		// link is down and that serves no stale data.
		c.conn.WriteError(errMasterDown)
		return
	case mayWrite && readOnly:
		c.conn.WriteError(errScriptWriteFlagRO)
		return
	}
	readOnly = readOnly || f.NoWrites
	run := &runningScript{}
	if r.Function != nil {
		run.function = r.Function.Name
		for _, a := range call {
			run.args = append(run.args, slices.Clone(a))
		}
	}
	r.Host, r.RESP3 = &scriptHost{s: s, c: c, readOnly: readOnly, run: run}, c.conn.resp3
	var reply []byte
	var errText string
	db := c.DB()
	// exec runs with the engine's lock held (this group or EXEC's), so
	// one script at most is running.
	exec := func() {
		ctx, cancel := context.WithCancel(s.ctx)
		defer cancel()
		r.Ctx, run.cancel = ctx, cancel
		s.scripts.mu.Lock()
		s.scripts.running = run
		s.scripts.started.Store(s.clock())
		s.scripts.mu.Unlock()
		inExec, allowOOM, inScript := c.inExec, c.allowOOM, c.inScript
		c.inExec, c.allowOOM, c.inScript = true, f.AllowOOM, true
		defer func() {
			c.inExec, c.allowOOM, c.inScript = inExec, allowOOM, inScript
			c.setDB(db) // SELECT in a script does not change the caller's database
			s.scripts.mu.Lock()
			s.scripts.running = nil
			s.scripts.started.Store(0)
			s.scripts.mu.Unlock()
		}()
		reply, errText = s.scripts.runner.Run(r)
		if strings.HasPrefix(errText, script.Killed) && run.state.Load() == scriptWrote {
			// Stopped by the server's stop after it wrote: its writes,
			// half of a script, must reach neither the log nor the
			// secondaries, nor any write after them (the process is
			// exiting; Redis exits without them too).
			c.eng.Abandon()
		}
	}
	if c.inGroup { // inside EXEC: its group and gate hold
		exec()
	} else {
		if !readOnly {
			rep := s.replication()
			c.execGate, c.gateErr = true, ""
			if err := rep.BeginWrite(); err != nil {
				c.gateErr = gateError(err)
			} else {
				defer rep.EndWrite()
				if !s.enoughReplicas() {
					c.gateErr = errNoReplicas
				}
			}
			defer func() { c.execGate, c.gateErr = false, "" }()
		}
		own := c.eng
		own.Group(func(tx *engine.Engine) {
			c.eng, c.inGroup = tx, true
			defer func() { c.eng, c.inGroup = own, false }()
			exec()
		})
		s.forwardPubs(c)
	}
	if !c.inExec {
		c.flushSelf() // before the script's reply, as in Redis
	}
	if errText != "" {
		c.conn.WriteError(errText)
		return
	}
	c.conn.WriteRaw(reply)
}

// cmdScriptKill stops the running script, unless it wrote.
func cmdScriptKill(s *Server, c *client, args [][]byte) { killScript(s, c, false) }

// cmdFunctionKill stops the running function, unless it wrote.
func cmdFunctionKill(s *Server, c *client, args [][]byte) { killScript(s, c, true) }

// killScript answers SCRIPT KILL (function false) and FUNCTION KILL: each
// stops its own kind only, and names the other kill for the other kind, as
// Redis does.
func killScript(s *Server, c *client, function bool) {
	s.scripts.mu.Lock()
	run := s.scripts.running
	s.scripts.mu.Unlock()
	switch {
	case run == nil:
		c.conn.WriteError(errNotBusy)
	case (run.function != "") != function:
		c.conn.WriteError(busyError(run))
	case !run.kill():
		c.conn.WriteError(errUnkillable)
	default:
		okReply(c)
	}
}

// readOnlyScript reports whether name is EVAL_RO or EVALSHA_RO.
func readOnlyScript(name []byte) bool {
	return len(name) > 3 && equalFold(name[len(name)-3:], "_ro")
}

// forwardPubs hands the secondaries the PUBLISH messages a script sent
// while it held the engine's lock.
func (s *Server) forwardPubs(c *client) {
	for _, m := range c.pubsAfter {
		s.replication().Publish(m.channel, m.message, m.shard)
	}
	clear(c.pubsAfter)
	c.pubsAfter = c.pubsAfter[:0]
}

// scriptPastThreshold reports whether a script is running and has run
// for busy-reply-threshold.
func (s *Server) scriptPastThreshold() bool {
	started := s.scripts.started.Load()
	return started != 0 && s.clock()-started >= s.scripts.busyMs.Load()*int64(time.Millisecond)
}

// waitScript waits while a script runs below busy-reply-threshold, as a
// Redis client waits for one, and reports whether one still runs (past
// the threshold); false in ok when the server stops meanwhile.
func (s *Server) waitScript() (busy, ok bool) {
	for s.scripts.started.Load() != 0 {
		if s.scriptPastThreshold() {
			return true, true
		}
		if !s.sleep(time.Millisecond) {
			return false, false
		}
	}
	return false, true
}
