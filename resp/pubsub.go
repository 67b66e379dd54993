package resp

import (
	"bytes"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/nadb-server/nadb-server/engine"
	"github.com/tidwall/redcon"
)

// Pub/sub: SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, PUBLISH and
// PUBSUB, with Redis's message shapes and subscriber-mode rules: in RESP2
// a subscribed client may only send the subscribe family, PING, QUIT and
// RESET, and confirmations and messages are arrays; in RESP3 they are push
// messages, which a client tells apart from replies, so any command runs.
//
// A message reaches a subscriber while its connection goroutine waits in
// a read, so from a client's first subscription on, everything sent to
// it goes through its outbox: a byte queue that PUBLISH (any goroutine)
// and the client's own replies append to, in order, and that a writer
// goroutine of the client's (pushLoop) sends. A subscription's reply is
// queued before the client is registered with the hub, so no message
// overtakes it. An outbox with more unsent bytes than the hard limit of
// client-output-buffer-limit pubsub, or more than its soft limit for
// longer than its seconds, closes its client, as in Redis: the limits are
// checked as messages are added (the bytes being written count until the
// write returns).

// defaultPubSubOutputLimit is Redis's default client-output-buffer-limit
// for pub/sub clients: pubsub 32mb 8mb 60.
func defaultPubSubOutputLimit() OutputLimit {
	return OutputLimit{Hard: 32 << 20, Soft: 8 << 20, SoftSeconds: 60}
}

// hub is who listens to what.
type hub struct {
	mu       sync.Mutex
	channels map[string]map[*client]struct{}
	patterns map[string]map[*client]struct{}
	shards   map[string]map[*client]struct{} // SSUBSCRIBE's shard channels
}

// subKind says what a subscription names: a channel, a pattern or a shard
// channel (SSUBSCRIBE: in a server without cluster mode, a channel of its
// own namespace, published to with SPUBLISH).
type subKind uint8

const (
	subChannel subKind = iota
	subPattern
	subShard
)

// subNames are the kinds' (un)subscribe confirmations.
var subNames = [...][2]string{
	subChannel: {"subscribe", "unsubscribe"},
	subPattern: {"psubscribe", "punsubscribe"},
	subShard:   {"ssubscribe", "sunsubscribe"},
}

// table returns the hub's map of kind.
func (h *hub) table(kind subKind) *map[string]map[*client]struct{} {
	switch kind {
	case subPattern:
		return &h.patterns
	case subShard:
		return &h.shards
	}
	return &h.channels
}

// subscriber is a client's pub/sub state, from its first subscription on.
type subscriber struct {
	// channels and patterns: connection goroutine only (the hub has its
	// own copy under hub.mu).
	channels map[string]struct{}
	patterns map[string]struct{}
	shards   map[string]struct{}

	// class returns the output limits the outbox is held to and their
	// class's name: pubsub while the client has subscriptions, normal for
	// a MONITOR client without any, as Redis classes them.
	class func() (*outputLimits, string)

	mu        sync.Mutex // guards the outbox below
	out       []byte
	inflight  int       // bytes pushLoop is writing
	softSince time.Time // when the outbox went over the soft limit; zero: not over
	overflow  bool
	stopping  bool
	wake      chan struct{} // one pending wake-up for pushLoop
	done      chan struct{} // closed when pushLoop has returned
	kill      func()        // closes the client's socket, for an outbox over the limit
}

// count is what SUBSCRIBE's and PSUBSCRIBE's confirmations count: the
// channels and patterns (shard channels are counted apart, as Redis does).
func (sb *subscriber) count() int { return len(sb.channels) + len(sb.patterns) }

// own returns the client's set of kind and the count its confirmations
// show.
func (sb *subscriber) own(kind subKind) (map[string]struct{}, func() int) {
	switch kind {
	case subPattern:
		return sb.patterns, sb.count
	case subShard:
		return sb.shards, func() int { return len(sb.shards) }
	}
	return sb.channels, sb.count
}

// push appends a client's replies to the outbox and wakes the writer. A
// protocol switch (HELLO, RESET) among them, proto (0: none), becomes
// visible to publishers in the same critical section: a message queued
// before these replies is framed in the old protocol, one queued after
// them in the new one, so that a client never reads a message framed for
// the protocol it has not switched to yet (or any more).
func (sb *subscriber) push(c *client, b []byte, proto int32) {
	sb.enqueue(func(out []byte) []byte {
		if proto != 0 {
			c.resp.Store(proto)
		}
		return append(out, b...)
	})
}

