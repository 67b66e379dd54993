package engine

import (
	"errors"
	"strconv"

	"github.com/nadb-server/nadb-server/engine/slab"
)

// RENAME and MOVE hand a key's value to another name (or database) as it
// is; COPY makes another of it. Reported as the removal of the source and the whole value stored
// under the destination, a RENAME of a million-member set cost a second
// under the engine lock (the value packed, rebuilt and logged whole) and
// as much again on every secondary, where Redis's costs nothing. With
// compact effects on (SetCompactEffects), the move is reported as itself:
// one EffectRename of the destination naming the source, which WATCH and
// client tracking take as a change of both keys, the source first, as
// Redis tells them. A hash, list, set, sorted set or stream changes hands
// without its elements being touched; a string or a small hash is one
// record copied. (A reference secondary, sent the RENAME as a stand-in it
// ignores, misses the move, but keeps the source: no DELETE of the source
// goes with it.)

// renameLocked moves en (key of database d, live) to dst in database
// dstDB, replacing what dst held, with its expiry, encoding and access
// word, and returns the new entry. Nothing is reported.
func (e *Engine) renameLocked(d int, en *entry, dstDB int, dst string) entry {
	src := e.dbs[d]
	val := en.val
	var crec [collRecLen]byte
	var hrec [hashRecLen]byte
	if dstDB != d {
		// The object goes to the other database's side table, with its
		// generation: a snapshot that holds it still copies it before a
		// change (see ownColl).
		switch {
		case isColl(en.kind):
			slot := src.colls[recIdx(en.val)]
			val = collRec(&crec, e.dbs[dstDB].allocColl(slot.c, slot.born), slot.c)
		case en.kind == encHash:
			o := src.hashes[recIdx(en.val)]
			val = hashRec(&hrec, e.dbs[dstDB].allocHash(o), o)
		}
	}
	// The source goes without its object, which the destination takes
	// (in the same database, at the same index). Its record's bytes stay
	// readable after the delete.
	e.changeDigest(d, Digest{}.sub(en.term(hashKey(en.key))))
	e.accountLocked(src, -memSize(en))
	src.keys.Delete(en.key)
	if dstDB != d {
		src.freeObject(en.kind, en.val)
	}
	return e.putLocked(dstDB, dst, val, en.expireAt, en.kind, true, func(slab.Entry, bool) uint32 { return en.meta })
}

// emitRenameLocked reports the move of srcKey (database d) to the key of
// moved (database dstDB): EffectRename.
func (e *Engine) emitRenameLocked(d int, srcKey string, dstDB int, moved *entry) {
	start := len(e.hbuf)
	e.hbuf = AppendPacked(e.hbuf, strconv.AppendInt(nil, int64(d), 10))
	e.hbuf = AppendPacked(e.hbuf, []byte(srcKey))
	e.emit(Effect{Kind: EffectRename, DB: dstDB, Key: moved.key, Value: e.hbuf[start:len(e.hbuf):len(e.hbuf)]})
}

// renameFrom returns the source key an EffectRename names, if it parses.
func (e *Engine) renameFrom(ef *Effect) (watchKey, bool) {
	d, src, err := renameSource(ef.Value, len(e.dbs))
	return watchKey{d, string(src)}, err == nil
}

// copyLocked stores a copy of en's value (key of database d, live) under
// dst in database dstDB, replacing what dst held, with en's expiry and
// encoding (as Redis's COPY duplicates the object), and returns the new
// entry. Nothing is reported.
func (e *Engine) copyLocked(d int, en *entry, dstDB int, dst string) entry {
	val := en.val
	var crec [collRecLen]byte
	var hrec [hashRecLen]byte
	switch {
	case isColl(en.kind):
		c := e.dbs[d].colls[recIdx(en.val)].c.clone()
		val = collRec(&crec, e.dbs[dstDB].allocColl(c, e.capGen), c)
	case en.kind == encHash:
		o := e.dbs[d].hashes[recIdx(en.val)].clone()
		o.born = e.capGen
		val = hashRec(&hrec, e.dbs[dstDB].allocHash(o), o)
	}
	return e.putLocked(dstDB, dst, val, en.expireAt, en.kind, true, e.keepAccess)
}

// emitCopyLocked reports the copy of srcKey (database d) to the key of
// made (database dstDB): EffectCopy.
func (e *Engine) emitCopyLocked(d int, srcKey string, dstDB int, made *entry) {
	start := len(e.hbuf)
	e.hbuf = AppendPacked(e.hbuf, strconv.AppendInt(nil, int64(d), 10))
	e.hbuf = AppendPacked(e.hbuf, []byte(srcKey))
	e.emit(Effect{Kind: EffectCopy, DB: dstDB, Key: made.key, Value: e.hbuf[start:len(e.hbuf):len(e.hbuf)]})
}

// applyCopyLocked replays an EffectCopy (checked by CheckRename): a copy
// of the source, if there, under the destination.
func (e *Engine) applyCopyLocked(ef *Effect) {
	if d, en, ok := e.sourceLocked(ef); ok {
		e.copyLocked(d, &en, ef.DB, ef.Key)
	}
}

// sourceLocked returns the database and entry of the source an
// EffectRename or EffectCopy names, if it is there and is not the
// destination.
func (e *Engine) sourceLocked(ef *Effect) (int, entry, bool) {
	d, src, err := renameSource(ef.Value, len(e.dbs))
	if err != nil || (d == ef.DB && string(src) == ef.Key) {
		return 0, entry{}, false
	}
	en, ok := e.getLocked(d, string(src))
	return d, en, ok
}

// errBadRename: an EffectRename's value does not name a source key.
var errBadRename = errors.New("RENAME wants the source's database and name")

// renameSource parses an EffectRename's value: the source's database
// (below dbs) and name.
func renameSource(v []byte, dbs int) (int, []byte, error) {
	var words [][]byte
	if err := EachPacked(v, func(w []byte) bool { words = append(words, w); return len(words) <= 2 }); err != nil || len(words) != 2 {
		return 0, nil, errBadRename
	}
	d, ok := ParseInt(words[0])
	if !ok || d < 0 || d >= int64(dbs) {
		return 0, nil, errBadRename
	}
	return int(d), words[1], nil
}

// CheckRename refuses the value of an EffectRename or EffectCopy (a
// frame's) that does not name a source key in one of dbs databases.
func CheckRename(v []byte, dbs int) error {
	_, _, err := renameSource(v, dbs)
	return err
}

// applyRenameLocked replays an EffectRename (checked by CheckRename): the
// source, if there, moves to the destination. Applied effects share no
// record's bytes, so nothing stands in the way.
func (e *Engine) applyRenameLocked(ef *Effect) {
	if d, en, ok := e.sourceLocked(ef); ok {
		e.renameLocked(d, &en, ef.DB, ef.Key)
	}
}
