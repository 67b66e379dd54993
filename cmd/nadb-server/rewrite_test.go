package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nadb-server/nadb-server/resp"
)

// TestAliases: the slave-* names, and min-slaves-*, set the replica-*
// options from the file, the command line and CONFIG SET, and CONFIG GET
// answers either name, as in Redis.
func TestAliases(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a.conf")
	require.NoError(t, os.WriteFile(file, []byte("slave-priority 7\nslave-announce-ip 10.1.2.3\nmin-slaves-to-write 2\n"), 0o644))
	s, _, err := parseArgs([]string{file, "--slave-announce-port", "6400", "--min-slaves-max-lag", "4"}, func(string) string { return "" })
	require.NoError(t, err)
	require.Equal(t, "7", s.value("replica-priority"))
	require.Equal(t, "10.1.2.3", s.value("replica-announce-ip"))
	require.Equal(t, "6400", s.value("replica-announce-port"))
	require.Equal(t, "2", s.value("min-replicas-to-write"))
	require.Equal(t, "4", s.value("min-replicas-max-lag"))
	require.Equal(t, [][2]string{{"replica-priority", "7"}, {"slave-priority", "7"}}, s.Get("*priority"))
	require.Equal(t, [][2]string{{"slave-priority", "7"}}, s.Get("slave-priority"))

	require.NoError(t, setOne(s, "SLAVE-PRIORITY", "3"))
	require.Equal(t, "3", s.value("replica-priority"))
	require.ErrorIs(t, setOne(s, "slave-announce-port", "70000"), resp.ErrBadOptionValue)
	var re *resp.OptionRangeError
	require.True(t, errors.As(setOne(s, "min-slaves-to-write", "-1"), &re))
	require.ErrorIs(t, setOne(s, "min-slaves-max-lag", "x"), resp.ErrOptionNotInteger)
}

func TestRewriteFormats(t *testing.T) {
	for _, c := range []struct{ name, in, want string }{
		{"maxmemory", "104857600", "100mb"},
		{"maxmemory", "1000", "1000"},
		{"proto-max-bulk-len", "1gb", "1gb"},
		{"repl-backlog-size", "16kb", "16kb"},
		{"dir", "/var/lib/nadb", `"/var/lib/nadb"`},
		{"requirepass", "", `""`},
		{"requirepass", "a b", `"a b"`},
		{"bind", "127.0.0.1  -::1", "127.0.0.1 -::1"},
		{"loglevel", "debug", "debug"},
	} {
		require.Equal(t, c.want, formatValue(c.name, c.in), "%s %s", c.name, c.in)
	}
	require.True(t, sameValue("proto-max-bulk-len", "536870912", "512mb"))
	lines := outputLimitLines(mergeOutputLimits(defaultOutputLimits, "pubsub 64mb 16mb 30"))
	require.Len(t, lines, 3)
	require.Equal(t, "client-output-buffer-limit replica 256mb 64mb 60", lines[1].Text)
	require.False(t, lines[1].Force)
	require.Equal(t, "client-output-buffer-limit pubsub 64mb 16mb 30", lines[2].Text)
	require.True(t, lines[2].Force)
}

// TestRewriteRoundTrip: a file CONFIG REWRITE writes reads back to the
// same settings, odd values included.
func TestRewriteRoundTrip(t *testing.T) {
	file := filepath.Join(t.TempDir(), "r.conf")
	require.NoError(t, os.WriteFile(file, []byte("# kept\nslaveof 10.0.0.1 6379\nmaxmemory 100MB\nhz 10\nsave 900 1\nsave 300 10\n"), 0o644))
	s, _, err := parseArgs([]string{file}, func(string) string { return "" })
	require.NoError(t, err)
	for name, v := range map[string]string{"requirepass": `"quoted" and spaced`, "masterauth": "#hash", "maxclients": "77", "replica-announce-ip": "10.9.9.9"} {
		require.NoError(t, setOne(s, name, v))
	}
	require.NoError(t, s.Rewrite())
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	text := string(b)
	require.True(t, strings.HasPrefix(text, "# kept\nreplicaof 10.0.0.1 6379\nmaxmemory 100mb\nhz 10\nsave 900 1\nsave 300 10\n"), text)
	s2, _, err := parseArgs([]string{file}, func(string) string { return "" })
	require.NoError(t, err)
	for _, name := range []string{"requirepass", "masterauth", "maxclients", "replica-announce-ip", "replicaof", "maxmemory", "save"} {
		require.Equal(t, s.value(name), s2.value(name), name)
	}
	require.Equal(t, "900 1 300 10", s2.value("save"), "a file's save lines add up")

	// save changed at run time is rewritten, a line a pair, as Redis does.
	require.NoError(t, setOne(s, "save", "60 5"))
	require.NoError(t, s.Rewrite())
	b, _ = os.ReadFile(file)
	require.Contains(t, string(b), "\nsave 60 5\n")
	require.NotContains(t, string(b), "save 900 1")
	require.NotContains(t, string(b), "save 300 10")
	s2, _, err = parseArgs([]string{file}, func(string) string { return "" })
	require.NoError(t, err)
	require.Equal(t, "60 5", s2.value("save"))

	// A node promoted since: the replicaof line goes.
	s.role = func() replicationRole { return replicationRole{} }
	require.NoError(t, s.Rewrite())
	b, _ = os.ReadFile(file)
	require.NotContains(t, string(b), "replicaof")

	require.NoError(t, setOne(s, "requirepass", "a\nb"))
	require.Error(t, s.Rewrite(), "a line break cannot be written")
	s.file = ""
	require.ErrorIs(t, s.Rewrite(), resp.ErrNoConfigFile)
}

// TestIgnoredSlaveDirectives: the slave spelling of an ignored replica-*
// directive is ignored too, as Redis takes either; that of an option sets
// the option.
func TestIgnoredSlaveDirectives(t *testing.T) {
	file := filepath.Join(t.TempDir(), "s.conf")
	require.NoError(t, os.WriteFile(file, []byte("slave-read-only yes\nslave-serve-stale-data no\n"), 0o644))
	s, _, err := parseArgs([]string{file}, func(string) string { return "" })
	require.NoError(t, err)
	require.Equal(t, []string{"replica-read-only"}, s.ignored)
	require.Equal(t, "no", s.value("replica-serve-stale-data"))
}
