package main

import (
	"net"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestKeepAliveListener: each accepted connection gets the probes that
// tcp-keepalive sets at the time it is accepted.
func TestKeepAliveListener(t *testing.T) {
	lc := net.ListenConfig{KeepAlive: -1}
	raw, err := lc.Listen(t.Context(), "tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ka := &keepAlive{}
	ln := keepAliveListener{Listener: raw, ka: ka}
	defer ln.Close()

	// probes returns SO_KEEPALIVE, TCP_KEEPIDLE, TCP_KEEPINTVL and
	// TCP_KEEPCNT of the next connection accepted.
	probes := func() [4]int {
		cc, err := net.Dial("tcp", ln.Addr().String())
		require.NoError(t, err)
		defer cc.Close()
		sc, err := ln.Accept()
		require.NoError(t, err)
		defer sc.Close()
		rc, err := sc.(*net.TCPConn).SyscallConn()
		require.NoError(t, err)
		var got [4]int
		var gerr error
		require.NoError(t, rc.Control(func(fd uintptr) {
			for i, o := range []struct{ level, name int }{
				{syscall.SOL_SOCKET, syscall.SO_KEEPALIVE},
				{syscall.IPPROTO_TCP, syscall.TCP_KEEPIDLE},
				{syscall.IPPROTO_TCP, syscall.TCP_KEEPINTVL},
				{syscall.IPPROTO_TCP, syscall.TCP_KEEPCNT},
			} {
				v, err := syscall.GetsockoptInt(int(fd), o.level, o.name)
				if err != nil {
					gerr = err
				}
				got[i] = v
			}
		}))
		require.NoError(t, gerr)
		return got
	}

	ka.secs.Store(300)
	require.Equal(t, [4]int{1, 300, 100, 3}, probes())
	ka.secs.Store(2) // the interval is at least a second
	require.Equal(t, [4]int{1, 2, 1, 3}, probes())
	ka.secs.Store(0)
	require.Equal(t, 0, probes()[0])
}
