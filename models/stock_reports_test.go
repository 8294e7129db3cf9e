package models_test

import (
	"testing"

	"orderflow/models"
)

func (e *stockEnv) quants(f models.QuantFilter) models.QuantPage {
	e.t.Helper()
	page, err := models.ListQuants(e.ctx, e.db, f)
	if err != nil {
		e.t.Fatal(err)
	}
	return page
}

func TestListQuantsFiltersAndTotals(t *testing.T) {
	e := newStockEnv(t, 1)
	stock := *e.wh.StockLocationID
	mug := e.product("Mug", models.TrackingNone)
	wine := e.product("Wine", models.TrackingLot)
	shelf := e.location("Shelf A", stock, models.UsageInternal, "")
	e.count(mug, stock, 4, "")
	e.count(mug, shelf.ID, 6, "")
	e.count(wine, shelf.ID, 3, "LOT-2026-A")
	e.count(wine, stock, 2, "LOT-2026-B")
	other, err := models.CreateWarehouse(e.ctx, e.db, models.WarehouseInput{Name: "Other", Code: "OT", DeliverySteps: 1}, 0)
	if err != nil {
		t.Fatal(err)
	}
	e.count(mug, *other.StockLocationID, 100, "")
	e.deliver(demand(mug, 5)) // reserves in TW (FIFO: 4 in Stock, then 1 on the shelf)

	all := e.quants(models.QuantFilter{})
	if all.Total != 5 {
		t.Fatalf("%d quants, want 5", all.Total)
	}
	wantDec(t, "total on hand", all.OnHand, 115)
	wantDec(t, "total reserved", all.Reserved, 5)
	wantDec(t, "total free", all.Free(), 110)

	tw := e.quants(models.QuantFilter{WarehouseID: e.wh.ID})
	if tw.Total != 4 {
		t.Fatalf("TW: %d quants, want 4", tw.Total)
	}
	wantDec(t, "TW on hand", tw.OnHand, 15)

	// WH/Stock includes its shelf; the shelf alone does not include Stock.
	sub := e.quants(models.QuantFilter{LocationID: stock})
	wantDec(t, "Stock subtree on hand", sub.OnHand, 15)
	onShelf := e.quants(models.QuantFilter{LocationID: shelf.ID})
	wantDec(t, "shelf on hand", onShelf.OnHand, 9)

	byName := e.quants(models.QuantFilter{Query: "mug", WarehouseID: e.wh.ID, Sort: "location"})
	if byName.Total != 2 || byName.Rows[0].Location != "TW/Stock" || byName.Rows[1].Location != "TW/Stock/Shelf A" {
		t.Fatalf("mug in TW by location: %+v", byName.Rows)
	}
	bySKU := e.quants(models.QuantFilter{Query: "sku-"})
	if bySKU.Total != 5 {
		t.Fatalf("by SKU: %d", bySKU.Total)
	}
	byLot := e.quants(models.QuantFilter{Lot: "2026-a"})
	if byLot.Total != 1 || byLot.Rows[0].Lot != "LOT-2026-A" || byLot.Rows[0].Product != "Wine" {
		t.Fatalf("by lot: %+v", byLot.Rows)
	}
	reserved := e.quants(models.QuantFilter{OnlyReserved: true, Sort: "reserved"})
	if reserved.Total != 2 {
		t.Fatalf("reserved quants: %d, want 2", reserved.Total)
	}
	wantDec(t, "most reserved", reserved.Rows[0].Reserved, 4)
	wantDec(t, "its free", reserved.Rows[0].Free(), 0)

	// A count to zero leaves an empty quant: "only with stock" hides it.
	e.count(wine, stock, 0, "LOT-2026-B")
	if got := e.quants(models.QuantFilter{VariantID: wine}).Total; got != 2 {
		t.Fatalf("wine quants: %d, want 2", got)
	}
	if got := e.quants(models.QuantFilter{VariantID: wine, OnlyStock: true}).Total; got != 1 {
		t.Fatalf("wine quants with stock: %d, want 1", got)
	}

	// Pages: totals cover every page.
	p2 := e.quants(models.QuantFilter{PerPage: 2, Page: 2, Sort: "on_hand"})
	if len(p2.Rows) != 2 || p2.Total != 5 || p2.Pages() != 3 {
		t.Fatalf("page 2: %d rows of %d, %d pages", len(p2.Rows), p2.Total, p2.Pages())
	}
	wantDec(t, "page 2 totals", p2.OnHand, 113)
	wantDec(t, "page 2 first row", p2.Rows[0].OnHand, 4)
}

// The moves history lists done move lines newest first, with the transfer,
// the places, the lot and who did it.
func TestVariantMoveHistory(t *testing.T) {
	e := newStockEnv(t, 1)
	u, err := models.CreateUser(e.ctx, e.db, models.NewUser{Name: "Wes Worker", Email: "wes@example.com", Password: "correct horse battery", Roles: []string{models.RoleWarehouse}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	p := e.product("Kettle", models.TrackingNone)
	if _, err := models.ApplyInventoryCount(e.ctx, e.db, models.CountInput{LocationID: *e.wh.StockLocationID,
		Lines: []models.CountLine{{VariantID: p, Counted: dd(5)}}}, u.ID); err != nil {
		t.Fatal(err)
	}
	out := e.deliver(demand(p, 2))[0]
	if _, err := models.ValidatePicking(e.ctx, e.db, out.ID, models.ValidateInput{}, u.ID); err != nil {
		t.Fatal(err)
	}
	out = e.picking(out.ID)

	h, err := models.VariantMoveHistory(e.ctx, e.db, p, 1)
	if err != nil {
		t.Fatal(err)
	}
	if h.Total != 2 || len(h.Lines) != 2 {
		t.Fatalf("history %+v", h)
	}
	ship, count := h.Lines[0], h.Lines[1]
	if ship.Reference != out.Name || ship.PickingID == nil || *ship.PickingID != out.ID || ship.From != "TW/Stock" || ship.To != "Partners/Customers" ||
		ship.DoneBy != "Wes Worker" || !ship.Outgoing() {
		t.Errorf("delivery line %+v", ship)
	}
	wantDec(t, "delivered", ship.Quantity, 2)
	if count.Reference != "Inventory count" || count.PickingID != nil || count.From != "Virtual Locations/Inventory adjustment" ||
		count.To != "TW/Stock" || count.DoneBy != "Wes Worker" || !count.Incoming() {
		t.Errorf("count line %+v", count)
	}
	wantDec(t, "counted", count.Quantity, 5)

	page, err := models.VariantStock(e.ctx, e.db, p, 1)
	if err != nil {
		t.Fatal(err)
	}
	if page.Variant.Name != "Kettle" || len(page.Warehouses) != 1 || page.History.Total != 2 || page.Quants.Total != 1 {
		t.Fatalf("stock page %+v", page)
	}
	wantDec(t, "on hand", page.Total.OnHand, 3)
	if _, err := models.VariantStock(e.ctx, e.db, 999999, 1); models.ErrorCode(err) != models.ENOTFOUND {
		t.Fatalf("unknown variant: %v", err)
	}
}
