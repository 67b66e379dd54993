package main

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// The collector's headroom. By default Go lets the heap grow to twice what
// is live before it collects (GOGC=100), so a server holding 1 GB of keys
// would keep up to another gigabyte of garbage. The keyspace lives in
// slabs the collector never scans (engine/slab), so a collection costs
// about the same whatever the dataset's size, and collecting more often is
// cheap: the server keeps the headroom at a fixed budget instead of a
// share of the heap, with the percentage that gives it, between
// minGCPercent and 100. Setting GOGC in the environment turns this off.
const (
	gcHeadroom   = 16 << 20
	minGCPercent = 10
	gcPaceEvery  = time.Second
)

// gcPercentFor is the GOGC value that gives gcHeadroom over live bytes.
func gcPercentFor(live uint64) int {
	if live == 0 {
		return 100
	}
	return int(min(max(gcHeadroom*100/live, minGCPercent), 100))
}

// runGCPacer adjusts the collector's percentage to the live heap until ctx
// is done, then restores the one it found.
func runGCPacer(ctx context.Context) {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	prev := debug.SetGCPercent(100)
	defer debug.SetGCPercent(prev)
	t := time.NewTicker(gcPaceEvery)
	defer t.Stop()
	for {
		metrics.Read(sample)
		if sample[0].Value.Kind() == metrics.KindUint64 {
			debug.SetGCPercent(gcPercentFor(sample[0].Value.Uint64()))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
