package models_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"orderflow/models"
	"orderflow/tests/testdb"
)

// refClock is a clock the test moves by hand.
type refClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *refClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *refClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestRefCacheServesReferenceDataAndNeverAStaleCopyOfALocalChange(t *testing.T) {
	url := testdb.NewSeededURL(t)
	ctx0 := context.Background()
	db, err := models.Open(ctx0, url, 5)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	other, err := models.Open(ctx0, url, 2) // another program writing to the same database
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()

	cache := models.NewRefCache(db)
	clock := &refClock{t: time.Now()}
	models.SetRefCacheClock(cache, clock.now)
	ctx := models.WithRefCache(ctx0, cache)
	name := func() string {
		t.Helper()
		co, err := models.GetCompany(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		return co.Name
	}

	first := name()
	// A change made outside the program is not seen until the entry expires...
	if _, err := other.NewRaw("UPDATE companies SET name = 'Renamed outside'").Exec(ctx0); err != nil {
		t.Fatal(err)
	}
	if got := name(); got != first {
		t.Fatalf("company read again instead of from the cache: %q", got)
	}
	clock.add(3 * time.Second)
	if got := name(); got != "Renamed outside" {
		t.Fatalf("after the time to live: %q, want the outside change", got)
	}

	// ...while a change made through the program is seen at once.
	if _, err := db.NewRaw("UPDATE companies SET name = 'Renamed here'").Exec(ctx0); err != nil {
		t.Fatal(err)
	}
	if got := name(); got != "Renamed here" {
		t.Fatalf("after a local update: %q", got)
	}

	// A transaction's change: inside it the new value, outside the old one
	// until it commits, then the new one — never a cached pre-commit copy.
	tx, err := db.BeginTx(ctx0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.NewRaw("UPDATE companies SET name = 'In a transaction'").Exec(ctx0); err != nil {
		t.Fatal(err)
	}
	inTx, err := models.GetCompany(ctx, tx)
	if err != nil {
		t.Fatal(err)
	}
	if inTx.Name != "In a transaction" {
		t.Fatalf("inside the transaction: %q", inTx.Name)
	}
	if got := name(); got != "Renamed here" {
		t.Fatalf("outside before commit: %q", got)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := name(); got != "In a transaction" {
		t.Fatalf("after commit: %q (a pre-commit copy was kept)", got)
	}

	// A long transaction (half a minute): what it reads of its own
	// uncommitted change is not kept for others, and a rollback leaves
	// nothing behind.
	long, err := db.BeginTx(ctx0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := long.NewRaw("UPDATE companies SET name = 'Never committed'").Exec(ctx0); err != nil {
		t.Fatal(err)
	}
	clock.add(30 * time.Second)
	if co, err := models.GetCompany(ctx, long); err != nil || co.Name != "Never committed" {
		t.Fatalf("inside the long transaction: %v %v", co, err)
	}
	if got := name(); got != "In a transaction" {
		t.Fatalf("outside a long transaction: %q", got)
	}
	if err := long.Rollback(); err != nil {
		t.Fatal(err)
	}
	if got := name(); got != "In a transaction" {
		t.Fatalf("after the rollback: %q", got)
	}

	// Shipping methods: a price changed in the back office is used at once.
	var carrierID int64
	if err := db.NewRaw("SELECT id FROM carriers WHERE kind = 'fixed' ORDER BY id LIMIT 1").Scan(ctx0, &carrierID); err != nil {
		t.Fatal(err)
	}
	price := func() string {
		t.Helper()
		c, err := models.GetCarrier(ctx, db, carrierID)
		if err != nil {
			t.Fatal(err)
		}
		return c.FixedPrice.StringFixed(2)
	}
	before := price()
	if _, err := db.NewRaw("UPDATE carriers SET fixed_price = fixed_price + 1 WHERE id = ?", carrierID).Exec(ctx0); err != nil {
		t.Fatal(err)
	}
	if after := price(); after == before {
		t.Fatalf("carrier price still %s after a local update", after)
	}
}

func TestRefCacheProductPageKeepsStockLive(t *testing.T) {
	db := testdb.NewSeeded(t)
	ctx := models.WithRefCache(context.Background(), models.NewRefCache(db))
	var templateID, variantID int64
	err := db.NewRaw(`SELECT t.id, min(v.id) FROM product_templates t JOIN product_variants v ON v.template_id = t.id
		JOIN stock_quants q ON q.variant_id = v.id AND q.quantity > 0
		WHERE t.published AND t.active AND t.type = 'storable' GROUP BY t.id HAVING count(DISTINCT v.id) = 1 ORDER BY t.id LIMIT 1`).
		Scan(ctx, &templateID, &variantID)
	if err != nil {
		t.Fatal(err)
	}
	page := func() models.ShopVariant {
		t.Helper()
		v, err := models.ShopProduct(ctx, db, templateID)
		if err != nil {
			t.Fatal(err)
		}
		return v.Variants[0]
	}
	before := page()
	if !before.Stock.Free.IsPositive() {
		t.Fatalf("precondition: variant %d has no free stock", variantID)
	}
	// Stock is never cached: selling out shows at once.
	if _, err := db.NewRaw("UPDATE stock_quants SET reserved_quantity = quantity WHERE variant_id = ?", variantID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if got := page(); !got.Stock.Free.IsZero() {
		t.Fatalf("free stock %s after reserving everything, want 0", got.Stock.Free)
	}
	// A new price from the back office shows at once.
	if _, err := db.NewRaw("UPDATE product_templates SET list_price = list_price + 10 WHERE id = ?", templateID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if got := page(); !got.Price.GreaterThan(before.Price) {
		t.Fatalf("price %s after raising it, was %s", got.Price, before.Price)
	}
	// Unpublished: gone at once.
	if _, err := db.NewRaw("UPDATE product_templates SET published = false WHERE id = ?", templateID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := models.ShopProduct(ctx, db, templateID); models.ErrorCode(err) != models.ENOTFOUND {
		t.Fatalf("unpublished product page: %v, want not found", err)
	}
}

func TestRefCacheSeesWhichTablesAStatementWrites(t *testing.T) {
	cases := []struct {
		q    string
		want string
	}{
		{`UPDATE "taxes" AS "tx" SET "name" = 'x' WHERE id = 1`, "taxes"},
		{`INSERT INTO taxes (name) VALUES ('x')`, "taxes"},
		{`DELETE FROM "carrier_rules" AS "cr" WHERE carrier_id = 1`, "carrier_rules"},
		{`WITH "_data" ("id", "price") AS (VALUES (1, 2)) UPDATE "sale_order_lines" AS "sol" SET price = _data.price FROM _data`, "sale_order_lines"},
		{`UPDATE product_template_taxes SET sequence = 1`, "product_template_taxes"},
		{`UPDATE sale_orders SET carrier_id = 1`, "sale_orders"},
		// Reads, locking reads included, write nothing.
		{`SELECT * FROM taxes`, ""},
		{`SELECT sm.* FROM stock_moves sm JOIN product_templates t ON true FOR UPDATE OF sm`, ""},
		{`WITH locs AS (SELECT id FROM stock_locations) SELECT sum(quantity) FROM stock_quants`, ""},
	}
	for _, c := range cases {
		if got := strings.Join(models.WrittenTables(c.q), ","); got != c.want {
			t.Errorf("%s\nwrites %q, want %q", c.q, got, c.want)
		}
	}
}
