package engine_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nadb-server/nadb-server/engine"
)

// steppingClock moves 5 ms forward at every reading, as the time a command
// may wait between reading the clock itself and reaching the engine's lock.
type steppingClock struct{ *fakeClock }

func (c *steppingClock) Now() time.Time {
	c.Advance(5 * time.Millisecond)
	return c.fakeClock.Now()
}

// TestRelativeExpiryUsesApplyTime: SET PX 1, GETEX PX 1 and PEXPIRE 1 count
// their millisecond from the time the engine applies them, so the key is
// stored with that expiry even when the command waited longer than that
// for the lock (it was once taken as already expired, and not stored).
func TestRelativeExpiryUsesApplyTime(t *testing.T) {
	clk := &steppingClock{newFakeClock()}
	sink := &recSink{}
	e := engine.New(engine.Options{Databases: 1, Clock: clk, Sink: sink})
	kinds := func() (out []engine.EffectKind) {
		for _, g := range sink.Take() {
			for _, ef := range g {
				require.Greater(t, ef.ExpireAt, int64(0), "effect %+v", ef)
				out = append(out, ef.Kind)
			}
		}
		return out
	}

	require.True(t, e.Set(0, "a", []byte("v"), engine.SetOptions{ExpireAt: 1, Relative: true}).Done)
	require.Equal(t, []engine.EffectKind{engine.EffectSet}, kinds(), "SET a v PX 1")

	require.True(t, e.Set(0, "b", []byte("v"), engine.SetOptions{}).Done)
	sink.Take()
	require.True(t, e.ExpireIn(0, "b", 1, engine.ExpireAlways))
	require.Equal(t, []engine.EffectKind{engine.EffectExpire}, kinds(), "PEXPIRE b 1")

	require.True(t, e.Set(0, "c", []byte("v"), engine.SetOptions{}).Done)
	sink.Take()
	v, ok, err := e.GetEx(0, "c", engine.ExpireChange{Set: true, At: 1, Relative: true})
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "v", string(v))
	require.Equal(t, []engine.EffectKind{engine.EffectExpire}, kinds(), "GETEX c PX 1")

	// A relative time of 0 or less is in the past, as EXPIRE k 0 is.
	require.True(t, e.Set(0, "d", []byte("v"), engine.SetOptions{}).Done)
	sink.Take()
	require.True(t, e.ExpireIn(0, "d", 0, engine.ExpireAlways))
	g := sink.Take()
	require.Len(t, g, 1)
	require.Equal(t, engine.EffectDelete, g[0][0].Kind, "PEXPIRE d 0")
}
