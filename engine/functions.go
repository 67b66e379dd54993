package engine

import "slices"

// The engine keeps the server's function libraries (FUNCTION LOAD) beside
// the keyspace, as one opaque value the resp layer defines (the libraries'
// code, packed), so that they travel as the keys do: a change is an
// EffectFunctions in the same log, a snapshot carries them as an Item of
// TypeFunctions, and a full resynchronisation or a start from disk
// installs them with the keys. They are not keys: no database, command,
// digest, WATCH, eviction or FLUSHALL sees them, as in Redis.

// Functions returns the libraries' value (nil: none) and a generation
// number that changes whenever the value does. The value is never
// modified: a change replaces it.
// It takes no lock: a command may read it while a script holds the
// engine's (FUNCTION STATS, INFO).
func (e *Engine) Functions() ([]byte, uint64) {
	if f := e.funcs.Load(); f != nil {
		return f.value, f.gen
	}
	return nil, 0
}

// functions is the libraries' value and its generation, replaced whole.
type functions struct {
	value []byte
	gen   uint64
}

// SetFunctions replaces the libraries' value, as one change reported to
// the sink (EffectFunctions), if the generation is still gen (the one
// Functions returned): it reports false, changing nothing, when another
// change came in between.
func (e *Engine) SetFunctions(value []byte, gen uint64) bool {
	e.lock()
	defer e.unlock()
	if _, now := e.Functions(); now != gen {
		return false
	}
	e.setFunctionsLocked(value)
	v, _ := e.Functions()
	// Reported as it is: neither a key's change (WATCH, tracking) nor a
	// database's.
	e.effects = append(e.effects, Effect{Kind: EffectFunctions, Value: v})
	return true
}

func (e *Engine) setFunctionsLocked(value []byte) {
	if len(value) == 0 {
		value = nil
	}
	_, gen := e.Functions()
	e.funcs.Store(&functions{value: slices.Clone(value), gen: gen + 1})
}
