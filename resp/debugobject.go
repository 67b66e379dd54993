package resp

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"time"

	"github.com/nadb-server/nadb-server/engine/rdb"
)

// lruClockMax is the mask of Redis's 24-bit LRU clock (seconds).
const lruClockMax = 1<<24 - 1

// debugObject answers DEBUG OBJECT key with Redis's line: a made-up
// address (this server has none to show), OBJECT REFCOUNT and ENCODING,
// the length of the value's RDB serialization as DUMP writes it (no LZF
// compression: longer than Redis's for compressible strings over 20
// bytes), the LRU clock of the key's last access and its idle seconds
// (under an LFU policy, the LFU fields read as Redis reads them there),
// and for a quicklist its nodes as DUMP would write them.
func debugObject(s *Server, c *client, key string) {
	d := c.DB()
	enc, ok := s.eng.Encoding(d, key)
	if !ok {
		c.conn.WriteError(errNoSuchKey)
		return
	}
	refs, _ := s.eng.RefCount(d, key)
	now := time.Now()
	clock := now.Unix() & lruClockMax
	var lru int64
	if idle, _, err := s.eng.IdleTime(d, key); err == nil {
		lru = (clock - idle) & lruClockMax
	} else { // LFU: minutes of the last decrement, then the counter
		freq, _, _ := s.eng.Freq(d, key)
		lru = (now.Unix()/60&0xffff)<<8 | int64(freq)
	}
	idle := clock - lru
	if clock < lru {
		idle = clock + lruClockMax - lru
	}
	it, dumpEnc, ok := s.eng.Dump(d, key)
	if !ok {
		c.conn.WriteError(errNoSuchKey)
		return
	}
	serialized := 0
	if p, err := rdb.Encode(nil, &it, dumpEnc); err == nil {
		serialized = len(p) - 1 - 10 // the object: no type byte, version or checksum
	}
	h := fnv.New64a()
	h.Write([]byte(key))
	line := fmt.Sprintf("Value at:0x7f%010x refcount:%d encoding:%s serializedlength:%d lru:%d lru_seconds_idle:%d",
		h.Sum64()&0xffffffffff, refs, enc, serialized, lru, idle)
	if enc == "quicklist" {
		if elements, nodes, size, err := rdb.ListShape(it.Value); err == nil && nodes > 0 {
			fill, depth := s.configInt("list-max-listpack-size", -2), s.configInt("list-compress-depth", 0)
			compressed := 0
			if depth != 0 {
				compressed = 1
			}
			line += fmt.Sprintf(" ql_nodes:%d ql_avg_node:%.2f ql_listpack_max:%d ql_compressed:%d ql_uncompressed_size:%d",
				nodes, float64(elements)/float64(nodes), fill, compressed, size)
		}
	}
	c.conn.WriteString(line)
}

// configInt is the integer value of option name, or def.
func (s *Server) configInt(name string, def int) int {
	if s.cfg == nil {
		return def
	}
	for _, kv := range s.cfg.Get(name) {
		if n, err := strconv.Atoi(kv[1]); err == nil {
			return n
		}
	}
	return def
}
