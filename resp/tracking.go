package resp

import (
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/nadb-server/nadb-server/engine"
	"github.com/tidwall/redcon"
)

// Client-side caching: CLIENT TRACKING, CACHING, GETREDIR and
// TRACKINGINFO, with Redis's modes and messages.
//
//   - Default mode: the keys of every read-only command a tracking client
//     runs are remembered (in OPTIN mode only after CLIENT CACHING yes, in
//     OPTOUT mode unless CLIENT CACHING no), and the first change of such
//     a key sends it one invalidation and forgets it.
//   - BCAST: every change of a key under one of the client's prefixes (all
//     keys without PREFIX) is sent, the keys changed by one critical
//     section of the engine (a command, an EXEC) in one message.
//   - FLUSHDB, FLUSHALL and a full resynchronisation send a null
//     invalidation ("every key") to every tracking client and forget
//     every remembered key.
//
// The keyspace reports each change (engine.Observer) under its lock, with
// the ID of the client that made it (0 for an expiry, an eviction or the
// replication stream), so NOLOOP can leave out a client's own changes.
//
// An invalidation goes to the client itself as a RESP3 push, or to the
// client it REDIRECTs to: as a push in RESP3, or in RESP2 as a message of
// the __redis__:invalidate channel when that client is subscribed to
// anything. Only a target with an outbox (one that has subscribed to
// something or tracked, at some point) can be sent anything while idle:
// a plain RESP3 connection that did neither gets nothing (README, "Known
// differences"). A tracking client sends everything through its outbox (as a
// subscriber does), so a message reaches it while it is idle.
//
// The order that makes a client-side cache safe: an invalidation must
// never reach a client before the reply that read the old value. A
// client's keys are remembered before its command runs, so a change made
// after the read finds them; and while the client runs a pipeline
// (busy), its own invalidations are queued and placed after the reply of
// the command then running, so they follow every reply that read before
// the change. An invalidation that arrives after a fresh value only costs
// the client a miss.

// invalidateChannel is the channel RESP2 redirect targets receive
// invalidations on.
const invalidateChannel = "__redis__:invalidate"

// Tracking mirror bits for CLIENT LIST (client.trkFlags).
const (
	trkOn uint32 = 1 << iota
	trkBcast
	trkBroken
)

// trackState is a client's tracking mode. Guarded by tracker.mu.
type trackState struct {
	on, bcast, optin, optout, noloop bool
	// broken: the redirect target has gone (flag R, broken_redirect).
	broken   bool
	redirect int64   // the redirect target's ID (0: none)
	redirTo  *client // and the target itself
	prefixes []string
	// busy: the client's connection goroutine is running a pipeline;
	// its own invalidations wait in queued, placed after the running
	// command's reply.
	busy   bool
	queued []trackMsg
}

// bcastGroup is the clients of one BCAST prefix and the keys under it
// changed in the current critical section (with who changed each last,
// for NOLOOP).
type bcastGroup struct {
	clients map[*client]struct{}
	changed map[string]int64
}

// tracker is the server's tracking table.
type tracker struct {
	active  atomic.Int32 // clients with tracking on (INFO tracking_clients)
	maxKeys atomic.Int64 // tracking-table-max-keys (0: no limit)

	// eng is told of the tracker as its Observer only while some client
	// tracks, so that no write pays for the feature otherwise. toggleMu
	// orders the installs with the changes of active that call for them;
	// it is taken before the engine's lock, never under it nor under mu.
	eng      *engine.Engine
	toggleMu sync.Mutex

	mu sync.Mutex
	// keys maps each remembered key to the IDs of the clients that read
	// it; items counts the IDs.
	keys  map[string]map[int64]struct{}
	items int
	// clients are the tracking clients by ID.
	clients  map[int64]*client
	prefixes map[string]*bcastGroup
	// pending: some BCAST group has changed keys; flushed: this critical
	// section already sent the null invalidation. dirty is set with
	// either, so that ChangesDone takes the lock only when needed.
	pending, flushed bool
	dirty            atomic.Bool
}

