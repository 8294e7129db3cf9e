package models

import "time"

// SetRefCacheClock lets tests move the reference cache's clock.
func SetRefCacheClock(c *RefCache, now func() time.Time) { c.now = now }

// WrittenTables lists the tables a statement writes to, as the reference
// cache sees them.
var WrittenTables = writtenTables

// GetCarrier exposes getCarrier (through the reference cache) to the tests.
var GetCarrier = getCarrier
