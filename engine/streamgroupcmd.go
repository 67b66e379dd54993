package engine

import (
	"cmp"
	"slices"
	"strconv"
)

// The consumer group commands. Each runs in one critical section, reads
// the engine clock once for the times it records, and reports what it
// changed as the APPLY operations of streamGroupOps, with those times.

// groupWrite returns key's entry, stream and the index of its group name
// for a change: ErrNoGroup when the key holds no stream or no such group.
func (e *Engine) groupWrite(d int, key, group string) (entry, *streamObj, int, error) {
	en, s, found, err := e.streamWrite(d, key)
	if err != nil {
		return en, nil, 0, err
	}
	if !found {
		return en, nil, 0, ErrNoGroup
	}
	i := s.group(group)
	if i < 0 {
		return en, nil, 0, ErrNoGroup
	}
	return en, s, i, nil
}

// groupKeyWrite returns key's entry and stream for an XGROUP subcommand:
// ErrGroupNoKey when the key is missing.
func (e *Engine) groupKeyWrite(d int, key string) (entry, *streamObj, error) {
	en, s, found, err := e.streamWrite(d, key)
	if err == nil && !found {
		err = ErrGroupNoKey
	}
	return en, s, err
}

// ackWords is an XACK of ids in group.
func ackWords(group string, ids []StreamID) [][]byte {
	words := [][]byte{word("XACK"), []byte(group)}
	for _, id := range ids {
		words = append(words, id.Append(nil))
	}
	return words
}

// saveStream writes s back under key and reports words as one APPLY.
func (e *Engine) saveStream(d int, key string, en *entry, found bool, s *streamObj, words ...[]byte) string {
	k := keyOf(en, found, key)
	e.saveColl(d, key, en, found, s)
	e.emitApply(d, k, words...)
	return k
}

func groupPosWords(op string, g *streamGroup) [][]byte {
	return [][]byte{word(op), []byte(g.name), g.last.Append(nil), strconv.AppendInt(nil, g.read, 10)}
}

// GroupID is the ID XGROUP CREATE and SETID take: ID, or with Last ("$")
// the stream's last ID.
type GroupID struct {
	ID   StreamID
	Last bool
}

// XGroupCreate creates the consumer group of key's stream, at id, with
// read entries read (nil: not known); mkStream creates a missing stream.
func (e *Engine) XGroupCreate(d int, key, group string, id GroupID, mkStream bool, read *int64) error {
	e.lock()
	defer e.unlock()
	en, s, found, err := e.streamWrite(d, key)
	switch {
	case err != nil:
		return err
	case !found && !mkStream:
		return ErrGroupNoKey
	case !found:
		// The new stream is stored (and reported) whole first: creating
		// the key is a change WATCH and tracking hear of, the group's
		// APPLY that follows is not (streamMetaOp), as in Redis.
		e.storeCollLocked(d, key, newStream(), 0)
		if en, s, found, err = e.streamWrite(d, key); err != nil || !found {
			return cmp.Or(err, ErrGroupNoKey)
		}
	case s.group(group) >= 0:
		return ErrBusyGroup
	}
	at := id.ID
	if id.Last {
		at = s.last
	}
	r := unknownRead
	if read != nil {
		r = *read
	}
	s.addGroup(group, at, r)
	k := e.saveStream(d, key, &en, found, s, groupPosWords("XGCREATE", s.groups[s.group(group)])...)
	e.notify(EventStream, "xgroup-create", d, k)
	return nil
}

// XGroupSetID moves the group's last delivered ID, with read entries read
// (nil: not known).
func (e *Engine) XGroupSetID(d int, key, group string, id GroupID, read *int64) error {
	e.lock()
	defer e.unlock()
	en, s, err := e.groupKeyWrite(d, key)
	if err != nil {
		return err
	}
	i := s.group(group)
	if i < 0 {
		return ErrNoGroup
	}
	at := id.ID
	if id.Last {
		at = s.last
	}
	r := unknownRead
	if read != nil {
		r = *read
	}
	s.changeGroup(i, func(g *streamGroup) { g.last, g.read = at, r })
	k := e.saveStream(d, key, &en, true, s, groupPosWords("XGSETID", s.groups[i])...)
	e.notify(EventStream, "xgroup-setid", d, k)
	return nil
}

