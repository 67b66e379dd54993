package script

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"
)

// chunkName is the name a script's code carries in its error messages
// ("user_script:1: ..."), Redis's.
const chunkName = "user_script"

// Script is one compiled script.
type Script struct {
	SHA   string // the SHA-1 of Body, in lower-case hex
	Body  []byte
	Flags Flags
	proto *lua.FunctionProto
}

// Flags are what a script's shebang line (#!lua flags=...) declares.
type Flags struct {
	Shebang    bool // the script has one: Redis 7's stricter checks apply
	NoWrites   bool // no-writes: it runs as EVAL_RO
	AllowOOM   bool // allow-oom: it runs over maxmemory
	AllowStale bool // allow-stale: accepted (a stale secondary serves it)
}

// Cache holds compiled scripts by their SHA-1, for EVALSHA. It is safe for
// concurrent use.
type Cache struct {
	mu    sync.Mutex
	byID  map[string]*Script
	bytes int64
}

// SHA1Hex returns the SHA-1 of b in lower-case hex, as redis.sha1hex and
// SCRIPT LOAD give it.
func SHA1Hex(b []byte) string {
	sum := sha1.Sum(b)
	return hex.EncodeToString(sum[:])
}

// Get returns the script whose SHA-1 is sha (any letter case), or nil.
func (c *Cache) Get(sha []byte) *Script {
	var buf [40]byte
	if len(sha) != len(buf) {
		return nil
	}
	for i, ch := range sha {
		if ch >= 'A' && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		buf[i] = ch
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byID[string(buf[:])]
}

// Load returns the script of body, compiling and caching it on its first
// use. A script that does not compile returns an error whose text is
// Redis's reply to it, and is not cached.
func (c *Cache) Load(body []byte) (*Script, error) {
	sha := SHA1Hex(body)
	c.mu.Lock()
	s := c.byID[sha]
	c.mu.Unlock()
	if s != nil {
		return s, nil
	}
	code, flags, err := shebang(body)
	if err != nil {
		return nil, err
	}
	proto, err := compile(code)
	if err != nil {
		return nil, err
	}
	s = &Script{SHA: sha, Body: append([]byte(nil), body...), Flags: flags, proto: proto}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.byID[sha]; old != nil {
		return old, nil
	}
	if c.byID == nil {
		c.byID = make(map[string]*Script)
	}
	c.byID[sha] = s
	c.bytes += int64(len(body))
	return s, nil
}

// Flush forgets every script (SCRIPT FLUSH).
func (c *Cache) Flush() {
	c.mu.Lock()
	c.byID = nil
	c.bytes = 0
	c.mu.Unlock()
}

// Stats returns the number of cached scripts and the bytes of their
// bodies (INFO memory).
func (c *Cache) Stats() (n int, bytes int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.byID), c.bytes
}

// compile parses and compiles body as the body of a function, which is
// what Redis makes of a script.
func compile(body []byte) (*lua.FunctionProto, error) { return compileChunk(body, chunkName) }

// compileChunk compiles code that names itself name in its errors.
func compileChunk(body []byte, name string) (*lua.FunctionProto, error) {
	chunk, err := parse.Parse(strings.NewReader(string(body)), name)
	if err != nil {
		return nil, compileError(err, body, name)
	}
	proto, err := lua.Compile(chunk, name)
	if err != nil {
		return nil, compileError(err, body, name)
	}
	return proto, nil
}

// compileError words a parse error as Redis does: "user_script:LINE:
// what". The description after the position is the interpreter's own.
func compileError(err error, body []byte, name string) error {
	msg := err.Error()
	if pe, ok := err.(*parse.Error); ok {
		line, token := pe.Pos.Line, pe.Token
		if line == parse.EOF {
			line, token = 1+strings.Count(string(body), "\n"), "<eof>"
		}
		// The parser says "syntax error" where Lua 5.1 mostly says
		// "unexpected symbol".
		what := strings.Replace(strings.TrimSpace(pe.Message), "syntax error", "unexpected symbol", 1)
		if token != "" {
			what += " near '" + token + "'"
		}
		msg = fmt.Sprintf("%s:%d: %s", name, line, what)
	}
	return fmt.Errorf("ERR Error compiling script (new function): %s", strings.TrimSpace(msg))
}

// FlagsOf returns the flags a script body's shebang line declares (none
// without one, or when the line is malformed).
func FlagsOf(body []byte) Flags {
	_, f, err := shebang(body)
	if err != nil {
		return Flags{}
	}
	return f
}

// shebang reads a script's "#!lua [flags=a,b]" first line, as Redis 7.0
// does, and returns the code with that line left empty (so the lines keep
// their numbers).
func shebang(body []byte) ([]byte, Flags, error) {
	if !bytes.HasPrefix(body, []byte("#!")) {
		return body, Flags{}, nil
	}
	line, rest, ok := bytes.Cut(body, []byte("\n"))
	if !ok {
		return nil, Flags{}, errors.New("ERR Invalid script shebang")
	}
	words := strings.Fields(string(line))
	if words[0] != "#!lua" {
		return nil, Flags{}, fmt.Errorf("ERR Unexpected engine in script shebang: %s", words[0])
	}
	f := Flags{Shebang: true}
	for _, w := range words[1:] {
		list, ok := strings.CutPrefix(w, "flags=")
		if !ok {
			return nil, Flags{}, fmt.Errorf("ERR Unknown lua shebang option: %s", w)
		}
		for _, flag := range strings.Split(list, ",") {
			switch flag {
			case "":
			case "no-writes":
				f.NoWrites = true
			case "allow-oom":
				f.AllowOOM = true
			case "allow-stale":
				f.AllowStale = true
			case "no-cluster", "allow-cross-slot-keys":
			default:
				return nil, Flags{}, fmt.Errorf("ERR Unexpected flag in script shebang: %s", flag)
			}
		}
	}
	return append([]byte("\n"), rest...), f, nil
}
