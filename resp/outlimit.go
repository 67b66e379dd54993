package resp

import "sync/atomic"

// OutputLimit is client-output-buffer-limit for the normal class of
// clients: a client with more than Hard bytes of replies it has not read,
// or more than Soft bytes for more than SoftSeconds, is closed. Zero turns
// a limit off.
type OutputLimit struct {
	Hard, Soft  int64
	SoftSeconds int64
}

// outputLimits holds the OutputLimit in force.
type outputLimits struct{ p atomic.Pointer[OutputLimit] }

func (o *outputLimits) load() OutputLimit {
	if l := o.p.Load(); l != nil {
		return *l
	}
	return OutputLimit{}
}

func (o *outputLimits) store(l OutputLimit) { o.p.Store(&l) }
