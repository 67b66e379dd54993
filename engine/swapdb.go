package engine

import "strconv"

// SwapDB swaps databases a and b, as SWAPDB does: every client of one sees
// the other's keys at once. A client WATCHing a key of either database
// that exists in either of them sees its transaction fail, as in Redis.
// It is reported as EffectSwapDB (Value: b in decimal).
func (e *Engine) SwapDB(a, b int) {
	e.lock()
	defer e.unlock()
	if a == b {
		return
	}
	e.swapLocked(a, b)
	e.emit(Effect{Kind: EffectSwapDB, DB: a, Value: strconv.AppendInt(nil, int64(b), 10)})
}

// swapLocked swaps databases a and b and moves the dataset digest with
// them: a database's sum is weighted by its index's multiplier.
func (e *Engine) swapLocked(a, b int) {
	if e.watch.n > 0 {
		for k, w := range e.watch.keys {
			if (k.db == a || k.db == b) && (e.dbs[a].keys.Find(k.key) >= 0 || e.dbs[b].keys.Find(k.key) >= 0) {
				w.version++
			}
		}
	}
	da, db := e.dbs[a], e.dbs[b]
	e.digest = e.digest.sub(da.sum.mul(e.mults[a])).sub(db.sum.mul(e.mults[b]))
	e.digest = e.digest.add(db.sum.mul(e.mults[a])).add(da.sum.mul(e.mults[b]))
	e.dbs[a], e.dbs[b] = db, da
}

// applySwapLocked replays an EffectSwapDB (its indexes were checked when
// the frame was read).
func (e *Engine) applySwapLocked(ef *Effect) {
	b, err := strconv.Atoi(string(ef.Value))
	if err != nil || ef.DB < 0 || b < 0 || ef.DB >= len(e.dbs) || b >= len(e.dbs) || ef.DB == b {
		return
	}
	e.swapLocked(ef.DB, b)
}
