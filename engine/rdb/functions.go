package rdb

import (
	"bytes"
	"errors"
)

// opFunction2 opens a function library's record in an RDB file and in a
// FUNCTION DUMP payload (RDB_OPCODE_FUNCTION2): the library's code, as an
// RDB string.
const opFunction2 = 245

// ErrNotFunction: a FUNCTION RESTORE payload holds a record that is not a
// function library.
var ErrNotFunction = errors.New("given type is not a function")

// EncodeFunctions returns the FUNCTION DUMP payload of the libraries
// whose codes are given: one record each, then the RDB version and the
// checksum.
func EncodeFunctions(codes [][]byte) []byte {
	var dst []byte
	for _, code := range codes {
		dst = appendString(append(dst, opFunction2), code)
	}
	return AppendFooter(dst, 0)
}

// DecodeFunctions checks a FUNCTION DUMP payload (this server's or
// Redis's, whose codes may be LZF-compressed) and returns the libraries'
// codes.
func DecodeFunctions(p []byte) ([][]byte, error) {
	body, err := Verify(p)
	if err != nil {
		return nil, err
	}
	r := reader{b: body}
	var codes [][]byte
	for len(r.b) > 0 {
		if t, _ := r.byte(); t != opFunction2 {
			return nil, ErrNotFunction
		}
		code, err := r.string()
		if err != nil {
			return nil, ErrBadData
		}
		codes = append(codes, bytes.Clone(code))
	}
	return codes, nil
}
