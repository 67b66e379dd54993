package resp

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestLatencyGraph draws four samples as Redis's sparkline does: four
// rows of filled levels scaled between the lowest and the highest, a
// blank row, then each sample's age written downwards.
func TestLatencyGraph(t *testing.T) {
	now := int64(1_700_000_000)
	samples := []latencySample{{now - 3, 10}, {now - 2, 20}, {now - 1, 30}, {now, 40}}
	want := "e - high 40 ms, low 10 ms (all time high 50 ms)\n" + strings.Repeat("-", 80) + "\n" +
		"   #\n" +
		"  #|\n" +
		" o||\n" +
		"_|||\n" +
		"    \n" +
		"3210\n" +
		"ssss\n"
	require.Equal(t, want, latencyGraph("e", samples, 50, now))
}

// TestLatencyMonitorKeepsOnePerSecond: samples under the threshold are
// not kept, one second keeps its largest, and the ring keeps the latest
// 160 seconds.
func TestLatencyMonitorKeepsOnePerSecond(t *testing.T) {
	var m latencyMonitor
	at := time.Unix(1_700_000_000, 0)
	m.note("command", 500, at) // off
	require.Empty(t, m.events)
	m.threshold.Store(100)
	m.note("command", 99, at)
	require.Empty(t, m.events)
	m.note("command", 150, at)
	m.note("command", 120, at.Add(100*time.Millisecond))
	m.note("command", 300, at.Add(200*time.Millisecond))
	require.Equal(t, []latencySample{{at.Unix(), 300}}, m.events["command"].ordered())
	for i := range 200 {
		m.note("command", 100+int64(i), at.Add(time.Duration(i+1)*time.Second))
	}
	got := m.events["command"].ordered()
	require.Len(t, got, latencySamples)
	require.Equal(t, latencySample{at.Unix() + 200, 299}, got[len(got)-1])
	require.Equal(t, latencySample{at.Unix() + 41, 140}, got[0])
	require.Equal(t, uint32(300), m.events["command"].max)
}

// TestLatencyBuckets: a run lands in the first bucket whose top (the
// highest value of Redis's HDR bucket) holds its whole microseconds.
func TestLatencyBuckets(t *testing.T) {
	for _, c := range []struct {
		nanos int64
		label int64
	}{{0, 1}, {999, 1}, {1_999, 1}, {2_000, 2}, {3_000, 4}, {16_000, 16}, {17_000, 33}, {33_000, 33}, {34_000, 66}, {5 * 1_000_000_000, 1_082_130}} {
		require.Equal(t, c.label, latencyBucketTop(latencyBucket(c.nanos))/1000, "%d ns", c.nanos)
	}
}