// XGroupDestroy removes the group and reports whether it was there.
func (e *Engine) XGroupDestroy(d int, key, group string) (bool, error) {
	e.lock()
	defer e.unlock()
	en, s, err := e.groupKeyWrite(d, key)
	if err != nil {
		return false, err
	}
	i := s.group(group)
	if i < 0 {
		return false, nil
	}
	s.groups = slices.Delete(s.groups, i, i+1)
	s.groupsChanged()
	k := e.saveStream(d, key, &en, true, s, word("XGDESTROY"), []byte(group))
	e.notify(EventStream, "xgroup-destroy", d, k)
	return true, nil
}

// XGroupCreateConsumer adds the consumer to the group and reports whether
// it was new.
func (e *Engine) XGroupCreateConsumer(d int, key, group, consumer string) (bool, error) {
	e.lock()
	defer e.unlock()
	en, s, err := e.groupKeyWrite(d, key)
	if err != nil {
		return false, err
	}
	i := s.group(group)
	switch {
	case i < 0:
		return false, ErrNoGroup
	case s.groups[i].consumer(consumer) >= 0:
		return false, nil
	}
	now := e.nowMs()
	s.changeGroup(i, func(g *streamGroup) { g.seeConsumer(consumer, now) })
	k := e.saveStream(d, key, &en, true, s, word("XCSEEN"), []byte(group), []byte(consumer), strconv.AppendInt(nil, now, 10))
	e.notify(EventStream, "xgroup-createconsumer", d, k)
	return true, nil
}

// XGroupDelConsumer removes the consumer and its pending entries, and
// returns how many it had.
func (e *Engine) XGroupDelConsumer(d int, key, group, consumer string) (int, error) {
	e.lock()
	defer e.unlock()
	en, s, err := e.groupKeyWrite(d, key)
	if err != nil {
		return 0, err
	}
	i := s.group(group)
	switch {
	case i < 0:
		return 0, ErrNoGroup
	case s.groups[i].consumer(consumer) < 0:
		return 0, nil
	}
	n := 0
	s.changeGroup(i, func(g *streamGroup) { n = g.delConsumer(consumer) })
	k := e.saveStream(d, key, &en, true, s, word("XCDEL"), []byte(group), []byte(consumer))
	e.notify(EventStream, "xgroup-delconsumer", d, k)
	return n, nil
}

// seeLocked creates consumer in group i of key's stream if missing, and
// notes it seen now; the change is reported, and a new consumer told
// ("xgroup-createconsumer").
func (e *Engine) seeLocked(d int, key string, en *entry, s *streamObj, i int, consumer string, now int64) {
	created := false
	s.changeGroup(i, func(g *streamGroup) { created = g.seeConsumer(consumer, now) })
	k := e.saveStream(d, key, en, true, s, word("XCSEEN"), []byte(s.groups[i].name), []byte(consumer), strconv.AppendInt(nil, now, 10))
	if created {
		e.notify(EventStream, "xgroup-createconsumer", d, k)
	}
}

// pelWords is an XPELSET of the pending entries of ids in g.
func pelWords(g *streamGroup, consumer string, ids []StreamID) [][]byte {
	w := [][]byte{word("XPELSET"), []byte(g.name), []byte(consumer)}
	for _, id := range ids {
		i, _ := g.pending(id)
		p := g.pel[i]
		w = append(w, p.id.Append(nil), strconv.AppendInt(nil, p.time, 10), strconv.AppendUint(nil, p.count, 10))
	}
	return w
}

// GroupEntry is an entry XREADGROUP, XCLAIM or XAUTOCLAIM returns:
// Deleted when the stream no longer holds it (its fields are then nil).
type GroupEntry struct {
	StreamEntry
	Deleted bool
}

// GroupRead is XREADGROUP's reading of one key: New (">") for entries
// never delivered to the group, else the consumer's pending entries after
// After. Always answers the key even with nothing new (a blocked
// XREADGROUP served because the stream's last ID passed the group's).
type GroupRead struct {
	Key    string
	New    bool
	After  StreamID
	Always bool
}

// GroupReadResult is one key's part of XREADGROUP's reply.
type GroupReadResult struct {
	Key     string
	Entries []GroupEntry
}

