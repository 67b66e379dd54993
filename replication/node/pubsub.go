package node

import (
	"sync"

	"github.com/nadb-server/nadb-server/replication/frame"
)

// PUBLISH on a primary reaches the subscribers of its secondaries too, as
// in Redis. A message is not an operation: it takes no sequence, is never
// logged nor persisted, and a secondary that is not connected when it is
// published never gets it (nor does a Redis replica that is not). Each
// secondary that asked for messages in its handshake (frame.FeaturePubSub)
// has a queue; its stream sends a message once everything logged before
// the PUBLISH was sent, so a subscriber of the secondary that reads a key
// the message announces finds the write.

// pubMsg is one PUBLISH waiting for its secondary's stream.
type pubMsg struct {
	after            uint64 // the last sequence logged before the PUBLISH
	channel, message []byte
	shard            bool // SPUBLISH: to the shard channel's subscribers
}

// pubQueue is one secondary's messages to send. It is bounded: past
// pubQueueBytes, new messages are dropped and counted (a secondary that
// far behind is about to be dropped by the replica output limit anyway).
type pubQueue struct {
	mu      sync.Mutex
	msgs    []pubMsg
	bytes   int
	dropped int64
	kick    chan struct{} // capacity 1: wakes the stream
}

// pubQueueBytes bounds the messages one secondary's queue holds.
const pubQueueBytes = 32 << 20

func newPubQueue() *pubQueue { return &pubQueue{kick: make(chan struct{}, 1)} }

// push queues a copy of channel and message; false when the queue is full.
func (q *pubQueue) push(after uint64, channel, message []byte, shard bool) bool {
	size := len(channel) + len(message)
	q.mu.Lock()
	if q.bytes+size > pubQueueBytes {
		q.dropped++
		q.mu.Unlock()
		return false
	}
	b := make([]byte, 0, size)
	b = append(append(b, channel...), message...)
	q.msgs = append(q.msgs, pubMsg{after: after, channel: b[:len(channel):len(channel)], message: b[len(channel):], shard: shard})
	q.bytes += size
	q.mu.Unlock()
	select {
	case q.kick <- struct{}{}:
	default:
	}
	return true
}

// take moves to buf, in order, the messages whose preceding operations
// were sent (after <= sent).
func (q *pubQueue) take(sent uint64, buf []pubMsg) []pubMsg {
	q.mu.Lock()
	defer q.mu.Unlock()
	k := 0
	for k < len(q.msgs) && q.msgs[k].after <= sent {
		q.bytes -= len(q.msgs[k].channel) + len(q.msgs[k].message)
		k++
	}
	buf = append(buf, q.msgs[:k]...)
	clear(q.msgs[:k])
	q.msgs = q.msgs[k:]
	if len(q.msgs) == 0 {
		q.msgs = nil // let the backing array go
	}
	return buf
}

// publish queues a PUBLISH for every secondary that takes messages.
func (p *primary) publish(channel, message []byte, shard bool) {
	after := p.log.Last()
	for _, s := range p.list() {
		if s.pubs != nil && (!shard || s.shardPubs) && !s.pubs.push(after, channel, message, shard) {
			p.logger.Debug("PUBLISH not forwarded: the secondary's message queue is full", "replica", s.conn.RemoteAddr())
		}
	}
}

// takePubs returns, in scratch, s's messages that may go once sequence
// sent is sent.
func (p *primary) takePubs(s *sender, sent uint64, scratch []pubMsg) []pubMsg {
	if s.pubs == nil {
		return scratch[:0]
	}
	return s.pubs.take(sent, scratch[:0])
}

// appendPubs appends to buf the frames of the messages of pubs (taken by
// takePubs) published before operation seq (after < seq) and returns the
// others.
func (p *primary) appendPubs(buf []byte, pubs []pubMsg, seq uint64, enc *frame.Encoder) ([]byte, []pubMsg) {
	k := 0
	for k < len(pubs) && pubs[k].after < seq {
		m := &pubs[k]
		op := frame.Op{Type: frame.OpPublish, Sequence: m.after, Timestamp: frame.NowSeconds(), Key: m.channel, Value: m.message,
			Has: frame.FieldKey | frame.FieldValue}
		if m.shard {
			op.Tags, op.Has = [][]byte{shardTag}, op.Has|frame.FieldTags
		}
		var err error
		if buf, err = enc.AppendFrame(buf, &op); err != nil {
			p.logger.Warn("PUBLISH not forwarded: cannot encode it", "err", err)
		}
		*m = pubMsg{}
		k++
	}
	return buf, pubs[k:]
}

// shardTag marks a PUBLISH frame that carries an SPUBLISH.
var shardTag = []byte("shard")

// Publish implements the front end's Replication: on a primary, it queues
// the message (an SPUBLISH's when shard) for the secondaries that take
// messages.
func (n *Node) Publish(channel, message []byte, shard bool) {
	if p, _ := n.roles(); p != nil {
		p.publish(channel, message, shard)
	}
}
