package resp

import (
	"net"
	"net/netip"
	"strings"
)

// protectedDenied decides protected mode: with protected mode on and no
// password set, only local clients (isLocal) may connect, as in Redis.
func protectedDenied(protectedMode, hasPassword bool, remote net.Addr) bool {
	if !protectedMode || hasPassword {
		return false
	}
	return !isLocal(remote)
}

// isLocal reports whether remote is what Redis calls a local client: a
// Unix socket peer, 127.0.0.1 or ::1 (127.0.0.1 mapped into IPv6 too).
// Other loopback addresses (127.0.0.2) are not, as in Redis.
func isLocal(remote net.Addr) bool {
	switch a := remote.(type) {
	case *net.UnixAddr:
		return true
	case *net.TCPAddr:
		ip, ok := netip.AddrFromSlice(a.IP)
		ip = ip.Unmap()
		return ok && (ip == netip.AddrFrom4([4]byte{127, 0, 0, 1}) || ip == netip.IPv6Loopback())
	}
	return false
}

// SetProtectedMode turns protected mode on or off for connections accepted
// from now on.
func (s *Server) SetProtectedMode(on bool) { s.protected.Store(on) }

// Allowance is the value of enable-debug-command or enable-module-command:
// who may run the commands they guard.
type Allowance uint8

const (
	// AllowNone refuses everyone (no, Redis's default).
	AllowNone Allowance = iota
	// AllowAll lets every client run them (yes).
	AllowAll
	// AllowLocal lets local clients (isLocal) run them (local).
	AllowLocal
)

// ParseAllowance reads "no", "yes" or "local" in any letter case.
func ParseAllowance(v string) (Allowance, bool) {
	switch strings.ToLower(v) {
	case "no":
		return AllowNone, true
	case "yes":
		return AllowAll, true
	case "local":
		return AllowLocal, true
	}
	return AllowNone, false
}

// permits reports whether a client at remote may run what a allows.
func (a Allowance) permits(remote net.Addr) bool {
	switch a {
	case AllowAll:
		return true
	case AllowLocal:
		return isLocal(remote)
	}
	return false
}

// allowsProtected decides a command with flagProtected: DEBUG by
// enable-debug-command, MODULE's by enable-module-command.
func (s *Server) allowsProtected(c *client, cmd *command) bool {
	var remote net.Addr
	if c.lc != nil {
		remote = c.lc.RemoteAddr()
	}
	if protectedFamily(cmd) == "debug" {
		return s.debugCommand.permits(remote)
	}
	return s.moduleCommand.permits(remote)
}

// protectedFamily names the container of a protected command: "debug" or
// "module".
func protectedFamily(cmd *command) string {
	if cmd.parent != nil {
		return cmd.parent.name
	}
	return cmd.name
}
