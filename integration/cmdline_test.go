package integration

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestCommandLine(t *testing.T) {
	t.Parallel()
	nadbOnly(t)
	for _, tc := range []struct {
		name     string
		args     func(ports []int) []string
		wantCode int      // 0, or -1 for any non-zero code
		want     []string // substrings of the output
	}{
		{
			name:     "help",
			args:     func([]int) []string { return []string{"--help"} },
			wantCode: 0,
			want:     []string{"port", "6379", "repl-listen-port", "9000", "bind", "dir", "appendonly"},
		},
		{
			name: "port not a number",
			args: func(p []int) []string {
				return []string{"--port", "abc", "--bind", "127.0.0.1", "--repl-listen-port", strconv.Itoa(p[1])}
			},
			wantCode: -1,
			want:     []string{"port", "abc"},
		},
		{
			name: "unknown option",
			args: func(p []int) []string {
				return []string{"--no-such-option", "1", "--port", strconv.Itoa(p[0]), "--bind", "127.0.0.1", "--repl-listen-port", strconv.Itoa(p[1])}
			},
			wantCode: -1,
			want:     []string{"no-such-option"},
		},
		{
			name: "unknown option in config file",
			args: func(p []int) []string {
				conf := writeConfig(t, "# a comment\nno-such-option 1\n")
				return []string{conf, "--port", strconv.Itoa(p[0]), "--bind", "127.0.0.1", "--repl-listen-port", strconv.Itoa(p[1])}
			},
			wantCode: -1,
			want:     []string{"no-such-option"},
		},
		{
			name: "missing config file",
			args: func(p []int) []string {
				return []string{filepath.Join(t.TempDir(), "absent.conf"), "--port", strconv.Itoa(p[0]), "--bind", "127.0.0.1", "--repl-listen-port", strconv.Itoa(p[1])}
			},
			wantCode: -1,
			want:     []string{"absent.conf"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args(freePorts(t, 2))
			stdout, stderr, code := runCmd(t, 10*time.Second, "", serverBin, args...)
			out := stdout + stderr
			if tc.wantCode == 0 {
				require.Equal(t, 0, code, "output:\n%s", out)
			} else {
				require.NotEqual(t, 0, code, "output:\n%s", out)
			}
			for _, w := range tc.want {
				require.Contains(t, out, w)
			}
		})
	}
}

// writeConfig writes a config file into a fresh temporary directory.
func writeConfig(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.conf")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
	return path
}

// TestConfigFile holds for redis-server too: a config file given as the
// first argument is read, and options on the command line override it.
func TestConfigFile(t *testing.T) {
	t.Parallel()
	ports := freePorts(t, 3)
	filePort, flagPort, replPort := ports[0], ports[1], ports[2]
	conf := writeConfig(t, fmt.Sprintf("# integration test config\nport %d\n\n  # indented comment\nbind 127.0.0.1\nappendonly no\n", filePort))

	t.Run("file", func(t *testing.T) {
		s := launch(t, filePort, append([]string{conf}, baseArgs(t.TempDir(), replPort)...)...)
		got, err := s.Client().ConfigGet(context.Background(), "port").Result()
		require.NoError(t, err)
		require.Equal(t, strconv.Itoa(filePort), got["port"])
		require.Equal(t, 0, s.Stop())
	})

	t.Run("command line overrides file", func(t *testing.T) {
		args := append([]string{conf, "--port", strconv.Itoa(flagPort)}, baseArgs(t.TempDir(), replPort)...)
		s := launch(t, flagPort, args...)
		got, err := s.Client().ConfigGet(context.Background(), "port").Result()
		require.NoError(t, err)
		require.Equal(t, strconv.Itoa(flagPort), got["port"])
		c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(filePort)), time.Second)
		if err == nil {
			c.Close()
		}
		require.Error(t, err, "nothing may listen on the file's port")
	})
}
