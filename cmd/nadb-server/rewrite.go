package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"

	"github.com/nadb-server/nadb-server/configfile"
	"github.com/nadb-server/nadb-server/replication/node"
	"github.com/nadb-server/nadb-server/resp"
)

// CONFIG REWRITE: the settings in force, the replication role the node
// has now included, written back into the config file the server started
// with (configfile holds Redis's rules for the file's lines).

// replicationRole is what a node follows now: a Redis endpoint given to
// REPLICAOF (redisAddr), a NADB address (nadbAddr, from primary-host and
// primary-port), or nothing (a primary).
type replicationRole struct {
	redisAddr string
	nadbAddr  string
}

// roleOptions are the options whose value is the node's role.
var roleOptions = map[string]bool{"replicaof": true, "primary-host": true, "primary-port": true}

// roleOf reads the role from the node's status.
func roleOf(st node.Status) replicationRole {
	sec := st.Secondary
	switch {
	case sec == nil:
		return replicationRole{}
	case sec.FollowsRedis:
		return replicationRole{redisAddr: sec.Target}
	}
	return replicationRole{nadbAddr: sec.Target}
}

// value is a role option's value for this role; ok false keeps the
// configured one (primary-port while no NADB address is followed).
func (r replicationRole) value(name string) (string, bool) {
	switch name {
	case "replicaof":
		if host, port, err := net.SplitHostPort(r.redisAddr); err == nil {
			return host + " " + port, true
		}
		return "", true
	case "primary-host":
		host, _, _ := net.SplitHostPort(r.nadbAddr)
		return host, true
	case "primary-port":
		if _, port, err := net.SplitHostPort(r.nadbAddr); err == nil {
			return port, true
		}
	}
	return "", false
}

// Rewrite implements resp.ConfigRewriter: CONFIG REWRITE.
func (s *settings) Rewrite() error {
	if s.file == "" {
		return resp.ErrNoConfigFile
	}
	s.rewriteMu.Lock()
	defer s.rewriteMu.Unlock()
	old, err := os.ReadFile(s.file)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err // Redis too takes a missing file as an empty one
	}
	opts, err := s.rewriteOptions()
	if err != nil {
		return err
	}
	return configfile.WriteAtomic(s.file, configfile.Rewrite(old, canonicalDirective, opts))
}

// canonicalDirective maps a config file directive to the option it sets;
// directives the rewrite leaves as they are answer false.
func canonicalDirective(name string) (string, bool) {
	if alias, ok := aliases[name]; ok {
		name = alias
	}
	for _, o := range options() {
		if o.name == name {
			return name, true
		}
	}
	return "", false
}

// rewriteOptions returns every option's lines, in the option table's
// order: an option in the file keeps its place with its value now; one
// that is not there is appended when its value is not the default. The
// role's options: replicaof while following a Redis endpoint,
// primary-host and primary-port while following a NADB address, neither
// on a primary (their lines are removed, as Redis removes replicaof).
func (s *settings) rewriteOptions() ([]configfile.Option, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []configfile.Option
	for _, o := range s.table {
		value := s.currentLocked(o.name)
		if d, ok := s.derived[o.name]; ok && value == d[1] {
			value = d[0]
		}
		if strings.ContainsAny(value, "\r\n") {
			return nil, fmt.Errorf("the value of '%s' holds a line break, which a config file cannot", o.name)
		}
		opt := configfile.Option{Name: o.name}
		switch {
		case o.name == "client-output-buffer-limit":
			opt.Lines = outputLimitLines(value)
		case o.name == "save":
			opt.Lines = saveLines(value, value != o.def)
		case roleOptions[o.name]:
			if value != "" && (o.name != "primary-port" || s.currentLocked("primary-host") != "") {
				opt.Lines = []configfile.Line{{Text: o.name + " " + value, Force: true}}
			}
		default:
			opt.Lines = []configfile.Line{{Text: o.name + " " + formatValue(o.name, value), Force: !sameValue(o.name, value, o.def)}}
		}
		out = append(out, opt)
	}
	return out, nil
}

