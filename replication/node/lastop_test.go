package node

import (
	"testing"

	"github.com/nadb-server/nadb-server/engine"
	"github.com/nadb-server/nadb-server/replication/frame"
	"github.com/stretchr/testify/require"
)

func TestLastOpDigestFor(t *testing.T) {
	d := frame.OpDigest(7, &engine.Effect{Kind: engine.EffectSet, DB: 2, Key: "k", Value: []byte("v")})
	require.Nil(t, lastOp{seq: 7, digest: d}.digestFor(8), "another position")
	require.Nil(t, lastOp{seq: 7}.digestFor(7), "unknown")
	require.Equal(t, d, lastOp{seq: 7, digest: d}.digestFor(7))
}
