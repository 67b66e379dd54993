package engine_test

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nadb-server/nadb-server/engine"
)

// The property tests drive a primary engine with random commands over a
// small key set while a fake clock advances, then check it two ways:
//   - TestReplicationProperty ships every recorded effect group to a replica
//     with Apply and requires the two keyspaces (and digests) to be equal;
//   - TestModelProperty replays the same commands on a plain-map model of
//     Redis 7 semantics and requires equal replies and equal live data.

const (
	propDBs     = 3
	propMaxSize = 64
)

var propKeys = []string{"a", "b", "c", "d", "e", "f"}

var propVals = []string{"", "0", "1", "-3", "42", "abc", "10.5", "x y", "9223372036854775807", "-9223372036854775808", "1e3", "01"}

type opKind int

const (
	opSet opKind = iota
	opGet
	opMGet
	opMSet
	opGetDel
	opGetEx
	opAppend
	opIncrBy
	opIncrByFloat
	opSetRange
	opGetRange
	opStrLen
	opDel
	opExists
	opType
	opRename
	opExpire
	opPersist
	opTTL
	opExpireTime
	opMove
	opCopy
	opFlushDB
	opFlushAll
	opRandomKey
	opActiveExpire
	opKeys
	opScan
	opKinds
)

var opNames = [...]string{"SET", "GET", "MGET", "MSET", "GETDEL", "GETEX", "APPEND", "INCRBY", "INCRBYFLOAT",
	"SETRANGE", "GETRANGE", "STRLEN", "DEL", "EXISTS", "TYPE", "RENAME", "EXPIRE", "PERSIST", "TTL", "EXPIRETIME",
	"MOVE", "COPY", "FLUSHDB", "FLUSHALL", "RANDOMKEY", "ACTIVEEXPIRE", "KEYS", "SCAN"}

func (k opKind) String() string { return opNames[k] }

// op is one random command; only the fields its kind needs are set.
type op struct {
	kind       opKind
	d, d2      int
	k, k2      string
	keys       []string
	val        string
	pairs      []string
	opts       engine.SetOptions
	change     engine.ExpireChange
	at         int64
	cond       engine.ExpireCond
	delta      int64
	fdelta     float64
	off        int64
	start, end int64
	nx         bool
}

func (o op) String() string {
	return fmt.Sprintf("%+v", struct {
		Kind            opKind
		D, D2           int
		K, K2           string
		Keys            []string
		Val             string
		Pairs           []string
		Opts            engine.SetOptions
		Change          engine.ExpireChange
		At              int64
		Cond            engine.ExpireCond
		Delta           int64
		FDelta          float64
		Off, Start, End int64
		NX              bool
	}{o.kind, o.d, o.d2, o.k, o.k2, o.keys, o.val, o.pairs, o.opts, o.change, o.at, o.cond, o.delta, o.fdelta, o.off, o.start, o.end, o.nx})
}

