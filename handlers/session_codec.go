package handlers

import (
	"encoding/binary"
	"errors"
	"time"

	"github.com/alexedwards/scs/v2"
)

// sessionCodec stores a session's deadline and values in a small binary
// form when every value is an int64, int, string or bool — which is all
// Orderflow keeps in a session — and falls back to scs's gob encoding
// otherwise. Decoding gob's encoder and type descriptions again on every
// request cost more CPU than the session read itself; this form is read
// without reflection. Sessions stored with gob (by an older version, or
// with other values) are still read.
//
// The form: sessionMagic, the deadline's Unix seconds (varint) and
// nanoseconds (uvarint), the number of values (uvarint), then per value
// its key (uvarint length + bytes), a type byte and the value (varint for
// numbers, uvarint length + bytes for strings, one byte for booleans).
type sessionCodec struct{}

// sessionMagic starts the binary form. A gob stream never starts with it:
// its first byte is a message length, either below 128 or a negated byte
// count from 0xF8 to 0xFF.
const sessionMagic = 0xF0

const (
	sessionInt64  = 'i'
	sessionInt    = 'n'
	sessionString = 's'
	sessionBool   = 'b'
)

var errSessionData = errors.New("session: malformed data")

func (sessionCodec) Encode(deadline time.Time, values map[string]any) ([]byte, error) {
	b := make([]byte, 0, 64)
	b = append(b, sessionMagic)
	b = binary.AppendVarint(b, deadline.Unix())
	b = binary.AppendUvarint(b, uint64(deadline.Nanosecond()))
	b = binary.AppendUvarint(b, uint64(len(values)))
	for k, v := range values {
		b = appendSessionString(b, k)
		switch v := v.(type) {
		case int64:
			b = binary.AppendVarint(append(b, sessionInt64), v)
		case int:
			b = binary.AppendVarint(append(b, sessionInt), int64(v))
		case string:
			b = appendSessionString(append(b, sessionString), v)
		case bool:
			c := byte(0)
			if v {
				c = 1
			}
			b = append(b, sessionBool, c)
		default:
			return scs.GobCodec{}.Encode(deadline, values)
		}
	}
	return b, nil
}

func (sessionCodec) Decode(b []byte) (time.Time, map[string]any, error) {
	if len(b) == 0 || b[0] != sessionMagic {
		return scs.GobCodec{}.Decode(b)
	}
	r := sessionReader{b: b[1:]}
	sec := r.varint()
	nsec := r.uvarint()
	n := r.uvarint()
	if r.bad || nsec >= uint64(time.Second) || n > uint64(len(r.b)) {
		return time.Time{}, nil, errSessionData
	}
	values := make(map[string]any, n)
	for range n {
		k := r.string()
		switch r.byte() {
		case sessionInt64:
			values[k] = r.varint()
		case sessionInt:
			values[k] = int(r.varint())
		case sessionString:
			values[k] = r.string()
		case sessionBool:
			values[k] = r.byte() == 1
		default:
			r.bad = true
		}
		if r.bad {
			return time.Time{}, nil, errSessionData
		}
	}
	if len(r.b) != 0 {
		return time.Time{}, nil, errSessionData
	}
	return time.Unix(sec, int64(nsec)), values, nil
}

func appendSessionString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// sessionReader reads the binary form; bad notes data that ended early or
// did not parse, after which every read returns zero.
type sessionReader struct {
	b   []byte
	bad bool
}

func (r *sessionReader) varint() int64 {
	v, n := binary.Varint(r.b)
	return advance(r, n, v)
}

func (r *sessionReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	return advance(r, n, v)
}

func (r *sessionReader) byte() byte {
	if r.bad || len(r.b) == 0 {
		r.bad = true
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *sessionReader) string() string {
	n := r.uvarint()
	if r.bad || n > uint64(len(r.b)) {
		r.bad = true
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

// advance moves r past a number binary read in n bytes (n <= 0: it did
// not parse) and returns it.
func advance[T int64 | uint64](r *sessionReader, n int, v T) T {
	if r.bad || n <= 0 {
		r.bad = true
		return 0
	}
	r.b = r.b[n:]
	return v
}
