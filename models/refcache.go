package models

import (
	"context"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"
)

// RefCache keeps the reference data every shop request reads and that
// rarely changes — the company settings, shipping methods with their rules,
// payment providers and taxes — in memory, so that a checkout does not read
// them again on every page.
//
// Nothing stale is served after a change made through this program: the
// cache watches every statement sent through its database handle and drops
// the entries of a table as soon as something writes to it, then reads that
// table from the database (without keeping the result) for a grace period
// (refGrace) that covers the writing transaction until it commits. A change
// made outside the program (psql, another instance) is seen within ttl.
type RefCache struct {
	mu      sync.Mutex
	entries map[string]*refEntry
	ttl     time.Duration
	grace   time.Duration
	now     func() time.Time
}

type refEntry struct {
	gen         uint64 // bumped by every write to the entry's tables
	val         any
	loadedAt    time.Time
	bypassUntil time.Time
}

// Entries of the cache and the tables each depends on.
const (
	refCompany    = "company"
	refCarriers   = "carriers"
	refProviders  = "providers"
	refTaxes      = "taxes"
	refVariants   = "variants" // map[int64]variantPrice, filled variant by variant
	refCategories = "categories"
	refProducts   = "products" // map[int64]*ShopProductView without stock, by template
	// map[int64][]deliveryPlanRow: a warehouse's delivery steps, by warehouse
	refDeliveryPlans = "delivery_plans"
)

var refTables = []struct {
	table   string
	entries []string
}{
	{"companies", []string{refCompany, refProducts}}, // product pages show prices the company's way
	{"carriers", []string{refCarriers}},
	{"carrier_rules", []string{refCarriers}},
	{"payment_providers", []string{refProviders}},
	{"taxes", []string{refTaxes, refVariants, refProducts}}, // a variant's taxes are its active ones
	{"product_templates", []string{refVariants, refProducts}},
	{"product_variants", []string{refVariants, refProducts}},
	{"product_template_taxes", []string{refVariants, refProducts}},
	{"product_variant_values", []string{refVariants, refProducts}},
	{"product_attribute_values", []string{refVariants, refProducts}},
	{"product_attributes", []string{refVariants, refProducts}},
	{"product_images", []string{refProducts}},
	{"product_categories", []string{refCategories, refProducts}},
	{"warehouses", []string{refDeliveryPlans}},
	{"picking_types", []string{refDeliveryPlans}},
	{"stock_locations", []string{refDeliveryPlans}},
}

// NewRefCache returns a cache of db's reference data and installs the
// query hook that keeps it current.
func NewRefCache(db *bun.DB) *RefCache {
	c := &RefCache{entries: map[string]*refEntry{}, ttl: 2 * time.Second, grace: refGrace, now: time.Now}
	AddQueryHook(db, c)
	return c
}

// refGrace is how long after a write to a table its entries are read from
// the database without being kept: longer than any transaction that
// writes reference data, so that none is cached before it commits (or
// after it rolls back). Back-office edits are rare; the shop then reads
// those tables for a minute.
const refGrace = time.Minute

type refCacheKey struct{}

// WithRefCache returns a context whose model calls read reference data
// through c. Without it they read the database every time.
func WithRefCache(ctx context.Context, c *RefCache) context.Context {
	return context.WithValue(ctx, refCacheKey{}, c)
}

// cachedRef returns the entry key from the context's cache, loading it with
// load when missing, expired or within a write's grace period. The value is
// shared: callers must not modify it.
func cachedRef[T any](ctx context.Context, key string, load func() (T, error)) (T, error) {
	c, _ := ctx.Value(refCacheKey{}).(*RefCache)
	if c == nil {
		return load()
	}
	now := c.now()
	c.mu.Lock()
	e := c.entry(key, now)
	if e.val != nil {
		v := e.val.(T)
		c.mu.Unlock()
		return v, nil
	}
	gen, keep := e.gen, !now.Before(e.bypassUntil)
	c.mu.Unlock()

	v, err := load()
	if err != nil || !keep {
		return v, err
	}
	c.mu.Lock()
	if e.gen == gen { // no write since the load started
		e.val, e.loadedAt = v, now
	}
	c.mu.Unlock()
	return v, nil
}

