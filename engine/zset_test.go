package engine_test

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nadb-server/nadb-server/engine"
)

// zmodel is a sorted set as the property test sees it: member -> score.
type zmodel map[string]float64

// sorted returns the model's members in sorted set order.
func (m zmodel) sorted() []engine.ZMember {
	out := make([]engine.ZMember, 0, len(m))
	for k, s := range m {
		out = append(out, engine.ZMember{Member: k, Score: s})
	}
	slices.SortFunc(out, func(a, b engine.ZMember) int {
		switch {
		case a.Score < b.Score:
			return -1
		case a.Score > b.Score:
			return 1
		}
		return strings.Compare(a.Member, b.Member)
	})
	return out
}

// inSpec reports whether a member is in a score or lex range.
func inSpec(spec *engine.ZRangeSpec, z engine.ZMember) bool {
	if spec.By == engine.ZByScore {
		r := spec.Score
		lo := z.Score > r.Min || (!r.MinEx && z.Score == r.Min)
		hi := z.Score < r.Max || (!r.MaxEx && z.Score == r.Max)
		return lo && hi
	}
	lo := spec.LexMin.Inf < 0 || (spec.LexMin.Inf == 0 && (z.Member > spec.LexMin.Value || (!spec.LexMin.Ex && z.Member == spec.LexMin.Value)))
	hi := spec.LexMax.Inf > 0 || (spec.LexMax.Inf == 0 && (z.Member < spec.LexMax.Value || (!spec.LexMax.Ex && z.Member == spec.LexMax.Value)))
	return lo && hi
}

// selectModel is ZRANGE over the model, written the plain way.
func (m zmodel) selectModel(spec engine.ZRangeSpec) []engine.ZMember {
	all := m.sorted()
	if spec.Rev {
		slices.Reverse(all)
	}
	if spec.By == engine.ZByRank {
		n := int64(len(all))
		start, stop := spec.Start, spec.Stop
		if start < 0 {
			start += n
		}
		if stop < 0 {
			stop += n
		}
		start = max(start, 0)
		stop = min(stop, n-1)
		if start > stop {
			return nil
		}
		return all[start : stop+1]
	}
	var in []engine.ZMember
	for _, z := range all {
		if inSpec(&spec, z) {
			in = append(in, z)
		}
	}
	if spec.Offset < 0 || spec.Offset >= int64(len(in)) {
		return nil
	}
	in = in[spec.Offset:]
	if spec.Count >= 0 && spec.Count < int64(len(in)) {
		in = in[:spec.Count]
	}
	return in
}

func sameMembers(t *testing.T, want, got []engine.ZMember, msg string) {
	t.Helper()
	require.Equal(t, len(want), len(got), msg)
	for i := range want {
		require.Equal(t, want[i].Member, got[i].Member, msg)
		require.True(t, want[i].Score == got[i].Score, "%s: %s scores %v, %v", msg, want[i].Member, want[i].Score, got[i].Score)
	}
}

// TestZSetModel runs random sorted set commands against a model (a map
// of member to score, sorted on demand), with limits small enough that
// sets convert, and checks every answer, the invariants, and that a
// replica replaying the recorded effects ends with the same digest.
func TestZSetModel(t *testing.T) {
	for seed := range uint64(4) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { zsetModelRun(t, seed) })
	}
}

