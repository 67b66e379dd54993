package resp

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// LATENCY: Redis's latency monitor and per-command latency histograms.
//
//   - The monitor (latency-monitor-threshold, in milliseconds; 0: off)
//     keeps, per event, the latest 160 seconds that had a sample at or
//     above the threshold, one sample per second (the largest), and the
//     largest ever. The events are "command" and "fast-command" (commands
//     flagged fast), as Redis names a slow command's time.
//   - Every command's (and subcommand's) run time is counted in a
//     histogram of power-of-two buckets, reported by LATENCY HISTOGRAM as
//     Redis reports its HDR histograms: each bucket labelled with the
//     largest microsecond value it holds, counts cumulative, and only the
//     buckets where the count grows.
//
// LATEST, HISTORY, RESET and HISTOGRAM answer in Redis's shapes. DOCTOR
// and GRAPH are for people: DOCTOR's report is this server's own words,
// GRAPH draws Redis's kind of ASCII sparkline.

// latencySamples is how many seconds of samples an event keeps.
const latencySamples = 160

// latencyGraphColumns is the width of LATENCY GRAPH.
const latencyGraphColumns = 80

// latencySample is the largest latency (ms) of one second (Unix time).
type latencySample struct {
	at int64
	ms uint32
}

// latencySeries is one event's samples: a ring, next the slot to fill.
type latencySeries struct {
	next    int
	max     uint32
	samples [latencySamples]latencySample
}

// latencyMonitor is the server's latency monitor.
type latencyMonitor struct {
	threshold atomic.Int64 // latency-monitor-threshold, ms (0: off)

	mu     sync.Mutex
	events map[string]*latencySeries
}

// note records that event took ms milliseconds at now, if the monitor is
// on and ms reaches its threshold.
func (m *latencyMonitor) note(event string, ms int64, now time.Time) {
	th := m.threshold.Load()
	if th <= 0 || ms < th {
		return
	}
	lat := uint32(min(ms, int64(^uint32(0))))
	sec := now.Unix()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.events == nil {
		m.events = map[string]*latencySeries{}
	}
	ts := m.events[event]
	if ts == nil {
		ts = &latencySeries{}
		m.events[event] = ts
	}
	ts.max = max(ts.max, lat)
	prev := &ts.samples[(ts.next+latencySamples-1)%latencySamples]
	if prev.at == sec {
		prev.ms = max(prev.ms, lat)
		return
	}
	ts.samples[ts.next] = latencySample{at: sec, ms: lat}
	ts.next = (ts.next + 1) % latencySamples
}

// ordered returns ts's samples, oldest first.
func (ts *latencySeries) ordered() []latencySample {
	var out []latencySample
	for j := range latencySamples {
		s := ts.samples[(ts.next+j)%latencySamples]
		if s.at != 0 {
			out = append(out, s)
		}
	}
	return out
}

// SetLatencyThreshold sets latency-monitor-threshold (ms; 0: off).
func (s *Server) SetLatencyThreshold(ms int64) { s.latency.threshold.Store(max(ms, 0)) }

// Latency histogram buckets. Bucket k holds the run times (in whole
// microseconds, as nanoseconds, at least 1) up to latencyBucketTop(k): the
// highest value of the HDR histogram bucket (two significant digits) that
// holds 1024<<k ns, which Redis's log iteration reports. The last bucket
// ends past one second, where Redis clamps.
const latencyBuckets = 21

func latencyBucketTop(k int) int64 { return 1<<(k+10) + 1<<(k+3) - 1 }

// latencyBucket returns the bucket of a run of nanos nanoseconds.
func latencyBucket(nanos int64) int {
	ns := min(max(nanos/1000*1000, 1), 1_000_000_000)
	k := 0
	for k < latencyBuckets-1 && ns > latencyBucketTop(k) {
		k++
	}
	return k
}

func registerLatencyCommands(t commandTable) {
	t.add(command{name: "latency", arity: -2, group: "server", since: "2.8.13", summary: "A container for latency diagnostics commands.", handler: cmdLatency})
}

