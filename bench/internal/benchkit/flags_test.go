package benchkit

import (
	"flag"
	"io"
	"testing"
	"time"
)

func TestCommonFlagsRegister(t *testing.T) {
	var c CommonFlags
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c.Register(fs, FlagHelp{RunTimeout: "run", KeepTmp: "keep"})
	if err := ParseFlags(fs, []string{"-start-timeout", "5s", "-keep-tmp"}); err != nil {
		t.Fatal(err)
	}
	want := CommonFlags{Out: "bench/RESULTS.md", StartTimeout: 5 * time.Second, RunTimeout: 10 * time.Minute, KeepTmp: true}
	if c != want {
		t.Errorf("got %+v, want %+v", c, want)
	}
	if fs.Lookup("redis-server") != nil {
		t.Error("-redis-server registered without FlagHelp.RedisServer")
	}
	if got := fs.Lookup("keep-tmp").Usage; got != "keep" {
		t.Errorf("-keep-tmp usage %q, want the given text", got)
	}
	if got := fs.Lookup("out").Usage; got != "markdown file to update (generated section between markers)" {
		t.Errorf("-out usage %q, want the default text", got)
	}

	fs = flag.NewFlagSet("t", flag.ContinueOnError)
	c = CommonFlags{}
	c.Register(fs, FlagHelp{RunTimeout: "run", RedisServer: true})
	if err := ParseFlags(fs, nil); err != nil {
		t.Fatal(err)
	}
	if c.RedisServer != "redis-server" {
		t.Errorf("-redis-server default %q, want redis-server", c.RedisServer)
	}
}