func zsetModelRun(t *testing.T, seed uint64) {
	v := newEnv(t)
	e := v.e
	e.SetCollLimits(engine.CollLimits{ListSize: -2, SetInts: 512, ZSetEntries: 6, ZSetValue: 8})
	rng := rand.New(rand.NewPCG(seed, 7))
	models := map[string]zmodel{}
	keys := []string{"z1", "z2", "z3"}
	scores := []float64{0, math.Copysign(0, -1), 1, 1.5, 2, -3, 1e10, math.Inf(1), math.Inf(-1)}
	member := func() string {
		if rng.IntN(20) == 0 {
			return "long-member-" + fmt.Sprint(rng.IntN(5)) // past ZSetValue
		}
		return string(rune('a' + rng.IntN(26)))
	}
	score := func() float64 { return scores[rng.IntN(len(scores))] }
	model := func(k string) zmodel {
		if models[k] == nil {
			models[k] = zmodel{}
		}
		return models[k]
	}
	tidy := func(k string) {
		if len(models[k]) == 0 {
			delete(models, k)
		}
	}
	// randSpec is a random range of k. Lex ranges are for sets whose
	// members all have the same score (else their answer is undefined).
	randSpec := func(k string) engine.ZRangeSpec {
		spec := engine.ZRangeSpec{By: rng.IntN(3), Rev: rng.IntN(2) == 0, Count: -1}
		if spec.By == engine.ZByLex {
			for _, s := range models[k] {
				if s != models[k].sorted()[0].Score {
					spec.By = engine.ZByScore
				}
			}
		}
		switch spec.By {
		case engine.ZByRank:
			spec.Start, spec.Stop = int64(rng.IntN(12)-6), int64(rng.IntN(12)-6)
		case engine.ZByScore:
			spec.Score = engine.ScoreRange{Min: score(), Max: score(), MinEx: rng.IntN(2) == 0, MaxEx: rng.IntN(2) == 0}
		default:
			b := func() engine.LexBound {
				switch rng.IntN(6) {
				case 0:
					return engine.LexBound{Inf: -1}
				case 1:
					return engine.LexBound{Inf: 1}
				}
				return engine.LexBound{Value: member(), Ex: rng.IntN(2) == 0}
			}
			spec.LexMin, spec.LexMax = b(), b()
		}
		if spec.By != engine.ZByRank && rng.IntN(2) == 0 {
			spec.Offset, spec.Count = int64(rng.IntN(5)-1), int64(rng.IntN(6)-1)
		}
		return spec
	}

	for step := range 3000 {
		k := keys[rng.IntN(len(keys))]
		msg := fmt.Sprintf("seed %d step %d key %s", seed, step, k)
		switch op := rng.IntN(12); op {
		case 0, 1, 2: // ZADD with options
			opt := engine.ZAddOptions{CH: rng.IntN(2) == 0}
			switch rng.IntN(5) {
			case 0:
				opt.NX = true
			case 1:
				opt.XX = true
			case 2:
				opt.GT = true
			case 3:
				opt.LT = true
			}
			n := 1 + rng.IntN(4)
			if rng.IntN(4) == 0 {
				opt.Incr, n = true, 1
			}
			ss, ms := make([]float64, n), make([][]byte, n)
			for i := range n {
				ss[i], ms[i] = score(), []byte(member())
			}
			m := model(k)
			wantN, wantOK, wantErr := 0, false, false
			var wantScore float64
			for i := range n {
				cur, had := m[string(ms[i])]
				s := ss[i]
				if (had && opt.NX) || (!had && opt.XX) {
					continue
				}
				if had && opt.Incr {
					s += cur
					if math.IsNaN(s) {
						wantErr = true
						break
					}
				}
				if had && ((opt.LT && s >= cur) || (opt.GT && s <= cur)) {
					continue
				}
				wantOK, wantScore = true, s
				switch {
				case !had:
					wantN++
					m[string(ms[i])] = s
				case s != cur:
					if opt.CH {
						wantN++
					}
					m[string(ms[i])] = s
				}
			}
			got, gotScore, gotOK, err := e.ZAdd(0, k, opt, ss, ms)
			tidy(k)
			if wantErr {
				require.ErrorIs(t, err, engine.ErrScoreNaN, msg)
				continue
			}
			require.NoError(t, err, msg)
			require.Equal(t, wantN, got, msg)
			if opt.Incr {
				require.Equal(t, wantOK, gotOK, msg)
				require.True(t, !wantOK || wantScore == gotScore, msg)
			}
		case 3: // ZREM
			ms := bs(member(), member())
			want := 0
			for _, mb := range ms {
				if _, ok := models[k][string(mb)]; ok {
					want++
					delete(models[k], string(mb))
				}
			}
			tidy(k)
			require.Equal(t, want, must(e.ZRem(0, k, ms)), msg)
		case 4: // ZRANGE of every kind
			spec := randSpec(k)
			got, err := e.ZRange(0, k, spec)
			require.NoError(t, err)
			sameMembers(t, models[k].selectModel(spec), got, msg+fmt.Sprintf(" %+v", spec))
		case 5: // ZREMRANGEBY*
			spec := randSpec(k)
			spec.Rev, spec.Offset, spec.Count = false, 0, -1
			sel := models[k].selectModel(spec)
			for _, z := range sel {
				delete(models[k], z.Member)
			}
			tidy(k)
			require.Equal(t, len(sel), must(e.ZRemRange(0, k, spec)), msg)
		case 6: // ZPOPMIN, ZPOPMAX
			popMax := rng.IntN(2) == 0
			n := rng.IntN(4)
			all := models[k].sorted()
			if popMax {
				slices.Reverse(all)
			}
			want := all[:min(n, len(all))]
			for _, z := range want {
				delete(models[k], z.Member)
			}
			tidy(k)
			got, err := e.ZPop(0, k, n, popMax)
			require.NoError(t, err)
			sameMembers(t, want, got, msg)
		case 7: // ZCOUNT, ZRANK, ZSCORE, ZCARD
			spec := randSpec(k)
			if spec.By == engine.ZByRank {
				spec.By = engine.ZByScore
			}
			spec.Rev, spec.Offset, spec.Count = false, 0, -1
			require.Equal(t, len(models[k].selectModel(spec)), must(e.ZCount(0, k, spec)), msg)
			mb := member()
			r, _, ok, err := e.ZRank(0, k, []byte(mb), false)
			require.NoError(t, err)
			_, want := models[k][mb]
			require.Equal(t, want, ok, msg)
			if ok {
				require.Equal(t, mb, models[k].sorted()[r].Member, msg)
			}
			s, ok, err := e.ZScore(0, k, []byte(mb))
			require.NoError(t, err)
			require.Equal(t, want, ok)
			require.True(t, s == models[k][mb], msg)
			require.Equal(t, len(models[k]), must(e.ZCard(0, k)), msg)
		case 8: // ZRANGESTORE
			dst := keys[rng.IntN(len(keys))]
			spec := randSpec(k)
			sel := models[k].selectModel(spec)
			require.Equal(t, len(sel), must(e.ZRangeStore(0, dst, k, spec)), msg)
			models[dst] = zmodel{}
			for _, z := range sel {
				models[dst][z.Member] = z.Score
			}
			tidy(dst)
		case 9: // ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE
			dst := keys[rng.IntN(len(keys))]
			srcs := []string{k, keys[rng.IntN(len(keys))]}
			op, agg := rng.IntN(3), rng.IntN(3)
			weights := []float64{float64(rng.IntN(3)), float64(rng.IntN(3) - 1)}
			if op == engine.ZDiff {
				weights = nil
			}
			want := zsetOpModel(models, srcs, op, agg, weights)
			got, err := e.ZSetOp(0, op, srcs, weights, agg)
			require.NoError(t, err)
			sameMembers(t, want.sorted(), got, msg)
			require.Equal(t, len(want), must(e.ZSetOpStore(0, dst, op, srcs, weights, agg)), msg)
			models[dst] = want
			tidy(dst)
		case 10: // ZINCRBY
			mb, incr := member(), score()
			cur, had := models[k][mb]
			got, err := e.ZIncrBy(0, k, incr, []byte(mb))
			if had && math.IsNaN(cur+incr) {
				require.ErrorIs(t, err, engine.ErrScoreNaN, msg)
				continue
			}
			require.NoError(t, err, msg)
			require.True(t, got == cur+incr, msg)
			model(k)[mb] = cur + incr
		case 11: // full comparison and invariants
			got, err := e.ZRange(0, k, engine.ZRangeSpec{Start: 0, Stop: -1, Count: -1})
			require.NoError(t, err)
			sameMembers(t, models[k].sorted(), got, msg)
			require.NoError(t, e.CheckInvariants(), msg)
		}
	}
	require.NoError(t, e.CheckInvariants())
	replay(t, v)
}

