package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestIdlePurge: free memory is purged once the collector has been quiet
// for idlePurgeAfter, once per quiet spell, and never while it runs.
func TestIdlePurge(t *testing.T) {
	var p idlePurge
	t0 := time.Unix(1_700_000_000, 0)
	at := func(d time.Duration) time.Time { return t0.Add(d) }

	require.False(t, p.due(10, at(0)), "the first look only notes the count")
	require.False(t, p.due(10, at(idlePurgeAfter-time.Millisecond)), "not quiet long enough")
	require.True(t, p.due(10, at(idlePurgeAfter)), "quiet: purge")
	p.purged(11, at(idlePurgeAfter)) // the purge collected once
	require.False(t, p.due(11, at(10*idlePurgeAfter)), "once per quiet spell")

	// A busy server collects every second: never purged.
	for i := range 20 {
		require.False(t, p.due(uint64(12+i), at(10*idlePurgeAfter+time.Duration(i)*time.Second)))
	}
	// Then it goes quiet again: one more purge.
	end := 10*idlePurgeAfter + 19*time.Second
	require.False(t, p.due(31, at(end+idlePurgeAfter/2)))
	require.True(t, p.due(31, at(end+idlePurgeAfter)))
}
