package models

import "time"

// SetRefCacheClock lets tests move the reference cache's clock.
func SetRefCacheClock(c *RefCache, now func() time.Time) { c.now = now }

// WrittenTables lists the tables a statement writes to, as the reference
// cache sees them.
func WrittenTables(q string) []string {
	if readOnlyStatement(q) {
		return nil
	}
	var out []string
	for _, m := range writeTarget.FindAllStringSubmatch(q, -1) {
		out = append(out, m[2])
	}
	return out
}

// GetCarrier exposes getCarrier (through the reference cache) to the tests.
var GetCarrier = getCarrier