// zsetOpModel is ZUNION, ZINTER or ZDIFF over the models.
func zsetOpModel(models map[string]zmodel, srcs []string, op, agg int, weights []float64) zmodel {
	w := func(i int) float64 {
		if weights == nil {
			return 1
		}
		return weights[i]
	}
	combine := func(t, v float64) float64 {
		switch {
		case agg == engine.ZAggMin && v < t, agg == engine.ZAggMax && v > t:
			return v
		case agg != engine.ZAggSum:
			return t
		}
		if s := t + v; !math.IsNaN(s) {
			return s
		}
		return 0
	}
	weighted := func(i int, s float64) float64 {
		if v := w(i) * s; !math.IsNaN(v) {
			return v
		}
		return 0
	}
	out := zmodel{}
	switch op {
	case engine.ZUnion:
		for i, k := range srcs {
			for m, s := range models[k] {
				if cur, ok := out[m]; ok {
					out[m] = combine(cur, weighted(i, s))
				} else {
					out[m] = weighted(i, s)
				}
			}
		}
	case engine.ZInter:
		// From the smallest input, as Redis (the order of a sum matters).
		order := []int{0, 1}[:len(srcs)]
		slices.SortStableFunc(order, func(a, b int) int { return len(models[srcs[a]]) - len(models[srcs[b]]) })
		ws := make([]float64, len(srcs))
		for i, j := range order {
			ws[i] = w(j)
		}
		srcs = []string{srcs[order[0]], srcs[order[1]]}
		w = func(i int) float64 { return ws[i] }
		for m, s := range models[srcs[0]] {
			t, ok := weighted(0, s), true
			for i := 1; i < len(srcs) && ok; i++ {
				var v float64
				v, ok = models[srcs[i]][m]
				t = combine(t, w(i)*v) // no NaN check here, as in Redis
			}
			if ok {
				out[m] = t
			}
		}
	case engine.ZDiff:
		for m, s := range models[srcs[0]] {
			in := false
			for _, k := range srcs[1:] {
				_, found := models[k][m]
				in = in || found
			}
			if !in {
				out[m] = s
			}
		}
	}
	return out
}

