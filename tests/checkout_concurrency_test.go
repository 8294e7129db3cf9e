package tests

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"orderflow/models"
	"orderflow/tests/shopflow"
	"orderflow/tests/testapp"
	"orderflow/views/shop"
)

// 200 shoppers check out the last 50 units of a product at the same time,
// over HTTP from its product page, paying with the test card: every buyer gets an order (none is
// turned away with an error), every paid order is recorded and confirmed,
// exactly 50 units are reserved, the other 150 show as waiting for stock on
// their deliveries, and free stock never goes below zero.
func TestConcurrentCheckoutOfTheLastUnits(t *testing.T) {
	app := testapp.Start(t)
	ctx := context.Background()
	db := app.DB
	tmpl := &models.ProductTemplate{Name: "Last fifty", Type: models.ProductStorable, Tracking: models.TrackingNone,
		InvoicePolicy: models.InvoiceOrdered, ListPrice: decimal.NewFromInt(25), Active: true, Published: true}
	if _, err := db.NewInsert().Model(tmpl).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	v := &models.ProductVariant{TemplateID: tmpl.ID, SKU: "LAST-50", Active: true}
	if _, err := db.NewInsert().Model(v).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	co, err := models.GetCompany(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	wh, err := models.GetWarehouse(ctx, db, *co.WebsiteWarehouseID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := models.ApplyInventoryCount(ctx, db, models.CountInput{LocationID: *wh.StockLocationID,
		Lines: []models.CountLine{{VariantID: v.ID, Counted: decimal.NewFromInt(50)}}}, 0); err != nil {
		t.Fatal(err)
	}

	const buyers = 200
	var wg sync.WaitGroup
	errs := make(chan error, buyers)
	for range buyers {
		wg.Go(func() {
			s := shopflow.New(app.URL)
			if err := s.Checkout([]string{shop.ProductURL(tmpl.ID, tmpl.Name)}, shopflow.TestCard); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("a buyer was turned away: %v", err)
	}

	// The provider reports payments by webhook, retried in the background
	// when the server is too busy to answer at once: wait for all of them.
	var sold, paid int
	for deadline := time.Now().Add(2 * time.Minute); ; {
		if err := db.NewRaw(`SELECT count(*), count(*) FILTER (WHERE o.payment_status = 'paid')
			FROM sale_orders o JOIN sale_order_lines l ON l.order_id = o.id AND l.variant_id = ?
			WHERE o.state = 'sale'`, v.ID).Scan(ctx, &sold, &paid); err != nil {
			t.Fatal(err)
		}
		if sold == buyers || time.Now().After(deadline) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	if sold != buyers || paid != buyers {
		t.Fatalf("%d confirmed orders, %d paid; want %d of each", sold, paid, buyers)
	}
	figs, err := models.Availability(ctx, db, wh.ID, []int64{v.ID})
	if err != nil {
		t.Fatal(err)
	}
	f := figs[v.ID]
	if !f.Reserved.Equal(decimal.NewFromInt(50)) || f.Free().IsNegative() {
		t.Fatalf("reserved %s, free %s; want exactly the 50 units reserved and none oversold", f.Reserved, f.Free())
	}
	var demand, reserved decimal.Decimal
	var waiting int
	if err := db.NewRaw(`SELECT coalesce(sum(m.demand), 0),
			coalesce((SELECT sum(ml.reserved_quantity) FROM stock_move_lines ml JOIN stock_moves m2 ON m2.id = ml.move_id WHERE m2.variant_id = ? AND ml.state = 'open'), 0),
			count(DISTINCT m.picking_id) FILTER (WHERE p.state IN ('confirmed', 'waiting'))
		FROM stock_moves m JOIN stock_pickings p ON p.id = m.picking_id
		WHERE m.variant_id = ? AND p.sale_order_id IS NOT NULL`, v.ID, v.ID).Scan(ctx, &demand, &reserved, &waiting); err != nil {
		t.Fatal(err)
	}
	if !demand.Equal(decimal.NewFromInt(buyers)) || !reserved.Equal(decimal.NewFromInt(50)) || waiting != buyers-50 {
		t.Fatalf("deliveries: demand %s, reserved %s, %d waiting for stock; want 200, 50 and 150", demand, reserved, waiting)
	}
}
