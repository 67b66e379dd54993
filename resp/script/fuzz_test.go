package script

import (
	"strconv"
	"strings"
	"testing"
)

// FuzzDecoders feeds arbitrary bytes, as a script's argument, to
// cmsgpack.unpack and cjson.decode: a script gets values or an error,
// never a crash of the server.
func FuzzDecoders(f *testing.F) {
	for _, seed := range []string{"", "\x93\x01\x02\x03", "\x81\xa1a\xc3", "\xdd\xff\xff\xff\xff", "\xdb\xff\xff\xff\xff", "\xc1",
		`{"a":[1,2,{"b":null}]}`, `[1,`, `"\u00e9"`, "1e999"} {
		f.Add([]byte(seed))
	}
	var rn Runner
	var c Cache
	unpack, err := c.Load([]byte(`local t = {cmsgpack.unpack(ARGV[1])} return #t`))
	if err != nil {
		f.Fatal(err)
	}
	decode, err := c.Load([]byte(`return type(cjson.decode(ARGV[1]))`))
	if err != nil {
		f.Fatal(err)
	}
	h := &echoHost{}
	f.Fuzz(func(t *testing.T, in []byte) {
		for _, sc := range []*Script{unpack, decode} {
			reply, errText := rn.Run(&Run{Script: sc, Argv: [][]byte{in}, Host: h})
			if (len(reply) == 0) == (errText == "") {
				t.Fatalf("%s on %q: reply %q and error %q", sc.Body, in, reply, errText)
			}
		}
	})
}

// FuzzStringLib feeds arbitrary bytes, as a format, a pattern and a
// subject, to the string functions nadb-server replaces or wraps
// (format, find, match, gsub, byte, rep) and to the struct library: a
// script gets values or an error, never a crash.
func FuzzStringLib(f *testing.F) {
	for _, seed := range []string{"%d %s", "%5.2f|%-3c|%q", "%#x%%%", "%-+ #0-d", "%100d", "(%w+)", "[", "%", "^a*$", "%f[%w]", "%b()", ">!4 b i2 c0", "<I9 s x d f", "bc0"} {
		f.Add([]byte(seed), []byte("hello (world) 42"), int64(3))
	}
	var rn Runner
	var c Cache
	var scripts []*Script
	for _, body := range []string{
		`return string.format(ARGV[1], tonumber(ARGV[3]), ARGV[2], ARGV[3], ARGV[2])`,
		`return {string.find(ARGV[2], ARGV[1], tonumber(ARGV[3]))}`,
		`return {string.find(ARGV[2], ARGV[1], tonumber(ARGV[3]), true)}`,
		`return {string.match(ARGV[2], ARGV[1], tonumber(ARGV[3]))}`,
		`return {string.gsub(ARGV[2], ARGV[1], "<%0>", tonumber(ARGV[3]))}`,
		`return {string.byte(ARGV[2], tonumber(ARGV[3]), -tonumber(ARGV[3]))}`,
		`return #string.rep(ARGV[1], tonumber(ARGV[3]) % 1000)`,
		`return {string.upper(ARGV[2]), string.lower(ARGV[1])}`,
		`return {struct.unpack(ARGV[1], ARGV[2])}`,
		`return {struct.unpack(ARGV[1], ARGV[2], tonumber(ARGV[3]))}`,
		`return struct.pack(ARGV[1], tonumber(ARGV[3]), ARGV[2], tonumber(ARGV[3]), ARGV[2])`,
		`return struct.size(ARGV[1])`,
	} {
		sc, err := c.Load([]byte(body))
		if err != nil {
			f.Fatal(err)
		}
		scripts = append(scripts, sc)
	}
	h := &echoHost{}
	f.Fuzz(func(t *testing.T, pattern, subject []byte, n int64) {
		argv := [][]byte{pattern, subject, []byte(strconv.FormatInt(n, 10))}
		for _, sc := range scripts {
			reply, errText := rn.Run(&Run{Script: sc, Argv: argv, Host: h})
			if (len(reply) == 0) == (errText == "") {
				t.Fatalf("%s on %q: reply %q and error %q", sc.Body, argv, reply, errText)
			}
			if strings.Contains(errText, "runtime error") {
				t.Fatalf("%s on %q: %s", sc.Body, argv, errText)
			}
		}
	})
}
