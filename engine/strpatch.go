package engine

import (
	"errors"
	"strconv"
)

// A partial write of a string (APPEND, SETRANGE, SETBIT, BITFIELD) changes
// a few bytes of a value that may be megabytes long. Reported as the whole
// new value (an EffectSet), each such write costs the whole value in the
// log, on the wire and on every secondary, so a string built by appends
// costs the square of its length. Once the value is at least patchMin
// bytes long, and while the server allows it (SetCompactEffects: a
// reference secondary knows only whole values), the write is reported as
// an EffectApply of one operation,
//
//	SETRANGE offset bytes
//
// which writes bytes at offset, padding with zero bytes up to it, and keeps
// the key's expiry, as the command of that name does; on a missing key it
// makes a string of zero bytes then the bytes. A value shorter than
// patchMin is still reported whole.

// patchMin is the shortest value whose partial writes are reported as
// patches.
const patchMin = 512

// maxPatchEnd bounds offset+len(bytes) of a SETRANGE patch a frame may
// carry: the longest value a whole SET frame could carry (its 4-byte
// length), so a patch cannot make a secondary allocate more than a frame
// of the other form could.
const maxPatchEnd = 1<<32 - 1

// SetMaxValueSize changes the longest value APPEND and SETRANGE may build
// (proto-max-bulk-len; 512 MiB when n <= 0), at most 4 GiB - 1: what a
// record's length word, a patch and a SET frame can describe.
func (e *Engine) SetMaxValueSize(n int64) {
	if n <= 0 {
		n = 512 << 20
	}
	e.lock()
	e.maxSize = min(n, maxPatchEnd)
	e.unlock()
}

// SetCompactEffects chooses whether partial writes of long strings are
// reported as patches, RENAME and MOVE as EffectRename and COPY as
// EffectCopy (on), or all as whole values (off), which a reference
// secondary needs.
func (e *Engine) SetCompactEffects(on bool) {
	e.lock()
	e.compact = on
	e.unlock()
}

// storePatchedLocked stores nv as key's value with expiry at, after a
// partial write of data at offset to the string the key held (or, for a
// missing key, to none: nv is then zero bytes and data), and reports it:
// as the patch, or whole (a write of no bytes too: a patch carries at
// least one).
func (e *Engine) storePatchedLocked(d int, key string, nv []byte, at int64, offset int64, data []byte) entry {
	// A new key too goes as a patch, which makes it (zero bytes, then
	// data): a SETBIT at the last offset of a missing key sends one byte,
	// not 512 MiB of zeros.
	en := e.putLocked(d, key, nv, at, encRaw, true, e.keepAccess)
	e.reportWriteLocked(d, en, offset, data)
	return en
}

// writeInPlaceLocked writes data over the string of en (key d's, live)
// from offset on, in the table's record, when the bytes fall within the
// value, the table allows it (slab.Table.WriteAt) and this is the group's
// first change (an earlier effect may share the old bytes until the group
// ends), and reports it as storePatchedLocked does. It saves the copies of
// the whole value a write inside a long string would make (the digest
// still reads all of it). false: nothing was written.
func (e *Engine) writeInPlaceLocked(d int, en *entry, offset int64, data []byte) bool {
	if len(e.effects) != 0 {
		return false
	}
	nv, ok := e.patchInPlaceLocked(d, en, offset, data)
	if !ok {
		return false
	}
	e.reportWriteLocked(d, nv, offset, data)
	return true
}

// growLocked writes data at offset, at or past the end of en's string
// (key d's, live), padding the gap with zero bytes, as an append: in
// place when the record has room (see appendLocked), so a string grown a
// few bytes at a time (SETBIT at rising offsets) costs what it grows, not
// its length. It reports the write as storePatchedLocked does and returns
// the new entry.
func (e *Engine) growLocked(d int, en *entry, offset int64, data []byte) entry {
	tail := data
	if gap := offset - int64(len(en.val)); gap > 0 {
		tail = make([]byte, gap+int64(len(data)))
		copy(tail[gap:], data)
	}
	nv := e.appendLocked(d, en, tail)
	e.reportWriteLocked(d, nv, offset, data)
	return nv
}

