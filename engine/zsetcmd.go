package engine

import (
	"errors"
	"math"
	"slices"
	"strconv"

	"github.com/nadb-server/nadb-server/engine/slab"
)

// The sorted set commands that read or change one key. Every change is
// reported as ZADD of absolute scores or ZREM of members (zsetApplyOps).

// ErrScoreNaN: an increment would make a score NaN.
var ErrScoreNaN = errors.New("resulting score is not a number (NaN)")

// ZMember is a member of a sorted set and its score.
type ZMember struct {
	Member string
	Score  float64
}

// ZAddOptions are ZADD's flags.
type ZAddOptions struct {
	NX, XX, GT, LT, CH, Incr bool
}

// scoreWord is score s as the ZADD operation carries it.
func scoreWord(s float64) []byte { return strconv.AppendFloat(nil, s, 'g', -1, 64) }

// zsetWrite returns key's sorted set for a change, a new empty one when
// the key is missing (found false).
func (e *Engine) zsetWrite(d int, key string) (en entry, z *zsetObj, found bool, err error) {
	en, c, found, err := e.collWrite(d, key, TypeZSet)
	if err != nil {
		return en, nil, found, err
	}
	if !found {
		return en, newZSet(e.climits).(*zsetObj), false, nil
	}
	return en, c.(*zsetObj), true, nil
}

// zsetRead returns key's sorted set for a read (nil when missing).
func (e *Engine) zsetRead(d int, key string) (*zsetObj, error) {
	c, err := e.collRead(d, key, TypeZSet)
	if c == nil || err != nil {
		return nil, err
	}
	return c.(*zsetObj), nil
}

// ZAdd runs ZADD: it gives each member its score as opt says and returns
// the count ZADD answers (members added, plus those changed with CH).
// With Incr (one member) it returns instead the member's new score, and
// ok false when NX, XX, GT or LT kept it from changing.
func (e *Engine) ZAdd(d int, key string, opt ZAddOptions, scores []float64, members [][]byte) (n int, score float64, ok bool, err error) {
	e.lock()
	defer e.unlock()
	en, z, found, err := e.zsetWrite(d, key)
	if err != nil || (!found && opt.XX) {
		return 0, 0, false, err
	}
	var words [][]byte
	added, changed := 0, 0
	for i, m := range members {
		ms := string(m)
		s := scores[i]
		cur, had := z.score(ms)
		switch {
		case had && opt.NX, !had && opt.XX:
			continue
		case had:
			if opt.Incr {
				s += cur
				if math.IsNaN(s) {
					return 0, 0, false, ErrScoreNaN
				}
			}
			if (opt.LT && s >= cur) || (opt.GT && s <= cur) {
				continue
			}
			ok, score = true, s
			if s != cur {
				z.set(ms, s, e.climits)
				changed++
				words = append(words, scoreWord(s), m)
			}
		default:
			ok, score = true, s
			z.set(ms, s, e.climits)
			added++
			words = append(words, scoreWord(s), m)
		}
	}
	if len(words) > 0 {
		e.saveColl(d, key, &en, found, z)
		e.emitApply(d, keyOf(&en, found, key), append([][]byte{[]byte("ZADD")}, words...)...)
		event := "zadd"
		if opt.Incr {
			event = "zincr"
		}
		e.notify(EventZSet, event, d, key)
	}
	if opt.CH {
		return added + changed, score, ok, nil
	}
	return added, score, ok, nil
}

// ZIncrBy adds incr to member's score (from 0 when new) and returns the
// new score.
func (e *Engine) ZIncrBy(d int, key string, incr float64, member []byte) (float64, error) {
	_, s, _, err := e.ZAdd(d, key, ZAddOptions{Incr: true}, []float64{incr}, [][]byte{member})
	return s, err
}

// ZRem removes members and returns how many were there.
func (e *Engine) ZRem(d int, key string, members [][]byte) (int, error) {
	e.lock()
	defer e.unlock()
	en, z, found, err := e.zsetWrite(d, key)
	if err != nil || !found {
		return 0, err
	}
	var removed [][]byte
	for _, m := range members {
		if z.del(string(m)) {
			removed = append(removed, m)
		}
	}
	e.saveRemoved(d, &en, z, removed, "zrem")
	return len(removed), nil
}

// saveRemoved saves z after removing members and reports the ZREM; event
// is the command's keyspace event.
func (e *Engine) saveRemoved(d int, en *entry, z *zsetObj, removed [][]byte, event string) {
	if len(removed) == 0 {
		return
	}
	k := en.key
	e.saveColl(d, k, en, true, z)
	e.emitApply(d, k, append([][]byte{[]byte("ZREM")}, removed...)...)
	e.notifyEmptied(EventZSet, event, d, k, z.n == 0)
}

// ZScore returns member's score.
func (e *Engine) ZScore(d int, key string, member []byte) (float64, bool, error) {
	e.lock()
	defer e.unlock()
	z, err := e.zsetRead(d, key)
	if z == nil {
		return 0, false, err
	}
	s, ok := z.score(string(member))
	return s, ok, nil
}