// pushMessage appends a pub/sub message, framed in c's protocol.
func (sb *subscriber) pushMessage(c *client, frames *[2][]byte, body func([]byte) []byte, n int) {
	sb.enqueue(func(out []byte) []byte {
		return append(out, messageFrame(frames, c, body, n)...)
	})
}

// enqueue appends to the outbox (fill returns the outbox appended to)
// under its lock, and wakes the writer.
func (sb *subscriber) enqueue(fill func(out []byte) []byte) {
	sb.mu.Lock()
	over := false
	if !sb.overflow && !sb.stopping {
		sb.out = fill(sb.out)
		sb.overflow = sb.overLimitLocked(int64(len(sb.out)+sb.inflight), time.Now())
		over = sb.overflow
	}
	sb.mu.Unlock()
	if over {
		// The writer may be stuck in a write the client does not read:
		// closing the socket frees it, and the client's goroutine closes
		// the client.
		sb.kill()
		return
	}
	select {
	case sb.wake <- struct{}{}:
	default:
	}
}

// overLimitLocked reports whether pending unsent bytes put the subscriber
// over the hard limit, or over the soft limit for longer than its seconds
// (the clock starts when it goes over and stops when it falls back).
// sb.mu must be held.
func (sb *subscriber) overLimitLocked(pending int64, now time.Time) bool {
	lim, _ := sb.class()
	l := lim.load()
	if l.Hard > 0 && pending > l.Hard {
		return true
	}
	if l.Soft <= 0 || pending <= l.Soft {
		sb.softSince = time.Time{}
		return false
	}
	if sb.softSince.IsZero() {
		sb.softSince = now
		return false
	}
	return now.Sub(sb.softSince) > time.Duration(l.SoftSeconds)*time.Second
}

// pushLoop sends the outbox until the client stops. A write that fails
// closes the socket (as push does for an outbox over the limit): the
// connection goroutine then finds its read failed and closes the client.
func (s *Server) pushLoop(c *client, sb *subscriber) {
	defer close(sb.done)
	var buf []byte
	for range sb.wake {
		sb.mu.Lock()
		buf, sb.out = sb.out, buf[:0]
		sb.inflight = len(buf)
		overflow, stopping := sb.overflow, sb.stopping
		sb.mu.Unlock()
		if overflow {
			return // push closed the socket
		}
		if len(buf) > 0 {
			_, err := c.lc.Write(buf)
			sb.mu.Lock()
			sb.inflight = 0
			sb.mu.Unlock()
			if err != nil {
				_ = c.lc.Close()
				return
			}
		}
		if stopping {
			return
		}
	}
}

// subscribed returns c's pub/sub state, starting its writer at the first
// subscription and moving the replies waiting in its output buffer into
// the outbox, so that they keep their order.
func (s *Server) subscribed(c *client) *subscriber {
	if c.sub != nil {
		return c.sub
	}
	sb := &subscriber{channels: map[string]struct{}{}, patterns: map[string]struct{}{}, shards: map[string]struct{}{},
		wake: make(chan struct{}, 1), done: make(chan struct{})}
	sb.class = func() (*outputLimits, string) {
		// Classed as Redis classes a client: pubsub while it has
		// subscriptions, normal otherwise (a MONITOR client, a tracking
		// client, one that unsubscribed from everything).
		if c.pubsubCount() == 0 {
			return &s.limits.out, "normal"
		}
		return &s.limits.pubsub, "pubsub"
	}
	sb.kill = func() {
		_, class := sb.class()
		s.log.Warn("client closed for overcoming of output buffer limits", "id", c.id, "addr", c.addr, "class", class)
		_ = c.lc.Close()
	}
	c.sub = sb
	c.box.Store(sb)
	go s.pushLoop(c, sb)
	return sb
}

// flushToOutbox moves c's pending replies into its outbox, once the
// pipeline's writes are durable: a reply never leaves before its write is.
func (s *Server) flushToOutbox(c *client) error {
	if c.unsynced {
		c.unsynced = false
		if err := s.replication().WriteDone(s.ctx); err != nil {
			return errNotDurable
		}
	}
	if len(c.conn.b) > 0 || c.pendingResp != 0 {
		c.sub.push(c, c.conn.b, c.pendingResp)
		c.pendingResp = 0
		c.conn.reset()
	}
	return nil
}

