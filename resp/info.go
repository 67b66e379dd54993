package resp

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/nadb-server/nadb-server/engine"
)

// infoSections are the sections of INFO in Redis's order; "all" and
// "everything" print them all, "default" (and no argument) all but those
// of notDefault.
var infoSectionOrder = []string{"server", "clients", "memory", "persistence", "stats", "replication", "cpu", "modules", "commandstats", "errorstats", "cluster", "keyspace"}

// notDefault are the sections INFO prints only when asked by name or with
// "all", as Redis's commandstats.
var notDefault = map[string]bool{"commandstats": true}

// nodeSection names the sections read from the replication node under its
// own lock, which comes before the engine's: a script, which holds the
// engine's lock, gets INFO without them.
var nodeSection = map[string]bool{"persistence": true, "replication": true}

func cmdInfo(s *Server, c *client, args [][]byte) {
	want := map[string]bool{}
	all, def := false, len(args) == 1
	for _, a := range args[1:] {
		n := strings.ToLower(string(a))
		switch n {
		case "all", "everything":
			all = true
		case "default":
			def = true
		default:
			want[n] = true
		}
	}
	var b strings.Builder
	for _, name := range infoSectionOrder {
		if !all && !want[name] && (!def || notDefault[name]) {
			continue
		}
		if c.inScript && nodeSection[name] {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\r\n")
		}
		b.WriteString("# ")
		b.WriteString(sectionTitle(name))
		b.WriteString("\r\n")
		for _, kv := range s.infoSection(c.eng, name) {
			b.WriteString(kv[0])
			b.WriteByte(':')
			b.WriteString(kv[1])
			b.WriteString("\r\n")
		}
	}
	c.conn.WriteVerbatim(b.String())
}

// infoSection returns one section; eng is the client's engine (inside a script,
// the group's, whose lock the script holds).
func (s *Server) infoSection(eng *engine.Engine, name string) [][2]string {
	switch name {
	case "server":
		return s.infoServer()
	case "clients":
		return [][2]string{
			{"connected_clients", strconv.Itoa(s.connectedClients())},
			{"cluster_connections", "0"},
			{"maxclients", strconv.FormatInt(s.maxClients.Load(), 10)},
			{"client_recent_max_input_buffer", "0"},
			{"client_recent_max_output_buffer", "0"},
			{"blocked_clients", itoa(s.blockedClients.Load())},
			{"tracking_clients", itoa(int64(s.track.active.Load()))},
			{"clients_in_timeout_table", "0"},
		}
	case "memory":
		return s.infoMemory(eng)
	case "persistence":
		loading := [][2]string{{"loading", "0"}}
		if s.loading.Load() {
			loading = [][2]string{{"loading", "1"},
				{"loading_loaded_perc", fmt.Sprintf("%.2f", float64(s.loadPerc.Load())/100)}}
		}
		return append(append(loading, [2]string{"async_loading", "0"}), persistenceInfo(s.persistence().Persistence())...)
	case "stats":
		st := eng.Stats()
		tkeys, titems, tprefixes := s.track.counts()
		full, pok, perr := s.replication().SyncStats()
		return [][2]string{
			{"total_connections_received", itoa(s.connections.Load())},
			{"total_commands_processed", itoa(s.totalCommands())},
			{"instantaneous_ops_per_sec", strconv.FormatInt(int64(s.rates.rate(rateOps)), 10)},
			{"total_net_input_bytes", itoa(s.bytesRead.Load())},
			{"total_net_output_bytes", itoa(s.bytesWritten.Load())},
			{"instantaneous_input_kbps", fmt.Sprintf("%.2f", s.rates.rate(rateIn)/1024)},
			{"instantaneous_output_kbps", fmt.Sprintf("%.2f", s.rates.rate(rateOut)/1024)},
			{"rejected_connections", itoa(s.rejected.Load())},
			{"sync_full", itoa(full)},
			{"sync_partial_ok", itoa(pok)},
			{"sync_partial_err", itoa(perr)},
			{"expired_keys", itoa(st.ExpiredKeys)},
			{"evicted_keys", itoa(st.EvictedKeys)},
			{"keyspace_hits", itoa(st.Hits)},
			{"keyspace_misses", itoa(st.Misses)},
			{"pubsub_channels", itoa(int64(s.hub.count(false)))},
			{"pubsub_patterns", itoa(int64(s.hub.count(true)))},
			{"tracking_total_keys", itoa(int64(tkeys))},
			{"tracking_total_items", itoa(int64(titems))},
			{"tracking_total_prefixes", itoa(int64(tprefixes))},
			{"unexpected_error_replies", "0"},
			{"total_error_replies", itoa(s.stats.totalErrors.Load())},
		}
	case "replication":
		st := s.replication().Status()
		good, goodOK := s.goodReplicasInfo(st)
		out := replicationInfo(st, s.replicaPriority(), good, goodOK)
		if st.Primary != nil {
			for i := range out {
				if out[i][0] == "master_failover_state" {
					out[i][1] = s.fo.current()
				}
			}
		}
		return out
	case "cpu":
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		tv := func(t syscall.Timeval) string {
			return fmt.Sprintf("%.6f", float64(t.Sec)+float64(t.Usec)/1e6)
		}
		var ch syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ch)
		return [][2]string{
			{"used_cpu_sys", tv(ru.Stime)},
			{"used_cpu_user", tv(ru.Utime)},
			{"used_cpu_sys_children", tv(ch.Stime)},
			{"used_cpu_user_children", tv(ch.Utime)},
		}
	case "cluster":
		return [][2]string{{"cluster_enabled", "0"}} // as redis-server started without cluster-enabled
	case "commandstats":
		return s.infoCommandStats()
	case "errorstats":
		return s.infoErrorStats()
	case "keyspace":
		var out [][2]string
		for _, k := range eng.Keyspace() {
			out = append(out, [2]string{
				"db" + strconv.Itoa(k.DB),
				fmt.Sprintf("keys=%d,expires=%d,avg_ttl=%d", k.Keys, k.Expires, k.AvgTTL),
			})
		}
		return out
	}
	return nil
}

