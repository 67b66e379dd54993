package resp

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
)

// defaultUser is the one user of this server, as Redis names it.
const defaultUser = "default"

// SetRequirePass sets the default user's password ("" : none, any client
// may run commands). Only its SHA-256 is kept. Clients already
// authenticated stay so, as in Redis; clients that connect from now on
// must AUTH first.
func (s *Server) SetRequirePass(pass string) {
	if pass == "" {
		s.limits.pass.Store(nil)
		return
	}
	sum := sha256.Sum256([]byte(pass))
	s.limits.pass.Store(&sum)
}

// checkCredentials reports whether user and pass authenticate as the
// default user. Without a password, any password does (Redis's nopass).
// The comparison takes the same time whatever the password given.
func (s *Server) checkCredentials(user, pass []byte) bool {
	if string(user) != defaultUser {
		return false
	}
	want := s.limits.pass.Load()
	if want == nil {
		return true
	}
	got := sha256.Sum256(pass)
	return subtle.ConstantTimeCompare(got[:], want[:]) == 1
}

// passwordHashes lists the default user's password as ACL shows it: its
// SHA-256 in hex, or nothing (nopass).
func (s *Server) passwordHashes() []string {
	if p := s.limits.pass.Load(); p != nil {
		return []string{hex.EncodeToString(p[:])}
	}
	return []string{}
}

// defaultAuthenticated is the state RESET returns a client to, and that a
// new client starts in: authenticated when no password is set.
func (s *Server) defaultAuthenticated() bool { return s.limits.pass.Load() == nil }
