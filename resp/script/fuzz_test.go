package script

import (
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