// memoryOptions are the options whose values are sizes, which the file
// gets in Redis's short form (100mb).
var memoryOptions = map[string]bool{
	"maxmemory": true, "proto-max-bulk-len": true, "client-query-buffer-limit": true, "repl-backlog-size": true,
	"auto-aof-rewrite-min-size": true, "aof-segment-size": true, "hll-sparse-max-bytes": true, "stream-node-max-bytes": true,
	"active-defrag-ignore-bytes": true, "hash-max-listpack-value": true, "zset-max-listpack-value": true,
}

// multiWordOptions take several words, written unquoted.
var multiWordOptions = map[string]bool{"bind": true}

// stringOptions are written in double quotes, as Redis writes its string
// options (dir "/var/lib/redis").
var stringOptions = map[string]bool{
	"dir": true, "logfile": true, "pidfile": true, "repl-listen-host": true, "requirepass": true, "repl-password": true,
	"masterauth": true, "masteruser": true, "replica-announce-ip": true, "tls-cert-file": true, "tls-key-file": true,
	"tls-client-cert-file": true, "tls-client-key-file": true, "tls-ca-cert-file": true, "tls-ca-cert-dir": true,
	"tls-protocols": true, "tls-ciphers": true, "tls-ciphersuites": true,
}

// sameValue compares a value with the default as the option reads them.
func sameValue(name, a, b string) bool {
	if memoryOptions[name] {
		x, err1 := parseMemory(a)
		y, err2 := parseMemory(b)
		return err1 == nil && err2 == nil && x == y
	}
	return a == b
}

// formatValue writes a value as the config file reads it back: sizes in
// Redis's short form, an empty value or one with spaces in quotes.
func formatValue(name, v string) string {
	if memoryOptions[name] {
		if n, err := parseMemory(v); err == nil {
			return formatMemory(n)
		}
	}
	if multiWordOptions[name] && strings.TrimSpace(v) != "" {
		return strings.Join(strings.Fields(v), " ")
	}
	return quote(v, stringOptions[name])
}

// quote puts a value in double quotes when always is set or the config
// file would not read it back as it is otherwise (loadFile trims the value
// and removes one pair of surrounding quotes).
func quote(v string, always bool) string {
	if always || v == "" || strings.ContainsAny(v, " \t") || v[0] == '"' || v[0] == '#' {
		return `"` + v + `"`
	}
	return v
}

// formatMemory is Redis's rewriteConfigFormatMemory: the largest of gb,
// mb and kb that divides n, or bytes.
func formatMemory(n int64) string {
	switch {
	case n == 0:
		return "0"
	case n%(1<<30) == 0:
		return strconv.FormatInt(n/(1<<30), 10) + "gb"
	case n%(1<<20) == 0:
		return strconv.FormatInt(n/(1<<20), 10) + "mb"
	case n%(1<<10) == 0:
		return strconv.FormatInt(n/(1<<10), 10) + "kb"
	}
	return strconv.FormatInt(n, 10)
}

// outputLimitLines is client-output-buffer-limit as Redis rewrites it:
// one line per class (replica for slave), each forced when the class is
// not at its default.
func outputLimitLines(v string) []configfile.Line {
	all, _ := parseOutputLimits(v)
	def, _ := parseOutputLimits(defaultOutputLimits)
	var out []configfile.Line
	for _, class := range outputClasses {
		l := all[class]
		name := class
		if name == "slave" {
			name = "replica"
		}
		out = append(out, configfile.Line{
			Text:  fmt.Sprintf("client-output-buffer-limit %s %s %s %d", name, formatMemory(l.hard), formatMemory(l.soft), l.secs),
			Force: l != def[class],
		})
	}
	return out
}

// saveLines are save's lines as Redis writes them: one a pair of seconds
// and changes, or save "" for none.
func saveLines(value string, force bool) []configfile.Line {
	f := strings.Fields(value)
	if len(f) == 0 {
		return []configfile.Line{{Text: `save ""`, Force: force}}
	}
	var lines []configfile.Line
	for i := 0; i+1 < len(f); i += 2 {
		lines = append(lines, configfile.Line{Text: "save " + f[i] + " " + f[i+1], Force: force})
	}
	return lines
}