// stopPush ends c's writer after it has sent what is queued, waiting up
// to a second for a client that does not read.
func (s *Server) stopPush(c *client) {
	sb := c.sub
	if sb == nil {
		return
	}
	s.unsubscribeAll(c)
	sb.mu.Lock()
	sb.stopping = true
	sb.mu.Unlock()
	_ = c.lc.SetWriteDeadline(time.Now().Add(time.Second))
	close(sb.wake)
	<-sb.done
}

// isSubscribeFamily reports whether name is SUBSCRIBE, UNSUBSCRIBE,
// PSUBSCRIBE or PUNSUBSCRIBE, in any case.
func isSubscribeFamily(name []byte) bool {
	return equalFold(name, "subscribe") || equalFold(name, "unsubscribe") ||
		equalFold(name, "psubscribe") || equalFold(name, "punsubscribe") ||
		equalFold(name, "ssubscribe") || equalFold(name, "sunsubscribe")
}

// allowedWhileSubscribed names the commands a RESP2 client with
// subscriptions may send, as Redis allows (a RESP3 client may send any).
func allowedWhileSubscribed(cmd *command) bool {
	switch cmd.name {
	case "subscribe", "unsubscribe", "psubscribe", "punsubscribe", "ssubscribe", "sunsubscribe", "ping", "quit", "reset":
		return true
	}
	return false
}

func registerPubSubCommands(t commandTable) {
	t.add(command{name: "subscribe", arity: -2, flags: flagPubSub | flagLoading | flagStale | flagNoScript, group: "pubsub", since: "2.0.0", summary: "Listens for messages published to channels.", handler: cmdSubscribe})
	t.add(command{name: "unsubscribe", arity: -1, flags: flagPubSub | flagLoading | flagStale | flagNoScript, group: "pubsub", since: "2.0.0", summary: "Stops listening to messages posted to channels.", handler: cmdUnsubscribe})
	t.add(command{name: "psubscribe", arity: -2, flags: flagPubSub | flagLoading | flagStale | flagNoScript, group: "pubsub", since: "2.0.0", summary: "Listens for messages published to channels that match one or more patterns.", handler: cmdPSubscribe})
	t.add(command{name: "punsubscribe", arity: -1, flags: flagPubSub | flagLoading | flagStale | flagNoScript, group: "pubsub", since: "2.0.0", summary: "Stops listening to messages published to channels that match one or more patterns.", handler: cmdPUnsubscribe})
	t.add(command{name: "publish", arity: 3, flags: flagPubSub | flagLoading | flagStale | flagFast, group: "pubsub", since: "2.0.0", summary: "Posts a message to a channel.", handler: cmdPublish})
	t.add(command{name: "ssubscribe", arity: -2, flags: flagPubSub | flagLoading | flagStale | flagNoScript, keys: keySpec{1, -1, 1}, group: "pubsub", since: "7.0.0", summary: "Listens for messages published to shard channels.", handler: cmdSSubscribe})
	t.add(command{name: "sunsubscribe", arity: -1, flags: flagPubSub | flagLoading | flagStale | flagNoScript, keys: keySpec{1, -1, 1}, group: "pubsub", since: "7.0.0", summary: "Stops listening to messages posted to shard channels.", handler: cmdSUnsubscribe})
	t.add(command{name: "spublish", arity: 3, flags: flagPubSub | flagLoading | flagStale | flagFast, keys: keySpec{1, 1, 1}, group: "pubsub", since: "7.0.0", summary: "Post a message to a shard channel", handler: cmdSPublish})
	t.add(command{name: "pubsub", arity: -2, group: "pubsub", since: "2.8.0", summary: "A container for Pub/Sub commands.", handler: cmdPubSub})
}

// writeSubReply writes one (un)subscribe confirmation: kind, the channel
// or pattern (null for an unsubscribe from nothing) and the count; a push
// message in RESP3.
func writeSubReply(c *client, kind string, name []byte, count int) {
	c.conn.WritePush(3)
	c.conn.WriteBulkString(kind)
	if name == nil {
		c.conn.WriteNull()
	} else {
		c.conn.WriteBulk(name)
	}
	c.conn.WriteInt(count)
}

