package main

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"sync"
	"time"
)

// handshakeTimeout bounds a TLS handshake on the server's ports, so that a
// peer that connects and says nothing (or speaks plain text and waits)
// holds nothing for long.
const handshakeTimeout = 10 * time.Second

// tlsListener serves TLS on the connections a listener accepts. Accept
// returns at once: the handshake runs at the connection's first Read or
// Write, in the goroutine that serves it, so a slow peer never holds up the
// accept loop.
type tlsListener struct {
	net.Listener
	config *tls.Config
	logger *slog.Logger
	port   string // "tls-port" or "repl-listen-port", for the log
}

func (l tlsListener) Accept() (net.Conn, error) {
	raw, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &tlsServerConn{Conn: tls.Server(raw, l.config), raw: raw, l: &l}, nil
}

// tlsServerConn is one accepted TLS connection. A failed handshake (a
// plain-text client, a certificate the CA did not sign, a client without
// one while tls-auth-clients is yes) fails its reads and writes, which
// closes it, and is logged at debug level (loglevel verbose), as Redis
// logs it.
type tlsServerConn struct {
	*tls.Conn
	raw  net.Conn
	l    *tlsListener
	once sync.Once
	err  error // the handshake's, once done
}

func (c *tlsServerConn) handshake() error {
	c.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), handshakeTimeout)
		defer cancel()
		if c.err = c.Conn.HandshakeContext(ctx); c.err != nil {
			c.l.logger.Debug("TLS handshake failed", "port", c.l.port, "addr", c.raw.RemoteAddr(), "err", c.err)
		}
	})
	return c.err
}

func (c *tlsServerConn) Read(p []byte) (int, error) {
	if err := c.handshake(); err != nil {
		return 0, err
	}
	return c.Conn.Read(p)
}

func (c *tlsServerConn) Write(p []byte) (int, error) {
	if err := c.handshake(); err != nil {
		return 0, err
	}
	return c.Conn.Write(p)
}

// Close closes the socket without a close_notify alert: sending one may
// block for seconds on a peer that reads nothing, and a server's stop must
// stay bounded. RESP and NADB frames delimit themselves, so a peer cannot
// take a truncated reply for a whole one.
func (c *tlsServerConn) Close() error { return c.raw.Close() }
