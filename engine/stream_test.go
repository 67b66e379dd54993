package engine

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestStreamModel drives a stream with random appends, deletions (in the
// middle: tombstones; at either end) and trims against a plain slice of
// IDs, and checks after each step its length, its entries in both
// directions, that its packed form rebuilds an equal stream (same value
// hash and memory), and its memory count.
func TestStreamModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for round := range 20 {
		s := newStream()
		var model []StreamID
		next := uint64(1)
		for step := range 600 {
			switch op := rng.IntN(10); {
			case op < 5:
				id := StreamID{next, uint64(rng.IntN(3))}
				next++
				s.appendEntry(id, AppendPacked(AppendPacked(nil, "f"), []byte{byte(step)}))
				s.added++
				model = append(model, id)
			case op < 8 && len(model) > 0:
				var i int
				switch rng.IntN(3) {
				case 0:
					i = 0
				case 1:
					i = len(model) - 1
				default:
					i = rng.IntN(len(model))
				}
				require.True(t, s.delete(model[i]))
				require.False(t, s.delete(model[i]), "deleted twice")
				model = slices.Delete(model, i, i+1)
			case op == 8:
				n := rng.IntN(4)
				s.trimFirst(n)
				model = model[min(n, len(model)):]
			default:
				tr := StreamTrim{MaxLen: int64(rng.IntN(len(model) + 2))}
				if rng.IntN(2) == 0 && len(model) > 0 {
					tr = StreamTrim{MinID: true, Min: model[rng.IntN(len(model))]}
				}
				n := s.trimCount(&tr)
				s.trimFirst(n)
				model = model[n:]
			}
			require.Equal(t, len(model), s.length(), "round %d step %d", round, step)
			var got []StreamID
			for _, en := range s.rangeOf(StreamID{}, MaxStreamID, 0, false) {
				got = append(got, en.ID)
			}
			if len(model) > 0 || len(got) > 0 {
				require.Equal(t, model, got, "round %d step %d", round, step)
			}
			rev := s.rangeOf(StreamID{}, MaxStreamID, 0, true)
			require.Len(t, rev, len(model))
			if len(model) > 0 {
				require.Equal(t, model[len(model)-1], rev[0].ID)
				require.False(t, s.ents[0].dead() || s.ents[len(s.ents)-1].dead(), "a tombstone at an end")
			}
			back, err := streamFromPacked(s.pack(nil), DefaultCollLimits)
			require.NoError(t, err)
			require.Equal(t, s.valueHash(), back.valueHash())
			require.Equal(t, s.memory(), back.memory())
			dead := 0
			for _, en := range s.ents {
				if en.dead() {
					dead++
				}
			}
			require.Equal(t, s.dead, dead, "tombstones counted")
		}
	}
}

// TestStreamCommandsReplicate runs random stream and consumer group
// commands on a primary engine whose effects a replica applies, and
// checks after each one that the primary's invariants hold (every
// record's value hash is its object's) and that the replica's dataset
// digest equals the primary's: every change a command makes is one it
// reports.
func TestStreamCommandsReplicate(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	clock := &manualClock{ms: 1_000_000}
	p, r := New(Options{Databases: 1, Clock: clock}), New(Options{Databases: 1})
	var effects []Effect
	p.SetSink(&copySink{&effects})
	next := uint64(0)
	id := func() StreamID { return StreamID{uint64(rng.IntN(int(next) + 2)), 0} }
	ids := func() []StreamID { return []StreamID{id(), id(), id()} }
	group := func() string { return []string{"g1", "g2"}[rng.IntN(2)] }
	consumer := func() string { return []string{"a", "b", "c"}[rng.IntN(3)] }
	for step := range 4000 {
		clock.ms += int64(rng.IntN(50))
		switch rng.IntN(14) {
		case 0, 1, 2:
			next++
			p.XAdd(0, "s", XAddID{ID: StreamID{next, 0}}, [][]byte{[]byte("f"), []byte{byte(step)}}, false, nil)
		case 3:
			p.XDel(0, "s", ids())
		case 4:
			p.XTrim(0, "s", StreamTrim{MaxLen: int64(20 + rng.IntN(30))})
		case 5:
			p.XGroupCreate(0, "s", group(), GroupID{ID: id()}, true, nil)
		case 6, 7:
			p.XReadGroup(0, group(), consumer(), []GroupRead{{Key: "s", New: true}}, int64(rng.IntN(4)), rng.IntN(5) == 0)
		case 8:
			p.XReadGroup(0, group(), consumer(), []GroupRead{{Key: "s", After: id()}}, 2, false)
		case 9:
			p.XAck(0, "s", group(), ids())
		case 10:
			p.XClaim(0, "s", group(), consumer(), int64(rng.IntN(100)), ids(), ClaimOptions{Time: -1, Retry: int64(rng.IntN(3)) - 1, Force: rng.IntN(2) == 0, JustID: rng.IntN(2) == 0})
		case 11:
			p.XAutoClaim(0, "s", group(), consumer(), int64(rng.IntN(100)), id(), int64(1+rng.IntN(3)), rng.IntN(2) == 0)
		case 12:
			p.XGroupDelConsumer(0, "s", group(), consumer())
		default:
			if rng.IntN(2) == 0 {
				p.XGroupSetID(0, "s", group(), GroupID{ID: id()}, nil)
			} else {
				p.XGroupDestroy(0, "s", group())
			}
		}
		require.NoError(t, p.CheckInvariants(), "step %d", step)
		r.Apply(effects, nil)
		effects = effects[:0]
		require.Equal(t, p.Digest(), r.Digest(), "step %d", step)
	}
}

// manualClock is a clock a test moves.
type manualClock struct{ ms int64 }

func (c *manualClock) Now() time.Time { return time.UnixMilli(c.ms) }

// TestParseStreamID: a client's stream ID parts are read as Redis's
// string2ull reads them: strictly as a 64-bit integer first (a negative one
// refused), then as strtoull (leading white space, a sign, a minus negating
// modulo 2^64), the whole part and within 64 bits.
func TestParseStreamID(t *testing.T) {
	for in, want := range map[string]StreamID{
		"1-1":      {1, 1},
		" 1-1":     {1, 1},
		"\t7-1":    {7, 1},
		"1-+2":     {1, 2},
		"+9-1":     {9, 1},
		"5--01":    {5, 1<<64 - 1},
		"5--0":     {5, 0},
		"6-  7":    {6, 7},
		"0009-003": {9, 3},
		"18446744073709551615-18446744073709551615": {1<<64 - 1, 1<<64 - 1},
	} {
		id, hasSeq, ok := ParseStreamID([]byte(in), 0)
		require.True(t, ok, "%q", in)
		require.True(t, hasSeq, "%q", in)
		require.Equal(t, want, id, "%q", in)
	}
	for _, in := range []string{"", "-", "+", " ", "11-", "12--1", "-10-1", "8 -1", "1 -1", "1- ",
		"18446744073709551616-1", "1-18446744073709551616", "1-+", "1-+-1", "0x10-1", "1.5-1"} {
		_, _, ok := ParseStreamID([]byte(in), 0)
		require.False(t, ok, "%q", in)
	}
	id, hasSeq, ok := ParseStreamID([]byte(" 42"), 7)
	require.True(t, ok)
	require.False(t, hasSeq)
	require.Equal(t, StreamID{42, 7}, id)
}