func cmdLatency(s *Server, c *client, args [][]byte) {
	sub := args[1]
	m := &s.latency
	switch {
	case equalFold(sub, "latest"):
		m.mu.Lock()
		names := slices.Sorted(maps.Keys(m.events))
		c.conn.WriteArray(len(names))
		for _, n := range names {
			ts := m.events[n]
			last := ts.samples[(ts.next+latencySamples-1)%latencySamples]
			c.conn.WriteArray(4)
			c.conn.WriteBulkString(n)
			c.conn.WriteInt64(last.at)
			c.conn.WriteInt64(int64(last.ms))
			c.conn.WriteInt64(int64(ts.max))
		}
		m.mu.Unlock()
	case equalFold(sub, "history"):
		m.mu.Lock()
		var samples []latencySample
		if ts := m.events[string(args[2])]; ts != nil {
			samples = ts.ordered()
		}
		m.mu.Unlock()
		c.conn.WriteArray(len(samples))
		for _, smp := range samples {
			c.conn.WriteArray(2)
			c.conn.WriteInt64(smp.at)
			c.conn.WriteInt64(int64(smp.ms))
		}
	case equalFold(sub, "reset"):
		m.mu.Lock()
		n := 0
		if len(args) == 2 {
			n = len(m.events)
			clear(m.events)
		}
		for _, e := range args[2:] {
			if _, ok := m.events[string(e)]; ok {
				delete(m.events, string(e))
				n++
			}
		}
		m.mu.Unlock()
		c.conn.WriteInt(n)
	case equalFold(sub, "graph"):
		m.mu.Lock()
		ts := m.events[string(args[2])]
		var samples []latencySample
		var all uint32
		if ts != nil {
			samples, all = ts.ordered(), ts.max
		}
		m.mu.Unlock()
		if len(samples) == 0 {
			c.conn.WriteError(errLatencyNoSamples(args[2]))
			return
		}
		c.conn.WriteVerbatim(latencyGraph(string(args[2]), samples, all, time.Now().Unix()))
	case equalFold(sub, "doctor"):
		c.conn.WriteVerbatim(latencyDoctor(m))
	case equalFold(sub, "histogram"):
		latencyHistogram(s, c, args[2:])
	case equalFold(sub, "help"):
		writeHelp(c, "LATENCY",
			"DOCTOR", "    Return a human readable latency analysis report.",
			"GRAPH <event>", "    Return an ASCII latency graph for the <event> class.",
			"HISTORY <event>", "    Return time-latency samples for the <event> class.",
			"LATEST", "    Return the latest latency samples for all events.",
			"RESET [<event> ...]", "    Reset latency data of one or more <event> classes.",
			"    (default: reset all data for all event classes)",
			"HISTOGRAM [COMMAND ...]", "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
			"    If no commands are specified then all histograms are replied.")
	default:
		c.conn.WriteError(errUnknownSubcommand("latency", sub))
	}
}

// latencyHistogram answers LATENCY HISTOGRAM [command ...]: for each
// command named (container|sub for a subcommand; all when none is) that
// ran, its calls and its cumulative histogram.
func latencyHistogram(s *Server, c *client, names [][]byte) {
	var stats []*cmdStat
	s.stats.mu.Lock()
	if len(names) == 0 {
		for _, n := range slices.Sorted(maps.Keys(s.stats.all)) {
			stats = append(stats, s.stats.all[n])
		}
	} else {
		for _, n := range names {
			if st := s.stats.all[strings.ToLower(string(n))]; st != nil && !slices.Contains(stats, st) {
				stats = append(stats, st)
			}
		}
	}
	s.stats.mu.Unlock()
	type row struct {
		name  string
		calls int64
		hist  [latencyBuckets]int64
	}
	var rows []row
	for _, st := range stats {
		r := row{name: st.name}
		for i := range st.shards {
			for k := range r.hist {
				r.hist[k] += st.shards[i].hist[k].Load()
			}
		}
		for _, n := range r.hist {
			r.calls += n
		}
		if r.calls > 0 {
			rows = append(rows, r)
		}
	}
	c.conn.WriteMap(len(rows))
	for _, r := range rows {
		c.conn.WriteBulkString(r.name)
		c.conn.WriteMap(2)
		c.conn.WriteBulkString("calls")
		c.conn.WriteInt64(r.calls)
		c.conn.WriteBulkString("histogram_usec")
		n := 0
		for _, v := range r.hist {
			if v > 0 {
				n++
			}
		}
		c.conn.WriteMap(n)
		var cum int64
		for k, v := range r.hist {
			if v == 0 {
				continue
			}
			cum += v
			c.conn.WriteInt64(latencyBucketTop(k) / 1000)
			c.conn.WriteInt64(cum)
		}
	}
}

