package resp

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nadb-server/nadb-server/engine"
)

// TestFunctionsKeepWhatCannotLoad: a library in the engine's value that
// cannot be loaded here (stored by another version, say) is logged and
// kept: a change of other libraries stores it again, FLUSH drops it.
func TestFunctionsKeepWhatCannotLoad(t *testing.T) {
	ts := startServer(t, Options{})
	c := dialRaw(t, ts.addr)
	bad := []byte("#!lua name=bad\nerror('not here')")
	_, gen := ts.srv.eng.Functions()
	require.True(t, ts.srv.eng.SetFunctions(engine.AppendPacked(nil, bad), gen))
	require.Equal(t, "*0\r\n", c.do("FUNCTION", "LIST"))
	require.Equal(t, "$2\r\nok\r\n", c.do("FUNCTION", "LOAD", "#!lua name=ok\nredis.register_function('f', function() return 1 end)"))
	v, _ := ts.srv.eng.Functions()
	require.True(t, bytes.Contains(v, bad), "the library that cannot load is kept")
	require.Equal(t, ":1\r\n", c.do("FCALL", "f", "0"))
	require.Equal(t, "+OK\r\n", c.do("FUNCTION", "FLUSH"))
	v, _ = ts.srv.eng.Functions()
	require.Nil(t, v)
}