func newTracker(eng *engine.Engine) *tracker {
	t := &tracker{eng: eng, keys: map[string]map[int64]struct{}{}, clients: map[int64]*client{},
		prefixes: map[string]*bcastGroup{}}
	t.maxKeys.Store(1_000_000)
	return t
}

// trackOptions is a parsed CLIENT TRACKING.
type trackOptions struct {
	on, bcast, optin, optout, noloop bool
	redirect                         int64
	redirTo                          *client
	prefixes                         []string
}

// clientTracking answers CLIENT TRACKING ON|OFF [REDIRECT id] [PREFIX p]...
// [BCAST] [OPTIN] [OPTOUT] [NOLOOP], with Redis's checks in its order.
func clientTracking(s *Server, c *client, args [][]byte) {
	var o trackOptions
	for j := 3; j < len(args); j++ {
		more := j < len(args)-1
		switch opt := args[j]; {
		case equalFold(opt, "redirect") && more:
			j++
			if o.redirect != 0 {
				c.conn.WriteError(errTrackingOneRedirect)
				return
			}
			id, ok := parseInt(args[j])
			if !ok {
				c.conn.WriteError(errNotInteger)
				return
			}
			if o.redirTo = s.clientByID(id); o.redirTo == nil {
				c.conn.WriteError(errTrackingNoRedirect)
				return
			}
			o.redirect = id
		case equalFold(opt, "bcast"):
			o.bcast = true
		case equalFold(opt, "optin"):
			o.optin = true
		case equalFold(opt, "optout"):
			o.optout = true
		case equalFold(opt, "noloop"):
			o.noloop = true
		case equalFold(opt, "prefix") && more:
			j++
			o.prefixes = append(o.prefixes, string(args[j]))
		default:
			c.conn.WriteError(errSyntax)
			return
		}
	}
	switch {
	case equalFold(args[2], "on"):
		o.on = true
	case equalFold(args[2], "off"):
		s.track.disable(c)
		okReply(c)
		return
	default:
		c.conn.WriteError(errSyntax)
		return
	}
	if e := s.track.checkEnable(c, &o); e != "" {
		c.conn.WriteError(e)
		return
	}
	// Invalidations reach a tracking client while it is idle: through
	// an outbox, as messages reach a subscriber.
	s.subscribed(c)
	s.track.enable(c, &o)
	if !c.trkBusy {
		s.track.begin(c) // the rest of the pipeline (see handle)
	}
	okReply(c)
}

// checkEnable returns the error Redis gives for o on c, or "".
func (t *tracker) checkEnable(c *client, o *trackOptions) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	st := &c.trk
	switch {
	case !o.bcast && len(o.prefixes) > 0:
		return errTrackingPrefixNeedsBcast
	case st.on && st.bcast != o.bcast:
		return errTrackingSwitchBcast
	case o.bcast && (o.optin || o.optout):
		return errTrackingBcastOpt
	case o.optin && o.optout:
		return errTrackingOptInOut
	case st.on && (o.optin && st.optout || o.optout && st.optin):
		return errTrackingSwitchOpt
	}
	if !o.bcast {
		return ""
	}
	for i, p := range o.prefixes {
		if st.on {
			for _, q := range st.prefixes {
				if overlaps(p, q) {
					return errTrackingPrefixOverlapsExisting(p, q)
				}
			}
		}
		for _, q := range o.prefixes[i+1:] {
			if overlaps(p, q) {
				return errTrackingPrefixOverlapsGiven(p, q)
			}
		}
	}
	return ""
}

// overlaps reports whether one of a and b starts with the other: two
// prefixes that would both match some key.
func overlaps(a, b string) bool { return strings.HasPrefix(a, b) || strings.HasPrefix(b, a) }

