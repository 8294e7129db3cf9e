package models

import "time"

// SetRefCacheClock lets tests move the reference cache's clock.
func SetRefCacheClock(c *RefCache, now func() time.Time) { c.now = now }

// MentionsTable exposes mentionsTable to the tests.
var MentionsTable = mentionsTable

// GetCarrier exposes getCarrier (through the reference cache) to the tests.
var GetCarrier = getCarrier
