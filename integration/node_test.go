package integration

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// nodeDir holds the Node.js client checks: package.json and its lock file
// (node-redis and ioredis) and one script per client. CI installs the
// packages with npm ci (.ci/run); a developer runs the same command once.
const nodeDir = "testdata/node"

// runNodeScript runs node <script> <port> in nodeDir and returns its
// standard output. It skips (fails under CI=true) without node or without
// the installed packages.
func runNodeScript(t *testing.T, s *Server, script string) string {
	t.Helper()
	node := requireTool(t, "node")
	if _, err := os.Stat(filepath.Join(nodeDir, "node_modules")); err != nil {
		skipOrFail(t, "the Node.js client packages are not installed (run npm ci --prefix integration/testdata/node): %v", err)
	}
	dir, err := filepath.Abs(nodeDir)
	require.NoError(t, err)
	out, errOut, code := runCmd(t, 2*time.Minute, "", node, filepath.Join(dir, script), strconv.Itoa(s.Port))
	require.Zero(t, code, "node %s exited with %d\nstdout:\n%s\nstderr:\n%s", script, code, out, errOut)
	return out
}

// TestNodeRedis runs node-redis (the npm package redis, v5) twice: with
// its defaults, which speak RESP2 without HELLO, and with RESP: 3, which
// opens with HELLO 3 and reads maps, nulls and push messages.
func TestNodeRedis(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	out := runNodeScript(t, s, "node-redis.js")
	var want strings.Builder
	for _, mode := range []string{"default", "resp3"} {
		resp := "2"
		if mode == "resp3" {
			resp = "3"
		}
		p := "node:" + mode + ":"
		lines := []string{
			`resp "` + resp + `"`,
			`set "OK"`,
			`get "v"`,
			`missing null`,
			`mget ["v",null]`,
			`incr 1`,
			`config {"maxmemory-policy":"noeviction"}`,
			`info true`,
			`multi ["OK",2,"2",null]`,
			`watch "WatchError"`,
			`publish 1`,
			`message ["` + p + `ch","hello"]`,
		}
		if mode == "resp3" {
			lines = append(lines, `subscribed-get "v"`)
		}
		lines = append(lines, `after-unsubscribe "PONG"`)
		for _, l := range lines {
			want.WriteString(mode + " " + l + "\n")
		}
	}
	want.WriteString("done\n")
	require.Equal(t, want.String(), out)
}

// TestNodeIORedis runs ioredis (RESP2): strings, MULTI, a WATCH abort
// and pub/sub.
func TestNodeIORedis(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	out := runNodeScript(t, s, "ioredis.js")
	require.Equal(t, `ioredis resp "2"
ioredis set "OK"
ioredis get "v"
ioredis missing null
ioredis mget ["v",null]
ioredis config ["maxmemory-policy","noeviction"]
ioredis multi [[null,"OK"],[null,2],[null,"2"]]
ioredis watch null
ioredis subscribe 1
ioredis publish 1
ioredis message ["ioredis:ch","hello"]
ioredis unsubscribe 0
done
`, out)
}
