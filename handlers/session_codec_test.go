package handlers

import (
	"maps"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
)

func TestSessionCodecRoundTrip(t *testing.T) {
	deadline := time.Date(2026, 12, 27, 15, 4, 5, 123456789, time.UTC)
	values := map[string]any{
		sessionCartID:      int64(1 << 40),
		sessionUserVersion: 7,
		sessionSeenAt:      int64(-3),
		"flash_message":    "Saved — “quoted” & <b>",
		"flash_kind":       "",
		"remember":         true,
		"":                 false,
	}
	b, err := sessionCodec{}.Encode(deadline, values)
	if err != nil {
		t.Fatal(err)
	}
	if b[0] != sessionMagic {
		t.Fatalf("encoded with gob (first byte %#x), want the binary form", b[0])
	}
	d, got, err := sessionCodec{}.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Equal(deadline) {
		t.Errorf("deadline %v, want %v", d, deadline)
	}
	if !maps.Equal(got, values) {
		t.Errorf("values %#v, want %#v", got, values)
	}
}

// Sessions written by scs's gob codec (before this codec, or holding a
// value of another type) are still read, and other types go through gob.
func TestSessionCodecGob(t *testing.T) {
	deadline := time.Now().Add(time.Hour).Round(0)
	old, err := scs.GobCodec{}.Encode(deadline, map[string]any{sessionCartID: int64(42), "flash_kind": "info"})
	if err != nil {
		t.Fatal(err)
	}
	d, got, err := sessionCodec{}.Decode(old)
	if err != nil || !d.Equal(deadline) || got[sessionCartID] != int64(42) || got["flash_kind"] != "info" {
		t.Fatalf("gob session read as %v %#v %v", d, got, err)
	}

	b, err := sessionCodec{}.Encode(deadline, map[string]any{"float": 1.5, sessionCartID: int64(1)})
	if err != nil {
		t.Fatal(err)
	}
	if b[0] == sessionMagic {
		t.Fatal("a float64 value was written in the binary form")
	}
	_, got, err = sessionCodec{}.Decode(b)
	if err != nil || got["float"] != 1.5 || got[sessionCartID] != int64(1) {
		t.Fatalf("gob fallback read as %#v %v", got, err)
	}
}

// Cut or altered data is refused with an error, never read half.
func TestSessionCodecMalformed(t *testing.T) {
	b, err := sessionCodec{}.Encode(time.Now(), map[string]any{"flash_message": "hello", sessionCartID: int64(300)})
	if err != nil {
		t.Fatal(err)
	}
	for n := 1; n < len(b); n++ {
		if _, v, err := (sessionCodec{}).Decode(b[:n]); err == nil {
			t.Errorf("data cut to %d of %d bytes decoded as %#v", n, len(b), v)
		}
	}
	if _, _, err := (sessionCodec{}).Decode(append(b, 0)); err == nil {
		t.Error("trailing byte accepted")
	}
	bad := []byte{sessionMagic, 2, 0, 1, 1, 'k', 'x', 0}
	if _, _, err := (sessionCodec{}).Decode(bad); err == nil {
		t.Error("unknown type byte accepted")
	}
}

func BenchmarkSessionCodecDecode(b *testing.B) {
	for _, c := range []struct {
		name  string
		codec scs.Codec
	}{{"binary", sessionCodec{}}, {"gob", scs.GobCodec{}}} {
		data, err := c.codec.Encode(time.Now(), map[string]any{sessionSeenAt: time.Now().Unix(), sessionCartID: int64(123456)})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, _, err := c.codec.Decode(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
