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
