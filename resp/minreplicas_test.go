package resp

import (
	"testing"
	"time"

	"github.com/nadb-server/nadb-server/replication/node"
)

func TestGoodReplicas(t *testing.T) {
	p := &node.PrimaryStatus{Replicas: []node.ReplicaStatus{
		{State: "online", AckAge: 900 * time.Millisecond},
		{State: "online", AckAge: 10*time.Second + 999*time.Millisecond}, // lag 10: good with max lag 10
		{State: "online", AckAge: 11 * time.Second},
		{State: "send_bulk"},
		{State: "online", Legacy: true},
	}}
	if got := goodReplicas(p, 10); got != 2 {
		t.Fatalf("good replicas: %d, want 2", got)
	}
	if got := goodReplicas(p, 0); got != 1 {
		t.Fatalf("good replicas with max lag 0: %d, want 1", got)
	}
	if (MinReplicas{ToWrite: 1}).on() || (MinReplicas{MaxLag: 1}).on() || !(MinReplicas{ToWrite: 1, MaxLag: 1}).on() {
		t.Fatal("on: both must be set")
	}
}
