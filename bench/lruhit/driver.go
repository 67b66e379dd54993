package main

import (
	"fmt"
	"math/rand/v2"
)

// keyGen draws key indexes in [0, keys) with a Zipf distribution: index 0
// is the most popular. The sequence depends only on the seed, so every
// server sees the same workload.
type keyGen struct {
	z *rand.Zipf
}

// newKeyGen returns a generator of Zipf(s, v) indexes below keys (s > 1,
// v >= 1, as math/rand/v2 requires).
func newKeyGen(seed uint64, s, v float64, keys int) (*keyGen, error) {
	if s <= 1 || v < 1 || keys < 1 {
		return nil, fmt.Errorf("zipf parameters s=%v (must be > 1), v=%v (must be >= 1), keys=%d (must be positive)", s, v, keys)
	}
	r := rand.New(rand.NewPCG(seed, 0x7a697066))
	z := rand.NewZipf(r, s, v, uint64(keys-1))
	if z == nil {
		return nil, fmt.Errorf("rand.NewZipf(%v, %v, %d) failed", s, v, keys-1)
	}
	return &keyGen{z: z}, nil
}

func (g *keyGen) next() int { return int(g.z.Uint64()) }

// keyName is the key of index i.
func keyName(i int) string { return fmt.Sprintf("lru:%09d", i) }

// store is what the driver needs of a server: GET a batch of keys
// (reporting which were found) and SET a batch of keys.
type store interface {
	getBatch(keys []string) (hits []bool, err error)
	setBatch(keys []string) error
}

// counts is the outcome of a driver run.
type counts struct {
	hits, misses int64
}

func (c counts) hitRate() float64 {
	if c.hits+c.misses == 0 {
		return 0
	}
	return float64(c.hits) / float64(c.hits+c.misses)
}

// drive runs ops operations of a read-through cache against st: each
// operation GETs a Zipf-drawn key and, on a miss, SETs it. Operations go in
// batches of batch keys (GETs pipelined, then the SETs of the misses), so a
// key drawn twice in one batch can miss twice. The first warmup operations
// fill the cache and are not counted.
func drive(st store, gen *keyGen, warmup, ops, batch int) (counts, error) {
	var c counts
	keys := make([]string, 0, batch)
	var missed []string
	for done := 0; done < warmup+ops; {
		n := min(batch, warmup+ops-done)
		keys = keys[:0]
		for range n {
			keys = append(keys, keyName(gen.next()))
		}
		hits, err := st.getBatch(keys)
		if err != nil {
			return c, err
		}
		missed = missed[:0]
		for i, hit := range hits {
			if !hit {
				missed = append(missed, keys[i])
			}
			if done+i < warmup {
				continue
			}
			if hit {
				c.hits++
			} else {
				c.misses++
			}
		}
		if len(missed) > 0 {
			if err := st.setBatch(missed); err != nil {
				return c, err
			}
		}
		done += n
	}
	return c, nil
}