// latencyDoctor is LATENCY DOCTOR's report.
func latencyDoctor(m *latencyMonitor) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.events) == 0 {
		if m.threshold.Load() == 0 {
			return "The latency monitor is off (latency-monitor-threshold is 0), and it has recorded nothing. " +
				"Turn it on with CONFIG SET latency-monitor-threshold <milliseconds>.\n"
		}
		return "No latency spike has been recorded since the server started (or since the last LATENCY RESET).\n"
	}
	var b strings.Builder
	b.WriteString("Latency spikes recorded (the latest " + strconv.Itoa(latencySamples) + " seconds that had one, per event):\n\n")
	for i, name := range slices.Sorted(maps.Keys(m.events)) {
		ts := m.events[name]
		samples := ts.ordered()
		var sum uint64
		for _, s := range samples {
			sum += uint64(s.ms)
		}
		avg := sum / uint64(max(len(samples), 1))
		var dev uint64
		for _, s := range samples {
			d := int64(s.ms) - int64(avg)
			dev += uint64(max(d, -d))
		}
		dev /= uint64(max(len(samples), 1))
		period := 0.0
		if len(samples) > 1 {
			period = float64(samples[len(samples)-1].at-samples[0].at) / float64(len(samples)-1)
		}
		fmt.Fprintf(&b, "%d. %s: %d spikes, average %d ms, mean deviation %d ms, one every %.2f s; the largest ever %d ms.\n",
			i+1, name, len(samples), avg, dev, period, ts.max)
	}
	b.WriteString("\nA \"command\" spike is a command that ran at least latency-monitor-threshold ms: SLOWLOG GET names them. " +
		"A \"fast-command\" spike is a command that is normally constant-time (GET, SET...) running that long: " +
		"the machine did not give the server CPU time (load, a noisy neighbour, swapping).\n")
	return b.String()
}

// latencyGraph draws an event's samples as Redis's LATENCY GRAPH does: a
// title line, a rule, four rows of a filled ASCII sparkline scaled between
// the lowest and the highest sample, then, under each column, how long
// ago its sample was taken (seconds, minutes, hours or days), written
// downwards.
func latencyGraph(event string, samples []latencySample, allTime uint32, now int64) string {
	lo, hi := samples[0].ms, samples[0].ms
	labels := make([]string, len(samples))
	for i, s := range samples {
		lo, hi = min(lo, s.ms), max(hi, s.ms)
		switch ago := now - s.at; {
		case ago < 60:
			labels[i] = strconv.FormatInt(ago, 10) + "s"
		case ago < 3600:
			labels[i] = strconv.FormatInt(ago/60, 10) + "m"
		case ago < 86400:
			labels[i] = strconv.FormatInt(ago/3600, 10) + "h"
		default:
			labels[i] = strconv.FormatInt(ago/86400, 10) + "d"
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s - high %d ms, low %d ms (all time high %d ms)\n", event, hi, lo, allTime)
	b.WriteString(strings.Repeat("-", latencyGraphColumns) + "\n")
	for start := 0; start < len(samples); start += latencyGraphColumns {
		if start > 0 {
			b.WriteString("\n")
		}
		end := min(start+latencyGraphColumns, len(samples))
		sparkline(&b, samples[start:end], labels[start:end], lo, hi)
	}
	return b.String()
}

// sparkline draws samples (whose range is lo..hi) in four rows of three
// levels each ('_', 'o', '#', a full cell '|' below the top), then their
// labels vertically, one blank row above them.
func sparkline(b *strings.Builder, samples []latencySample, labels []string, lo, hi uint32) {
	const rows, levels = 4, 3
	fill := [levels]byte{'_', 'o', '#'}
	span := float64(hi - lo)
	if span == 0 {
		span = 1
	}
	steps := rows * levels
	line := make([]byte, len(samples))
	for row := range rows {
		for j, s := range samples {
			step := int(float64(int(float64(s.ms-lo)*float64(steps))) / span)
			step = min(max(step, 0), steps-1)
			line[j] = ' '
			switch idx := step - (rows-row-1)*levels; {
			case idx >= 0 && idx < levels:
				line[j] = fill[idx]
			case idx >= levels:
				line[j] = '|'
			}
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	longest := 0
	for _, l := range labels {
		longest = max(longest, len(l))
	}
	b.WriteString(strings.Repeat(" ", len(samples)) + "\n")
	for i := range longest {
		for j := range line {
			line[j] = ' '
			if i < len(labels[j]) {
				line[j] = labels[j][i]
			}
		}
		b.Write(line)
		b.WriteByte('\n')
	}
}