// TestZSetPackRoundTrip: a sorted set's packed form rebuilds it, and a
// malformed one is refused.
func TestZSetPackRoundTrip(t *testing.T) {
	for _, bad := range [][]byte{
		engine.AppendPacked(nil, "m"),
		engine.AppendPacked(engine.AppendPacked(nil, "m"), "x"),
		engine.AppendPacked(engine.AppendPacked(nil, "m"), "NaN"),
		engine.AppendPacked(engine.AppendPacked(engine.AppendPacked(engine.AppendPacked(nil, "m"), "1"), "m"), "2"),
	} {
		require.Error(t, engine.CheckObject(engine.TypeZSet, bad), "%q", bad)
	}
	zadd := func(words ...string) []byte {
		p := engine.AppendPacked(nil, "ZADD")
		for _, w := range words {
			p = engine.AppendPacked(p, w)
		}
		return p
	}
	require.NoError(t, engine.CheckApply(zadd("1.5", "m", "-inf", "n")))
	require.Error(t, engine.CheckApply(zadd("NaN", "m")))
	require.Error(t, engine.CheckApply(zadd("1", "m", "2")))
	require.Error(t, engine.CheckApply(zadd("x", "m")))
}

// TestZSetLarge drives one sorted set through thousands of members, so
// that its chunks split, empty and go, and checks ranks, rank ranges in
// both directions and scores against the model.
func TestZSetLarge(t *testing.T) {
	v := newEnv(t)
	e := v.e
	rng := rand.New(rand.NewPCG(3, 9))
	m := zmodel{}
	for round := range 6 {
		for range 2000 {
			mb := fmt.Sprintf("m%05d", rng.IntN(6000))
			s := float64(rng.IntN(500))
			if round%2 == 1 && rng.IntN(3) > 0 {
				if _, ok := m[mb]; ok {
					delete(m, mb)
					require.Equal(t, 1, must(e.ZRem(0, "big", bs(mb))))
				}
				continue
			}
			m[mb] = s
			_, _, _, err := e.ZAdd(0, "big", engine.ZAddOptions{}, []float64{s}, bs(mb))
			require.NoError(t, err)
		}
		sorted := m.sorted()
		got, err := e.ZRange(0, "big", engine.ZRangeSpec{Start: 0, Stop: -1, Count: -1})
		require.NoError(t, err)
		sameMembers(t, sorted, got, "full range")
		for range 200 {
			i := rng.IntN(len(sorted))
			r, _, ok, err := e.ZRank(0, "big", []byte(sorted[i].Member), rng.IntN(2) == 0)
			require.NoError(t, err)
			require.True(t, ok)
			require.True(t, r == i || r == len(sorted)-1-i)
			spec := engine.ZRangeSpec{Start: int64(rng.IntN(len(sorted))), Stop: int64(rng.IntN(len(sorted))), Rev: rng.IntN(2) == 0, Count: -1}
			got, err := e.ZRange(0, "big", spec)
			require.NoError(t, err)
			sameMembers(t, m.selectModel(spec), got, fmt.Sprintf("%+v", spec))
		}
		enc, _ := e.Encoding(0, "big")
		require.Equal(t, "skiplist", enc)
		require.NoError(t, e.CheckInvariants())
	}
	replay(t, v)
}

