package resp

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestRates: a rate is the counter's growth per second between two
// samples, averaged over the last 16 samples; the first sample only sets
// the base, and a counter that went back (CONFIG RESETSTAT) counts 0.
func TestRates(t *testing.T) {
	ts := startServer(t, Options{})
	c := dialRaw(t, ts.addr)
	s := ts.srv
	t0 := time.Unix(1_700_000_000, 0)
	s.SampleRates(t0)
	require.Zero(t, s.rates.rate(rateOps))
	before := s.totalCommands()
	for range 8 {
		require.Equal(t, "+PONG\r\n", c.do("PING"))
	}
	s.SampleRates(t0.Add(100 * time.Millisecond))
	ops := float64(s.totalCommands()-before) / 0.1
	require.InDelta(t, ops/rateSamples, s.rates.rate(rateOps), 1e-9)
	require.Positive(t, s.rates.rate(rateIn))
	require.Positive(t, s.rates.rate(rateOut))

	s.resetStats()
	s.SampleRates(t0.Add(200 * time.Millisecond))
	require.InDelta(t, ops/rateSamples, s.rates.rate(rateOps), 1e-9, "a reset counts as nothing")
}
