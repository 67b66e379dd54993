package resp

import (
	"runtime"
	"strconv"
)

// makeRoom runs before every write command a client sends, as Redis's
// performEvictions runs before its commands: when memory is above
// maxmemory, it evicts keys as maxmemory-policy says (see
// engine.FreeMemory). If memory is still above the limit, a command that
// may grow memory (flagDenyOOM) is refused with -OOM; the others (DEL,
// EXPIRE, FLUSHALL...) run, since they can only help. It reports whether
// the command may run. A secondary never gets here: client writes are
// refused there first, and it applies its primary's stream, evictions
// included, without a limit of its own.
func (s *Server) makeRoom(c *client, cmd *command) bool {
	if err := c.eng.FreeMemory(); err != nil && cmd.flags&flagDenyOOM != 0 {
		c.conn.WriteError(errorText(err))
		return false
	}
	return true
}

// infoMemory is INFO's memory section. used_memory is the keyspace's own
// accounting (engine.Memory), the figure maxmemory is compared with; the
// Go heap, which also holds connection buffers, the operation log and
// garbage not yet collected, is allocator_allocated.
func (s *Server) infoMemory() [][2]string {
	m := s.eng.Memory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	rss := readRSS()
	u := func(n int64) string { return strconv.FormatInt(n, 10) }
	return [][2]string{
		{"used_memory", u(m.Used)},
		{"used_memory_human", humanBytes(uint64(m.Used))},
		{"used_memory_rss", strconv.FormatUint(rss, 10)},
		{"used_memory_rss_human", humanBytes(rss)},
		{"used_memory_peak", u(m.Peak)},
		{"used_memory_peak_human", humanBytes(uint64(m.Peak))},
		{"allocator_allocated", strconv.FormatUint(ms.HeapAlloc, 10)},
		{"total_system_memory", "0"},
		{"maxmemory", u(m.MaxMemory)},
		{"maxmemory_human", humanBytes(uint64(m.MaxMemory))},
		{"maxmemory_policy", m.Policy.String()},
		{"mem_allocator", "go"},
	}
}
