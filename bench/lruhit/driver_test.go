package main

import (
	"container/list"
	"testing"
)

func TestKeyGen(t *testing.T) {
	if _, err := newKeyGen(1, 1.0, 1, 10); err == nil {
		t.Fatal("s = 1 accepted")
	}
	a, err := newKeyGen(7, 1.1, 1, 1000)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := newKeyGen(7, 1.1, 1, 1000)
	freq := make([]int, 1000)
	for range 100000 {
		x, y := a.next(), b.next()
		if x != y {
			t.Fatal("same seed, different sequence")
		}
		if x < 0 || x >= 1000 {
			t.Fatalf("index %d out of range", x)
		}
		freq[x]++
	}
	if !(freq[0] > freq[1] && freq[1] > freq[10] && freq[10] > freq[500]) {
		t.Fatalf("not skewed: %d %d %d %d", freq[0], freq[1], freq[10], freq[500])
	}
	if keyName(42) != "lru:000000042" {
		t.Fatal(keyName(42))
	}
}

// lruStore is an exact LRU cache of capacity keys.
type lruStore struct {
	cap   int
	order *list.List
	items map[string]*list.Element
}

func newLRU(capacity int) *lruStore {
	return &lruStore{cap: capacity, order: list.New(), items: map[string]*list.Element{}}
}

func (s *lruStore) getBatch(keys []string) ([]bool, error) {
	hits := make([]bool, len(keys))
	for i, k := range keys {
		if e, ok := s.items[k]; ok {
			s.order.MoveToFront(e)
			hits[i] = true
		}
	}
	return hits, nil
}

func (s *lruStore) setBatch(keys []string) error {
	for _, k := range keys {
		if e, ok := s.items[k]; ok {
			s.order.MoveToFront(e)
			continue
		}
		s.items[k] = s.order.PushFront(k)
		if s.order.Len() > s.cap {
			old := s.order.Back()
			s.order.Remove(old)
			delete(s.items, old.Value.(string))
		}
	}
	return nil
}

func TestDrive(t *testing.T) {
	rate := func(capacity int) (float64, counts) {
		gen, _ := newKeyGen(3, 1.05, 1, 10000)
		c, err := drive(newLRU(capacity), gen, 5000, 50000, 32)
		if err != nil {
			t.Fatal(err)
		}
		if c.hits+c.misses != 50000 {
			t.Fatalf("counted %d operations", c.hits+c.misses)
		}
		return c.hitRate(), c
	}
	small, _ := rate(100)
	big, _ := rate(5000)
	all, _ := rate(10000)
	if !(0 < small && small < big && big < all && all <= 1) {
		t.Fatalf("hit rates %v %v %v not increasing with capacity", small, big, all)
	}
	// With room for every key, only first touches and same-batch repeats miss.
	if all < 0.9 {
		t.Fatalf("hit rate %v with the whole keyspace cached", all)
	}
	if (counts{}).hitRate() != 0 {
		t.Fatal("empty hit rate")
	}
}
