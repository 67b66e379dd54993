package main

import (
	"net"
	"sync/atomic"
	"time"
)

// keepAlive is tcp-keepalive in force: seconds of silence before the
// first probe of a client connection (0: no probes). CONFIG SET changes it
// for the connections accepted from then on, as in Redis.
type keepAlive struct{ secs atomic.Int64 }

// keepAliveListener sets the probes of every connection it accepts as
// tcp-keepalive says now: the first after that many seconds of silence,
// then one every third of it (at least a second), three unanswered
// closing the connection, as Redis sets them.
type keepAliveListener struct {
	net.Listener
	ka *keepAlive
}

func (l keepAliveListener) Accept() (net.Conn, error) {
	nc, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	if tc, ok := nc.(*net.TCPConn); ok {
		_ = tc.SetKeepAliveConfig(keepAliveConfig(l.ka.secs.Load()))
	}
	return nc, nil
}

// keepAliveConfig is the probes' setting for tcp-keepalive secs.
func keepAliveConfig(secs int64) net.KeepAliveConfig {
	if secs <= 0 {
		return net.KeepAliveConfig{Enable: false}
	}
	d := time.Duration(secs) * time.Second
	return net.KeepAliveConfig{Enable: true, Idle: d, Interval: max(d/3, time.Second), Count: 3}
}
