// Package resp is the Redis protocol front end of nadb-server, built on
// github.com/tidwall/redcon: the listener, per-client state, the command
// table, the command handlers and every Redis error text the server sends.
//
// # Usage
//
//	srv := resp.New(resp.Options{Engine: eng, Config: cfg, Logger: log})
//	go srv.Serve(ln)  // returns resp.ErrServerClosed after Close
//	...
//	srv.Close()       // closes the listener and every client, waits for them
//
// Each command is an entry of the command table (name, arity, flags,
// handler); the write flag is what makes a replica refuse the command with
// Redis's READONLY error. Handlers parse arguments, call the engine and
// write the reply; engine sentinel errors become Redis text in errors.go,
// the only place wire error strings live.
//
// # Caveats
//
// redcon has no limit on bulk length or on a client's unparsed input, so
// every connection is wrapped by a reader that enforces proto-max-bulk-len
// and client-query-buffer-limit before redcon buffers the bytes.
package resp
