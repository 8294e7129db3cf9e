package models_test

import (
	"strings"
	"testing"

	"orderflow/models"
)

func (e *stockEnv) location(name string, parentID int64, usage, barcode string) *models.Location {
	e.t.Helper()
	l, err := models.CreateLocation(e.ctx, e.db, models.LocationInput{Name: name, ParentID: parentID, Usage: usage, Barcode: barcode}, 0)
	if err != nil {
		e.t.Fatalf("create location %s: %v", name, err)
	}
	return l
}

func (e *stockEnv) getLocation(id int64) *models.LocationNode {
	e.t.Helper()
	l, err := models.GetLocation(e.ctx, e.db, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return l
}

func wantFieldError(t *testing.T, err error, field, contains string) {
	t.Helper()
	if models.ErrorCode(err) != models.EINVALID {
		t.Fatalf("err = %v, want EINVALID on %s", err, field)
	}
	if msg := models.FieldErrors(err)[field]; !strings.Contains(msg, contains) {
		t.Fatalf("%s problem = %q (all: %v), want it to mention %q", field, msg, models.FieldErrors(err), contains)
	}
}

func locInput(l *models.LocationNode) models.LocationInput {
	in := models.LocationInput{Name: l.Name, Usage: l.Usage, Active: l.Active}
	if l.ParentID != nil {
		in.ParentID = *l.ParentID
	}
	if l.Barcode != nil {
		in.Barcode = *l.Barcode
	}
	return in
}

// Renaming or moving a location rebuilds the full name of all its
// descendants in the same transaction.
func TestLocationTreeRenameAndMove(t *testing.T) {
	e := newStockEnv(t, 1)
	stock := *e.wh.StockLocationID
	shelf := e.location("Shelf A", stock, models.UsageView, "SHELF-A")
	bin := e.location("Bin 2", shelf.ID, models.UsageInternal, "")
	deep := e.location("Left", bin.ID, models.UsageInternal, "")
	if got, want := e.getLocation(deep.ID).CompleteName, "TW/Stock/Shelf A/Bin 2/Left"; got != want {
		t.Fatalf("complete name %q, want %q", got, want)
	}
	if got := e.getLocation(bin.ID).WarehouseID; got == nil || *got != e.wh.ID {
		t.Fatalf("bin warehouse %v, want %d", got, e.wh.ID)
	}

	in := locInput(e.getLocation(shelf.ID))
	in.Name = "Shelf B"
	if _, err := models.UpdateLocation(e.ctx, e.db, shelf.ID, in, 0); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[int64]string{shelf.ID: "TW/Stock/Shelf B", bin.ID: "TW/Stock/Shelf B/Bin 2", deep.ID: "TW/Stock/Shelf B/Bin 2/Left"} {
		if got := e.getLocation(id).CompleteName; got != want {
			t.Errorf("after rename: %q, want %q", got, want)
		}
	}

	// Move the shelf to the Packing Zone.
	in.ParentID = *e.wh.PackLocationID
	if _, err := models.UpdateLocation(e.ctx, e.db, shelf.ID, in, 0); err != nil {
		t.Fatal(err)
	}
	if got, want := e.getLocation(deep.ID).CompleteName, "TW/Packing Zone/Shelf B/Bin 2/Left"; got != want {
		t.Errorf("after move: %q, want %q", got, want)
	}

	// Not under itself or a descendant.
	in.ParentID = deep.ID
	_, err := models.UpdateLocation(e.ctx, e.db, shelf.ID, in, 0)
	wantFieldError(t, err, "parent_id", "under itself")

	// Invalid names, duplicates and barcodes in use.
	_, err = models.CreateLocation(e.ctx, e.db, models.LocationInput{Name: "A/B", ParentID: stock, Usage: models.UsageInternal}, 0)
	wantFieldError(t, err, "name", "/")
	_, err = models.CreateLocation(e.ctx, e.db, models.LocationInput{Name: "bin 2", ParentID: shelf.ID, Usage: models.UsageInternal}, 0)
	wantFieldError(t, err, "name", "already a location with this name")
	_, err = models.CreateLocation(e.ctx, e.db, models.LocationInput{Name: "Bin 9", ParentID: stock, Usage: models.UsageInternal, Barcode: "tw-stock"}, 0)
	wantFieldError(t, err, "barcode", "TW/Stock")
	_, err = models.CreateLocation(e.ctx, e.db, models.LocationInput{Name: "Bin 9", ParentID: stock, Usage: models.UsageInternal, Barcode: "TW-OUT"}, 0)
	wantFieldError(t, err, "barcode", "operation type")
	_, err = models.CreateLocation(e.ctx, e.db, models.LocationInput{Name: "Bin 9", ParentID: stock, Usage: models.UsageCustomer}, 0)
	wantFieldError(t, err, "usage", "fixed system")
	_, err = models.CreateLocation(e.ctx, e.db, models.LocationInput{Name: "Bin 9", Usage: models.UsageInternal}, 0)
	wantFieldError(t, err, "parent_id", "Choose")

	// The warehouse's own locations stay where they are, the system ones are fixed.
	st := e.getLocation(stock)
	sin := locInput(st)
	sin.ParentID = *e.wh.OutputLocationID
	_, err = models.UpdateLocation(e.ctx, e.db, stock, sin, 0)
	wantFieldError(t, err, "parent_id", "Stock location of warehouse TW")
	customers, err := models.ListLocations(e.ctx, e.db, models.LocationFilter{Usage: models.UsageCustomer})
	if err != nil || len(customers) != 1 {
		t.Fatalf("customers: %v %v", customers, err)
	}
	cin := locInput(&customers[0])
	cin.Usage = models.UsageInternal
	if _, err := models.UpdateLocation(e.ctx, e.db, customers[0].ID, cin, 0); models.ErrorCode(err) != models.EINVALID {
		t.Fatalf("changing the customers location: %v, want EINVALID", err)
	}

	// Renaming the warehouse's Stock keeps it working and renames below.
	sin = locInput(st)
	sin.Name = "Main Stock"
	if _, err := models.UpdateLocation(e.ctx, e.db, stock, sin, 0); err != nil {
		t.Fatal(err)
	}
	list, err := models.ListLocations(e.ctx, e.db, models.LocationFilter{WarehouseID: e.wh.ID, Query: "main stock"})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].CompleteName != "TW/Main Stock" || list[0].SystemRole != "Stock" {
		t.Fatalf("search after rename: %+v", list)
	}
}

