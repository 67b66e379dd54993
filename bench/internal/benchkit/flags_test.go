package benchkit

import (
	"flag"
	"io"
	"os/exec"
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

func TestFindTools(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server is not installed")
	}
	if _, err := exec.LookPath("redis-benchmark"); err != nil {
		t.Skip("redis-benchmark is not installed")
	}
	tl, err := FindTools(CommonFlags{RedisServer: "redis-server"})
	if err != nil || tl.RedisServer == "" || tl.RedisBenchmark == "" || tl.NadbServer != "" {
		t.Fatalf("FindTools: %+v, %v", tl, err)
	}
	if _, err := FindTools(CommonFlags{RedisServer: "no-such-redis-server"}); err == nil {
		t.Fatal("a missing redis-server was accepted")
	}
	if _, err := FindTools(CommonFlags{RedisServer: "redis-server", NadbBin: "/no/such/bin"}); err == nil {
		t.Fatal("a missing -nadb-bin was accepted")
	}
}
