// Package script runs Lua scripts for EVAL, EVALSHA and SCRIPT LOAD, as
// Redis 7.0 runs them: a cache of compiled scripts by SHA-1, the redis
// library (call, pcall, error_reply, status_reply, sha1hex, log, setresp,
// set_repl, replicate_commands, breakpoint, debug, acl_check_cmd) with
// Redis's conversions between replies and Lua values, and the cjson,
// cmsgpack and bit libraries.
//
// The package knows nothing of the server: a script reaches the keyspace
// through a Host, which runs one command and hands back its reply as RESP
// bytes. Conversions go through those bytes, so every command a script
// calls answers exactly what it answers a client. The Lua interpreter is
// github.com/yuin/gopher-lua (Lua 5.1, as Redis embeds); its states are
// pooled and reused, so a script sees the globals read-only, as in Redis,
// and cannot leave anything behind for the next one.
package script
