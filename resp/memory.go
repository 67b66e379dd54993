package resp

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/nadb-server/nadb-server/engine"
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
	if err := c.eng.FreeMemory(); err != nil && cmd.flags&flagDenyOOM != 0 && !c.allowOOM {
		c.conn.WriteError(errorText(err))
		return false
	}
	return true
}

// infoMemory is INFO's memory section. used_memory is the keyspace's own
// accounting (engine.Memory), the figure maxmemory is compared with; the
// Go heap, which also holds connection buffers, the operation log and
// garbage not yet collected, is allocator_allocated.
func (s *Server) infoMemory(eng *engine.Engine) [][2]string {
	m := eng.Memory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	rss := readRSS()
	scripts, scriptBytes := s.scripts.cache.Stats() // the bodies of EVAL's cache
	reg, _ := s.functions(eng)
	var funcBytes int64
	for _, lib := range reg.Libraries {
		funcBytes += int64(len(lib.Code))
	}
	system := totalSystemMemory()
	u := func(n int64) string { return strconv.FormatInt(n, 10) }
	ratio := func(a, b float64) string {
		if b <= 0 {
			return "0.00"
		}
		return strconv.FormatFloat(a/b, 'f', 2, 64)
	}
	// In Redis's order, with the fields this server has a figure for.
	return [][2]string{
		{"used_memory", u(m.Used)},
		{"used_memory_human", humanBytes(uint64(m.Used))},
		{"used_memory_rss", strconv.FormatUint(rss, 10)},
		{"used_memory_rss_human", humanBytes(rss)},
		{"used_memory_peak", u(m.Peak)},
		{"used_memory_peak_human", humanBytes(uint64(m.Peak))},
		{"used_memory_peak_perc", ratio(100*float64(m.Used), float64(m.Peak)) + "%"},
		{"allocator_allocated", strconv.FormatUint(ms.HeapAlloc, 10)},
		{"total_system_memory", strconv.FormatUint(system, 10)},
		{"total_system_memory_human", humanBytes(system)},
		{"used_memory_scripts_eval", u(scriptBytes)},
		{"number_of_cached_scripts", strconv.Itoa(scripts)},
		{"number_of_functions", strconv.Itoa(len(reg.Functions))},
		{"number_of_libraries", strconv.Itoa(len(reg.Libraries))},
		{"used_memory_functions", u(funcBytes)},
		{"used_memory_scripts", u(scriptBytes + funcBytes)},
		{"used_memory_scripts_human", humanBytes(uint64(scriptBytes + funcBytes))},
		{"maxmemory", u(m.MaxMemory)},
		{"maxmemory_human", humanBytes(uint64(m.MaxMemory))},
		{"maxmemory_policy", m.Policy.String()},
		// The process's resident memory against the keyspace's: what the
		// runtime, buffers and garbage not yet collected add.
		{"mem_fragmentation_ratio", ratio(float64(rss), float64(m.Used))},
		{"mem_fragmentation_bytes", u(int64(rss) - m.Used)},
		{"mem_allocator", "go"},
		{"active_defrag_running", "0"},
		{"lazyfree_pending_objects", "0"},
		{"lazyfreed_objects", "0"},
	}
}

// totalSystemMemory is the machine's memory in bytes (MemTotal of
// /proc/meminfo; 0 where there is none).
func totalSystemMemory() uint64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			f := strings.Fields(rest)
			if len(f) == 2 && f[1] == "kB" {
				n, _ := strconv.ParseUint(f[0], 10, 64)
				return n << 10
			}
		}
	}
	return 0
}

// cmdMemory answers MEMORY USAGE, MALLOC-STATS, PURGE and HELP. USAGE is
// the key's share of used_memory, as the keyspace accounts it (see
// engine.KeyMemory): Redis's figure comes from its allocator, so the two
// servers give different numbers for the same key. SAMPLES is checked as
// Redis checks it and changes nothing: no value is sampled, each is
// accounted whole.
func cmdMemory(s *Server, c *client, args [][]byte) {
	sub := args[1]
	switch {
	case equalFold(sub, "usage") && len(args) >= 3:
		for j := 3; j < len(args); j++ {
			if !equalFold(args[j], "samples") || j+1 == len(args) {
				c.conn.WriteError(errSyntax)
				return
			}
			n, ok := parseInt(args[j+1])
			if !ok {
				c.conn.WriteError(errNotInteger)
				return
			}
			if n < 0 {
				c.conn.WriteError(errSyntax)
				return
			}
			j++
		}
		n, ok := c.eng.KeyMemory(c.DB(), string(args[2]))
		if !ok {
			c.conn.WriteNull()
			return
		}
		c.conn.WriteInt64(n)
	case equalFold(sub, "malloc-stats") && len(args) == 2:
		c.conn.WriteVerbatim(goMemoryReport()) // a bulk string in RESP2
	case equalFold(sub, "purge") && len(args) == 2:
		debug.FreeOSMemory()
		c.conn.WriteString("OK")
	case equalFold(sub, "help") && len(args) == 2:
		writeHelp(c, "MEMORY",
			"MALLOC-STATS",
			"    Return the Go runtime's memory statistics.",
			"PURGE",
			"    Return the memory the Go runtime holds unused to the operating system.",
			"USAGE <key> [SAMPLES <count>]",
			"    Return the memory in bytes accounted to <key> and its value (SAMPLES is",
			"    accepted; every value is accounted whole).")
	case equalFold(sub, "usage"), equalFold(sub, "malloc-stats"), equalFold(sub, "purge"), equalFold(sub, "help"):
		c.conn.WriteError(errArity("memory|" + string(lowerASCII(sub))))
	default:
		c.conn.WriteError(errUnknownSubcommand("memory", sub))
	}
}

// goMemoryReport is MEMORY MALLOC-STATS: the Go runtime's view of the
// process's memory, one figure a line.
func goMemoryReport() string {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	var b strings.Builder
	line := func(name string, v uint64) { fmt.Fprintf(&b, "%s: %d\n", name, v) }
	b.WriteString("Go runtime memory statistics (bytes unless counted)\n")
	line("heap_alloc", m.HeapAlloc)
	line("heap_inuse", m.HeapInuse)
	line("heap_idle", m.HeapIdle)
	line("heap_released", m.HeapReleased)
	line("heap_sys", m.HeapSys)
	line("stack_sys", m.StackSys)
	line("sys", m.Sys)
	line("heap_objects", m.HeapObjects)
	line("gc_cycles", uint64(m.NumGC))
	line("next_gc", m.NextGC)
	return b.String()
}