// enable turns tracking on for c with o (already checked), as Redis's
// enableTracking: BCAST prefixes add to those c has.
func (t *tracker) enable(c *client, o *trackOptions) {
	t.toggleMu.Lock()
	defer t.toggleMu.Unlock()
	defer t.observe()
	t.mu.Lock()
	defer t.mu.Unlock()
	st := &c.trk
	if !st.on {
		t.active.Add(1)
		t.clients[c.id] = c
	}
	st.on = true
	st.broken, st.bcast, st.optin, st.optout, st.noloop = false, false, false, false, false
	st.redirect, st.redirTo = o.redirect, o.redirTo
	if o.bcast {
		st.bcast = true
		if len(o.prefixes) == 0 {
			o.prefixes = []string{""}
		}
		for _, p := range o.prefixes {
			g := t.prefixes[p]
			if g == nil {
				g = &bcastGroup{clients: map[*client]struct{}{}, changed: map[string]int64{}}
				t.prefixes[p] = g
			}
			if _, ok := g.clients[c]; !ok {
				g.clients[c] = struct{}{}
				st.prefixes = append(st.prefixes, p)
			}
		}
		slices.Sort(st.prefixes)
	}
	st.optin, st.optout, st.noloop = o.optin, o.optout, o.noloop
	c.tracking, c.trkOptIn, c.trkOptOut = true, o.optin, o.optout
	t.mirrorLocked(c)
}

// disable turns tracking off for c (CLIENT TRACKING off, RESET, a closed
// connection). The keys it read stay in the table until they change, as
// in Redis: their invalidations then go nowhere.
func (t *tracker) disable(c *client) {
	c.tracking, c.trkOptIn, c.trkOptOut, c.caching = false, false, false, false
	t.toggleMu.Lock()
	defer t.toggleMu.Unlock()
	defer t.observe()
	t.mu.Lock()
	defer t.mu.Unlock()
	st := &c.trk
	for _, p := range st.prefixes {
		if g := t.prefixes[p]; g != nil {
			delete(g.clients, c)
			if len(g.clients) == 0 {
				delete(t.prefixes, p)
			}
		}
	}
	if st.on {
		t.active.Add(-1)
		delete(t.clients, c.id)
	}
	queued, busy := st.queued, st.busy
	*st = trackState{queued: queued, busy: busy}
	t.mirrorLocked(c)
}

// observe installs the tracker as the engine's Observer while some client
// tracks, and removes it when none does. The caller holds toggleMu, not
// mu.
func (t *tracker) observe() {
	if t.eng == nil {
		return
	}
	if t.active.Load() > 0 {
		t.eng.SetObserver(t)
		return
	}
	t.eng.SetObserver(nil)
	// No change reaches the table from now on: it is forgotten rather
	// than left to go stale (Redis prunes it as keys change, sending
	// nothing to clients that stopped tracking).
	t.mu.Lock()
	clear(t.keys)
	t.items = 0
	t.mu.Unlock()
}

// mirrorLocked publishes c's tracking mode for CLIENT LIST.
func (t *tracker) mirrorLocked(c *client) {
	st := &c.trk
	var f uint32
	if st.on {
		f |= trkOn
	}
	if st.bcast {
		f |= trkBcast
	}
	if st.broken {
		f |= trkBroken
	}
	c.trkFlags.Store(f)
	c.trkRedir.Store(st.redirect)
}