func cmdSubscribe(s *Server, c *client, args [][]byte) { s.subscribe(c, args[1:], subChannel) }

func cmdPSubscribe(s *Server, c *client, args [][]byte) { s.subscribe(c, args[1:], subPattern) }

func cmdSSubscribe(s *Server, c *client, args [][]byte) {
	if c.inExec {
		// Redis refuses it to a client that may not block (EXEC's).
		c.conn.WriteError("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client")
		return
	}
	s.subscribe(c, args[1:], subShard)
}

func (s *Server) subscribe(c *client, names [][]byte, kind subKind) {
	sb := s.subscribed(c)
	own, count := sb.own(kind)
	for _, n := range names {
		name := string(n)
		_, already := own[name]
		own[name] = struct{}{}
		c.mirrorSubs()
		// Earlier replies first, with the wait for their writes.
		_ = s.flushToOutbox(c)
		writeSubReply(c, subNames[kind][0], n, count())
		// The reply is queued and the client registered in one critical
		// section of the hub: a message published before it is neither
		// counted nor sent, one published after it comes after it, as
		// a client that has read the reply expects.
		s.hub.addThen(c, name, kind, !already, func() { _ = s.flushToOutbox(c) })
	}
}

func cmdUnsubscribe(s *Server, c *client, args [][]byte) { s.unsubscribe(c, args[1:], subChannel) }

func cmdPUnsubscribe(s *Server, c *client, args [][]byte) { s.unsubscribe(c, args[1:], subPattern) }

func cmdSUnsubscribe(s *Server, c *client, args [][]byte) { s.unsubscribe(c, args[1:], subShard) }

func (s *Server) unsubscribe(c *client, names [][]byte, kind subKind) {
	var own map[string]struct{}
	count := func() int { return 0 }
	if c.sub != nil {
		own, count = c.sub.own(kind)
	}
	if len(names) == 0 {
		if len(own) == 0 {
			writeSubReply(c, subNames[kind][1], nil, count())
			return
		}
		for _, name := range slices.Sorted(mapKeys(own)) {
			names = append(names, []byte(name))
		}
	}
	for _, n := range names {
		name := string(n)
		if _, ok := own[name]; ok {
			delete(own, name)
			s.hub.remove(c, name, kind)
			c.mirrorSubs()
		}
		writeSubReply(c, subNames[kind][1], n, count())
	}
}

// unsubscribeAll forgets every subscription of c (RESET, disconnection).
func (s *Server) unsubscribeAll(c *client) {
	sb := c.sub
	if sb == nil {
		return
	}
	for kind := range subNames {
		own, _ := sb.own(subKind(kind))
		for name := range own {
			s.hub.remove(c, name, subKind(kind))
		}
		clear(own)
	}
	c.mirrorSubs()
}

// mirrorSubs publishes the subscription counts for CLIENT LIST and KILL.
func (c *client) mirrorSubs() {
	c.subs.Store(int32(len(c.sub.channels)))
	c.psubs.Store(int32(len(c.sub.patterns)))
	c.ssubs.Store(int32(len(c.sub.shards)))
}

func mapKeys(m map[string]struct{}) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// addThen registers c for name, when add is set, and runs then, under
// the hub's lock (then may push to c's outbox: lock order hub, then
// subscriber, as publish has it).
func (h *hub) addThen(c *client, name string, kind subKind, add bool, then func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if add {
		h.addLocked(c, name, kind)
	}
	then()
}

func (h *hub) addLocked(c *client, name string, kind subKind) {
	m := h.table(kind)
	if *m == nil {
		*m = map[string]map[*client]struct{}{}
	}
	set := (*m)[name]
	if set == nil {
		set = map[*client]struct{}{}
		(*m)[name] = set
	}
	set[c] = struct{}{}
}

func (h *hub) remove(c *client, name string, kind subKind) {
	h.mu.Lock()
	defer h.mu.Unlock()
	m := *h.table(kind)
	if set := m[name]; set != nil {
		delete(set, c)
		if len(set) == 0 {
			delete(m, name)
		}
	}
}

