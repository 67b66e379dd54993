package configfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func canon(name string) (string, bool) {
	switch name {
	case "port", "replicaof", "replica-priority", "maxclients", "client-output-buffer-limit":
		return name, true
	}
	return "", false
}

func TestRewriteKeepsCommentsAndOrder(t *testing.T) {
	old := "# top\nport 1\n\n   # indented\nslaveof h 2\nunknown-directive x\nSLAVE-PRIORITY 5\n"
	got := string(Rewrite([]byte(old), canon, []Option{
		{Name: "port", Lines: []Line{{Text: "port 3"}}},
		{Name: "replicaof"}, // a primary: removed
		{Name: "replica-priority", Lines: []Line{{Text: "replica-priority 5"}}},
		{Name: "maxclients", Lines: []Line{{Text: "maxclients 9", Force: true}}},
		{Name: "client-output-buffer-limit", Lines: []Line{{Text: "client-output-buffer-limit normal 0 0 0"}}},
	}))
	want := "# top\nport 3\n\n# indented\n\nunknown-directive x\nreplica-priority 5\n\n" + Signature + "\nmaxclients 9\n"
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	// A second rewrite with nothing new keeps the lines and signs once;
	// like Redis's, it ends the file with a blank line.
	again := string(Rewrite([]byte(got), canon, []Option{{Name: "maxclients", Lines: []Line{{Text: "maxclients 9", Force: true}}}}))
	if again != want+"\n" {
		t.Fatalf("second rewrite\n%s", again)
	}
	if strings.Count(again, Signature) != 1 {
		t.Fatal("signature twice")
	}
}

func TestRewriteEmptyFileAndBlankRuns(t *testing.T) {
	got := string(Rewrite(nil, canon, []Option{{Name: "port", Lines: []Line{{Text: "port 3", Force: true}}}}))
	if got != Signature+"\nport 3\n" {
		t.Fatalf("got %q", got)
	}
	got = string(Rewrite([]byte("port 1\n\n\n# c\n\n"), canon, []Option{{Name: "maxclients", Lines: []Line{{Text: "maxclients 2", Force: true}}}}))
	if got != "port 1\n\n# c\n\n"+Signature+"\nmaxclients 2\n" {
		t.Fatalf("got %q", got)
	}
}

func TestWriteAtomic(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "n.conf")
	if err := os.WriteFile(p, []byte("old\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteAtomic(p, []byte("new\n")); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	st, _ := os.Stat(p)
	if string(b) != "new\n" || st.Mode().Perm() != 0o600 {
		t.Fatalf("%q %v", b, st.Mode())
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Fatalf("temporary file left: %v", ents)
	}
	if err := WriteAtomic(filepath.Join(dir, "gone", "n.conf"), nil); err == nil {
		t.Fatal("no error for a missing directory")
	}
}