// TestZSetSnapshotCopyOnWrite: a snapshot keeps the sorted sets it
// captured, in both encodings, while they change, and a keyspace loaded
// from it has the captured digest.
func TestZSetSnapshotCopyOnWrite(t *testing.T) {
	v := newEnv(t)
	e := v.e
	must(e.ZIncrBy(0, "small", 1.5, []byte("a")))
	long := []byte(strings.Repeat("x", 65))
	must(e.ZIncrBy(0, "big", 2, long))
	var at engine.Digest
	items, release := e.Snapshot(func(d engine.Digest) { at = d })
	must(e.ZIncrBy(0, "small", 1, []byte("a")))
	must(e.ZIncrBy(0, "big", 1, []byte("b")))
	must(e.ZRem(0, "big", [][]byte{long}))
	require.Equal(t, at, engine.DigestOf(items))
	r := engine.New(engine.Options{Databases: 16})
	r.Replace(items, nil)
	require.Equal(t, at, r.Digest())
	require.NoError(t, r.CheckInvariants())
	s, ok, err := r.ZScore(0, "big", long)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, 2.0, s)
	release()
	require.NoError(t, e.CheckInvariants())
	replay(t, v)
}

// TestZSetMembersHandedOutStay: the members a read hands out (strings
// sharing a chunk's buffer) keep their bytes through every later change of
// the sorted set and of a COPY of it (inserts into spare room, repacks,
// splits, removals, a copy written on both sides), and both stay what a
// model of them says.
func TestZSetMembersHandedOutStay(t *testing.T) {
	for _, compact := range []bool{false, true} {
		t.Run(fmt.Sprint("compact=", compact), func(t *testing.T) { testZSetMembersHandedOutStay(t, compact) })
	}
}

func testZSetMembersHandedOutStay(t *testing.T, compact bool) {
	v := newEnv(t)
	e := v.e
	e.SetCompactEffects(compact) // on: COPY copies the object itself
	rng := rand.New(rand.NewPCG(5, 6))
	model := map[string]map[string]float64{"z": {}, "c": {}}
	type held struct{ got, want []engine.ZMember }
	var kept []held
	read := func(key string) []engine.ZMember {
		got, err := e.ZRange(0, key, engine.ZRangeSpec{By: engine.ZByRank, Start: 0, Stop: -1})
		require.NoError(t, err)
		return got
	}
	check := func(step int) {
		for key, m := range model {
			got := map[string]float64{}
			for _, zm := range read(key) {
				got[zm.Member] = zm.Score
			}
			require.Equal(t, m, got, "step %d: %s", step, key)
		}
	}
	for step := range 6000 {
		key := []string{"z", "c"}[rng.IntN(2)]
		m := strings.Repeat("x", rng.IntN(12)) + strconv.Itoa(rng.IntN(600))
		switch op := rng.IntN(20); {
		case op < 10:
			sc := float64(rng.IntN(40))
			_, _, _, err := e.ZAdd(0, key, engine.ZAddOptions{}, []float64{sc}, [][]byte{[]byte(m)})
			require.NoError(t, err)
			model[key][m] = sc
		case op < 16:
			_, err := e.ZRem(0, key, [][]byte{[]byte(m)})
			require.NoError(t, err)
			delete(model[key], m)
		case op < 17:
			_, err := e.Copy(0, "z", 0, "c", true)
			require.NoError(t, err)
			model["c"] = maps.Clone(model["z"])
		default:
			got := read(key)
			want := make([]engine.ZMember, len(got))
			for i, zm := range got {
				want[i] = engine.ZMember{Member: strings.Clone(zm.Member), Score: zm.Score}
			}
			kept = append(kept, held{got, want})
		}
		if step%50 == 0 {
			check(step)
		}
	}
	check(-1)
	require.NoError(t, e.CheckInvariants())
	require.NotEmpty(t, kept)
	for i, h := range kept {
		require.Equal(t, h.want, h.got, "read %d changed after it was handed out", i)
	}
}

