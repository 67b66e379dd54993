package engine

import "fmt"

// zsetObj is one sorted set. (A placeholder form until the sorted set commands come.)
type zsetObj struct {
	elems []string
}

func newZSet(CollLimits) coll { return &zsetObj{} }

func (l *zsetObj) typ() ValueType    { return TypeZSet }
func (l *zsetObj) length() int       { return len(l.elems) }
func (l *zsetObj) valueHash() uint64 { return 0 }
func (l *zsetObj) memory() int64     { return 0 }
func (l *zsetObj) encoding() string  { return "skiplist" }
func (l *zsetObj) clone() coll       { return &zsetObj{elems: append([]string(nil), l.elems...)} }

func (l *zsetObj) pack(dst []byte) []byte {
	for _, el := range l.elems {
		dst = AppendPacked(dst, el)
	}
	return dst
}

func zsetFromPacked(p []byte, lim CollLimits) (coll, error) {
	l := &zsetObj{}
	if err := EachPacked(p, func(el []byte) bool { l.elems = append(l.elems, string(el)); return true }); err != nil {
		return nil, fmt.Errorf("zset: %w", err)
	}
	return l, nil
}

// zsetApplyOps are the sorted set operations an EffectApply carries.
var zsetApplyOps = map[string]applyOp{}