// publish sends msg to the channel's subscribers and to the clients whose
// patterns match it, and returns how many got it. Each message is framed
// in its subscriber's protocol: an array in RESP2, a push in RESP3.
func (h *hub) publish(channel, msg []byte, from int64) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	if set := h.channels[string(channel)]; len(set) > 0 {
		body := func(b []byte) []byte {
			b = redcon.AppendBulk(b, []byte("message"))
			b = redcon.AppendBulk(b, channel)
			return redcon.AppendBulk(b, msg)
		}
		n += deliver(set, from, body, 3)
	}
	for pat, set := range h.patterns {
		if !engine.Match(pat, string(channel)) {
			continue
		}
		body := func(b []byte) []byte {
			b = redcon.AppendBulk(b, []byte("pmessage"))
			b = redcon.AppendBulk(b, []byte(pat))
			b = redcon.AppendBulk(b, channel)
			return redcon.AppendBulk(b, msg)
		}
		n += deliver(set, from, body, 4)
	}
	return n
}

// deliver sends one message of n elements (body appends them) to every
// client of set, framed once per protocol; the publisher's own
// connection (from) gets it among its replies (toSelf). It returns how
// many got it. Hub lock held.
func deliver(set map[*client]struct{}, from int64, body func([]byte) []byte, n int) int {
	var frames [2][]byte
	for c := range set {
		if c.id == from {
			c.toSelf(&frames, body, n)
		} else {
			c.sub.pushMessage(c, &frames, body, n)
		}
	}
	return len(set)
}

// toSelf places a message that c's own command published (PUBLISH, or a
// keyspace event of its own change) where Redis places it: among c's
// replies, before the reply of the command that sent it, so that it never
// comes before the replies of the commands ahead of that one. Inside EXEC
// or a script it waits in selfMsgs for the end: after EXEC's reply
// (Redis 7.0 puts it inside the reply's array), before the script's; and
// under CLIENT REPLY OFF or SKIP until the command's replies are dropped
// (messages are not replies: they still go). Only
// c's own goroutine publishes as c (engine origins are client IDs, and a
// client's changes are made by its own commands).
func (c *client) toSelf(frames *[2][]byte, body func([]byte) []byte, n int) {
	w := c.conn
	if c.outer != nil {
		w = c.outer // a script's command: the client's protocol, not the script's
	}
	i := 0
	if w.resp3 {
		i = 1
	}
	if frames[i] == nil {
		frames[i] = body(appendPushHeader(nil, w.resp3, n))
	}
	if c.inExec || c.replyOff || c.replySkip {
		c.selfMsgs = append(c.selfMsgs, frames[i]...)
		return
	}
	w.WriteRaw(frames[i])
}

// flushSelf writes the messages toSelf held among the replies, unless the
// replies are to be dropped: the connection loop writes them after.
func (c *client) flushSelf() {
	if len(c.selfMsgs) > 0 && !c.replyOff && !c.replySkip {
		c.conn.WriteRaw(c.selfMsgs)
		c.selfMsgs = c.selfMsgs[:0]
	}
}

// publishShard sends msg to the shard channel's subscribers (SPUBLISH)
// and returns how many got it, as publish does for a channel.
func (h *hub) publishShard(channel, msg []byte, from int64) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	set := h.shards[string(channel)]
	body := func(b []byte) []byte {
		b = redcon.AppendBulk(b, []byte("smessage"))
		b = redcon.AppendBulk(b, channel)
		return redcon.AppendBulk(b, msg)
	}
	return deliver(set, from, body, 3)
}

// messageFrame returns a message of n elements framed for c's protocol,
// encoding it (body appends the elements) at most once per protocol.
// Called under c.sub.mu, which orders it with protocol switches.
func messageFrame(frames *[2][]byte, c *client, body func([]byte) []byte, n int) []byte {
	resp3 := c.resp.Load() == 3
	i := 0
	if resp3 {
		i = 1
	}
	if frames[i] == nil {
		frames[i] = body(appendPushHeader(nil, resp3, n))
	}
	return frames[i]
}

func cmdPublish(s *Server, c *client, args [][]byte) {
	c.conn.WriteInt(publishInOrder(c, func() int { return s.hub.publish(args[1], args[2], c.id) }))
	s.forward(c, args[1], args[2], false)
}

func cmdSPublish(s *Server, c *client, args [][]byte) {
	c.conn.WriteInt(publishInOrder(c, func() int { return s.hub.publishShard(args[1], args[2], c.id) }))
	s.forward(c, args[1], args[2], true)
}

