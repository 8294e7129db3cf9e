package models_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"

	"orderflow/models"
	"orderflow/tests/testdb"
)

type stockEnv struct {
	t   *testing.T
	db  *bun.DB
	wh  *models.Warehouse
	ctx context.Context
}

func newStockEnv(t *testing.T, deliverySteps int) *stockEnv {
	t.Helper()
	ctx := context.Background()
	// Enough connections for every concurrent buyer to hold its own.
	db, err := models.Open(ctx, testdb.NewURL(t), 220)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := models.Seed(ctx, db, models.SeedOptions{}); err != nil { // the company only
		t.Fatal(err)
	}
	wh, err := models.CreateWarehouse(ctx, db, models.WarehouseInput{Name: "Test WH", Code: "TW", DeliverySteps: deliverySteps}, 0)
	if err != nil {
		t.Fatal(err)
	}
	return &stockEnv{t: t, db: db, wh: wh, ctx: ctx}
}

// product creates a published storable product with one variant.
func (e *stockEnv) product(name, tracking string) int64 {
	e.t.Helper()
	tmpl := &models.ProductTemplate{Name: name, Type: models.ProductStorable, Tracking: tracking, InvoicePolicy: "ordered",
		ListPrice: decimal.NewFromInt(10), Active: true, Published: true}
	if _, err := e.db.NewInsert().Model(tmpl).Exec(e.ctx); err != nil {
		e.t.Fatal(err)
	}
	v := &models.ProductVariant{TemplateID: tmpl.ID, SKU: fmt.Sprintf("SKU-%d", tmpl.ID), Active: true}
	if _, err := e.db.NewInsert().Model(v).Exec(e.ctx); err != nil {
		e.t.Fatal(err)
	}
	return v.ID
}