// Stock kept in a sub-location of WH/Stock is reserved and delivered by a
// delivery from WH/Stock.
func TestSubLocationStockIsReservedByDelivery(t *testing.T) {
	e := newStockEnv(t, 1)
	p := e.product("Lamp", models.TrackingNone)
	shelf := e.location("Shelf A", *e.wh.StockLocationID, models.UsageInternal, "")
	bin := e.location("Bin 2", shelf.ID, models.UsageInternal, "TW-A-2")
	e.count(p, bin.ID, 5, "")

	out := e.deliver(demand(p, 3))[0]
	if out.State != models.StateAssigned {
		t.Fatalf("delivery state %s, want assigned", out.State)
	}
	ls := e.lines(out.ID)
	if len(ls) != 1 || ls[0].LocationID != bin.ID {
		t.Fatalf("move lines %+v, want one line taking from the bin %d", ls, bin.ID)
	}
	_, reserved := e.quantIn(p, bin.ID)
	wantDec(t, "reserved in the bin", reserved, 3)
	if _, err := models.ValidatePicking(e.ctx, e.db, out.ID, models.ValidateInput{}, 0); err != nil {
		t.Fatal(err)
	}
	qty, reserved := e.quantIn(p, bin.ID)
	wantDec(t, "left in the bin", qty, 2)
	wantDec(t, "reserved in the bin", reserved, 0)
	wantDec(t, "warehouse on hand", e.figures(p).OnHand, 2)
	e.assertBooks()
}

