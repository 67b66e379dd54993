package node

// lastOp is a node's last applied operation, by its digest.
type lastOp struct {
	seq    uint64
	digest []byte // nil: not known
}

// digestFor returns the digest to send for position applied, nil when the
// operation there is not known.
func (l lastOp) digestFor(applied uint64) []byte {
	if l.seq != applied || applied == 0 {
		return nil
	}
	return l.digest
}
