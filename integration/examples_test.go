package integration

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestDataTypesExample runs examples/datatypes/datatypes.sh, the walk
// through every data type a user can run, and checks what it shows: the
// blocked BLPOP served, the secondary's values, equal digests.
func TestDataTypesExample(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	requireTool(t, "redis-cli")
	requireTool(t, "python3")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", filepath.Join(moduleDir, "examples", "datatypes", "datatypes.sh"))
	cmd.Env = append(os.Environ(), "NADB_SERVER="+serverBin)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	text := string(out)
	require.Contains(t, text, "the blocked client got: jobs build")
	require.Contains(t, text, "> -n 1 HGETALL user:1\nname\nAda\nborn\n1815\n")
	require.Contains(t, text, "> -n 1 LRANGE jobs 0 -1\ntest\ndeploy\n")
	require.Contains(t, text, "> -n 1 ZRANGE board 0 -1 WITHSCORES\nbob\n115\nada\n120\n")
	m := regexp.MustCompile(`DEBUG DIGEST: primary ([0-9a-f]{40}), secondary ([0-9a-f]{40})`).FindStringSubmatch(text)
	require.NotNil(t, m, "%s", text)
	require.Equal(t, m[1], m[2])
}
