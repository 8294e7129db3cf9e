package tests

import (
	"context"
	"fmt"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"

	"orderflow/models"
	"orderflow/tests/testdb"
)

// benchStock is a warehouse with n storable products, each with plenty of stock.
func benchStock(b *testing.B, n int) (*bun.DB, *models.Warehouse, []int64) {
	b.Helper()
	ctx := context.Background()
	db, err := models.Open(ctx, testdb.NewURL(b), 40)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if err := models.Seed(ctx, db, models.SeedOptions{}); err != nil {
		b.Fatal(err)
	}
	wh, err := models.CreateWarehouse(ctx, db, models.WarehouseInput{Name: "Bench", Code: "BW", DeliverySteps: 1}, 0)
	if err != nil {
		b.Fatal(err)
	}
	var ids []int64
	err = db.NewRaw(`WITH t AS (
			INSERT INTO product_templates (name, type, tracking, invoice_policy, list_price, active, published)
			SELECT 'Bench product ' || g, 'storable', 'none', 'ordered', 10, true, true FROM generate_series(1, ?) g RETURNING id)
		INSERT INTO product_variants (template_id, sku) SELECT id, 'BENCH-' || id FROM t RETURNING id`, n).Scan(ctx, &ids)
	if err != nil {
		b.Fatal(err)
	}
	lines := make([]models.CountLine, len(ids))
	for i, id := range ids {
		lines[i] = models.CountLine{VariantID: id, Counted: decimal.NewFromInt(1_000_000)}
	}
	if _, err := models.ApplyInventoryCount(ctx, db, models.CountInput{LocationID: *wh.StockLocationID, Lines: lines}, 0); err != nil {
		b.Fatal(err)
	}
	return db, wh, ids
}

func benchDemand(ids []int64) []models.DemandLine {
	out := make([]models.DemandLine, len(ids))
	for i, id := range ids {
		out[i] = models.DemandLine{VariantID: id, Quantity: decimal.NewFromInt(2), Description: fmt.Sprint("product ", id)}
	}
	return out
}

// Reserving a 1,000-line delivery (Odoo: about 6 s for 1,000 moves).
func BenchmarkReserve1000LineTransfer(b *testing.B) {
	ctx := context.Background()
	db, wh, ids := benchStock(b, 1000)
	for b.Loop() {
		b.StopTimer()
		pks, err := models.CreateDeliveryChain(ctx, db, models.ProcurementInput{WarehouseID: wh.ID, Lines: benchDemand(ids)}, 0)
		if err != nil {
			b.Fatal(err)
		}
		if err := models.UnreservePicking(ctx, db, pks[0].ID, 0); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := models.ReservePicking(ctx, db, pks[0].ID, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// Validating a reserved 1,000-line delivery.
func BenchmarkValidate1000LineTransfer(b *testing.B) {
	ctx := context.Background()
	db, wh, ids := benchStock(b, 1000)
	for b.Loop() {
		b.StopTimer()
		pks, err := models.CreateDeliveryChain(ctx, db, models.ProcurementInput{WarehouseID: wh.ID, Lines: benchDemand(ids)}, 0)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := models.ValidatePicking(ctx, db, pks[0].ID, models.ValidateInput{}, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// Concurrent one-unit deliveries of one hot product: each creates, confirms
// and reserves a delivery order. ns/op is per delivery; ops/s = 1e9 / ns/op.
func BenchmarkConcurrentSingleUnitReservations(b *testing.B) {
	ctx := context.Background()
	db, wh, ids := benchStock(b, 1)
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_, err := models.CreateDeliveryChain(ctx, db, models.ProcurementInput{WarehouseID: wh.ID,
				Lines: []models.DemandLine{{VariantID: ids[0], Quantity: decimal.NewFromInt(1)}}}, 0)
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
}