func (e *stockEnv) count(variantID, locationID int64, qty int64, lot string) {
	e.t.Helper()
	_, err := models.ApplyInventoryCount(e.ctx, e.db, models.CountInput{LocationID: locationID,
		Lines: []models.CountLine{{VariantID: variantID, Counted: decimal.NewFromInt(qty), LotName: lot}}}, 0)
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *stockEnv) deliver(lines ...models.DemandLine) []*models.Picking {
	e.t.Helper()
	pks, err := models.CreateDeliveryChain(e.ctx, e.db, models.ProcurementInput{WarehouseID: e.wh.ID, Origin: "TEST", Lines: lines}, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	return pks
}

func demand(variantID int64, qty int64) models.DemandLine {
	return models.DemandLine{VariantID: variantID, Quantity: decimal.NewFromInt(qty), Description: fmt.Sprint("variant ", variantID)}
}

func (e *stockEnv) picking(id int64) *models.Picking {
	e.t.Helper()
	pk := new(models.Picking)
	if err := e.db.NewSelect().Model(pk).Where("id = ?", id).Scan(e.ctx); err != nil {
		e.t.Fatal(err)
	}
	return pk
}

func (e *stockEnv) figures(variantID int64) models.StockFigures {
	e.t.Helper()
	f, err := models.Availability(e.ctx, e.db, e.wh.ID, []int64{variantID})
	if err != nil {
		e.t.Fatal(err)
	}
	return f[variantID]
}

func (e *stockEnv) quantIn(variantID, locationID int64) (qty, reserved decimal.Decimal) {
	e.t.Helper()
	err := e.db.NewRaw("SELECT coalesce(sum(quantity), 0), coalesce(sum(reserved_quantity), 0) FROM stock_quants WHERE variant_id = ? AND location_id = ?",
		variantID, locationID).Scan(e.ctx, &qty, &reserved)
	if err != nil {
		e.t.Fatal(err)
	}
	return qty, reserved
}

func (e *stockEnv) lines(pickingID int64) []models.MoveLine {
	e.t.Helper()
	var ls []models.MoveLine
	if err := e.db.NewSelect().Model(&ls).Where("picking_id = ? AND state = 'open'", pickingID).Order("id").Scan(e.ctx); err != nil {
		e.t.Fatal(err)
	}
	return ls
}

func (e *stockEnv) backorderOf(pickingID int64) *models.Picking {
	e.t.Helper()
	pk := new(models.Picking)
	if err := e.db.NewSelect().Model(pk).Where("backorder_id = ?", pickingID).Scan(e.ctx); err != nil {
		return nil
	}
	return pk
}

// assertBooks checks the invariants that must hold after any operation:
// quants' reservations equal the open move lines reserving them, on hand
// equals the sum of done moves, nothing negative.
func (e *stockEnv) assertBooks() {
	e.t.Helper()
	var drift int
	err := e.db.NewRaw(`SELECT count(*) FROM stock_quants q LEFT JOIN (
			SELECT variant_id, location_id, lot_id, package_id, sum(reserved_quantity) AS r FROM stock_move_lines
			WHERE state = 'open' GROUP BY 1, 2, 3, 4) l
		ON l.variant_id = q.variant_id AND l.location_id = q.location_id AND l.lot_id IS NOT DISTINCT FROM q.lot_id
			AND l.package_id IS NOT DISTINCT FROM q.package_id
		JOIN stock_locations loc ON loc.id = q.location_id AND loc.usage = 'internal'
		WHERE q.reserved_quantity <> coalesce(l.r, 0)`).Scan(e.ctx, &drift)
	if err != nil {
		e.t.Fatal(err)
	}
	if drift != 0 {
		e.t.Errorf("%d quants whose reserved quantity differs from their open move lines", drift)
	}
	var mismatch int
	err = e.db.NewRaw(`SELECT count(*) FROM (
			SELECT q.variant_id, q.location_id, sum(q.quantity) AS on_hand FROM stock_quants q GROUP BY 1, 2) q
		FULL JOIN (
			SELECT variant_id, loc, sum(qty) AS moved FROM (
				SELECT l.variant_id, l.location_dest_id AS loc, l.quantity_done AS qty FROM stock_move_lines l WHERE l.state = 'done'
				UNION ALL
				SELECT l.variant_id, l.location_id, -l.quantity_done FROM stock_move_lines l WHERE l.state = 'done') x
			JOIN stock_locations sl ON sl.id = x.loc AND sl.usage = 'internal'
			GROUP BY 1, 2) m ON m.variant_id = q.variant_id AND m.loc = q.location_id
		WHERE coalesce(q.on_hand, 0) <> coalesce(m.moved, 0)`).Scan(e.ctx, &mismatch)
	if err != nil {
		e.t.Fatal(err)
	}
	if mismatch != 0 {
		e.t.Errorf("%d (variant, location) pairs whose on-hand differs from the sum of done moves", mismatch)
	}
}

func dd(n int64) decimal.Decimal { return decimal.NewFromInt(n) }

func wantDec(t *testing.T, what string, got decimal.Decimal, want int64) {
	t.Helper()
	if !got.Equal(dd(want)) {
		t.Errorf("%s = %s, want %d", what, got, want)
	}
}

// Odoo: 2 on hand, demand 2 -> assigned, free 0; validate 1 with a backorder
// -> done, the leftover reservation is released (free 1), the backorder is
// confirmed and becomes assigned when reserved again (free 0).
func TestValidatePartialWithBackorder(t *testing.T) {
	e := newStockEnv(t, 1)
	p := e.product("Mug", models.TrackingNone)
	e.count(p, *e.wh.StockLocationID, 2, "")
	out := e.deliver(demand(p, 2))[0]
	if out.State != models.StateAssigned {
		t.Fatalf("state %s, want assigned", out.State)
	}
	wantDec(t, "free", e.figures(p).Free(), 0)

	ls := e.lines(out.ID)
	_, err := models.ValidatePicking(e.ctx, e.db, out.ID, models.ValidateInput{Done: map[int64]decimal.Decimal{ls[0].ID: dd(1)}}, 0)
	if !models.BackorderNeeded(err) {
		t.Fatalf("validating less than the demand: err=%v, want the backorder question", err)
	}
	wantDec(t, "free after the question", e.figures(p).Free(), 0) // nothing changed
	if _, err := models.ValidatePicking(e.ctx, e.db, out.ID, models.ValidateInput{Done: map[int64]decimal.Decimal{ls[0].ID: dd(1)}, Backorder: models.BackorderCreate}, 0); err != nil {
		t.Fatal(err)
	}
	if got := e.picking(out.ID).State; got != models.StateDone {
		t.Fatalf("state %s, want done", got)
	}
	f := e.figures(p)
	wantDec(t, "on hand", f.OnHand, 1)
	wantDec(t, "free", f.Free(), 1)
	bo := e.backorderOf(out.ID)
	if bo == nil || bo.State != models.StateConfirmed {
		t.Fatalf("backorder %+v, want one in state confirmed", bo)
	}
	if err := models.ReservePicking(e.ctx, e.db, bo.ID, 0); err != nil {
		t.Fatal(err)
	}
	if got := e.picking(bo.ID).State; got != models.StateAssigned {
		t.Fatalf("backorder state %s after reserving, want assigned", got)
	}
	wantDec(t, "free", e.figures(p).Free(), 0)
	e.assertBooks()
}

// Odoo: 1 on hand, demand 2 -> partially available; validate 1 -> a backorder
// of 1 waits for stock.
func TestPartiallyAvailable(t *testing.T) {
	e := newStockEnv(t, 1)
	p := e.product("Vase", models.TrackingNone)
	e.count(p, *e.wh.StockLocationID, 1, "")
	out := e.deliver(demand(p, 2))[0]
	if out.State != models.StateAssigned || !out.PartiallyAvailable {
		t.Fatalf("state %s partial %v, want assigned and partially available", out.State, out.PartiallyAvailable)
	}
	if _, err := models.ValidatePicking(e.ctx, e.db, out.ID, models.ValidateInput{Backorder: models.BackorderCreate}, 0); err != nil {
		t.Fatal(err)
	}
	bo := e.backorderOf(out.ID)
	if bo == nil || bo.State != models.StateConfirmed {
		t.Fatalf("backorder %+v, want confirmed (waiting for stock)", bo)
	}
	var demandLeft decimal.Decimal
	if err := e.db.NewRaw("SELECT sum(demand) FROM stock_moves WHERE picking_id = ?", bo.ID).Scan(e.ctx, &demandLeft); err != nil {
		t.Fatal(err)
	}
	wantDec(t, "backorder demand", demandLeft, 1)

	// Stock arrives: the backorder is reserved by itself.
	rc, err := models.CreateReceipt(e.ctx, e.db, models.ReceiptInput{WarehouseID: e.wh.ID, Lines: []models.DemandLine{demand(p, 5)}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := models.ValidatePicking(e.ctx, e.db, rc.ID, models.ValidateInput{}, 0); err != nil {
		t.Fatal(err)
	}
	if got := e.picking(bo.ID).State; got != models.StateAssigned {
		t.Fatalf("backorder state %s after the receipt, want assigned", got)
	}
	f := e.figures(p)
	wantDec(t, "on hand", f.OnHand, 5)
	wantDec(t, "reserved", f.Reserved, 1)
	e.assertBooks()
}

// Odoo: two products, only one processed, "no backorder" -> no backorder and
// the other move is cancelled.
func TestNoBackorderCancelsTheRest(t *testing.T) {
	e := newStockEnv(t, 1)
	a, b := e.product("A", models.TrackingNone), e.product("B", models.TrackingNone)
	e.count(a, *e.wh.StockLocationID, 3, "")
	e.count(b, *e.wh.StockLocationID, 3, "")
	out := e.deliver(demand(a, 1), demand(b, 1))[0]
	done := map[int64]decimal.Decimal{}
	for _, l := range e.lines(out.ID) {
		if l.VariantID == a {
			done[l.ID] = dd(1)
		}
	}
	if _, err := models.ValidatePicking(e.ctx, e.db, out.ID, models.ValidateInput{Done: done, Backorder: models.BackorderCancel}, 0); err != nil {
		t.Fatal(err)
	}
	if bo := e.backorderOf(out.ID); bo != nil {
		t.Fatalf("a backorder %s was created", bo.Name)
	}
	var state string
	if err := e.db.NewRaw("SELECT state FROM stock_moves WHERE picking_id = ? AND variant_id = ?", out.ID, b).Scan(e.ctx, &state); err != nil {
		t.Fatal(err)
	}
	if state != models.StateCancel {
		t.Fatalf("move of B is %s, want cancel", state)
	}
	wantDec(t, "B free", e.figures(b).Free(), 3)
	wantDec(t, "A on hand", e.figures(a).OnHand, 2)
	e.assertBooks()
}

// Odoo: pick + ship, 10 in Stock and 5 already in Output: the ship waits for
// the pick and does not take the 5 in Output; once the pick is done the ship
// is assigned and Output still has 5 free.
func TestPickShipChainDoesNotTakeUnrelatedOutputStock(t *testing.T) {
	e := newStockEnv(t, 2)
	p := e.product("Lamp", models.TrackingNone)
	e.count(p, *e.wh.StockLocationID, 10, "")
	e.count(p, *e.wh.OutputLocationID, 5, "")
	chain := e.deliver(demand(p, 5))
	if len(chain) != 2 {
		t.Fatalf("%d transfers, want pick and ship", len(chain))
	}
	pick, ship := chain[0], chain[1]
	if pick.State != models.StateAssigned || ship.State != models.StateWaiting {
		t.Fatalf("pick %s ship %s, want assigned and waiting", pick.State, ship.State)
	}
	if _, r := e.quantIn(p, *e.wh.OutputLocationID); !r.IsZero() {
		t.Fatalf("output reserved %s before the pick, want 0", r)
	}
	if err := models.ReservePicking(e.ctx, e.db, ship.ID, 0); err != nil {
		t.Fatal(err)
	}
	if got := e.picking(ship.ID).State; got != models.StateWaiting {
		t.Fatalf("ship %s after check availability, want still waiting", got)
	}
	if _, err := models.ValidatePicking(e.ctx, e.db, pick.ID, models.ValidateInput{}, 0); err != nil {
		t.Fatal(err)
	}
	if got := e.picking(ship.ID).State; got != models.StateAssigned {
		t.Fatalf("ship %s after the pick, want assigned", got)
	}
	q, r := e.quantIn(p, *e.wh.OutputLocationID)
	wantDec(t, "output on hand", q, 10)
	wantDec(t, "output free", q.Sub(r), 5)
	if _, err := models.ValidatePicking(e.ctx, e.db, ship.ID, models.ValidateInput{}, 0); err != nil {
		t.Fatal(err)
	}
	q, _ = e.quantIn(p, *e.wh.OutputLocationID)
	wantDec(t, "output after shipping", q, 5)
	e.assertBooks()
}

func TestThreeStepChainNumbersAndLocations(t *testing.T) {
	e := newStockEnv(t, 3)
	p := e.product("Chair", models.TrackingNone)
	e.count(p, *e.wh.StockLocationID, 4, "")
	chain := e.deliver(demand(p, 4))
	want := []string{"TW/PICK/00001", "TW/PACK/00001", "TW/OUT/00001"}
	for i, pk := range chain {
		if pk.Name != want[i] {
			t.Errorf("transfer %d named %s, want %s", i, pk.Name, want[i])
		}
	}
	for _, pk := range chain {
		if _, err := models.ValidatePicking(e.ctx, e.db, pk.ID, models.ValidateInput{}, 0); err != nil {
			t.Fatalf("validate %s: %v", pk.Name, err)
		}
	}
	wantDec(t, "on hand", e.figures(p).OnHand, 0)
	if next := e.deliver(demand(p, 1)); next[2].Name != "TW/OUT/00002" {
		t.Fatalf("next delivery %s, want TW/OUT/00002 (no gaps)", next[2].Name)
	}
	e.assertBooks()
}

// Serial-tracked: 4 units reserve 4 lines of one; a serial cannot be
// received twice, nor delivered twice.
func TestSerialTracking(t *testing.T) {
	e := newStockEnv(t, 1)
	p := e.product("Drill", models.TrackingSerial)
	rc, err := models.CreateReceipt(e.ctx, e.db, models.ReceiptInput{WarehouseID: e.wh.ID, Lines: []models.DemandLine{demand(p, 4)}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	ls := e.lines(rc.ID)
	if len(ls) != 4 {
		t.Fatalf("receipt of 4 serials has %d lines, want 4", len(ls))
	}
	_, err = models.ValidatePicking(e.ctx, e.db, rc.ID, models.ValidateInput{}, 0)
	if models.ErrorCode(err) != models.EINVALID {
		t.Fatalf("validating without serial numbers: err=%v, want invalid", err)
	}
	names := map[int64]string{}
	for i, l := range ls {
		names[l.ID] = fmt.Sprint("SN-", i)
	}
	names[ls[3].ID] = "SN-0"
	if _, err := models.ValidatePicking(e.ctx, e.db, rc.ID, models.ValidateInput{LotNames: names}, 0); models.ErrorCode(err) != models.EINVALID {
		t.Fatalf("the same serial twice: err=%v, want invalid", err)
	}
	names[ls[3].ID] = "SN-3"
	if _, err := models.ValidatePicking(e.ctx, e.db, rc.ID, models.ValidateInput{LotNames: names}, 0); err != nil {
		t.Fatal(err)
	}
	out := e.deliver(demand(p, 4))[0]
	if got := len(e.lines(out.ID)); got != 4 {
		t.Fatalf("delivery of 4 serials reserved %d lines, want 4 lines of 1", got)
	}
	// A second receipt of an existing serial is refused.
	rc2, err := models.CreateReceipt(e.ctx, e.db, models.ReceiptInput{WarehouseID: e.wh.ID, Lines: []models.DemandLine{demand(p, 1)}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	l2 := e.lines(rc2.ID)
	if _, err := models.ValidatePicking(e.ctx, e.db, rc2.ID, models.ValidateInput{LotNames: map[int64]string{l2[0].ID: "SN-2"}}, 0); models.ErrorCode(err) != models.EINVALID {
		t.Fatalf("receiving serial SN-2 again: err=%v, want invalid", err)
	}
	if _, err := models.ValidatePicking(e.ctx, e.db, out.ID, models.ValidateInput{}, 0); err != nil {
		t.Fatal(err)
	}
	wantDec(t, "on hand", e.figures(p).OnHand, 0)
	e.assertBooks()
}

func TestCancelReleasesAndValidateTwiceValidatesOnce(t *testing.T) {
	e := newStockEnv(t, 1)
	p := e.product("Plate", models.TrackingNone)
	e.count(p, *e.wh.StockLocationID, 5, "")
	first := e.deliver(demand(p, 3))[0]
	wantDec(t, "free", e.figures(p).Free(), 2)
	if err := models.CancelPicking(e.ctx, e.db, first.ID, 0); err != nil {
		t.Fatal(err)
	}
	wantDec(t, "free after cancel", e.figures(p).Free(), 5)
	if err := models.CancelPicking(e.ctx, e.db, first.ID, 0); err != nil {
		t.Fatalf("cancelling twice: %v", err)
	}

	second := e.deliver(demand(p, 2))[0]
	var wg sync.WaitGroup
	var failures atomic.Int32
	for range 5 {
		wg.Go(func() {
			if _, err := models.ValidatePicking(e.ctx, e.db, second.ID, models.ValidateInput{}, 0); err != nil {
				failures.Add(1)
				t.Errorf("concurrent validate: %v", err)
			}
		})
	}
	wg.Wait()
	wantDec(t, "on hand after 5 validations of one transfer", e.figures(p).OnHand, 3)
	if err := models.CancelPicking(e.ctx, e.db, second.ID, 0); models.ErrorCode(err) != models.ECONFLICT {
		t.Fatalf("cancelling a done transfer: err=%v, want conflict", err)
	}
	e.assertBooks()
}

// 200 buyers with their own connections each want 1 unit of a product with
// 50 on hand: exactly 50 get it, and free stock never goes negative.
func TestConcurrentReservationsNeverOversell(t *testing.T) {
	e := newStockEnv(t, 1)
	p := e.product("Last units", models.TrackingNone)
	e.count(p, *e.wh.StockLocationID, 50, "")
	const buyers = 200
	var wg sync.WaitGroup
	var assigned atomic.Int32
	for range buyers {
		wg.Go(func() {
			pks, err := models.CreateDeliveryChain(e.ctx, e.db, models.ProcurementInput{WarehouseID: e.wh.ID, Lines: []models.DemandLine{demand(p, 1)}}, 0)
			if err != nil {
				t.Errorf("procurement: %v", err)
				return
			}
			if pks[0].State == models.StateAssigned {
				assigned.Add(1)
			}
		})
	}
	wg.Wait()
	if got := assigned.Load(); got != 50 {
		t.Fatalf("%d deliveries reserved, want exactly 50", got)
	}
	f := e.figures(p)
	wantDec(t, "reserved", f.Reserved, 50)
	wantDec(t, "free", f.Free(), 0)
	e.assertBooks()
}

// Mixed sizes over two products taken in opposite orders: no deadlock
// surfaces, and what is reserved never exceeds what exists.
func TestConcurrentMixedOrdersTwoProducts(t *testing.T) {
	e := newStockEnv(t, 1)
	a, b := e.product("A", models.TrackingNone), e.product("B", models.TrackingNone)
	e.count(a, *e.wh.StockLocationID, 60, "")
	e.count(b, *e.wh.StockLocationID, 60, "")
	var wg sync.WaitGroup
	for i := range 80 {
		wg.Go(func() {
			lines := []models.DemandLine{demand(a, int64(1+i%3)), demand(b, int64(1+i%4))}
			if i%2 == 1 {
				lines[0], lines[1] = lines[1], lines[0]
			}
			if _, err := models.CreateDeliveryChain(e.ctx, e.db, models.ProcurementInput{WarehouseID: e.wh.ID, Lines: lines}, 0); err != nil {
				t.Errorf("procurement %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	for _, v := range []int64{a, b} {
		f := e.figures(v)
		if f.Reserved.GreaterThan(f.OnHand) || f.Free().IsNegative() {
			t.Errorf("variant %d: reserved %s of %s on hand", v, f.Reserved, f.OnHand)
		}
		wantDec(t, "free", f.Free(), 0) // demand (160 and 200) exceeds stock: all of it is taken
	}
	e.assertBooks()
}

func TestInventoryCountRecordsDifferences(t *testing.T) {
	e := newStockEnv(t, 1)
	p := e.product("Jar", models.TrackingNone)
	e.count(p, *e.wh.StockLocationID, 7, "")
	out := e.deliver(demand(p, 5))[0]
	// Only 3 are found: the reservation shrinks to what exists.
	res, err := models.ApplyInventoryCount(e.ctx, e.db, models.CountInput{LocationID: *e.wh.StockLocationID,
		Lines: []models.CountLine{{VariantID: p, Counted: dd(3)}}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if adj := res.Adjusted[0]; !adj.Difference.Equal(dd(-4)) || adj.MoveID == 0 {
		t.Fatalf("adjustment %+v, want -4 with a move", adj)
	}
	f := e.figures(p)
	wantDec(t, "on hand", f.OnHand, 3)
	wantDec(t, "reserved", f.Reserved, 3)
	if pk := e.picking(out.ID); !pk.PartiallyAvailable {
		t.Fatalf("delivery %s not partially available after the count", pk.State)
	}
	if _, err := models.ApplyInventoryCount(e.ctx, e.db, models.CountInput{LocationID: *e.wh.StockLocationID,
		Lines: []models.CountLine{{VariantID: p, Counted: dd(-1)}}}, 0); models.ErrorCode(err) != models.EINVALID {
		t.Fatalf("negative count: err=%v, want invalid", err)
	}
	e.assertBooks()
}