// TestZSetRemovalsFreeBuffers: removing most members of a large sorted
// set leaves its chunk buffers in proportion to the members left, not to
// the ones there were (a chunk that only lost members kept its buffer).
func TestZSetRemovalsFreeBuffers(t *testing.T) {
	v := newEnv(t)
	e := v.e
	const n = 128 * 200
	member := func(i int) []byte { return []byte(fmt.Sprintf("%07d%s", i, strings.Repeat("x", 200))) }
	for s := 0; s < n; s += 1000 {
		var ms [][]byte
		var sc []float64
		for i := s; i < min(s+1000, n); i++ {
			ms, sc = append(ms, member(i)), append(sc, float64(i))
		}
		_, _, _, err := e.ZAdd(0, "z", engine.ZAddOptions{}, sc, ms)
		require.NoError(t, err)
	}
	full, _ := engine.ZSetBuffers(e, 0, "z")
	var gone [][]byte
	for i := range n {
		if i%128 != 0 {
			gone = append(gone, member(i))
		}
	}
	_, err := e.ZRem(0, "z", gone)
	require.NoError(t, err)
	buffers, members := engine.ZSetBuffers(e, 0, "z")
	require.Equal(t, n/128*207, members)
	require.Less(t, buffers, 5*members+256*n/128, "chunk buffers of %d bytes for %d bytes of members (%d before the removals)", buffers, members, full)
}

// TestZSetNegativeZeroKeptWhole: a sorted set too large for a listpack
// keeps its -0 scores when it is stored whole (ZUNIONSTORE), restored
// (DUMP, RESTORE) or loaded from a snapshot, as Redis's does, on the
// primary and on a replica of it alike. (Inserted one by one into a
// listpack that converted later, the lowest members' -0 became 0.)
func TestZSetNegativeZeroKeptWhole(t *testing.T) {
	v := newEnv(t)
	e := v.e
	e.SetCompactEffects(true)
	var ms [][]byte
	var sc []float64
	for i := range 200 {
		ms, sc = append(ms, []byte("m"+strconv.Itoa(i))), append(sc, float64(i+1))
	}
	_, _, _, err := e.ZAdd(0, "z", engine.ZAddOptions{}, sc, ms)
	require.NoError(t, err)
	// A skiplist now: -0 stays -0 (in a listpack it is 0, in both).
	negZero := math.Copysign(0, -1)
	_, _, _, err = e.ZAdd(0, "z", engine.ZAddOptions{}, []float64{negZero, negZero}, bs("a", "b"))
	require.NoError(t, err)
	_, err = e.ZSetOpStore(0, "u", engine.ZUnion, []string{"z"}, nil, engine.ZAggSum)
	require.NoError(t, err)
	it, _, ok := e.Dump(0, "z")
	require.True(t, ok)
	require.NoError(t, e.Restore(&engine.Item{DB: 0, Key: "r", Type: it.Type, Value: it.Value}, engine.RestoreOptions{}))
	r := replay(t, v)
	loaded := newEnv(t).e
	loaded.Replace(snapshotItems(e.Capture(nil)), nil)
	for _, eng := range []*engine.Engine{e, r, loaded} {
		for _, key := range []string{"z", "u", "r"} {
			s, ok, err := eng.ZScore(0, key, []byte("a"))
			require.NoError(t, err)
			require.True(t, ok)
			require.True(t, math.Signbit(s), "%s: a scores %v", key, s)
		}
	}
}
