package resp

import (
	"net"
	"net/netip"
)

// protectedDenied decides protected mode: with protected mode on and no
// password set, only clients on the same host (a loopback address or a
// Unix socket) may connect, as in Redis.
func protectedDenied(protectedMode, hasPassword bool, remote net.Addr) bool {
	if !protectedMode || hasPassword {
		return false
	}
	return !isLocal(remote)
}

// isLocal reports whether remote is a Unix socket peer or a loopback
// address (127.0.0.0/8, ::1, or either mapped into IPv6).
func isLocal(remote net.Addr) bool {
	switch a := remote.(type) {
	case *net.UnixAddr:
		return true
	case *net.TCPAddr:
		ip, ok := netip.AddrFromSlice(a.IP)
		return ok && ip.Unmap().IsLoopback()
	}
	return false
}

// SetProtectedMode turns protected mode on or off for connections accepted
// from now on.
func (s *Server) SetProtectedMode(on bool) { s.protected.Store(on) }