func (s *Server) infoServer() [][2]string {
	up := time.Since(s.started)
	exe, _ := os.Executable()
	return [][2]string{
		{"redis_version", redisVersion},
		{"nadb_version", Version},
		{"redis_git_sha1", "00000000"},
		{"redis_git_dirty", "0"},
		{"redis_mode", "standalone"},
		{"os", runtime.GOOS + " " + runtime.GOARCH},
		{"arch_bits", strconv.Itoa(strconv.IntSize)},
		{"multiplexing_api", "goroutines"},
		{"go_version", runtime.Version()},
		{"process_id", strconv.Itoa(os.Getpid())},
		{"run_id", s.runID},
		{"tcp_port", strconv.Itoa(s.opts.Port)},
		{"server_time_usec", strconv.FormatInt(time.Now().UnixMicro(), 10)},
		{"uptime_in_seconds", strconv.FormatInt(int64(up/time.Second), 10)},
		{"uptime_in_days", strconv.FormatInt(int64(up/(24*time.Hour)), 10)},
		{"hz", "10"},
		{"executable", exe},
		{"config_file", s.opts.ConfigFile},
	}
}

// readRSS returns the resident set size from /proc, or 0 where unavailable.
func readRSS() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseUint(f[1], 10, 64)
	return pages * uint64(os.Getpagesize())
}

func humanBytes(n uint64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2fG", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.2fM", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.2fK", float64(n)/(1<<10))
	}
	return strconv.FormatUint(n, 10) + "B"
}

// sectionTitle is the header Redis prints for a section.
func sectionTitle(name string) string {
	if name == "cpu" {
		return "CPU"
	}
	return strings.ToUpper(name[:1]) + name[1:]
}

// replicaPriority is replica-priority as configured (100, Redis's default,
// without a configuration).
func (s *Server) replicaPriority() string { return s.configValue("replica-priority", "100") }

// configValue is the current value of the option name (its canonical
// name, e.g. replica-announce-ip), or def without a configuration that
// has it.
func (s *Server) configValue(name, def string) string {
	if s.cfg != nil {
		if kv := s.cfg.Get(name); len(kv) == 1 {
			return kv[0][1]
		}
	}
	return def
}