// A location holding stock (itself or below) cannot be deactivated;
// once empty it can, and its sub-locations go with it.
func TestDeactivateLocationRefusedWithStock(t *testing.T) {
	e := newStockEnv(t, 1)
	p := e.product("Chair", models.TrackingNone)
	shelf := e.location("Shelf A", *e.wh.StockLocationID, models.UsageView, "")
	bin := e.location("Bin 1", shelf.ID, models.UsageInternal, "")
	e.count(p, bin.ID, 2, "")

	in := locInput(e.getLocation(shelf.ID))
	in.Active = false
	_, err := models.UpdateLocation(e.ctx, e.db, shelf.ID, in, 0)
	wantFieldError(t, err, "active", "still holds 2 on hand")
	if !e.getLocation(shelf.ID).Active {
		t.Fatal("refused deactivation changed the location")
	}
	// Nor can an internal location holding stock become a view.
	bin2 := locInput(e.getLocation(bin.ID))
	bin2.Usage = models.UsageView
	_, err = models.UpdateLocation(e.ctx, e.db, bin.ID, bin2, 0)
	wantFieldError(t, err, "usage", "2 on hand")

	// The warehouse's Stock never.
	sin := locInput(e.getLocation(*e.wh.StockLocationID))
	sin.Active = false
	_, err = models.UpdateLocation(e.ctx, e.db, *e.wh.StockLocationID, sin, 0)
	wantFieldError(t, err, "active", "cannot be deactivated")

	e.count(p, bin.ID, 0, "")
	if _, err := models.UpdateLocation(e.ctx, e.db, shelf.ID, in, 0); err != nil {
		t.Fatal(err)
	}
	if e.getLocation(shelf.ID).Active || e.getLocation(bin.ID).Active {
		t.Fatal("shelf and bin should both be inactive")
	}
	// Inactive locations are hidden by default, listed on demand.
	list, err := models.ListLocations(e.ctx, e.db, models.LocationFilter{WarehouseID: e.wh.ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range list {
		if l.ID == shelf.ID || l.ID == bin.ID {
			t.Fatalf("inactive %s listed among the active ones", l.CompleteName)
		}
	}
	list, err = models.ListLocations(e.ctx, e.db, models.LocationFilter{WarehouseID: e.wh.ID, Active: "inactive"})
	if err != nil || len(list) != 2 || list[0].ID != shelf.ID || list[1].Depth != 3 {
		t.Fatalf("inactive list %+v, %v", list, err)
	}
	// The bin cannot come back while its shelf is inactive.
	bin2 = locInput(e.getLocation(bin.ID))
	bin2.Active = true
	_, err = models.UpdateLocation(e.ctx, e.db, bin.ID, bin2, 0)
	wantFieldError(t, err, "parent_id", "inactive")
	// Stock there is no longer reserved for deliveries.
	in.Active = true
	if _, err := models.UpdateLocation(e.ctx, e.db, shelf.ID, in, 0); err != nil {
		t.Fatal(err)
	}
}

func TestUpdatePickingType(t *testing.T) {
	e := newStockEnv(t, 1)
	types, err := models.ListOperationTypes(e.ctx, e.db, e.wh.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(types) != 5 || types[1].Kind != models.KindDelivery || types[1].Prefix != "TW/OUT/" || types[1].SrcName != "TW/Stock" || types[1].DestName != "Partners/Customers" {
		t.Fatalf("operation types %+v", types)
	}
	out, pick := types[1], types[2]

	_, err = models.UpdatePickingType(e.ctx, e.db, out.ID, models.PickingTypeInput{Barcode: "TW-PICK", CreateBackorder: "ask", Active: true}, 0)
	wantFieldError(t, err, "barcode", "operation type")
	_, err = models.UpdatePickingType(e.ctx, e.db, out.ID, models.PickingTypeInput{Barcode: "TW-STOCK", CreateBackorder: "ask", Active: true}, 0)
	wantFieldError(t, err, "barcode", "location")
	_, err = models.UpdatePickingType(e.ctx, e.db, out.ID, models.PickingTypeInput{Barcode: "X", CreateBackorder: "sometimes", Active: true}, 0)
	wantFieldError(t, err, "create_backorder", "ask, always or never")
	_, err = models.UpdatePickingType(e.ctx, e.db, out.ID, models.PickingTypeInput{Barcode: "TW-OUT", CreateBackorder: "ask", Active: false}, 0)
	wantFieldError(t, err, "active", "cannot be deactivated")

	if _, err := models.UpdatePickingType(e.ctx, e.db, out.ID, models.PickingTypeInput{Barcode: "SHIP-1", CreateBackorder: models.BackorderNever, Active: true}, 0); err != nil {
		t.Fatal(err)
	}
	got, err := models.GetOperationType(e.ctx, e.db, out.ID)
	if err != nil || got.Barcode == nil || *got.Barcode != "SHIP-1" || got.CreateBackorder != models.BackorderNever {
		t.Fatalf("saved %+v, %v", got, err)
	}
	// 1-step warehouse: Pick is unused and may be deactivated.
	if _, err := models.UpdatePickingType(e.ctx, e.db, pick.ID, models.PickingTypeInput{CreateBackorder: "ask", Active: false}, 0); err != nil {
		t.Fatal(err)
	}
	h, err := models.History(e.ctx, e.db, "warehouse", e.wh.ID)
	if err != nil || len(h) == 0 || !strings.Contains(h[0].Body, "Pick") {
		t.Fatalf("history %+v %v", h, err)
	}
}

// "_" and "%" in a location name are plain characters: a delivery from
// "TW/Main_Stock" must not reserve the stock of "TW/MainXStock/Bin"
// (sub-locations are matched with starts_with, not LIKE).
func TestSubtreeIgnoresLikeWildcards(t *testing.T) {
	e := newStockEnv(t, 1)
	p := e.product("Vase", models.TrackingNone)
	in := locInput(e.getLocation(*e.wh.StockLocationID))
	in.Name = "Main_Stock"
	if _, err := models.UpdateLocation(e.ctx, e.db, *e.wh.StockLocationID, in, 0); err != nil {
		t.Fatal(err)
	}
	other := e.location("MainXStock", *e.wh.ViewLocationID, models.UsageInternal, "")
	bin := e.location("Bin", other.ID, models.UsageInternal, "")
	e.count(p, bin.ID, 5, "")
	out := e.deliver(demand(p, 3))[0]
	if out.State == models.StateAssigned {
		t.Errorf("a delivery from TW/Main_Stock reserved the stock of TW/MainXStock/Bin")
	}
}
