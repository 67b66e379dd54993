package main

import (
	"testing"

	"github.com/nadb-server/nadb-server/replication/node"
	"github.com/stretchr/testify/assert"
)

func TestThreadsFor(t *testing.T) {
	for _, c := range []struct {
		io, cpus   int
		background bool
		want       int
	}{
		{1, 2, false, 1},
		{1, 2, true, 2},
		{2, 2, true, 2},  // never more than the machine for background work
		{4, 2, true, 4},  // io-threads beyond the machine are the operator's choice
		{1, 1, true, 1},  // one core: nothing to add
		{3, 16, true, 4}, // one more, not all
	} {
		assert.Equal(t, c.want, threadsFor(c.io, c.cpus, c.background), "%+v", c)
	}
}

func TestHasBackgroundWork(t *testing.T) {
	idle := node.Status{Primary: &node.PrimaryStatus{}}
	assert.False(t, hasBackgroundWork(idle, node.PersistenceStatus{}), "a primary without log or secondaries")
	assert.True(t, hasBackgroundWork(idle, node.PersistenceStatus{AOFEnabled: true}), "the log on disk")
	assert.True(t, hasBackgroundWork(idle, node.PersistenceStatus{SaveInProgress: true}), "a snapshot")
	assert.True(t, hasBackgroundWork(idle, node.PersistenceStatus{RewriteInProgress: true}), "a rewrite")
	fed := node.Status{Primary: &node.PrimaryStatus{Replicas: []node.ReplicaStatus{{}}}}
	assert.True(t, hasBackgroundWork(fed, node.PersistenceStatus{}), "a secondary to feed")
	assert.True(t, hasBackgroundWork(node.Status{Secondary: &node.SecondaryStatus{}}, node.PersistenceStatus{}), "a stream to apply")
}