// reportWriteLocked reports a write of data at offset that made nv: as a
// patch when the string is long enough and patches are on, whole otherwise.
func (e *Engine) reportWriteLocked(d int, nv entry, offset int64, data []byte) {
	if e.compact && len(nv.val) >= patchMin && len(data) > 0 {
		e.emitPatch(d, nv.key, offset, data)
	} else {
		e.emit(Effect{Kind: EffectSet, DB: d, Key: nv.key, Value: nv.val, ExpireAt: nv.expireAt})
	}
}

// emitPatch reports a SETRANGE patch of key.
func (e *Engine) emitPatch(d int, key string, offset int64, data []byte) {
	var num [20]byte
	e.emitApply(d, key, word("SETRANGE"), strconv.AppendInt(num[:0], offset, 10), data)
}

// patchInPlaceLocked writes data over the string of en at offset in the
// table's record, keeping the digest in step, and returns the new entry;
// false (nothing written) when the bytes do not fall within the value or
// the table does not allow it (slab.Table.WriteAt). Nothing is reported.
func (e *Engine) patchInPlaceLocked(d int, en *entry, offset int64, data []byte) (entry, bool) {
	if len(data) == 0 || en.enc() != encRaw || offset > int64(len(en.val)-len(data)) {
		return entry{}, false
	}
	dd := e.dbs[d]
	k := hashKey(en.key)
	old := en.term(k) // before the old bytes go
	lo, hi := touchedPieces(len(en.val), offset, len(data))
	before := piecesBefore(en.val, lo, hi)
	r, ok := dd.keys.WriteAt(en.key, int(offset), data, uint8(encRaw))
	if !ok {
		return entry{}, false
	}
	vh := patchedHash(en.valueHash(), len(en.val), before, r.Value, lo, hi)
	dd.keys.SetAux(en.key, vh)
	nv := viewOf(r, -1)
	nv.vhash, nv.hashed = vh, true
	e.changeDigest(d, nv.term(k).sub(old))
	return nv, true
}

// errBadPatch: a SETRANGE patch's offset is not a number in range, or it
// writes nothing.
var errBadPatch = errors.New("SETRANGE wants an offset and bytes")

// stringApplyOps is the one operation on strings an EffectApply carries.
// Its apply is nil: applyCollLocked hands it to applyPatchLocked.
var stringApplyOps = map[string]applyOp{
	"SETRANGE": {typ: TypeString, min: 2, max: 2, check: func(args [][]byte) error {
		off, ok := ParseInt(args[0])
		if !ok || off < 0 || len(args[1]) == 0 || off > maxPatchEnd-int64(len(args[1])) {
			return errBadPatch
		}
		return nil
	}},
}

// applyPatchLocked replays a SETRANGE patch (args checked) on a
// secondary: the key's string, or a new one, written at the offset.
func (e *Engine) applyPatchLocked(d int, key string, args [][]byte) {
	off, _ := ParseInt(args[0])
	data := args[1]
	en, found := e.getLocked(d, key)
	if found && !en.isString() {
		return // another type: the primary would not have sent it
	}
	if found && off >= int64(len(en.val)) {
		// In place when the record has room, as APPEND on the primary.
		if gap := off - int64(len(en.val)); gap > 0 {
			data = append(make([]byte, gap, gap+int64(len(data))), data...)
		}
		e.appendLocked(d, &en, data)
		return
	}
	// Applied effects share no record's bytes: in place whenever the
	// table allows.
	if found {
		if _, ok := e.patchInPlaceLocked(d, &en, off, data); ok {
			return
		}
	}
	n := max(int64(len(en.val)), off+int64(len(data)))
	nv := make([]byte, n)
	copy(nv, en.val)
	copy(nv[off:], data)
	e.putLocked(d, key, nv, en.expireAt, encRaw, true, e.keepAccess)
}
