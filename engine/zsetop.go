package engine

import (
	"math"
	"slices"
)

// ZUNION, ZINTER, ZDIFF, their STORE forms and ZINTERCARD. Their inputs
// may be sorted sets or sets (whose members score 1), as in Redis; a
// missing key is an empty input.

// Set operations of ZSetOp.
const (
	ZUnion = iota
	ZInter
	ZDiff
)

// Aggregates of ZSetOp: how the scores of a member in several inputs
// combine.
const (
	ZAggSum = iota
	ZAggMin
	ZAggMax
)

// zsrc is one input of a set operation.
type zsrc struct {
	z      *zsetObj
	set    map[string]struct{} // a set's members, score 1
	weight float64
}

func (s *zsrc) len() int {
	if s.z != nil {
		return s.z.n
	}
	return len(s.set)
}

func (s *zsrc) find(m string) (float64, bool) {
	if s.z != nil {
		return s.z.score(m)
	}
	_, ok := s.set[m]
	return 1, ok
}

func (s *zsrc) each(fn func(m string, score float64)) {
	if s.z != nil {
		s.z.each(0, s.z.n, false, func(e zent) bool {
			fn(e.m, e.s)
			return true
		})
		return
	}
	for m := range s.set {
		fn(m, 1)
	}
}

// zsetSources reads keys as the inputs of a set operation.
func (e *Engine) zsetSources(d int, keys []string, weights []float64) ([]zsrc, error) {
	srcs := make([]zsrc, len(keys))
	for i, k := range keys {
		srcs[i].weight = 1
		if weights != nil {
			srcs[i].weight = weights[i]
		}
		en, ok := e.readLocked(d, k, e.nowMs())
		switch {
		case !ok:
		case en.kind == encZSet:
			srcs[i].z = e.collOf(d, &en).(*zsetObj)
		case en.kind == encSet:
			// Read through the set's packed form: its members, whatever
			// its encoding.
			srcs[i].set = map[string]struct{}{}
			_ = EachPacked(e.collOf(d, &en).pack(nil), func(m []byte) bool {
				srcs[i].set[string(m)] = struct{}{}
				return true
			})
		default:
			return nil, ErrWrongType
		}
	}
	return srcs, nil
}

// zaggregate combines v into *t as Redis does: a NaN sum is 0, and MIN
// and MAX keep *t against a NaN (which only ZINTER's weights can make).
func zaggregate(t *float64, v float64, agg int) {
	switch agg {
	case ZAggSum:
		*t += v
		if math.IsNaN(*t) {
			*t = 0
		}
	case ZAggMin:
		if v < *t {
			*t = v
		}
	case ZAggMax:
		if v > *t {
			*t = v
		}
	}
}

// bySize orders inputs from the smallest.
func bySize(a, b zsrc) int { return a.len() - b.len() }

// zsetOpLocked computes op over srcs, in no particular order.
func zsetOpLocked(srcs []zsrc, op, agg int) []zent {
	var out []zent
	switch op {
	case ZInter:
		// From the smallest input, as Redis does (the order of a sum).
		slices.SortStableFunc(srcs, bySize)
		if len(srcs) == 0 || srcs[0].len() == 0 {
			return nil
		}
		srcs[0].each(func(m string, s float64) {
			score := srcs[0].weight * s
			if math.IsNaN(score) {
				score = 0
			}
			for j := 1; j < len(srcs); j++ {
				v, ok := srcs[j].find(m)
				if !ok {
					return
				}
				zaggregate(&score, v*srcs[j].weight, agg)
			}
			out = append(out, zent{m, score})
		})
	case ZUnion:
		// From the smallest input too, as Redis does: the order of a sum
		// decides its rounding, and where an inf meets a -inf (NaN, which
		// is 0).
		slices.SortStableFunc(srcs, bySize)
		acc := map[string]int{}
		for i := range srcs {
			srcs[i].each(func(m string, s float64) {
				score := srcs[i].weight * s
				if math.IsNaN(score) {
					score = 0
				}
				if j, ok := acc[m]; ok {
					zaggregate(&out[j].s, score, agg)
					return
				}
				acc[m] = len(out)
				out = append(out, zent{m, score})
			})
		}
	case ZDiff:
		if len(srcs) == 0 {
			return nil
		}
		srcs[0].each(func(m string, s float64) {
			for j := 1; j < len(srcs); j++ {
				if _, ok := srcs[j].find(m); ok {
					return
				}
			}
			out = append(out, zent{m, s})
		})
	}
	return out
}

// ZSetOp returns the union, intersection or difference of keys' sorted
// sets (or sets), ordered as a sorted set; weights (nil: all 1) multiply
// each input's scores and agg combines them.
func (e *Engine) ZSetOp(d int, op int, keys []string, weights []float64, agg int) ([]ZMember, error) {
	e.lock()
	defer e.unlock()
	srcs, err := e.zsetSources(d, keys, weights)
	if err != nil {
		return nil, err
	}
	out := zsetOpLocked(srcs, op, agg)
	slices.SortFunc(out, zcompare)
	return members(out), nil
}

// ZSetOpStore stores ZSetOp's result in dst (an empty one deletes dst)
// and returns its length.
func (e *Engine) ZSetOpStore(d int, dst string, op int, keys []string, weights []float64, agg int) (int, error) {
	e.lock()
	defer e.unlock()
	srcs, err := e.zsetSources(d, keys, weights)
	if err != nil {
		return 0, err
	}
	return e.storeZSetLocked(d, dst, zsetOpLocked(srcs, op, agg), [...]string{ZUnion: "zunionstore", ZInter: "zinterstore", ZDiff: "zdiffstore"}[op]), nil
}

// ZInterCard returns the size of the intersection of keys, counting no
// further than limit when limit > 0.
func (e *Engine) ZInterCard(d int, keys []string, limit int64) (int, error) {
	e.lock()
	defer e.unlock()
	srcs, err := e.zsetSources(d, keys, nil)
	if err != nil {
		return 0, err
	}
	n := len(zsetOpLocked(srcs, ZInter, ZAggSum))
	if limit > 0 {
		n = min(n, int(limit))
	}
	return n, nil
}

// ZSetOpCheck reports ErrWrongType when one of keys holds neither a
// sorted set nor a set: Redis looks at the inputs' types before it reads
// the options of ZUNION and its kin, so that error comes first.
func (e *Engine) ZSetOpCheck(d int, keys []string) error {
	e.lock()
	defer e.unlock()
	for _, k := range keys {
		if en, ok := e.findLocked(d, k, e.nowMs()); ok && en.kind != encZSet && en.kind != encSet {
			return ErrWrongType
		}
	}
	return nil
}