// publishInOrder runs publish, and again after letting the other
// connections' goroutines run when it reached nobody: a SUBSCRIBE another
// client sent just before this PUBLISH may not have been read yet (Redis,
// one thread reading sockets in turn, serves it first in practice, and
// clients and their tests count on it: without this, 30 of 300 PUBLISHes
// sent right after another connection's SUBSCRIBE found nobody). It does
// so once per pipeline, so publishing into the void in a pipeline costs
// little. Delivering to a subscriber whose SUBSCRIBE came at the same
// time is right either way, and a message that reached nobody cannot
// reach anyone twice.
func publishInOrder(c *client, publish func() int) int {
	const yields = 3
	n := publish()
	if n != 0 || c.pubYielded || c.inExec || c.inGroup {
		return n
	}
	c.pubYielded = true
	for try := 0; n == 0 && try < yields; try++ {
		runtime.Gosched()
		n = publish()
	}
	return n
}

// pubAfter is a message a script published, for the secondaries.
type pubAfter struct {
	channel, message []byte
	shard            bool
}

// forward hands a PUBLISH (an SPUBLISH with shard) to the secondaries.
func (s *Server) forward(c *client, channel, message []byte, shard bool) {
	if c.inGroup {
		// A script holds the engine's lock: the message goes to the
		// secondaries once it is released (runScript), after the
		// script's writes, as they would see it in Redis.
		c.pubsAfter = append(c.pubsAfter, pubAfter{bytes.Clone(channel), bytes.Clone(message), shard})
		return
	}
	s.replication().Publish(channel, message, shard)
}

// Deliver sends a message its primary forwarded (a PUBLISH there) to this
// server's subscribers.
func (s *Server) Deliver(channel, message []byte, shard bool) {
	if shard {
		s.hub.publishShard(channel, message, 0)
		return
	}
	s.hub.publish(channel, message, 0)
}

func cmdPubSub(s *Server, c *client, args [][]byte) {
	sub := string(lowerASCII(args[1]))
	h := &s.hub
	switch {
	case (sub == "channels" || sub == "shardchannels") && len(args) <= 3:
		kind := subChannel
		if sub == "shardchannels" {
			kind = subShard
		}
		h.mu.Lock()
		var names []string
		for name := range *h.table(kind) {
			if len(args) == 2 || engine.Match(string(args[2]), name) {
				names = append(names, name)
			}
		}
		h.mu.Unlock()
		c.conn.WriteArray(len(names))
		for _, n := range names {
			c.conn.WriteBulkString(n)
		}
	case sub == "numsub" || sub == "shardnumsub":
		kind := subChannel
		if sub == "shardnumsub" {
			kind = subShard
		}
		c.conn.WriteArray(2 * (len(args) - 2))
		for _, ch := range args[2:] {
			h.mu.Lock()
			n := len((*h.table(kind))[string(ch)])
			h.mu.Unlock()
			c.conn.WriteBulk(ch)
			c.conn.WriteInt(n)
		}
	case sub == "numpat" && len(args) == 2:
		h.mu.Lock()
		n := len(h.patterns)
		h.mu.Unlock()
		c.conn.WriteInt(n)
	case sub == "help" && len(args) == 2:
		writeHelp(c, "PUBSUB",
			"CHANNELS [<pattern>]",
			"    Return the currently active channels matching a <pattern> (default: '*').",
			"NUMPAT",
			"    Return number of subscriptions to patterns.",
			"NUMSUB [<channel> ...]",
			"    Return the number of subscribers for the specified channels, excluding",
			"    pattern subscriptions(default: no channels).",
			"SHARDCHANNELS [<pattern>]",
			"    Return the currently active shard level channels matching a <pattern> (default: '*').",
			"SHARDNUMSUB [<shardchannel> ...]",
			"    Return the number of subscribers for the specified shard level channel(s)")
	default:
		// The table knows the subcommand: this is its arguments' fault.
		c.conn.WriteError(errSubcommandSyntax("pubsub", args[1]))
	}
}

// count is the number of channels (or patterns) with subscribers.
func (h *hub) count(patterns bool) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	if patterns {
		return len(h.patterns)
	}
	return len(h.channels)
}