func randomOp(r *rand.Rand, now int64) op {
	key := func() string { return propKeys[r.IntN(len(propKeys))] }
	val := func() string {
		if r.IntN(4) == 0 {
			return strconv.Itoa(r.IntN(2000) - 1000)
		}
		return propVals[r.IntN(len(propVals))]
	}
	at := func() int64 {
		switch n := r.IntN(10); {
		case n < 3:
			return 0
		case n < 9:
			return now + 1 + r.Int64N(3000)
		default:
			return now - r.Int64N(1000)
		}
	}
	keys := func() []string {
		n := 1 + r.IntN(3)
		out := make([]string, n)
		for i := range out {
			out[i] = key()
		}
		return out
	}
	o := op{d: r.IntN(propDBs), d2: r.IntN(propDBs), k: key(), k2: key(), val: val()}
	// Weighted towards writes; flushes are rare so data accumulates.
	switch n := r.IntN(100); {
	case n < 2:
		if r.IntN(3) == 0 {
			o.kind = opFlushAll
		} else {
			o.kind = opFlushDB
		}
	default:
		o.kind = opKind(r.IntN(int(opKinds)))
		if o.kind == opFlushDB || o.kind == opFlushAll {
			o.kind = opSet
		}
	}
	switch o.kind {
	case opSet:
		switch r.IntN(5) {
		case 0:
			o.opts.NX = true
		case 1:
			o.opts.XX = true
		}
		o.opts.Get = r.IntN(3) == 0
		if r.IntN(5) == 0 {
			o.opts.KeepTTL = true
		} else {
			o.opts.ExpireAt = at()
		}
	case opMGet, opDel, opExists:
		o.keys = keys()
	case opMSet:
		n := 1 + r.IntN(3)
		for range n {
			o.pairs = append(o.pairs, key(), val())
		}
		o.nx = r.IntN(2) == 0
	case opGetEx:
		switch r.IntN(3) {
		case 0:
			o.change = engine.ExpireChange{Set: true, At: at()}
		case 1:
			o.change = engine.ExpireChange{Persist: true}
		}
	case opIncrBy:
		o.delta = r.Int64N(11) - 5
		switch r.IntN(20) {
		case 0:
			o.delta = math.MaxInt64
		case 1:
			o.delta = math.MinInt64
		}
	case opIncrByFloat:
		o.fdelta = float64(r.IntN(41)-20) / 4
	case opSetRange:
		o.off = r.Int64N(12)
		if r.IntN(10) == 0 {
			o.off = propMaxSize - 1
		}
	case opGetRange:
		o.start, o.end = r.Int64N(21)-10, r.Int64N(21)-10
	case opRename:
		o.nx = r.IntN(2) == 0
	case opExpire:
		o.at = at()
		if o.at == 0 {
			o.at = now + 1 + r.Int64N(3000)
		}
		// One condition, or XX with GT or LT, as the commands allow.
		o.cond = []engine.ExpireCond{engine.ExpireAlways, engine.ExpireNX, engine.ExpireXX, engine.ExpireGT, engine.ExpireLT,
			engine.ExpireXX | engine.ExpireGT, engine.ExpireXX | engine.ExpireLT}[r.IntN(7)]
	case opCopy:
		o.nx = r.IntN(2) == 0 // replace
	}
	return o
}