// cachedByID returns the values of ids in the context cache's entry key (a
// map filled id by id), reading only the missing ones with load (all of them
// without a cache). Values are shared: callers must not modify them.
func cachedByID[V any](ctx context.Context, key string, ids []int64, load func(ids []int64) (map[int64]V, error)) (map[int64]V, error) {
	c, _ := ctx.Value(refCacheKey{}).(*RefCache)
	if c == nil {
		return load(ids)
	}
	now := c.now()
	out := make(map[int64]V, len(ids))
	var missing []int64
	c.mu.Lock()
	e := c.entry(key, now)
	m, _ := e.val.(map[int64]V)
	for _, id := range ids {
		if v, ok := m[id]; ok {
			out[id] = v
		} else {
			missing = append(missing, id)
		}
	}
	gen, keep := e.gen, !now.Before(e.bypassUntil)
	c.mu.Unlock()
	if len(missing) == 0 {
		return out, nil
	}
	loaded, err := load(missing)
	if err != nil {
		return nil, err
	}
	for id, v := range loaded {
		out[id] = v
	}
	if !keep {
		return out, nil
	}
	c.mu.Lock()
	if e.gen == gen {
		m, _ := e.val.(map[int64]V)
		if m == nil {
			m = make(map[int64]V, len(loaded))
			e.val, e.loadedAt = m, now
		}
		for id, v := range loaded {
			m[id] = v
		}
	}
	c.mu.Unlock()
	return out, nil
}

// BeforeQuery implements bun.QueryHook.
func (c *RefCache) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }

// AfterQuery implements bun.QueryHook: a statement that writes to a cached
// table drops the entries built from it.
func (c *RefCache) AfterQuery(_ context.Context, ev *bun.QueryEvent) {
	if readOnlyStatement(ev.Query) || !mentionsRefTable(ev.Query) { // most statements: cheapest test first
		return
	}
	for _, written := range writtenTables(ev.Query) {
		for _, t := range refTables {
			if strings.EqualFold(written, t.table) {
				c.invalidate(t.entries...)
			}
		}
	}
}

// writtenTables lists the tables statement q writes to.
func writtenTables(q string) []string {
	if readOnlyStatement(q) {
		return nil
	}
	var out []string
	for _, m := range writeTarget.FindAllStringSubmatch(q, -1) {
		out = append(out, m[2])
	}
	return out
}

// mentionsRefTable is a quick test before the regular expression: most
// writes (order lines, moves, sessions) name no cached table at all.
func mentionsRefTable(q string) bool {
	for _, t := range refTables {
		if strings.Contains(q, t.table) {
			return true
		}
	}
	return false
}

// writeTarget finds the tables a statement writes to: UPDATE t, INSERT INTO
// t, DELETE FROM t, TRUNCATE t (quoted or not). A false match (such words in
// a string literal) only drops entries for nothing.
var writeTarget = regexp.MustCompile(`(?i)\b(?:UPDATE|INSERT\s+INTO|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?)\s+(?:ONLY\s+)?("?)([a-z_][a-z0-9_]*)("?)`)

// entry returns the entry key, its value dropped when older than the time
// to live. Call with c.mu held.
func (c *RefCache) entry(key string, now time.Time) *refEntry {
	e := c.entries[key]
	if e == nil {
		e = &refEntry{}
		c.entries[key] = e
	}
	if e.val != nil && now.Sub(e.loadedAt) >= c.ttl {
		e.val = nil
	}
	return e
}

func (c *RefCache) invalidate(keys ...string) {
	now := c.now()
	until := now.Add(c.grace)
	c.mu.Lock()
	for _, k := range keys {
		e := c.entry(k, now)
		e.gen++
		e.val = nil
		e.bypassUntil = until
	}
	c.mu.Unlock()
}

// readOnlyStatement reports whether q is a SELECT (with or without FOR
// UPDATE: locking rows writes nothing). A WITH may hide an UPDATE, so it is
// looked at.
func readOnlyStatement(q string) bool {
	q = strings.TrimLeft(q, " \t\r\n(")
	return len(q) >= 6 && strings.EqualFold(q[:6], "SELECT")
}