// remember notes the keys of a read-only command c is about to run, in
// default mode (and in OPTIN mode after CACHING yes, in OPTOUT mode unless
// CACHING no).
func (t *tracker) remember(c *client, cmd *command, args [][]byte) {
	if (c.trkOptIn && !c.caching) || (c.trkOptOut && c.caching) {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if !c.trk.on || c.trk.bcast {
		return
	}
	commandKeys(cmd, args, func(k []byte) {
		ids := t.keys[string(k)]
		if ids == nil {
			ids = map[int64]struct{}{}
			t.keys[string(k)] = ids
		}
		if _, ok := ids[c.id]; !ok {
			ids[c.id] = struct{}{}
			t.items++
		}
	})
	t.limitLocked()
}

// limitLocked forgets keys beyond tracking-table-max-keys, sending their
// invalidations as if they had changed, as Redis does.
func (t *tracker) limitLocked() {
	max := t.maxKeys.Load()
	if max <= 0 {
		return
	}
	for k := range t.keys {
		if int64(len(t.keys)) <= max {
			return
		}
		t.invalidateLocked(0, k)
	}
}

// KeyChanged implements engine.Observer.
func (t *tracker) KeyChanged(origin int64, key string) {
	if t.active.Load() == 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for p, g := range t.prefixes {
		if strings.HasPrefix(key, p) {
			g.changed[strings.Clone(key)] = origin
			t.pending = true
			t.dirty.Store(true)
		}
	}
	t.invalidateLocked(origin, key)
}

// invalidateLocked sends key's invalidation to the clients that read it,
// and forgets it.
func (t *tracker) invalidateLocked(origin int64, key string) {
	ids, ok := t.keys[key]
	if !ok {
		return
	}
	delete(t.keys, key)
	t.items -= len(ids)
	var body []byte
	for id := range ids {
		c := t.clients[id]
		if c == nil || c.trk.bcast || (c.trk.noloop && id == origin) {
			continue
		}
		if body == nil {
			body = redcon.AppendBulkString(redcon.AppendArray(nil, 1), key)
		}
		t.sendLocked(c, body, body)
	}
}

// AllChanged implements engine.Observer: a null invalidation to every
// tracking client, once per critical section, and the table forgotten.
func (t *tracker) AllChanged(int64) {
	if t.active.Load() == 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	clear(t.keys)
	t.items = 0
	if t.flushed {
		return
	}
	t.flushed = true
	t.dirty.Store(true)
	for _, c := range t.clients {
		// The null in the tracking client's own protocol, as Redis frames it.
		t.sendLocked(c, []byte("$-1\r\n"), []byte("_\r\n"))
	}
}

// ChangesDone implements engine.Observer: the BCAST messages of the
// critical section go out.
func (t *tracker) ChangesDone() {
	if !t.dirty.Load() {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.dirty.Store(false)
	t.flushed = false
	if !t.pending {
		return
	}
	t.pending = false
	// Prefix by prefix in their order, as Redis walks its prefix table.
	for _, p := range slices.Sorted(maps.Keys(t.prefixes)) {
		g := t.prefixes[p]
		if len(g.changed) == 0 {
			continue
		}
		keys := slices.Sorted(maps.Keys(g.changed))
		all := appendKeys(nil, keys, g.changed, 0)
		for c := range g.clients {
			if c.trk.noloop {
				if b := appendKeys(nil, keys, g.changed, c.id); b != nil {
					t.sendLocked(c, b, b)
				}
				continue
			}
			t.sendLocked(c, all, all)
		}
		clear(g.changed)
	}
}

// appendKeys appends the array of keys (sorted) changed by someone other
// than skip (0: anyone), or returns nil when none is.
func appendKeys(b []byte, keys []string, by map[string]int64, skip int64) []byte {
	n := 0
	for _, k := range keys {
		if skip == 0 || by[k] != skip {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	b = redcon.AppendArray(b, n)
	for _, k := range keys {
		if skip == 0 || by[k] != skip {
			b = redcon.AppendBulkString(b, k)
		}
	}
	return b
}

// sendLocked sends an invalidation whose keys part is body2 (for a
// tracking client in RESP2) or body3 (in RESP3) on c's behalf: to c
// itself as a push, or to the client it redirects to.
func (t *tracker) sendLocked(c *client, body2, body3 []byte) {
	st := &c.trk
	r := st.redirTo
	switch {
	case r == nil || r == c:
		t.toSelfLocked(c, trackMsg{body2: body2, body3: body3, redirected: r == c})
		return
	case r.gone.Load():
		if !st.broken {
			st.broken = true
			t.mirrorLocked(c)
		}
		t.toSelfLocked(c, trackMsg{broken: st.redirect})
		return
	}
	body := body2
	if c.resp.Load() == 3 {
		body = body3
	}
	sb := r.box.Load()
	if sb == nil {
		return // a target that never subscribed nor tracked has no outbox
	}
	sb.enqueue(func(out []byte) []byte {
		switch {
		case r.resp.Load() == 3:
			return appendInvalidate(out, true, body)
		case r.pubsubCount() > 0:
			return appendInvalidate(out, false, body)
		}
		return out
	})
}

// trackMsg is a message for a tracking client itself. It is framed only
// when it is placed in the client's stream, in the protocol the client's
// replies have there (a HELLO in the running pipeline may have changed it).
type trackMsg struct {
	body2, body3 []byte // the keys part, for a RESP2 / RESP3 client
	redirected   bool   // the client redirects to itself
	broken       int64  // not 0: tracking-redir-broken of that ID instead
}

// appendTo appends m as a client whose replies are in RESP3 (resp3), or
// in RESP2 and with subscriptions (subscribed) or not, receives it:
// nothing when that protocol has no place for it.
func (m *trackMsg) appendTo(b []byte, resp3, subscribed bool) []byte {
	switch {
	case m.broken != 0:
		if resp3 {
			b = appendPushHeader(b, true, 2)
			b = redcon.AppendBulkString(b, "tracking-redir-broken")
			b = redcon.AppendInt(b, m.broken)
		}
	case resp3:
		b = appendInvalidate(b, true, m.body3)
	case m.redirected && subscribed:
		b = appendInvalidate(b, false, m.body2)
	}
	return b
}

// toSelfLocked sends m to c: after the command c runs, while it is busy,
// otherwise to its outbox at once.
func (t *tracker) toSelfLocked(c *client, m trackMsg) {
	if c.trk.busy {
		c.trk.queued = append(c.trk.queued, m)
		return
	}
	if sb := c.box.Load(); sb != nil {
		sb.enqueue(func(out []byte) []byte {
			return m.appendTo(out, c.resp.Load() == 3, c.pubsubCount() > 0)
		})
	}
}

// appendInvalidate appends an invalidation message: a push
// ["invalidate", body] in RESP3, a message of the __redis__:invalidate
// channel in RESP2.
func appendInvalidate(b []byte, resp3 bool, body []byte) []byte {
	if resp3 {
		b = appendPushHeader(b, true, 2)
	} else {
		b = redcon.AppendArray(b, 3)
		b = redcon.AppendBulkString(b, "message")
		b = redcon.AppendBulkString(b, invalidateChannel)
		return append(b, body...)
	}
	b = redcon.AppendBulkString(b, "invalidate")
	return append(b, body...)
}

// begin marks c busy for the pipeline it starts running.
func (t *tracker) begin(c *client) {
	t.mu.Lock()
	c.trk.busy = true
	t.mu.Unlock()
	c.trkBusy = true
}

// drain places c's queued invalidations after the reply of the command
// that just ran.
func (t *tracker) drain(c *client) {
	t.mu.Lock()
	if q := c.trk.queued; len(q) > 0 {
		subscribed := c.pubsubCount() > 0
		for i := range q {
			c.conn.b = q[i].appendTo(c.conn.b, c.conn.resp3, subscribed)
		}
		clear(q)
		c.trk.queued = q[:0]
	}
	t.mu.Unlock()
}

// end marks c idle once its replies are in its outbox: what was queued
// follows them, and later invalidations go straight to the outbox.
func (t *tracker) end(c *client) {
	t.mu.Lock()
	if q := c.trk.queued; len(q) > 0 {
		if sb := c.box.Load(); sb != nil {
			// The replies are in the outbox: the protocol they end with
			// (c.conn.resp3) is the client's now.
			var msg []byte
			subscribed := c.pubsubCount() > 0
			for i := range q {
				msg = q[i].appendTo(msg, c.conn.resp3, subscribed)
			}
			sb.enqueue(func(out []byte) []byte { return append(out, msg...) })
		}
		clear(q)
		c.trk.queued = q[:0]
	}
	c.trk.busy = false
	t.mu.Unlock()
	c.trkBusy = false
}

// counts returns tracking_total_keys, tracking_total_items and
// tracking_total_prefixes.
func (t *tracker) counts() (keys, items, prefixes int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.keys), t.items, len(t.prefixes)
}

// clientCaching answers CLIENT CACHING yes|no.
func clientCaching(s *Server, c *client, args [][]byte) {
	if !c.tracking {
		c.conn.WriteError(errCachingNotTracking)
		return
	}
	switch {
	case equalFold(args[2], "yes"):
		if !c.trkOptIn {
			c.conn.WriteError(errCachingYes)
			return
		}
	case equalFold(args[2], "no"):
		if !c.trkOptOut {
			c.conn.WriteError(errCachingNo)
			return
		}
	default:
		c.conn.WriteError(errSyntax)
		return
	}
	c.caching = true
	okReply(c)
}

// clientGetRedir answers CLIENT GETREDIR: the redirect target's ID, 0
// without one, -1 when tracking is off.
func clientGetRedir(c *client) {
	if c.trkFlags.Load()&trkOn == 0 {
		c.conn.WriteInt(-1)
		return
	}
	c.conn.WriteInt64(c.trkRedir.Load())
}

// clientTrackingInfo answers CLIENT TRACKINGINFO.
func clientTrackingInfo(s *Server, c *client) {
	s.track.mu.Lock()
	st := c.trk
	prefixes := slices.Clone(st.prefixes)
	s.track.mu.Unlock()
	flags := []string{"off"}
	if st.on {
		flags[0] = "on"
	}
	for _, f := range []struct {
		on   bool
		name string
	}{
		{st.bcast, "bcast"},
		{st.optin, "optin"}, {st.optin && c.caching, "caching-yes"},
		{st.optout, "optout"}, {st.optout && c.caching, "caching-no"},
		{st.noloop, "noloop"},
		{st.broken, "broken_redirect"},
	} {
		if f.on {
			flags = append(flags, f.name)
		}
	}
	c.conn.WriteMap(3)
	c.conn.WriteBulkString("flags")
	c.conn.WriteSet(len(flags))
	for _, f := range flags {
		c.conn.WriteBulkString(f)
	}
	c.conn.WriteBulkString("redirect")
	if st.on {
		c.conn.WriteInt64(st.redirect)
	} else {
		c.conn.WriteInt(-1)
	}
	c.conn.WriteBulkString("prefixes")
	c.conn.WriteArray(len(prefixes))
	for _, p := range prefixes {
		c.conn.WriteBulkString(p)
	}
}

// commandKeys calls fn with each key argument of cmd (keyPositions). A
// script's declared keys are not reads (EVAL_RO, FCALL_RO): Redis tracks
// none of them.
func commandKeys(cmd *command, args [][]byte, fn func([]byte)) {
	if !hasKeys(cmd) || noMandatoryKeys[cmd.name] {
		return
	}
	pos, _ := keyPositions(cmd, args)
	for _, p := range pos {
		fn(args[p])
	}
}

// clientByID returns the open client with that ID, or nil.
func (s *Server) clientByID(id int64) *client {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.clients[id]
}

// SetTrackingMaxKeys sets tracking-table-max-keys: the most keys the
// tracking table remembers (0: no limit).
func (s *Server) SetTrackingMaxKeys(n int64) { s.track.maxKeys.Store(max(n, 0)) }