// XGroupState reports whether key holds a stream, and whether that has
// the group (ErrWrongType for another type): XGROUP's checks, made before
// it reads its ID, as Redis makes them.
func (e *Engine) XGroupState(d int, key, group string) (stream, hasGroup bool, err error) {
	e.lock()
	defer e.unlock()
	c, err := e.collPeek(d, key, TypeStream)
	if c == nil {
		return false, false, err
	}
	return true, c.(*streamObj).group(group) >= 0, nil
}

// XGroupCheck reports ErrNoGroup (or ErrWrongType) unless every key holds
// a stream with the group, as XREADGROUP checks before reading.
func (e *Engine) XGroupCheck(d int, group string, keys []string) error {
	e.lock()
	defer e.unlock()
	for _, k := range keys {
		c, err := e.collPeek(d, k, TypeStream)
		if err != nil {
			return err
		}
		if c == nil || c.(*streamObj).group(group) < 0 {
			return &NoGroupError{Key: k}
		}
	}
	return nil
}

// NoGroupError is ErrNoGroup for the key named.
type NoGroupError struct{ Key string }

func (e *NoGroupError) Error() string { return ErrNoGroup.Error() + " for key " + e.Key }
func (e *NoGroupError) Unwrap() error { return ErrNoGroup }

// XReadGroup reads as the group's consumer (created if missing), at most
// count entries per key (0: all): new entries, which become pending for
// the consumer unless noAck, or the consumer's pending ones, delivered
// again. Keys with no new entries are left out; a reading of pending
// entries always answers its key.
func (e *Engine) XReadGroup(d int, group, consumer string, reads []GroupRead, count int64, noAck bool) ([]GroupReadResult, error) {
	e.lock()
	defer e.unlock()
	now := e.nowMs()
	// Every key's group first, in the same critical section: nothing is
	// read unless all are there.
	for _, r := range reads {
		c, err := e.collPeek(d, r.Key, TypeStream)
		if err != nil {
			return nil, err
		}
		if c == nil || c.(*streamObj).group(group) < 0 {
			return nil, &NoGroupError{Key: r.Key}
		}
	}
	var out []GroupReadResult
	for _, r := range reads {
		en, s, i, err := e.groupWrite(d, r.Key, group)
		if err != nil {
			if err == ErrNoGroup {
				err = &NoGroupError{Key: r.Key}
			}
			return nil, err
		}
		g := s.groups[i]
		var ents []GroupEntry
		var ids []StreamID
		if r.New {
			// A key with nothing new is passed over: its consumer is
			// neither made nor seen, as in Redis.
			from, _ := g.last.Next()
			if g.last == MaxStreamID {
				continue
			}
			got := s.rangeOf(from, MaxStreamID, count, false)
			if len(got) == 0 && !r.Always {
				continue
			}
			e.seeLocked(d, r.Key, &en, s, i, consumer, now)
			if len(got) == 0 {
				out = append(out, GroupReadResult{Key: r.Key, Entries: []GroupEntry{}})
				continue
			}
			s.changeGroup(i, func(g *streamGroup) {
				for _, x := range got {
					s.deliver(g, x.ID)
					if !noAck {
						g.setPending(x.ID, consumer, now, 1)
					}
					ents = append(ents, GroupEntry{StreamEntry: x})
					ids = append(ids, x.ID)
				}
			})
			e.saveStream(d, r.Key, &en, true, s, groupPosWords("XGSETID", g)...)
		} else {
			e.seeLocked(d, r.Key, &en, s, i, consumer, now)
			s.changeGroup(i, func(g *streamGroup) {
				start, _ := g.pending(r.After)
				for j := start; j < len(g.pel); j++ {
					p := &g.pel[j]
					if p.id.Compare(r.After) <= 0 || p.consumer != consumer {
						continue
					}
					if count > 0 && int64(len(ents)) >= count {
						break
					}
					if x := s.entryAt(p.id); x != nil {
						ents = append(ents, GroupEntry{StreamEntry: entryOut(x)})
						g.setPending(p.id, consumer, now, p.count+1)
						ids = append(ids, p.id)
					} else {
						ents = append(ents, GroupEntry{StreamEntry: StreamEntry{ID: p.id}, Deleted: true})
					}
				}
			})
			if ents == nil {
				ents = []GroupEntry{}
			}
		}
		if len(ids) > 0 && (!r.New || !noAck) {
			e.saveStream(d, r.Key, &en, true, s, pelWords(g, consumer, ids)...)
		}
		out = append(out, GroupReadResult{Key: r.Key, Entries: ents})
	}
	return out, nil
}

