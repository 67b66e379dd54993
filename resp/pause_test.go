package resp

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestPauseModeAndTimers: a later pause keeps the stricter mode and the
// later end, and the timer of a pause that was extended does not end it.
func TestPauseModeAndTimers(t *testing.T) {
	ts := startServer(t, Options{})
	s := ts.srv
	s.pauseClients(true, time.Now().Add(time.Hour), pauseAll)
	s.pauseClients(true, time.Now().Add(time.Millisecond), pauseWrite)
	s.pause.mu.Lock()
	mode, gen := s.pause.mode, s.pause.gen
	s.pause.mu.Unlock()
	require.Equal(t, pauseAll, mode, "the stricter mode stands")

	s.endPause(gen - 1) // the first pause's timer, fired late
	require.True(t, s.pause.on.Load(), "an extended pause is not ended by its older timer")
	s.endPause(gen)
	require.False(t, s.pause.on.Load())
}

// TestPauseFailoverHold: a FAILOVER's hold on writes and CLIENT PAUSE are
// independent, as in Redis: CLIENT UNPAUSE releases what only the pause
// held (a read under PAUSE ALL) and keeps the writes held until the
// failover ends.
func TestPauseFailoverHold(t *testing.T) {
	ts := startServer(t, Options{})
	s := ts.srv
	s.holdWritesForFailover(true, true)
	s.pauseClients(true, time.Now().Add(time.Hour), pauseAll)

	r := dialRaw(t, ts.addr)
	w := dialRaw(t, ts.addr)
	r.send(mb("GET", "k"))
	w.send(mb("SET", "k", "v"))
	require.Eventually(t, func() bool { return s.blockedClients.Load() == 2 }, 5*time.Second, time.Millisecond)

	s.unpauseClients()
	require.Equal(t, "$-1\r\n", r.reply(), "the read only CLIENT PAUSE held runs")
	require.True(t, s.pause.on.Load(), "the failover still holds writes")
	require.Equal(t, int64(1), s.blockedClients.Load())

	s.holdWritesForFailover(false, false)
	require.Equal(t, "+OK\r\n", w.reply())
	require.False(t, s.pause.on.Load())
	require.Equal(t, "$1\r\nv\r\n", r.do("GET", "k"))
}
