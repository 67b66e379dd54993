package resp

import (
	"testing"
	"time"
)

func TestSubscriberOutputLimit(t *testing.T) {
	var ol outputLimits
	ol.store(OutputLimit{Hard: 100, Soft: 10, SoftSeconds: 1})
	sb := &subscriber{class: func() (*outputLimits, string) { return &ol, "pubsub" }}
	now := time.Now()
	if sb.overLimitLocked(101, now) != true {
		t.Fatal("over the hard limit")
	}
	if sb.overLimitLocked(50, now) || sb.overLimitLocked(50, now.Add(time.Second)) {
		t.Fatal("over the soft limit for a second only")
	}
	if !sb.overLimitLocked(50, now.Add(1001*time.Millisecond)) {
		t.Fatal("over the soft limit for longer than its seconds")
	}
	if sb.overLimitLocked(5, now.Add(2*time.Second)) || !sb.softSince.IsZero() {
		t.Fatal("back under the soft limit: the clock stops")
	}
	ol.store(OutputLimit{})
	if sb.overLimitLocked(1<<40, now) {
		t.Fatal("zero: no limit")
	}
}
