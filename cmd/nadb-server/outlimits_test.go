package main

import (
	"testing"

	"github.com/nadb-server/nadb-server/resp"
	"github.com/stretchr/testify/require"
)

// TestOutputLimitsAsRedis: CONFIG SET client-output-buffer-limit changes
// only the classes given and CONFIG GET shows bytes and Redis's class
// names, as redis-server 7.0 does (outputs taken from it).
func TestOutputLimitsAsRedis(t *testing.T) {
	s := newSettings()
	require.Equal(t, [][2]string{{"client-output-buffer-limit", defaultOutputLimits}}, s.Get("client-output-buffer-limit"))
	require.NoError(t, setOne(s, "client-output-buffer-limit", "normal 1mb 512kb 10"))
	require.Equal(t, "normal 1048576 524288 10 slave 268435456 67108864 60 pubsub 33554432 8388608 60", s.value("client-output-buffer-limit"))
	require.NoError(t, setOne(s, "client-output-buffer-limit", "replica 1k 2 3"))
	require.Equal(t, "normal 1048576 524288 10 slave 1000 2 3 pubsub 33554432 8388608 60", s.value("client-output-buffer-limit"))
	require.NoError(t, setOne(s, "client-output-buffer-limit", "NORMAL 5 6 7 normal 8 9 10"))
	require.Equal(t, "normal 8 9 10 slave 1000 2 3 pubsub 33554432 8388608 60", s.value("client-output-buffer-limit"))
	require.Equal(t, resp.OutputLimit{Hard: 8, Soft: 9, SoftSeconds: 10}, normalOutputLimit(s.value("client-output-buffer-limit")))

	for v, want := range map[string]error{
		"normal 1 2":     resp.ErrBufferLimitArgs,
		"bogus 1 2 3":    resp.ErrBufferLimitClass,
		"normal x 2 3":   resp.ErrBufferLimitValue,
		"normal 1 2 -3":  resp.ErrBufferLimitValue,
		"normal 1 2 3 x": resp.ErrBufferLimitArgs,
	} {
		err := setOne(s, "client-output-buffer-limit", v)
		require.ErrorIs(t, err, want, v)
		require.ErrorIs(t, err, resp.ErrBadOptionValue, v)
	}
	require.Equal(t, "normal 8 9 10 slave 1000 2 3 pubsub 33554432 8388608 60", s.value("client-output-buffer-limit"), "a refused value changes nothing")
}

// TestOutputLimitsFromFile: each line of a config file sets its class.
func TestOutputLimitsFromFile(t *testing.T) {
	c := mustLoad(t, []string{"--client-output-buffer-limit", "normal 10mb 5mb 30", "--timeout", "300", "--requirepass", "pw", "--protected-mode", "no"}, noEnv)
	require.Equal(t, resp.OutputLimit{Hard: 10 << 20, Soft: 5 << 20, SoftSeconds: 30}, c.OutputLimit)
	require.Equal(t, 300, c.Timeout)
	require.Equal(t, "pw", c.RequirePass)
	require.False(t, c.ProtectedMode)
	_, err := load([]string{"--timeout", "-1"}, noEnv)
	require.ErrorContains(t, err, "option 'timeout'")
	_, err = load([]string{"--protected-mode", "maybe"}, noEnv)
	require.ErrorContains(t, err, "option 'protected-mode'")
}
