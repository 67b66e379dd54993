package engine

import (
	"bytes"
	"encoding/binary"
)

// Operations on a listpack hash's record bytes (see hashobj.go) that need
// no decoding: reads scan the packed fields, and the common writes build
// the new record from the old one's pieces, as Redis edits a listpack.
// Records are the engine's own, so the packed form is trusted here.

// packedElem returns the bounds of the packed element at p[i:]: its bytes
// are p[s:e].
func packedElem(p []byte, i int) (s, e int) {
	n := 0
	for p[i] != ':' {
		n = n*10 + int(p[i]-'0')
		i++
	}
	return i + 1, i + 1 + n
}

// lpFind finds field in listpack record val: at is where its packed field
// starts, and val[vs:ve] is its value.
func lpFind(val []byte, field []byte) (at, vs, ve int, found bool) {
	for i := lpHeader; i < len(val); {
		fs, fe := packedElem(val, i)
		vs, ve := packedElem(val, fe)
		if bytes.Equal(val[fs:fe], field) {
			return i, vs, ve, true
		}
		i = ve
	}
	return 0, 0, 0, false
}

// lpLen returns the number of fields of listpack record val.
func lpLen(val []byte) int {
	n := 0
	for i := lpHeader; i < len(val); n++ {
		_, fe := packedElem(val, i)
		_, i = packedElem(val, fe)
	}
	return n
}

// lpSet appends to dst the listpack record val with field set to v, and
// returns it with whether the field is new. The value hash is kept.
func lpSet(dst, val, field, v []byte) ([]byte, bool) {
	vh := lpVH(val)
	at, vs, ve, found := lpFind(val, field)
	dst = binary.LittleEndian.AppendUint64(dst, 0)
	if found {
		vh -= pairHash(string(field), string(val[vs:ve]))
		dst = append(dst, val[lpHeader:at]...)
		dst = AppendPacked(AppendPacked(dst, field), v)
		dst = append(dst, val[ve:]...)
	} else {
		dst = append(dst, val[lpHeader:]...)
		dst = AppendPacked(AppendPacked(dst, field), v)
	}
	vh += pairHash(string(field), string(v))
	binary.LittleEndian.PutUint64(dst, vh)
	return dst, !found
}

// lpDel appends to dst the listpack record val without field, and
// returns it with whether the field was there.
func lpDel(dst, val, field []byte) ([]byte, bool) {
	at, vs, ve, found := lpFind(val, field)
	if !found {
		return append(dst, val...), false
	}
	vh := lpVH(val) - pairHash(string(field), string(val[vs:ve]))
	dst = binary.LittleEndian.AppendUint64(dst, vh)
	dst = append(dst, val[lpHeader:at]...)
	return append(dst, val[ve:]...), true
}
