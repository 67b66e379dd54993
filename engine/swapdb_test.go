package engine_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nadb-server/nadb-server/engine"
)

// TestSwapDB: the two databases trade keys (strings, hashes, sets), the
// digest follows (a swap is not a no-op for it), and a replica replaying
// the effects ends equal.
func TestSwapDB(t *testing.T) {
	v := newEnv(t)
	e := v.e
	require.True(t, e.Set(0, "a", []byte("zero"), engine.SetOptions{}).Done)
	must(e.SAdd(0, "s", bs("m")))
	must(e.HSet(2, "h", bs("f", "v"), false))
	before := e.Digest()
	e.SwapDB(0, 2)
	require.NotEqual(t, before, e.Digest())
	require.Equal(t, "hash", e.Type(0, "h"))
	require.Equal(t, "set", e.Type(2, "s"))
	got, ok := e.Get(2, "a")
	require.True(t, ok)
	require.Equal(t, "zero", string(got))
	require.Equal(t, 1, e.DBSize(0))
	must(e.SAdd(2, "s", bs("n")))
	e.SwapDB(2, 0)
	require.Equal(t, []string{"m", "n"}, sortedMembers(t, e, 0, "s"))
	e.SwapDB(1, 1) // nothing, and nothing reported
	replay(t, v)
}