// ZMScore returns the scores of members (ok false for a missing one).
func (e *Engine) ZMScore(d int, key string, members [][]byte) ([]float64, []bool, error) {
	e.lock()
	defer e.unlock()
	z, err := e.zsetRead(d, key)
	scores, ok := make([]float64, len(members)), make([]bool, len(members))
	if z == nil {
		return scores, ok, err
	}
	for i, m := range members {
		scores[i], ok[i] = z.score(string(m))
	}
	return scores, ok, nil
}

// ZCard returns the number of members.
func (e *Engine) ZCard(d int, key string) (int, error) {
	e.lock()
	defer e.unlock()
	z, err := e.zsetRead(d, key)
	if z == nil {
		return 0, err
	}
	return z.n, nil
}

// ZRank returns member's rank, from the lowest score (from the highest
// when rev).
func (e *Engine) ZRank(d int, key string, member []byte, rev bool) (rank int, score float64, ok bool, err error) {
	e.lock()
	defer e.unlock()
	z, err := e.zsetRead(d, key)
	if z == nil {
		return 0, 0, false, err
	}
	r, ok := z.rank(string(member))
	if !ok {
		return 0, 0, false, nil
	}
	if rev {
		r = z.n - 1 - r
	}
	score, _ = z.score(string(member))
	return r, score, true, nil
}

// ZCount returns how many members the range holds (by score or by lex:
// spec.By; offsets and order are not looked at).
func (e *Engine) ZCount(d int, key string, spec ZRangeSpec) (int, error) {
	e.lock()
	defer e.unlock()
	z, err := e.zsetRead(d, key)
	if z == nil {
		return 0, err
	}
	lo, hi := z.bounds(&spec)
	return max(hi-lo, 0), nil
}

// ZRange returns the members spec selects, in its order.
func (e *Engine) ZRange(d int, key string, spec ZRangeSpec) ([]ZMember, error) {
	e.lock()
	defer e.unlock()
	z, err := e.zsetRead(d, key)
	if z == nil {
		return nil, err
	}
	return members(z.selectRange(&spec)), nil
}

// ZRanges returns, for each spec, the members it selects of key's sorted
// set: one read of the key, as a GEO search's cells are.
func (e *Engine) ZRanges(d int, key string, specs []ZRangeSpec) ([][]ZMember, error) {
	e.lock()
	defer e.unlock()
	z, err := e.zsetRead(d, key)
	if z == nil {
		return nil, err
	}
	out := make([][]ZMember, len(specs))
	for i := range specs {
		out[i] = members(z.selectRange(&specs[i]))
	}
	return out, nil
}

// ZRangeStore stores in dst the members spec selects of src and returns
// how many; an empty result deletes dst.
func (e *Engine) ZRangeStore(d int, dst, src string, spec ZRangeSpec) (int, error) {
	e.lock()
	defer e.unlock()
	z, err := e.zsetRead(d, src)
	if err != nil {
		return 0, err
	}
	var sel []zent
	if z != nil {
		sel = z.selectRange(&spec)
	}
	return e.storeZSetLocked(d, dst, sel, "zrangestore"), nil
}

// storeZSetLocked stores the members (no duplicates) as dst's new value
// and returns how many; event is the command's keyspace event.
func (e *Engine) storeZSetLocked(d int, dst string, ms []zent, event string) int {
	// Built as a replica builds it from the packed value (zsetFromPacked:
	// in the encoding the whole value calls for, then in order), so it
	// need not be built again from that value. Each insert adds to the
	// last chunk.
	slices.SortFunc(ms, zcompare)
	out := zsetFor(ms, e.climits)
	for _, m := range ms {
		out.insert(m.m, m.s, e.climits)
	}
	start := len(e.hbuf)
	e.hbuf = out.pack(e.hbuf)
	if e.storeBuiltLocked(d, dst, out, e.hbuf[start:len(e.hbuf):len(e.hbuf)], 0) {
		e.notify(EventZSet, event, d, dst)
	}
	return out.n
}

// ZRemRange removes the members spec selects (by rank, score or lex) and
// returns how many.
func (e *Engine) ZRemRange(d int, key string, spec ZRangeSpec) (int, error) {
	e.lock()
	defer e.unlock()
	en, z, found, err := e.zsetWrite(d, key)
	if err != nil || !found {
		return 0, err
	}
	sel := z.selectRange(&spec)
	removed := make([][]byte, len(sel))
	for i, m := range sel {
		z.remove(m.m, m.s)
		removed[i] = []byte(m.m)
	}
	e.saveRemoved(d, &en, z, removed, [...]string{ZByRank: "zremrangebyrank", ZByScore: "zremrangebyscore", ZByLex: "zremrangebylex"}[spec.By])
	return len(removed), nil
}

// ZPop removes and returns up to count members of the lowest scores (the
// highest when max), in that order.
func (e *Engine) ZPop(d int, key string, count int, max bool) ([]ZMember, error) {
	e.lock()
	defer e.unlock()
	return e.zpopLocked(d, key, count, max)
}

