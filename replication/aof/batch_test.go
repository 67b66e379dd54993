package aof

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/nadb-server/nadb-server/engine"
	"github.com/nadb-server/nadb-server/replication/frame"
	"github.com/stretchr/testify/require"
)

// Logs whose operations are in OP_BATCH frames (the node's log writes them
// so): loading, reading back from any position, torn and corrupt batches.

// batchedSource is newPersistSource whose log writes batches of k groups.
func batchedSource(t *testing.T, dir string, limit int64, k int) *persistSource {
	t.Helper()
	src := newPersistSource(t, dir, "B", limit)
	src.log.batchGroups = k
	return src
}

func TestAOFBatchesLoadAndReadBack(t *testing.T) {
	for _, k := range []int{1, 3, 7} {
		t.Run(fmt.Sprint(k, " groups a batch"), func(t *testing.T) {
			dir := t.TempDir()
			src := batchedSource(t, dir, 600, k)
			writeWorkload(src.eng)
			diskWorkload(src, 40)
			src.log.flushBatch()
			last := src.log.Last()
			src.flushed(t)
			require.GreaterOrEqual(t, len(src.aof.Segments()), 3, "cut into segments, between batches")

			// Every segment loads to the groups logged.
			want := groupsOf(t, src.log, 1)
			var got [][]engine.Effect
			for _, seg := range src.aof.Segments() {
				h, err := loadAOF(seg.Path, aofDBs, aofLogger())
				require.NoError(t, err)
				require.Equal(t, seg.Base, h.Base)
				got = append(got, h.Groups...)
			}
			require.Equal(t, want, got)

			// Read back from every position: whole batches keep their
			// frame, a batch entered in its middle comes without.
			all, err := src.log.Read(1, math.MaxInt, nil)
			require.NoError(t, err)
			var d frame.Decoder
			var op frame.Op
			for x := uint64(1); x <= last; x++ {
				c := &Cursor{aof: src.aof, replID: "A", dbs: aofDBs}
				c.replID = "B"
				got, err := c.Read(x, math.MaxInt, last, nil)
				c.Close()
				require.NoError(t, err, "from %d", x)
				requireSameEntries(t, all[x-1:], got, fmt.Sprint("from ", x))
				for i := 0; i < len(got); i++ {
					e := got[i]
					if e.BatchLen == 0 {
						require.Nil(t, e.Frame, "from %d: entry %d, in a batch entered in its middle", x, e.Seq)
						continue
					}
					_, err := d.DecodeFrame(e.Batch, &op)
					require.NoError(t, err)
					require.Equal(t, frame.OpOpBatch, op.Type)
					require.Equal(t, e.Seq, op.Sequence)
					require.Equal(t, uint64(e.BatchLen), op.Count)
					i += e.BatchLen - 1
				}
			}

			// Seven at a time, and a limit inside a batch.
			c := &Cursor{aof: src.aof, replID: "B", dbs: aofDBs}
			defer c.Close()
			var seen []frame.Entry
			for next := uint64(1); next <= last; {
				limit := min(next+5, last)
				before := len(seen)
				seen, err = c.Read(next, 7, limit, seen)
				require.NoError(t, err)
				require.Positive(t, len(seen)-before, "no progress at %d", next)
				require.LessOrEqual(t, seen[len(seen)-1].Seq, limit)
				next = seen[len(seen)-1].Seq + 1
			}
			requireSameEntries(t, all, seen, "seven at a time, limited")
		})
	}
}

// A batch cut short by a crash is a torn tail: the load keeps the batches
// before it. A batch that ends inside a group is corruption.
func TestAOFBatchTornAndCorrupt(t *testing.T) {
	dir := t.TempDir()
	src := batchedSource(t, dir, 0, 4)
	writeWorkload(src.eng)
	src.log.flushBatch()
	src.flushed(t)
	path := src.aof.Segments()[0].Path
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	bounds := frameBounds(t, b)
	require.GreaterOrEqual(t, len(bounds), 4, "a header and batches")
	all := readAll(t, src.log, 1)
	lastBatch := uint64(0) // the first sequence of the last batch
	for _, e := range all {
		if e.BatchLen > 0 {
			lastBatch = e.Seq
		}
	}

	torn := writeFile(t, t.TempDir(), "torn.aof", b[:bounds[len(bounds)-2]+(bounds[len(bounds)-1]-bounds[len(bounds)-2])/2])
	h, err := loadAOF(torn, aofDBs, aofLogger())
	require.NoError(t, err)
	require.Equal(t, lastBatch-1, h.Last, "the torn batch is dropped whole")

	// A batch of one operation that claims a group of two, then nothing.
	var enc frame.OpBatchEncoder
	bad, err := enc.AppendBatch(nil, []frame.Entry{{Seq: src.log.Last() + 1, Group: 2, TimeMs: 1,
		Effect: engine.Effect{Kind: engine.EffectSet, Key: "x", Value: []byte("y")}}})
	require.NoError(t, err)
	half := writeFile(t, t.TempDir(), "half.aof", append(append([]byte{}, b...), bad...))
	_, err = loadAOF(half, aofDBs, aofLogger())
	require.ErrorIs(t, err, ErrCorruptLog)

	// A batch whose operation cannot be applied.
	bad, err = enc.AppendBatch(nil, []frame.Entry{{Seq: src.log.Last() + 1, Group: 1, TimeMs: 1,
		Effect: engine.Effect{Kind: engine.EffectSet, DB: aofDBs, Key: "x", Value: []byte("y")}}})
	require.NoError(t, err)
	_, err = loadAOF(writeFile(t, t.TempDir(), "db.aof", append(append([]byte{}, b...), bad...)), aofDBs, aofLogger())
	require.ErrorIs(t, err, ErrCorruptLog)
	require.NoError(t, os.RemoveAll(filepath.Dir(half)))
}
