package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/nadb-server/nadb-server/replication"
	"github.com/stretchr/testify/require"
)

func TestCheckLogCommand(t *testing.T) {
	runCheck := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := run(append([]string{"check-log"}, args...), func(string) string { return "" }, &out, &errOut)
		return code, out.String(), errOut.String()
	}
	path := filepath.Join(t.TempDir(), "nadb.aof")
	a, err := replication.OpenAOF(replication.AOFOptions{NameFor: func(uint64) string { return path }, ReplID: "rid", Policy: replication.FsyncAlways})
	require.NoError(t, err)
	require.NoError(t, a.Close())

	code, out, _ := runCheck(path)
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "ok")

	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.Write([]byte{0, 0, 1})
	require.NoError(t, err)
	require.NoError(t, f.Close())
	code, out, _ = runCheck(path)
	require.Equal(t, 1, code, out)
	require.Contains(t, out, "incomplete write")

	code, out, _ = runCheck(path, "--fix")
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "repaired")
	code, _, _ = runCheck(path)
	require.Equal(t, 0, code)

	code, _, errOut := runCheck()
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "usage")
	code, _, errOut = runCheck(filepath.Join(t.TempDir(), "missing.aof"))
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "missing.aof")
	code, _, errOut = runCheck(path, "--databases", "x")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "'databases'")
}
