package benchkit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMarkers(t *testing.T) {
	b, e := Markers("replication")
	if b != "<!-- replication:begin -->" || e != "<!-- replication:end -->" {
		t.Fatalf("got %q, %q", b, e)
	}
}

func TestSplice(t *testing.T) {
	begin, end := Markers("replication")
	side := "<!-- sidebyside:begin -->\nS\n<!-- sidebyside:end -->\n"
	sec := begin + "\nNEW\n" + end + "\n"
	for _, tc := range []struct{ name, doc, want string }{
		{"empty", "", sec},
		{"append", "# T\n\n" + side, "# T\n\n" + side + "\n" + sec},
		{"append after one newline", "# T\n", "# T\n\n" + sec},
		{"replace", "# T\n\n" + begin + "\nOLD\n" + end + "\n\n" + side, "# T\n\n" + sec + "\n" + side},
		{"replace at end", side + "\n" + begin + "\nOLD\n" + end + "\n", side + "\n" + sec},
		{"replace without final newline", "# T\n\n" + begin + "\nOLD\n" + end, "# T\n\n" + sec},
		{"begin without end", "# T\n" + begin + "\n", "# T\n" + begin + "\n\n" + sec},
		{"end before begin", "# T\n" + end + "\n" + begin + "\nOLD\n" + end + "\n", "# T\n" + end + "\n" + sec},
	} {
		if got := Splice(tc.doc, "replication", sec); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
}

func TestWriteSection(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "RESULTS.md")
	begin, end := Markers("x")
	first := begin + "\n1\n" + end + "\n"
	if err := WriteSection(path, "x", first); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	if string(got) != ResultsIntro+first {
		t.Fatalf("new file: %q", got)
	}
	other := "<!-- y:begin -->\nY\n<!-- y:end -->\n"
	if err := WriteSection(path, "y", other); err != nil {
		t.Fatal(err)
	}
	second := begin + "\n2\n" + end + "\n"
	if err := WriteSection(path, "x", second); err != nil {
		t.Fatal(err)
	}
	got, _ = os.ReadFile(path)
	if want := ResultsIntro + second + "\n" + other; string(got) != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
}

func TestCommandLog(t *testing.T) {
	var l CommandLog
	l.Add("primary", "a --port 1")
	l.Add("bench", "b")
	l.Add("primary", "a --port 2") // one example per label
	var b strings.Builder
	if _, err := l.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	if want := "# primary\na --port 1\n# bench\nb\n"; b.String() != want {
		t.Fatalf("got %q, want %q", b.String(), want)
	}
}

func TestShellJoin(t *testing.T) {
	got := ShellJoin([]string{"redis-server", "--save", "", "--dir", "/tmp/a b", "it's", "-n=1,2:3%"})
	want := `redis-server --save '' --dir '/tmp/a b' 'it'"'"'s' -n=1,2:3%`
	if got != want {
		t.Fatalf("got %s\nwant %s", got, want)
	}
}

func TestRatio(t *testing.T) {
	if Ratio(1, 0) != "n/a" || Ratio(1, 3) != "0.33" {
		t.Fatal(Ratio(1, 0), Ratio(1, 3))
	}
}
