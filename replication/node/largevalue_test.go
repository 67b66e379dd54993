//go:build !race

// This test moves frames of about 110 MB through the log and a snapshot;
// under the race detector that takes over a minute, so it is built only
// without it: make test runs it in a second, race-free step.

package node

import (
	"bytes"
	"context"
	"testing"

	"github.com/nadb-server/nadb-server/engine"
	"github.com/nadb-server/nadb-server/replication/frame"
	"github.com/stretchr/testify/require"
)

// TestNodeLargeValuePersists writes a value whose frame is larger than
// DefaultMaxFrame (base64 makes 4 bytes of 3) into the log and into a
// snapshot: both must load back. Readers of the server's own files are
// bounded by the file, not by the network's frame limit.
func TestNodeLargeValuePersists(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and reads back a frame of about 110 MB")
	}
	leakCheck(t)
	dir := t.TempDir()
	big := make([]byte, frame.DefaultMaxFrame*4/5) // binary: sent as base64
	for i := range big {
		big[i] = byte(i * 7)
	}
	p := startPersistentNode(t, dir, false, nil)
	p.eng.Set(0, "big", big, engine.SetOptions{})
	p.eng.Set(0, "after", []byte("x"), engine.SetOptions{}) // the big frame is not the last
	require.NoError(t, p.node.WriteDone(context.Background()))
	p.close()

	r := startPersistentNode(t, dir, false, nil)
	got, ok := r.eng.Get(0, "big")
	require.True(t, ok, "the large value came back from the log")
	require.True(t, bytes.Equal(big, got))
	require.NoError(t, r.node.Save(false))
	r.close()
	snaps, _ := dirFiles(t, dir)
	require.Equal(t, 1, snaps)

	r2 := startPersistentNode(t, dir, false, nil)
	got, ok = r2.eng.Get(0, "big")
	require.True(t, ok, "the large value came back from the snapshot")
	require.True(t, bytes.Equal(big, got))
}