// XGroupHasNew reports whether the last ID of key's stream is past its
// group's (a blocked XREADGROUP's wait is over, as Redis decides it), or
// the stream no longer holds the group (the wait ends with an error).
func (e *Engine) XGroupHasNew(d int, key, group string) bool {
	e.lock()
	defer e.unlock()
	c, err := e.collPeek(d, key, TypeStream)
	if c == nil || err != nil {
		return true
	}
	s := c.(*streamObj)
	i := s.group(group)
	return i < 0 || s.last.Compare(s.groups[i].last) > 0
}

// XAck acknowledges ids in the group and returns how many were pending.
func (e *Engine) XAck(d int, key, group string, ids []StreamID) (int, error) {
	e.lock()
	defer e.unlock()
	en, s, i, err := e.groupWrite(d, key, group)
	if err == ErrNoGroup {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	words := [][]byte{word("XACK"), []byte(group)}
	s.changeGroup(i, func(g *streamGroup) {
		for _, id := range ids {
			if g.ack(id) {
				words = append(words, id.Append(nil))
			}
		}
	})
	if len(words) == 2 {
		return 0, nil
	}
	e.saveStream(d, key, &en, true, s, words...)
	return len(words) - 2, nil
}

// PendingEntry is one pending entry as XPENDING and XINFO show it.
type PendingEntry struct {
	ID       StreamID
	Consumer string
	Time     int64 // Unix ms of the last delivery
	Count    uint64
}

// PendingSummary is XPENDING's summary form.
type PendingSummary struct {
	Count       int
	First, Last StreamID
	Consumers   []ConsumerPending // by name, those with pending entries
}

// ConsumerPending is a consumer's number of pending entries.
type ConsumerPending struct {
	Name  string
	Count int
}

// groupRead returns key's stream and its group for a read: ErrNoGroup
// when either is missing.
func (e *Engine) groupRead(d int, key, group string) (*streamObj, *streamGroup, error) {
	s, err := e.streamRead(d, key)
	if err != nil {
		return nil, nil, err
	}
	if s == nil {
		return nil, nil, ErrNoGroup
	}
	i := s.group(group)
	if i < 0 {
		return nil, nil, ErrNoGroup
	}
	return s, s.groups[i], nil
}

// XPendingSummary answers XPENDING key group.
func (e *Engine) XPendingSummary(d int, key, group string) (PendingSummary, error) {
	e.lock()
	defer e.unlock()
	_, g, err := e.groupRead(d, key, group)
	if err != nil {
		return PendingSummary{}, err
	}
	out := PendingSummary{Count: len(g.pel)}
	if len(g.pel) == 0 {
		return out, nil
	}
	out.First, out.Last = g.pel[0].id, g.pel[len(g.pel)-1].id
	for _, c := range g.consumers {
		if n := g.consumerPending(c.name); n > 0 {
			out.Consumers = append(out.Consumers, ConsumerPending{c.name, n})
		}
	}
	return out, nil
}

// XPendingRange answers XPENDING's extended form: the pending entries
// from start to end, at most count, of consumer, idle at least
// minIdle ms (consumer nil: any); and the engine's time, to tell their
// idle times.
func (e *Engine) XPendingRange(d int, key, group string, minIdle int64, start, end StreamID, count int64, consumer *string) ([]PendingEntry, int64, error) {
	e.lock()
	defer e.unlock()
	_, g, err := e.groupRead(d, key, group)
	if err != nil {
		return nil, 0, err
	}
	now := e.nowMs()
	out := []PendingEntry{}
	if count <= 0 || start.Compare(end) > 0 {
		return out, now, nil
	}
	i, _ := g.pending(start)
	for ; i < len(g.pel) && int64(len(out)) < count; i++ {
		p := g.pel[i]
		if p.id.Compare(end) > 0 {
			break
		}
		if (consumer != nil && p.consumer != *consumer) || now-p.time < minIdle {
			continue
		}
		out = append(out, PendingEntry{p.id, p.consumer, p.time, p.count})
	}
	return out, now, nil
}

// ClaimOptions are XCLAIM's options: Time, when set (not -1), is the
// delivery time to give (IDLE and TIME give it, the last one given wins;
// a time before 0 or after now is now), Retry the delivery count (< 0:
// one more, unless JustID), Force claims entries not pending, LastID moves
// the group's last ID forward (when set).
type ClaimOptions struct {
	Time, Retry   int64
	Force, JustID bool
	LastID        *StreamID
}

// claimLocked gives the pending entry at index j of group i of key's
// stream to consumer, made and seen on its first claim (made is where
// the caller keeps that), with delivery time at and deliveries count.
func (e *Engine) claimLocked(d int, key string, en *entry, s *streamObj, i, j int, consumer string, at int64, count uint64, made *bool, now int64) {
	if !*made {
		*made = true
		e.seeLocked(d, key, en, s, i, consumer, now)
	}
	s.changeGroup(i, func(g *streamGroup) { g.setPending(g.pel[j].id, consumer, at, count) })
}

// XClaim gives the pending entries of ids idle at least minIdle ms to
// consumer, as XCLAIM does, and returns them; the consumer is made (and
// seen) on its first claim. An entry the stream no longer holds leaves the
// PEL and is not returned.
func (e *Engine) XClaim(d int, key, group, consumer string, minIdle int64, ids []StreamID, o ClaimOptions) ([]GroupEntry, error) {
	e.lock()
	defer e.unlock()
	en, s, i, err := e.groupWrite(d, key, group)
	if err != nil {
		return nil, err
	}
	now := e.nowMs()
	g := s.groups[i]
	if o.LastID != nil && o.LastID.Compare(g.last) > 0 {
		s.changeGroup(i, func(g *streamGroup) { g.last = *o.LastID })
		e.saveStream(d, key, &en, true, s, groupPosWords("XGSETID", g)...)
	}
	deliveryTime := now
	if o.Time != -1 && o.Time >= 0 && o.Time <= now {
		deliveryTime = o.Time
	}
	out := []GroupEntry{}
	var claimed, gone []StreamID
	made := false
	for _, id := range ids {
		x := s.entryAt(id)
		j, ok := g.pending(id)
		fresh := false
		switch {
		case !ok && (!o.Force || x == nil):
			continue
		case !ok:
			// FORCE: a new pending entry, delivered once, whatever the
			// idle time asked for.
			if !made {
				made = true
				e.seeLocked(d, key, &en, s, i, consumer, now)
			}
			s.changeGroup(i, func(g *streamGroup) { g.setPending(id, consumer, now, 1) })
			j, _ = g.pending(id)
			fresh = true
		case x == nil:
			s.changeGroup(i, func(g *streamGroup) { g.ack(id) })
			gone = append(gone, id)
			continue
		}
		p := g.pel[j]
		if !fresh && minIdle > 0 && now-p.time < minIdle {
			continue
		}
		count := p.count
		switch {
		case o.Retry >= 0:
			count = uint64(o.Retry)
		case !o.JustID:
			count++
		}
		e.claimLocked(d, key, &en, s, i, j, consumer, deliveryTime, count, &made, now)
		claimed = append(claimed, id)
		if o.JustID {
			out = append(out, GroupEntry{StreamEntry: StreamEntry{ID: id}})
		} else {
			out = append(out, GroupEntry{StreamEntry: entryOut(x)})
		}
	}
	if len(gone) > 0 {
		e.saveStream(d, key, &en, true, s, ackWords(group, gone)...)
	}
	if len(claimed) > 0 {
		e.saveStream(d, key, &en, true, s, pelWords(g, consumer, claimed)...)
	}
	return out, nil
}

// XAutoClaim claims, as XCLAIM with no options, the pending entries idle
// at least minIdle ms from start on, at most count (entries the stream no
// longer holds count too: they leave the PEL and are returned in
// deleted), looking at most at count*10 entries. next is where to go on
// (0-0: done). The consumer is made (and seen) on its first claim.
func (e *Engine) XAutoClaim(d int, key, group, consumer string, minIdle int64, start StreamID, count int64, justID bool) (next StreamID, out []GroupEntry, deleted []StreamID, err error) {
	e.lock()
	defer e.unlock()
	en, s, i, err := e.groupWrite(d, key, group)
	if err != nil {
		return next, nil, nil, err
	}
	now := e.nowMs()
	g := s.groups[i]
	out, deleted = []GroupEntry{}, []StreamID{}
	var claimed []StreamID
	attempts := count * 10
	made := false
	j, _ := g.pending(start)
	for j < len(g.pel) && attempts > 0 && count > 0 {
		attempts--
		p := g.pel[j]
		x := s.entryAt(p.id)
		if x == nil {
			deleted = append(deleted, p.id)
			s.changeGroup(i, func(g *streamGroup) { g.ack(p.id) })
			count--
			continue
		}
		if minIdle > 0 && now-p.time < minIdle {
			j++
			continue
		}
		n := p.count
		if !justID {
			n++
		}
		e.claimLocked(d, key, &en, s, i, j, consumer, now, n, &made, now)
		claimed = append(claimed, p.id)
		if justID {
			out = append(out, GroupEntry{StreamEntry: StreamEntry{ID: p.id}})
		} else {
			out = append(out, GroupEntry{StreamEntry: entryOut(x)})
		}
		count--
		j++
	}
	if j < len(g.pel) {
		next = g.pel[j].id
	}
	if len(deleted) > 0 {
		e.saveStream(d, key, &en, true, s, ackWords(group, deleted)...)
	}
	if len(claimed) > 0 {
		e.saveStream(d, key, &en, true, s, pelWords(g, consumer, claimed)...)
	}
	return next, out, deleted, nil
}

// GroupInfo is one group as XINFO GROUPS and XINFO STREAM FULL show it.
type GroupInfo struct {
	Name      string
	Consumers int
	Pending   int
	Last      StreamID
	Read      int64 // -1: not known
	Lag       int64
	LagKnown  bool
	PEL       []PendingEntry // FULL: the first count
	Members   []ConsumerInfo // FULL
}

// ConsumerInfo is one consumer as XINFO CONSUMERS and FULL show it.
type ConsumerInfo struct {
	Name    string
	Seen    int64
	Pending int
	PEL     []PendingEntry // FULL: the first count
}

// groupInfo describes g; with full, its PEL and consumers' (count: at
// most that many pending entries each, 0: all).
func (s *streamObj) groupInfo(g *streamGroup, full bool, count int64) GroupInfo {
	in := GroupInfo{Name: g.name, Consumers: len(g.consumers), Pending: len(g.pel), Last: g.last, Read: g.read}
	in.Lag, in.LagKnown = s.lag(g)
	if !full {
		return in
	}
	in.PEL = []PendingEntry{}
	for _, p := range g.pel {
		if count > 0 && int64(len(in.PEL)) >= count {
			break
		}
		in.PEL = append(in.PEL, PendingEntry{p.id, p.consumer, p.time, p.count})
	}
	for _, c := range g.consumers {
		ci := ConsumerInfo{Name: c.name, Seen: c.seen, Pending: g.consumerPending(c.name), PEL: []PendingEntry{}}
		for _, p := range g.pel {
			if count > 0 && int64(len(ci.PEL)) >= count {
				break
			}
			if p.consumer == c.name {
				ci.PEL = append(ci.PEL, PendingEntry{p.id, p.consumer, p.time, p.count})
			}
		}
		in.Members = append(in.Members, ci)
	}
	return in
}

// XInfoGroups answers XINFO GROUPS; ok is false for a missing key.
func (e *Engine) XInfoGroups(d int, key string) ([]GroupInfo, bool, error) {
	e.lock()
	defer e.unlock()
	c, err := e.collPeek(d, key, TypeStream)
	if c == nil {
		return nil, false, err
	}
	s := c.(*streamObj)
	out := []GroupInfo{}
	for _, g := range s.groups {
		out = append(out, s.groupInfo(g, false, 0))
	}
	return out, true, nil
}

// XInfoConsumers answers XINFO CONSUMERS, with the engine's time to tell
// idle times; ok is false for a missing key.
func (e *Engine) XInfoConsumers(d int, key, group string) (out []ConsumerInfo, now int64, ok bool, err error) {
	e.lock()
	defer e.unlock()
	c, err := e.collPeek(d, key, TypeStream)
	if c == nil {
		return nil, 0, false, err
	}
	s := c.(*streamObj)
	i := s.group(group)
	if i < 0 {
		return nil, 0, true, ErrNoGroup
	}
	g := s.groups[i]
	out = []ConsumerInfo{}
	for _, cn := range g.consumers {
		out = append(out, ConsumerInfo{Name: cn.name, Seen: cn.seen, Pending: g.consumerPending(cn.name)})
	}
	return out, e.nowMs(), true, nil
}