func (e *Engine) zpopLocked(d int, key string, count int, max bool) ([]ZMember, error) {
	en, z, found, err := e.zsetWrite(d, key)
	if err != nil || !found || count <= 0 {
		return nil, err
	}
	count = min(count, z.n)
	var sel []zent
	if max {
		sel = z.slice(z.n-count, z.n, true)
	} else {
		sel = z.slice(0, count, false)
	}
	removed := make([][]byte, len(sel))
	for i, m := range sel {
		z.remove(m.m, m.s)
		removed[i] = []byte(m.m)
	}
	event := "zpopmin"
	if max {
		event = "zpopmax"
	}
	e.saveRemoved(d, &en, z, removed, event)
	return members(sel), nil
}

// ZMPop pops up to count members from the first of keys whose sorted set
// is not empty, and returns that key ("" when all are missing).
func (e *Engine) ZMPop(d int, keys []string, count int, max bool) (string, []ZMember, error) {
	e.lock()
	defer e.unlock()
	for _, k := range keys {
		// A lookup for a write, as Redis's: no hit nor miss counted.
		z, err := e.collPeek(d, k, TypeZSet)
		if err != nil {
			return "", nil, err
		}
		if z == nil {
			continue
		}
		out, err := e.zpopLocked(d, k, count, max)
		return k, out, err
	}
	return "", nil, nil
}

// ZRandMember returns random members: count > 0 asks for up to count
// distinct members; count < 0 for -count that may repeat.
func (e *Engine) ZRandMember(d int, key string, count int64) ([]ZMember, error) {
	e.lock()
	defer e.unlock()
	z, err := e.zsetRead(d, key)
	if z == nil || count == 0 {
		return nil, err
	}
	n := z.n
	switch {
	case count < 0:
		out := make([]ZMember, 0, int(-count))
		for range -count {
			m := z.at(e.randIntn(n))
			out = append(out, ZMember{m.m, m.s})
		}
		return out, nil
	case count >= int64(n):
		// The whole set, from the highest score down, as Redis answers.
		return members(z.slice(0, n, true)), nil
	case count*4 < int64(n):
		// Few of many: draw ranks, skipping those drawn already.
		seen := make(map[int]bool, count)
		out := make([]ZMember, 0, int(count))
		for int64(len(out)) < count {
			if r := e.randIntn(n); !seen[r] {
				seen[r] = true
				m := z.at(r)
				out = append(out, ZMember{m.m, m.s})
			}
		}
		return out, nil
	}
	// A partial Fisher-Yates shuffle of all the members.
	all := z.slice(0, n, false)
	for i := range int(count) {
		j := i + e.randIntn(n-i)
		all[i], all[j] = all[j], all[i]
	}
	return members(all[:count]), nil
}

// ZScan runs one ZSCAN step: the members matching pattern (see scanMatch)
// and their scores, and the next cursor (0: done). A listpack gives all
// its members at once (listpack is then set: Redis's listpack keeps a
// whole score within 2^62 as an integer, and ZSCAN replies it so); a
// skiplist is walked with its index's cursor.
func (e *Engine) ZScan(d int, key string, cursor uint64, pattern string, count int) (next uint64, ms []ZMember, listpack bool, err error) {
	e.lock()
	defer e.unlock()
	z, err := e.zsetRead(d, key)
	if z == nil {
		return 0, nil, false, err
	}
	var out []ZMember
	seen := 0 // as Redis, count members and scores before the pattern filters them
	keep := func(m string, s float64) {
		seen += 2
		if scanMatch(pattern, m) {
			out = append(out, ZMember{m, s})
		}
	}
	if z.idx == nil {
		z.each(0, z.n, false, func(m zent) bool {
			keep(m.m, m.s)
			return true
		})
		return 0, out, true, nil
	}
	count = max(count, 1)
	for buckets := 0; ; buckets++ {
		cursor = z.idx.Scan(cursor, func(r slab.Entry) {
			keep(string(r.Key), scoreOf(r.Value))
		})
		if cursor == 0 || seen >= count || buckets >= count*10 {
			break
		}
	}
	return cursor, out, false, nil
}

// members copies zents out as ZMembers.
func members(ms []zent) []ZMember {
	out := make([]ZMember, len(ms))
	for i, m := range ms {
		out[i] = ZMember{m.m, m.s}
	}
	return out
}

// ZStore makes dst a sorted set of members (distinct), without expiry,
// whatever it held, or deletes it when members is empty; it returns how
// many members it holds (GEOSEARCHSTORE, GEORADIUS ... STORE, whose
// keyspace event is event).
func (e *Engine) ZStore(d int, dst string, members []ZMember, event string) int {
	e.lock()
	defer e.unlock()
	ms := make([]zent, len(members))
	for i, m := range members {
		ms[i] = zent{m: m.Member, s: m.Score}
	}
	return e.storeZSetLocked(d, dst, ms, event)
}
