package main

import (
	"testing"
	"time"
)

func TestStats(t *testing.T) {
	var ds []time.Duration
	for i := 1; i <= 200; i++ {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	s := durStats(ds)
	if s.n != 200 || s.p50 != 100 || s.p99 != 198 || s.max != 200 {
		t.Fatalf("got %+v", s)
	}
	if (floatStats(nil) != stats{}) {
		t.Fatal("empty stats not zero")
	}
}

func TestBusy(t *testing.T) {
	if !busy("2.5 1 1", 2) || busy("1.9 5 5", 2) || busy("garbage", 2) {
		t.Fatal("busy")
	}
}