func errText(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// runEngine runs o on e and renders the reply.
func (o op) runEngine(t *testing.T, e *engine.Engine) string {
	switch o.kind {
	case opSet:
		r := e.Set(o.d, o.k, []byte(o.val), o.opts)
		return fmt.Sprintf("done=%v old=%q had=%v", r.Done, r.Old, r.HadOld)
	case opGet:
		v, ok := e.Get(o.d, o.k)
		return fmt.Sprintf("%q %v", v, ok)
	case opMGet:
		var b strings.Builder
		for _, v := range e.MGet(o.d, o.keys) {
			if v == nil {
				b.WriteString("nil ")
			} else {
				fmt.Fprintf(&b, "%q ", v)
			}
		}
		return b.String()
	case opMSet:
		pairs := make([][]byte, len(o.pairs))
		for i, s := range o.pairs {
			pairs[i] = []byte(s)
		}
		return strconv.FormatBool(e.MSet(o.d, pairs, o.nx))
	case opGetDel:
		v, ok, _ := e.GetDel(o.d, o.k)
		return fmt.Sprintf("%q %v", v, ok)
	case opGetEx:
		v, ok, _ := e.GetEx(o.d, o.k, o.change)
		return fmt.Sprintf("%q %v", v, ok)
	case opAppend:
		n, err := e.Append(o.d, o.k, []byte(o.val))
		return fmt.Sprintf("%d %s", n, errText(err))
	case opIncrBy:
		n, err := e.IncrBy(o.d, o.k, o.delta)
		return fmt.Sprintf("%d %s", n, errText(err))
	case opIncrByFloat:
		v, err := e.IncrByFloat(o.d, o.k, []byte(strconv.FormatFloat(o.fdelta, 'g', -1, 64)))
		return fmt.Sprintf("%q %s", v, errText(err))
	case opSetRange:
		n, err := e.SetRange(o.d, o.k, o.off, []byte(o.val))
		return fmt.Sprintf("%d %s", n, errText(err))
	case opGetRange:
		return fmt.Sprintf("%q", must(e.GetRange(o.d, o.k, o.start, o.end)))
	case opStrLen:
		return strconv.Itoa(must(e.StrLen(o.d, o.k)))
	case opDel:
		return strconv.Itoa(e.Del(o.d, o.keys))
	case opExists:
		return strconv.Itoa(e.Exists(o.d, o.keys))
	case opType:
		return e.Type(o.d, o.k)
	case opRename:
		ok, err := e.Rename(o.d, o.k, o.k2, o.nx)
		return fmt.Sprintf("%v %s", ok, errText(err))
	case opExpire:
		return strconv.FormatBool(e.Expire(o.d, o.k, o.at, o.cond))
	case opPersist:
		return strconv.FormatBool(e.Persist(o.d, o.k))
	case opTTL:
		return strconv.FormatInt(e.TTL(o.d, o.k), 10)
	case opExpireTime:
		return strconv.FormatInt(e.ExpireTime(o.d, o.k), 10)
	case opMove:
		ok, err := e.Move(o.d, o.k, o.d2)
		return fmt.Sprintf("%v %s", ok, errText(err))
	case opCopy:
		ok, err := e.Copy(o.d, o.k, o.d2, o.k2, o.nx)
		return fmt.Sprintf("%v %s", ok, errText(err))
	case opFlushDB:
		e.FlushDB(o.d)
		return ""
	case opFlushAll:
		e.FlushAll()
		return ""
	case opRandomKey:
		k, ok := e.RandomKey(o.d)
		return fmt.Sprintf("%s %v", k, ok)
	case opActiveExpire:
		e.ActiveExpireCycle(time.Second)
		return ""
	case opKeys:
		ks := e.Keys(o.d, "*")
		slices.Sort(ks)
		return strings.Join(ks, ",")
	case opScan:
		seen := scanAll(t, e, o.d, "*", 2, "", nil)
		ks := make([]string, 0, len(seen))
		for k := range seen {
			ks = append(ks, k)
		}
		slices.Sort(ks)
		return strings.Join(ks, ",")
	}
	panic("unknown op")
}

func TestReplicationProperty(t *testing.T) {
	for seed := uint64(1); seed <= 8; seed++ {
		t.Run("seed="+strconv.FormatUint(seed, 10), func(t *testing.T) {
			clk := newFakeClock()
			sink := &recSink{}
			primary := engine.New(engine.Options{Databases: propDBs, Clock: clk, Sink: sink, MaxValueSize: propMaxSize})
			// Odd seeds report string patches and renames as such, even
			// ones as whole values (for a reference secondary).
			primary.SetCompactEffects(seed%2 == 1)
			replica := engine.New(engine.Options{Databases: propDBs, Clock: clk})
			replica.SetReplica(true)
			r := rand.New(rand.NewPCG(seed, 0xdecaf))
			var pending []engine.Effect
			applied, groupsSeen := 0, 0
			ship := func() {
				if len(pending) == 0 {
					return
				}
				replica.Apply(pending, func(engine.Digest) { applied++ })
				pending = pending[:0]
			}
			check := func(i int, what string) {
				require.Equal(t, sortedSnapshot(primary), sortedSnapshot(replica), "op %d: %s", i, what)
				require.Equal(t, primary.Digest(), replica.Digest(), "op %d: %s", i, what)
				require.Equal(t, engine.DigestOf(primary.Items()), primary.Digest(), "op %d: %s: the digest kept change by change is the data's", i, what)
				for d := range propDBs {
					require.Equal(t, primary.DBSize(d), replica.DBSize(d))
				}
				require.Equal(t, primary.Keyspace(), replica.Keyspace())
			}
			for i := range 2000 {
				clk.Advance(time.Duration(r.IntN(120)) * time.Millisecond)
				o := randomOp(r, clk.Ms())
				o.runEngine(t, primary)
				gs := sink.Take()
				groupsSeen += len(gs)
				for _, g := range gs {
					// Ship group by group, or batch several groups into one
					// Apply: both must give the same state.
					pending = append(pending, g...)
					if r.IntN(2) == 0 {
						ship()
					}
				}
				if i%250 == 249 || i == 1999 {
					ship()
					check(i, o.String())
					require.NoError(t, primary.CheckInvariants())
					require.NoError(t, replica.CheckInvariants())
				}
			}
			ship()
			check(2000, "end")
			require.Positive(t, applied)
			t.Logf("%d effect groups, %d Apply calls, %d keys at the end", groupsSeen, applied, primary.Len())
		})
	}
}

// model is a plain-map Redis 7 keyspace holding live keys only.
type model struct {
	dbs [propDBs]map[string]mEntry
}

type mEntry struct {
	val string
	at  int64
}

func newModel() *model {
	m := &model{}
	for i := range m.dbs {
		m.dbs[i] = map[string]mEntry{}
	}
	return m
}

// purge drops keys whose time has come.
func (m *model) purge(now int64) {
	for _, db := range m.dbs {
		for k, en := range db {
			if en.at != 0 && en.at <= now {
				delete(db, k)
			}
		}
	}
}

func (m *model) dump() []string {
	var out []string
	for d, db := range m.dbs {
		for k, en := range db {
			out = append(out, fmt.Sprintf("%d/%q=%q@%d", d, k, en.val, en.at))
		}
	}
	slices.Sort(out)
	return out
}

// liveSnapshot is sortedSnapshot without keys whose time has come.
func liveSnapshot(e *engine.Engine, now int64) []string {
	var out []string
	for _, it := range e.Items() {
		if it.ExpireAt == 0 || it.ExpireAt > now {
			out = append(out, fmt.Sprintf("%d/%q=%q@%d", it.DB, it.Key, it.Value, it.ExpireAt))
		}
	}
	slices.Sort(out)
	return out
}

func canonicalInt(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || strconv.FormatInt(n, 10) != s {
		return 0, false
	}
	return n, true
}

// run applies o to the model at now and renders the reply as runEngine
// does. Replies the model cannot predict (RandomKey) are checked by the
// caller.
func (m *model) run(o op, now int64) string {
	m.purge(now)
	db := m.dbs[o.d]
	switch o.kind {
	case opSet:
		cur, exists := db[o.k]
		var old []byte
		if o.opts.Get && exists {
			old = []byte(cur.val)
		}
		if (o.opts.NX && exists) || (o.opts.XX && !exists) {
			return fmt.Sprintf("done=%v old=%q had=%v", false, old, o.opts.Get && exists)
		}
		at := o.opts.ExpireAt
		if o.opts.KeepTTL && exists {
			at = cur.at
		}
		if at != 0 && at <= now {
			delete(db, o.k)
		} else {
			db[o.k] = mEntry{o.val, at}
		}
		return fmt.Sprintf("done=%v old=%q had=%v", true, old, o.opts.Get && exists)
	case opGet:
		if en, ok := db[o.k]; ok {
			return fmt.Sprintf("%q %v", en.val, true)
		}
		return fmt.Sprintf("%q %v", []byte(nil), false)
	case opMGet:
		var b strings.Builder
		for _, k := range o.keys {
			if en, ok := db[k]; ok {
				fmt.Fprintf(&b, "%q ", en.val)
			} else {
				b.WriteString("nil ")
			}
		}
		return b.String()
	case opMSet:
		if o.nx {
			for i := 0; i < len(o.pairs); i += 2 {
				if _, ok := db[o.pairs[i]]; ok {
					return "false"
				}
			}
		}
		for i := 0; i < len(o.pairs); i += 2 {
			db[o.pairs[i]] = mEntry{o.pairs[i+1], 0}
		}
		return "true"
	case opGetDel:
		if en, ok := db[o.k]; ok {
			delete(db, o.k)
			return fmt.Sprintf("%q %v", en.val, true)
		}
		return fmt.Sprintf("%q %v", []byte(nil), false)
	case opGetEx:
		en, ok := db[o.k]
		if !ok {
			return fmt.Sprintf("%q %v", []byte(nil), false)
		}
		switch {
		case o.change.Set && o.change.At <= now:
			delete(db, o.k)
		case o.change.Set:
			db[o.k] = mEntry{en.val, o.change.At}
		case o.change.Persist:
			db[o.k] = mEntry{en.val, 0}
		}
		return fmt.Sprintf("%q %v", en.val, true)
	case opAppend:
		en, ok := db[o.k]
		if !ok {
			db[o.k] = mEntry{o.val, 0}
			return fmt.Sprintf("%d %s", len(o.val), errText(nil))
		}
		if len(en.val)+len(o.val) > propMaxSize {
			return fmt.Sprintf("%d %s", 0, errText(engine.ErrTooLarge))
		}
		db[o.k] = mEntry{en.val + o.val, en.at}
		return fmt.Sprintf("%d %s", len(en.val)+len(o.val), errText(nil))
	case opIncrBy:
		en, ok := db[o.k]
		var cur int64
		if ok {
			n, valid := canonicalInt(en.val)
			if !valid {
				return fmt.Sprintf("%d %s", 0, errText(engine.ErrNotInteger))
			}
			cur = n
		}
		sum := cur + o.delta
		if (o.delta > 0 && sum < cur) || (o.delta < 0 && sum > cur) {
			return fmt.Sprintf("%d %s", 0, errText(engine.ErrOverflow))
		}
		db[o.k] = mEntry{strconv.FormatInt(sum, 10), en.at}
		return fmt.Sprintf("%d %s", sum, errText(nil))
	case opIncrByFloat:
		// Redis adds in long double: a 64-bit mantissa.
		en, ok := db[o.k]
		cur := new(big.Float).SetPrec(64)
		if ok {
			if _, valid := engine.ParseFloat([]byte(en.val)); !valid {
				return fmt.Sprintf("%q %s", []byte(nil), errText(engine.ErrNotFloat))
			}
			cur.Parse(en.val, 0)
		}
		cur.Add(cur, new(big.Float).SetPrec(64).SetFloat64(o.fdelta))
		s := strings.TrimSuffix(strings.TrimRight(cur.Text('f', 17), "0"), ".")
		if s == "-0" {
			s = "0"
		}
		db[o.k] = mEntry{s, en.at}
		return fmt.Sprintf("%q %s", s, errText(nil))
	case opSetRange:
		en := db[o.k]
		if len(o.val) == 0 {
			return fmt.Sprintf("%d %s", len(en.val), errText(nil))
		}
		if o.off+int64(len(o.val)) > propMaxSize {
			return fmt.Sprintf("%d %s", 0, errText(engine.ErrTooLarge))
		}
		b := []byte(en.val)
		if need := int(o.off) + len(o.val); need > len(b) {
			b = append(b, make([]byte, need-len(b))...)
		}
		copy(b[o.off:], o.val)
		db[o.k] = mEntry{string(b), en.at}
		return fmt.Sprintf("%d %s", len(b), errText(nil))
	case opGetRange:
		en := db[o.k]
		s, n := en.val, int64(len(en.val))
		start, end := o.start, o.end
		if start < 0 && end < 0 && start > end {
			return fmt.Sprintf("%q", []byte(nil))
		}
		if start < 0 {
			start += n
		}
		if end < 0 {
			end += n
		}
		start, end = max(start, 0), max(end, 0)
		if end >= n {
			end = n - 1
		}
		if start > end || n == 0 {
			return fmt.Sprintf("%q", []byte(nil))
		}
		return fmt.Sprintf("%q", s[start:end+1])
	case opStrLen:
		return strconv.Itoa(len(db[o.k].val))
	case opDel:
		n := 0
		for _, k := range o.keys {
			if _, ok := db[k]; ok {
				delete(db, k)
				n++
			}
		}
		return strconv.Itoa(n)
	case opExists:
		n := 0
		for _, k := range o.keys {
			if _, ok := db[k]; ok {
				n++
			}
		}
		return strconv.Itoa(n)
	case opType:
		if _, ok := db[o.k]; ok {
			return "string"
		}
		return "none"
	case opRename:
		en, ok := db[o.k]
		if !ok {
			return fmt.Sprintf("%v %s", false, errText(engine.ErrNoSuchKey))
		}
		if o.k == o.k2 {
			return fmt.Sprintf("%v %s", !o.nx, errText(nil))
		}
		if _, exists := db[o.k2]; exists && o.nx {
			return fmt.Sprintf("%v %s", false, errText(nil))
		}
		delete(db, o.k)
		db[o.k2] = en
		return fmt.Sprintf("%v %s", true, errText(nil))
	case opExpire:
		en, ok := db[o.k]
		if !ok {
			return "false"
		}
		for _, c := range []engine.ExpireCond{engine.ExpireNX, engine.ExpireXX, engine.ExpireGT, engine.ExpireLT} {
			if o.cond&c == 0 {
				continue
			}
			switch c {
			case engine.ExpireNX:
				if en.at != 0 {
					return "false"
				}
			case engine.ExpireXX:
				if en.at == 0 {
					return "false"
				}
			case engine.ExpireGT:
				if en.at == 0 || o.at <= en.at {
					return "false"
				}
			case engine.ExpireLT:
				if en.at != 0 && o.at >= en.at {
					return "false"
				}
			}
		}
		if o.at <= now {
			delete(db, o.k)
		} else {
			db[o.k] = mEntry{en.val, o.at}
		}
		return "true"
	case opPersist:
		en, ok := db[o.k]
		if !ok || en.at == 0 {
			return "false"
		}
		db[o.k] = mEntry{en.val, 0}
		return "true"
	case opTTL:
		en, ok := db[o.k]
		switch {
		case !ok:
			return "-2"
		case en.at == 0:
			return "-1"
		}
		return strconv.FormatInt(en.at-now, 10)
	case opExpireTime:
		en, ok := db[o.k]
		switch {
		case !ok:
			return "-2"
		case en.at == 0:
			return "-1"
		}
		return strconv.FormatInt(en.at, 10)
	case opMove:
		if o.d == o.d2 {
			return fmt.Sprintf("%v %s", false, errText(engine.ErrSameObject))
		}
		en, ok := db[o.k]
		if _, exists := m.dbs[o.d2][o.k]; !ok || exists {
			return fmt.Sprintf("%v %s", false, errText(nil))
		}
		delete(db, o.k)
		m.dbs[o.d2][o.k] = en // Redis keeps the TTL
		return fmt.Sprintf("%v %s", true, errText(nil))
	case opCopy:
		if o.d == o.d2 && o.k == o.k2 {
			return fmt.Sprintf("%v %s", false, errText(engine.ErrSameObject))
		}
		en, ok := db[o.k]
		if !ok {
			return fmt.Sprintf("%v %s", false, errText(nil))
		}
		if _, exists := m.dbs[o.d2][o.k2]; exists && !o.nx {
			return fmt.Sprintf("%v %s", false, errText(nil))
		}
		m.dbs[o.d2][o.k2] = en
		return fmt.Sprintf("%v %s", true, errText(nil))
	case opFlushDB:
		m.dbs[o.d] = map[string]mEntry{}
		return ""
	case opFlushAll:
		for i := range m.dbs {
			m.dbs[i] = map[string]mEntry{}
		}
		return ""
	case opActiveExpire:
		return ""
	case opKeys, opScan:
		ks := make([]string, 0, len(db))
		for k := range db {
			ks = append(ks, k)
		}
		slices.Sort(ks)
		return strings.Join(ks, ",")
	}
	panic("model: unexpected op")
}

func TestModelProperty(t *testing.T) {
	for seed := uint64(1); seed <= 8; seed++ {
		t.Run("seed="+strconv.FormatUint(seed, 10), func(t *testing.T) {
			clk := newFakeClock()
			e := engine.New(engine.Options{Databases: propDBs, Clock: clk, MaxValueSize: propMaxSize})
			m := newModel()
			r := rand.New(rand.NewPCG(seed, 0xbeef))
			var history []string
			for i := range 2000 {
				clk.Advance(time.Duration(r.IntN(120)) * time.Millisecond)
				now := clk.Ms()
				o := randomOp(r, now)
				got := o.runEngine(t, e)
				history = append(history, o.String())
				if len(history) > 8 {
					history = history[1:]
				}
				if o.kind == opRandomKey {
					m.purge(now)
					k, ok := strings.CutSuffix(got, " true")
					if ok {
						_, live := m.dbs[o.d][k]
						require.True(t, live, "op %d: RandomKey returned %q, not a live key", i, k)
					} else {
						require.Empty(t, m.dbs[o.d], "op %d: RandomKey found nothing but db %d has keys", i, o.d)
					}
				} else {
					want := m.run(o, now)
					require.Equal(t, want, got, "op %d reply differs; recent ops:\n%s", i, strings.Join(history, "\n"))
				}
				m.purge(now)
				require.Equal(t, m.dump(), liveSnapshot(e, now), "op %d data differs; recent ops:\n%s", i, strings.Join(history, "\n"))
			}
			require.NoError(t, e.CheckInvariants())
		})
	}
}

// Guard against the model silently agreeing because an op never runs.
func TestRandomOpCoversEveryKind(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	seen := map[opKind]int{}
	for range 20000 {
		seen[randomOp(r, t0).kind]++
	}
	for k := opKind(0); k < opKinds; k++ {
		require.Positive(t, seen[k], "op kind %d never generated", k)
	}
}
