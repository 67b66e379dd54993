package engine

import "fmt"

// listObj is one list. (A placeholder form until the list commands come.)
type listObj struct {
	elems []string
}

func newList(CollLimits) coll { return &listObj{} }

func (l *listObj) typ() ValueType    { return TypeList }
func (l *listObj) length() int       { return len(l.elems) }
func (l *listObj) valueHash() uint64 { return 0 }
func (l *listObj) memory() int64     { return 0 }
func (l *listObj) encoding() string  { return "quicklist" }
func (l *listObj) clone() coll       { return &listObj{elems: append([]string(nil), l.elems...)} }

func (l *listObj) pack(dst []byte) []byte {
	for _, el := range l.elems {
		dst = AppendPacked(dst, el)
	}
	return dst
}

func listFromPacked(p []byte, lim CollLimits) (coll, error) {
	l := &listObj{}
	if err := EachPacked(p, func(el []byte) bool { l.elems = append(l.elems, string(el)); return true }); err != nil {
		return nil, fmt.Errorf("list: %w", err)
	}
	return l, nil
}

// listApplyOps are the list operations an EffectApply carries.
var listApplyOps = map[string]applyOp{}
