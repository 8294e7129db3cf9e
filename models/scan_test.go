package models_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/shopspring/decimal"

	"orderflow/models"
)

// scanEnv is a stock environment with a warehouse worker who scans.
type scanEnv struct {
	*stockEnv
	user int64
}

func newScanEnv(t *testing.T, deliverySteps int) *scanEnv {
	t.Helper()
	e := &scanEnv{stockEnv: newStockEnv(t, deliverySteps)}
	e.user = e.newUser("Wes Picker", "wes@example.com")
	return e
}

func (e *stockEnv) newUser(name, email string) int64 {
	e.t.Helper()
	u, err := models.CreateUser(e.ctx, e.db, models.NewUser{Name: name, Email: email, Password: "a long enough password", Roles: []string{models.RoleWarehouse}}, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	return u.ID
}

// scanAs scans code on a transfer where the picker stands at loc (0: nowhere yet).
func (e *stockEnv) scanAs(user, pickingID int64, code string, loc int64) models.ScanResult {
	e.t.Helper()
	res, err := models.ScanInTransfer(e.ctx, e.db, pickingID, models.ScanInput{Code: code, LocationID: loc}, user)
	if err != nil {
		e.t.Fatalf("scan %q: %v", code, err)
	}
	return res
}

// ok scans and wants the scan accepted.
func (e *scanEnv) ok(pickingID int64, code string, loc int64) models.ScanResult {
	e.t.Helper()
	res := e.scanAs(e.user, pickingID, code, loc)
	if !res.OK {
		e.t.Fatalf("scan %q refused: %s", code, res.Message)
	}
	return res
}

// refused scans and wants the scan refused with a message containing
// want, and nothing changed on the transfer or in stock.
func (e *scanEnv) refused(pickingID int64, in models.ScanInput, want string) {
	e.t.Helper()
	e.refusedAs(e.user, pickingID, in, want)
}

func (e *stockEnv) refusedAs(user, pickingID int64, in models.ScanInput, want string) {
	e.t.Helper()
	before := e.snapshot(pickingID)
	res, err := models.ScanInTransfer(e.ctx, e.db, pickingID, in, user)
	if err != nil {
		e.t.Fatalf("scan %q: %v", in.Code, err)
	}
	if res.OK || !strings.Contains(res.Message, want) {
		e.t.Fatalf("scan %q: ok=%v %q, want refused with %q", in.Code, res.OK, res.Message, want)
	}
	if after := e.snapshot(pickingID); after != before {
		e.t.Fatalf("the refused scan %q changed something:\nbefore %s\nafter  %s", in.Code, before, after)
	}
}

// snapshot is everything a scan could change: the transfer's lines and
// moves, the quants and lots.
func (e *stockEnv) snapshot(pickingID int64) string {
	e.t.Helper()
	var s string
	err := e.db.NewRaw(`SELECT concat_ws(' | ',
		(SELECT string_agg(concat_ws(':', id, move_id, location_id, lot_id, lot_name, package_id, result_package_id,
			reserved_quantity, quantity_done, state, done_by), ',' ORDER BY id) FROM stock_move_lines WHERE picking_id = ?),
		(SELECT string_agg(concat_ws(':', id, demand, state), ',' ORDER BY id) FROM stock_moves WHERE picking_id = ?),
		(SELECT string_agg(concat_ws(':', id, quantity, reserved_quantity), ',' ORDER BY id) FROM stock_quants),
		(SELECT count(*) FROM stock_lots), (SELECT count(*) FROM stock_packages),
		(SELECT state FROM stock_pickings WHERE id = ?))`, pickingID, pickingID, pickingID).Scan(e.ctx, &s)
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

func (e *stockEnv) sku(variantID int64) string {
	e.t.Helper()
	var s string
	if err := e.db.NewRaw("SELECT sku FROM product_variants WHERE id = ?", variantID).Scan(e.ctx, &s); err != nil {
		e.t.Fatal(err)
	}
	return s
}

// shelf creates an internal location under the warehouse's stock.
func (e *stockEnv) shelf(name string) *models.Location {
	e.t.Helper()
	l, err := models.CreateLocation(e.ctx, e.db, models.LocationInput{Name: name, ParentID: *e.wh.StockLocationID,
		Usage: models.UsageInternal, Barcode: "TW-" + strings.ToUpper(strings.ReplaceAll(name, " ", ""))}, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	return l
}

func (e *stockEnv) setType(kind, column string, value any) {
	e.t.Helper()
	if _, err := e.db.NewRaw("UPDATE picking_types SET "+column+" = ? WHERE warehouse_id = ? AND kind = ?", value, e.wh.ID, kind).Exec(e.ctx); err != nil {
		e.t.Fatal(err)
	}
}

func (e *stockEnv) doneOn(pickingID int64) decimal.Decimal {
	e.t.Helper()
	var d decimal.Decimal
	if err := e.db.NewRaw("SELECT coalesce(sum(quantity_done), 0) FROM stock_move_lines WHERE picking_id = ?", pickingID).Scan(e.ctx, &d); err != nil {
		e.t.Fatal(err)
	}
	return d
}

// Every wrong scan is refused with a clear message and changes nothing:
// a product not in the transfer, a location outside its source, more than
// the demand, an unknown code; a parent location counts for its shelves,
// and a product reserved elsewhere is pointed to.
func TestScanRefusalsChangeNothing(t *testing.T) {
	e := newScanEnv(t, 1)
	mug := e.product("Mug", models.TrackingNone)
	cup := e.product("Cup", models.TrackingNone)
	shelfA, shelfB := e.shelf("Shelf A"), e.shelf("Shelf B")
	e.count(mug, shelfA.ID, 5, "")
	e.count(cup, shelfB.ID, 5, "")
	out := e.deliver(demand(mug, 3))[0]
	if out.State != models.StateAssigned {
		t.Fatalf("delivery %s is %s, want assigned", out.Name, out.State)
	}

	e.refused(out.ID, models.ScanInput{Code: e.sku(cup)}, "is not in this transfer")
	e.refused(out.ID, models.ScanInput{Code: "TW-OUTPUT"}, "is outside TW/Stock")
	e.refused(out.ID, models.ScanInput{Code: "NO-SUCH-CODE"}, `Unknown barcode "NO-SUCH-CODE"`)
	e.refused(out.ID, models.ScanInput{Code: ""}, "Scan or type a code")
	// At Shelf B the mug is not there: the screen says where it is.
	if res := e.ok(out.ID, "TW-SHELFB", 0); res.LocationID != shelfB.ID {
		t.Fatalf("location scan: %+v", res)
	}
	e.refused(out.ID, models.ScanInput{Code: e.sku(mug), LocationID: shelfB.ID}, "Take Mug ("+e.sku(mug)+") from TW/Stock/Shelf A")

	// TW/Stock holds Shelf A: standing there, the mugs count.
	loc := e.ok(out.ID, "TW-STOCK", 0)
	if loc.LocationID != *e.wh.StockLocationID || !strings.Contains(loc.Detail, "1 line") {
		t.Fatalf("TW-STOCK: %+v", loc)
	}
	for i := 1; i <= 3; i++ {
		res := e.ok(out.ID, e.sku(mug), loc.LocationID)
		if want := fmt.Sprintf("Mug: %d / 3", i); res.Message != want || res.LineID == 0 {
			t.Fatalf("scan %d: %q, want %q", i, res.Message, want)
		}
	}
	e.refused(out.ID, models.ScanInput{Code: e.sku(mug), LocationID: loc.LocationID}, "All 3 × Mug")
	e.refused(out.ID, models.ScanInput{Code: e.sku(mug), Quantity: dd(2)}, "All 3 × Mug")
	wantDec(t, "done", e.doneOn(out.ID), 3)
	var by []int64
	if err := e.db.NewRaw("SELECT done_by FROM stock_move_lines WHERE picking_id = ? AND quantity_done > 0", out.ID).Scan(e.ctx, &by); err != nil || len(by) != 1 || by[0] != e.user {
		t.Fatalf("done_by %v (%v), want the picker %d", by, err, e.user)
	}
	e.assertBooks()

	// A done transfer takes no more scans.
	if _, err := models.ValidateScanned(e.ctx, e.db, out.ID, "", e.user); err != nil {
		t.Fatal(err)
	}
	e.refused(out.ID, models.ScanInput{Code: e.sku(mug)}, "is done")
	// Validation kept who scanned the line.
	if err := e.db.NewRaw("SELECT done_by FROM stock_move_lines WHERE picking_id = ? AND state = 'done'", out.ID).Scan(e.ctx, &by); err != nil || len(by) != 1 || by[0] != e.user {
		t.Fatalf("after validation done_by %v (%v), want the picker", by, err)
	}
}

// More than the demand is refused unless the operation type allows extra;
// then the move's demand grows to what was done when it is validated.
func TestScanExtraAllowed(t *testing.T) {
	e := newScanEnv(t, 1)
	mug := e.product("Mug", models.TrackingNone)
	e.count(mug, *e.wh.StockLocationID, 5, "")
	out := e.deliver(demand(mug, 2))[0]
	e.ok(out.ID, e.sku(mug), 0)
	e.ok(out.ID, e.sku(mug), 0)
	e.refused(out.ID, models.ScanInput{Code: e.sku(mug)}, "All 2 × Mug")

	e.setType(models.KindDelivery, "allow_extra", true)
	if res := e.ok(out.ID, e.sku(mug), 0); res.Message != "Mug: 3 / 2" {
		t.Fatalf("extra scan: %q", res.Message)
	}
	e.assertBooks() // the third unit is reserved from free stock
	v, err := models.ValidateScanned(e.ctx, e.db, out.ID, "", e.user)
	if err != nil {
		t.Fatal(err)
	}
	if v.Backorder != "" || v.Picking.State != models.StateDone {
		t.Fatalf("validation: %+v", v)
	}
	wantDec(t, "on hand", e.figures(mug).OnHand, 2)
	var dem decimal.Decimal
	if err := e.db.NewRaw("SELECT demand FROM stock_moves WHERE picking_id = ?", out.ID).Scan(e.ctx, &dem); err != nil {
		t.Fatal(err)
	}
	wantDec(t, "demand after extra", dem, 3)
	e.assertBooks()

	// Receipts take extra the same way.
	e.setType(models.KindReceipt, "allow_extra", true)
	rc, err := models.CreateReceipt(e.ctx, e.db, models.ReceiptInput{WarehouseID: e.wh.ID, Lines: []models.DemandLine{demand(mug, 1)}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	e.refused(rc.ID, models.ScanInput{Code: "TW-STOCK"}, "Scan the products")
	e.ok(rc.ID, e.sku(mug), 0)
	e.ok(rc.ID, e.sku(mug), 0)
	if _, err := models.ValidateScanned(e.ctx, e.db, rc.ID, "", e.user); err != nil {
		t.Fatal(err)
	}
	wantDec(t, "on hand after receiving 2 for 1", e.figures(mug).OnHand, 4)
	e.assertBooks()
}

// Serial numbers: captured one line per serial at reception (a serial twice,
// or already in stock, is refused); on a delivery the scanned serial must be
// in stock at the source, another free serial than the reserved one swaps
// the reservation, and a serial is scanned once.
func TestScanSerials(t *testing.T) {
	e := newScanEnv(t, 1)
	drill := e.product("Drill", models.TrackingSerial)
	rc, err := models.CreateReceipt(e.ctx, e.db, models.ReceiptInput{WarehouseID: e.wh.ID, Lines: []models.DemandLine{demand(drill, 3)}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	res := e.ok(rc.ID, e.sku(drill), 0)
	if !res.Prompt || res.ProductID != drill {
		t.Fatalf("a serial product asks for its serial: %+v", res)
	}
	scanSerial := func(pk int64, sn string) models.ScanResult {
		t.Helper()
		r, err := models.ScanInTransfer(e.ctx, e.db, pk, models.ScanInput{Code: sn, ProductID: drill}, e.user)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := scanSerial(rc.ID, "SN-1"); !r.OK || r.ProductID != drill || r.Message != "Drill: 1 / 3" {
		t.Fatalf("SN-1: %+v", r)
	}
	e.refused(rc.ID, models.ScanInput{Code: "SN-1", ProductID: drill}, "Serial SN-1 is already scanned")
	scanSerial(rc.ID, "SN-2")
	scanSerial(rc.ID, "SN-3")
	e.refused(rc.ID, models.ScanInput{Code: "SN-4", ProductID: drill}, "All 3 × Drill")
	// The serial can be taken off again (the chip's ✕), and scanned again.
	var line3 int64
	if err := e.db.NewRaw("SELECT id FROM stock_move_lines WHERE picking_id = ? AND lot_name = 'SN-3'", rc.ID).Scan(e.ctx, &line3); err != nil {
		t.Fatal(err)
	}
	if r, err := models.SetLineDone(e.ctx, e.db, rc.ID, line3, models.LineAction{Action: "clear"}, e.user); err != nil || !r.OK {
		t.Fatalf("clear SN-3: %+v %v", r, err)
	}
	scanSerial(rc.ID, "SN-3")
	if _, err := models.ValidateScanned(e.ctx, e.db, rc.ID, "", e.user); err != nil {
		t.Fatal(err)
	}
	wantDec(t, "drills received", e.figures(drill).OnHand, 3)
	var lots []string
	if err := e.db.NewRaw("SELECT name FROM stock_lots WHERE variant_id = ? ORDER BY name", drill).Scan(e.ctx, &lots); err != nil || strings.Join(lots, ",") != "SN-1,SN-2,SN-3" {
		t.Fatalf("lots %v (%v), want SN-1..3 created by validation", lots, err)
	}

	// Receiving a serial that is in stock is refused.
	rc2, err := models.CreateReceipt(e.ctx, e.db, models.ReceiptInput{WarehouseID: e.wh.ID, Lines: []models.DemandLine{demand(drill, 1)}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	e.refused(rc2.ID, models.ScanInput{Code: "SN-2", ProductID: drill}, "Serial SN-2 of Drill")
	e.refused(rc2.ID, models.ScanInput{Code: "SN-2", ProductID: drill}, "is already in stock")

	// A serial that exists but left the stock (counted out).
	e.count(drill, *e.wh.StockLocationID, 1, "SN-9")
	e.count(drill, *e.wh.StockLocationID, 0, "SN-9")

	out := e.deliver(demand(drill, 2))[0]
	reserved := map[string]bool{}
	for _, l := range e.lines(out.ID) {
		var name string
		if err := e.db.NewRaw("SELECT name FROM stock_lots WHERE id = ?", *l.LotID).Scan(e.ctx, &name); err != nil {
			t.Fatal(err)
		}
		reserved[name] = true
	}
	if len(reserved) != 2 {
		t.Fatalf("reserved serials %v", reserved)
	}
	var free string
	for _, sn := range []string{"SN-1", "SN-2", "SN-3"} {
		if !reserved[sn] {
			free = sn
		}
	}
	e.refused(out.ID, models.ScanInput{Code: "SN-404", ProductID: drill}, "Serial SN-404 of Drill")
	e.refused(out.ID, models.ScanInput{Code: "SN-9", ProductID: drill}, "Serial SN-9 of Drill ("+e.sku(drill)+") is not in stock in TW/Stock")
	// The free serial replaces one of the reserved ones.
	if r := e.ok(out.ID, free, 0); r.Message != "Drill: 1 / 2" || !strings.Contains(r.Detail, free) {
		t.Fatalf("swap to %s: %+v", free, r)
	}
	e.refused(out.ID, models.ScanInput{Code: free}, "Serial "+free+" is already scanned in this transfer")
	e.assertBooks()
	ls := e.lines(out.ID)
	if len(ls) != 2 {
		t.Fatalf("after the swap the delivery has %d lines, want 2 (one released)", len(ls))
	}
	var left string
	for sn := range reserved {
		left = sn
		var done decimal.Decimal
		err := e.db.NewRaw(`SELECT coalesce(sum(l.quantity_done), -1) FROM stock_move_lines l JOIN stock_lots lot ON lot.id = l.lot_id
			WHERE l.picking_id = ? AND lot.name = ?`, out.ID, sn).Scan(e.ctx, &done)
		if err != nil {
			t.Fatal(err)
		}
		if done.IsZero() {
			break // the reserved serial still to scan
		}
	}
	e.ok(out.ID, left, 0)
	if _, err := models.ValidateScanned(e.ctx, e.db, out.ID, "", e.user); err != nil {
		t.Fatal(err)
	}
	wantDec(t, "drills left", e.figures(drill).OnHand, 1)
	e.assertBooks()
}

// A lot of another product is refused, alone or in a GS1 code with this
// product's GTIN; the product's own lot counts.
func TestScanLotOfAnotherProduct(t *testing.T) {
	e := newScanEnv(t, 1)
	flour := e.product("Flour", models.TrackingLot)
	sugar := e.product("Sugar", models.TrackingLot)
	ean := "590123412345"
	ean += fmt.Sprint(models.EANCheckDigit(ean))
	if _, err := e.db.NewRaw("UPDATE product_variants SET barcode = ? WHERE id = ?", ean, flour).Exec(e.ctx); err != nil {
		t.Fatal(err)
	}
	e.count(flour, *e.wh.StockLocationID, 10, "F-1")
	e.count(sugar, *e.wh.StockLocationID, 10, "S-1")
	out := e.deliver(demand(flour, 4))[0]

	e.refused(out.ID, models.ScanInput{Code: "S-1"}, "Lot S-1 is of Sugar")
	e.refused(out.ID, models.ScanInput{Code: "(01)0" + ean + "(10)S-1"}, "Lot S-1 belongs to Sugar")
	// GS1: product, lot and quantity in one scan.
	if r := e.ok(out.ID, "(01)0"+ean+"(10)F-1(30)3", 0); r.Message != "Flour: 3 / 4" {
		t.Fatalf("GS1 with quantity: %+v", r)
	}
	// The plain EAN-13 counts on the reserved lot.
	if r := e.ok(out.ID, ean, 0); r.Message != "Flour: 4 / 4" {
		t.Fatalf("EAN-13: %+v", r)
	}
	e.refused(out.ID, models.ScanInput{Code: "F-1"}, "All 4 × Flour")
	e.assertBooks()
}

// At reception a lot-tracked product asks for its lot; GS1 brings product,
// lot and quantity; each lot gets its line and validation creates the lots.
func TestScanReceiveLots(t *testing.T) {
	e := newScanEnv(t, 1)
	flour := e.product("Flour", models.TrackingLot)
	ean := "400638133393"
	ean += fmt.Sprint(models.EANCheckDigit(ean))
	if _, err := e.db.NewRaw("UPDATE product_variants SET barcode = ? WHERE id = ?", ean, flour).Exec(e.ctx); err != nil {
		t.Fatal(err)
	}
	rc, err := models.CreateReceipt(e.ctx, e.db, models.ReceiptInput{WarehouseID: e.wh.ID, Lines: []models.DemandLine{demand(flour, 10)}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if r := e.ok(rc.ID, ean, 0); !r.Prompt {
		t.Fatalf("lot product without lot: %+v", r)
	}
	if r, _ := models.ScanInTransfer(e.ctx, e.db, rc.ID, models.ScanInput{Code: "L-1", ProductID: flour}, e.user); !r.OK || r.Message != "Flour: 1 / 10" {
		t.Fatalf("lot L-1: %+v", r)
	}
	if r := e.ok(rc.ID, "]C101"+"0"+ean+"10L-2\x1d304", 0); r.Message != "Flour: 5 / 10" {
		t.Fatalf("GS1-128 with lot and quantity: %+v", r)
	}
	if r, _ := models.ScanInTransfer(e.ctx, e.db, rc.ID, models.ScanInput{Code: "L-1", ProductID: flour}, e.user); r.Message != "Flour: 6 / 10" {
		t.Fatalf("L-1 again: %+v", r)
	}
	e.refused(rc.ID, models.ScanInput{Code: "(01)0" + ean + "(10)L-3(30)5"}, "Only 4 more Flour")
	if _, err := models.ValidateScanned(e.ctx, e.db, rc.ID, "", e.user); !models.BackorderNeeded(err) {
		t.Fatalf("6 of 10 received: %v, want the backorder question", err)
	}
	if _, err := models.ValidateScanned(e.ctx, e.db, rc.ID, models.BackorderCancel, e.user); err != nil {
		t.Fatal(err)
	}
	var got []string
	err = e.db.NewRaw(`SELECT lot.name || '=' || q.quantity::int FROM stock_quants q JOIN stock_lots lot ON lot.id = q.lot_id
		WHERE q.variant_id = ? ORDER BY lot.name`, flour).Scan(e.ctx, &got)
	if err != nil || strings.Join(got, ",") != "L-1=2,L-2=4" {
		t.Fatalf("lots in stock %v (%v), want L-1=2,L-2=4", got, err)
	}
	e.assertBooks()
}

// Less than the demand asks about a backorder (and changes nothing until
// answered); the answer, or the operation type's policy, decides; a second
// validation (a Wi-Fi retry) changes nothing.
func TestScanValidateBackorderAndTwice(t *testing.T) {
	e := newScanEnv(t, 1)
	mug := e.product("Mug", models.TrackingNone)
	e.count(mug, *e.wh.StockLocationID, 20, "")

	out := e.deliver(demand(mug, 3))[0]
	if _, err := models.ValidateScanned(e.ctx, e.db, out.ID, "", e.user); models.ErrorCode(err) != models.EINVALID {
		t.Fatalf("nothing scanned: %v, want invalid", err)
	}
	e.ok(out.ID, e.sku(mug), 0)
	e.ok(out.ID, e.sku(mug), 0)
	before := e.snapshot(out.ID)
	if _, err := models.ValidateScanned(e.ctx, e.db, out.ID, "", e.user); !models.BackorderNeeded(err) {
		t.Fatalf("2 of 3: %v, want the backorder question", err)
	}
	if e.snapshot(out.ID) != before {
		t.Fatal("asking about the backorder changed the transfer")
	}
	v, err := models.ValidateScanned(e.ctx, e.db, out.ID, models.BackorderCreate, e.user)
	if err != nil {
		t.Fatal(err)
	}
	bo := e.backorderOf(out.ID)
	if v.Backorder != bo.Name || v.AlreadyDone {
		t.Fatalf("validation %+v, backorder %s", v, bo.Name)
	}
	again, err := models.ValidateScanned(e.ctx, e.db, out.ID, models.BackorderCreate, e.user)
	if err != nil || !again.AlreadyDone {
		t.Fatalf("second validation: %+v %v, want already done", again, err)
	}
	wantDec(t, "on hand after one validation", e.figures(mug).OnHand, 18)
	var n int
	if err := e.db.NewRaw("SELECT count(*) FROM stock_pickings WHERE backorder_id = ?", out.ID).Scan(e.ctx, &n); err != nil || n != 1 {
		t.Fatalf("%d backorders (%v), want 1", n, err)
	}

	// No backorder: the rest is cancelled.
	out2 := e.deliver(demand(mug, 3))[0]
	e.ok(out2.ID, e.sku(mug), 0)
	if v, err := models.ValidateScanned(e.ctx, e.db, out2.ID, models.BackorderCancel, e.user); err != nil || v.Backorder != "" {
		t.Fatalf("no backorder: %+v %v", v, err)
	}
	if n, err := e.db.NewSelect().Model((*models.Picking)(nil)).Where("backorder_id = ?", out2.ID).Count(e.ctx); err != nil || n != 0 {
		t.Fatalf("%d backorders (%v) after no backorder", n, err)
	}
	// The operation type says never: no question.
	e.setType(models.KindDelivery, "create_backorder", models.BackorderNever)
	out3 := e.deliver(demand(mug, 3))[0]
	e.ok(out3.ID, e.sku(mug), 0)
	if v, err := models.ValidateScanned(e.ctx, e.db, out3.ID, "", e.user); err != nil || v.Backorder != "" || v.Picking.State != models.StateDone {
		t.Fatalf("policy never: %+v %v", v, err)
	}
	wantDec(t, "on hand", e.figures(mug).OnHand, 16)
	e.assertBooks()
}

// Typed quantities, all, one less, within the demand and the reservation.
func TestScanSetLineDone(t *testing.T) {
	e := newScanEnv(t, 1)
	mug := e.product("Mug", models.TrackingNone)
	e.count(mug, *e.wh.StockLocationID, 4, "")
	out := e.deliver(demand(mug, 3))[0]
	line := e.lines(out.ID)[0].ID
	set := func(a models.LineAction) models.ScanResult {
		t.Helper()
		r, err := models.SetLineDone(e.ctx, e.db, out.ID, line, a, e.user)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := set(models.LineAction{Action: "all"}); !r.OK || r.Message != "Mug: 3 / 3" {
		t.Fatalf("all: %+v", r)
	}
	if r := set(models.LineAction{Action: "minus"}); r.Message != "Mug: 2 / 3" {
		t.Fatalf("minus: %+v", r)
	}
	for _, a := range []models.LineAction{{Action: "set", Quantity: "4"}, {Action: "set", Quantity: "-1"}, {Action: "set", Quantity: "abc"}, {Action: "bogus"}} {
		before := e.snapshot(out.ID)
		if r := set(a); r.OK {
			t.Fatalf("%+v accepted: %+v", a, r)
		}
		if e.snapshot(out.ID) != before {
			t.Fatalf("refused %+v changed the transfer", a)
		}
	}
	if r := set(models.LineAction{Action: "plus"}); !r.OK || r.Message != "Mug: 3 / 3" {
		t.Fatalf("plus: %+v", r)
	}
	if r := set(models.LineAction{Action: "plus"}); r.OK || !strings.Contains(r.Message, "All 3 × Mug") {
		t.Fatalf("plus beyond the demand: %+v", r)
	}
	if r := set(models.LineAction{Action: "set", Quantity: "1"}); r.Message != "Mug: 1 / 3" {
		t.Fatalf("set 1: %+v", r)
	}
	if r, err := models.SetLineDone(e.ctx, e.db, out.ID, 999999, models.LineAction{Action: "all"}, e.user); err != nil || r.OK {
		t.Fatalf("another line: %+v %v", r, err)
	}
	e.assertBooks()
}

// Two pickers scanning the same transfer at once never count more than the
// demand: each scan locks the transfer and its lines.
func TestScanConcurrentPickersNeverExceedDemand(t *testing.T) {
	e := newScanEnv(t, 1)
	other := e.newUser("Pia Picker", "pia@example.com")
	mug := e.product("Mug", models.TrackingNone)
	e.count(mug, *e.wh.StockLocationID, 50, "")
	out := e.deliver(demand(mug, 7))[0]
	sku := e.sku(mug)
	var wg sync.WaitGroup
	var mu sync.Mutex
	accepted := 0
	for i := range 30 {
		wg.Add(1)
		go func(user int64) {
			defer wg.Done()
			res, err := models.ScanInTransfer(e.ctx, e.db, out.ID, models.ScanInput{Code: sku}, user)
			if err != nil {
				t.Error(err)
				return
			}
			if res.OK {
				mu.Lock()
				accepted++
				mu.Unlock()
			}
		}(map[bool]int64{true: e.user, false: other}[i%2 == 0])
	}
	wg.Wait()
	if accepted != 7 {
		t.Fatalf("%d scans accepted, want 7", accepted)
	}
	wantDec(t, "done", e.doneOn(out.ID), 7)
	e.assertBooks()
}

// A 3-step pick / pack / ship of a paid web order: the pick is put in a
// package, the next steps move the whole package with one scan, the
// tracking number is stored, and only the last step delivers the order.
func TestScanThreeStepChainDeliversOrder(t *testing.T) {
	e := newSaleEnv(t, 3)
	user := e.newUser("Wes Picker", "wes@example.com")
	mug := e.product("Mug", models.TrackingNone)
	drill := e.product("Drill", models.TrackingSerial)
	e.count(mug, *e.wh.StockLocationID, 5, "")
	e.count(drill, *e.wh.StockLocationID, 1, "SN-7")
	pl := e.checkout(models.ProviderTestCard, map[int64]int{mug: 2, drill: 1})
	if _, err := models.SetTransactionState(e.ctx, e.db, models.NoCustomerMail, pl.Transaction.Reference, models.TransactionUpdate{State: models.TxDone,
		Amount: pl.Order.AmountTotal, CurrencyCode: "EUR"}, 0); err != nil {
		t.Fatal(err)
	}
	var steps []models.Picking
	if err := e.db.NewSelect().Model(&steps).Where("sale_order_id = ?", pl.Order.ID).Order("id").Scan(e.ctx); err != nil || len(steps) != 3 {
		t.Fatalf("%d transfers (%v), want pick, pack, ship", len(steps), err)
	}
	// Built from the last step back: ship, pack, pick.
	ship, pack, pick := steps[0], steps[1], steps[2]
	if !strings.Contains(pick.Name, "/PICK/") || !strings.Contains(pack.Name, "/PACK/") || !strings.Contains(ship.Name, "/OUT/") {
		t.Fatalf("steps %s %s %s", pick.Name, pack.Name, ship.Name)
	}
	scan := func(pk int64, code string, product int64) models.ScanResult {
		t.Helper()
		r, err := models.ScanInTransfer(e.ctx, e.db, pk, models.ScanInput{Code: code, ProductID: product}, user)
		if err != nil || !r.OK {
			t.Fatalf("scan %q on %d: %+v %v", code, pk, r, err)
		}
		return r
	}
	delivered := func(want int64, status string) {
		t.Helper()
		o := e.order(pl.Order.ID)
		total := decimal.Zero
		for _, l := range o.ProductLines() {
			total = total.Add(l.QtyDelivered)
		}
		if !total.Equal(dd(want)) || o.DeliveryStatus != status {
			t.Fatalf("order delivered %s (%s), want %d (%s)", total, o.DeliveryStatus, want, status)
		}
	}

	// Pick: location, products, the serial; put in a package.
	loc := scan(pick.ID, "TW-STOCK", 0)
	e.scanAs(user, pick.ID, e.sku(mug), loc.LocationID)
	e.scanAs(user, pick.ID, e.sku(mug), loc.LocationID)
	if r := scan(pick.ID, e.sku(drill), 0); !r.Prompt {
		t.Fatalf("the drill asks for its serial: %+v", r)
	}
	scan(pick.ID, "SN-7", drill)
	pkg, err := models.PutInPack(e.ctx, e.db, pick.ID, user)
	if err != nil || !strings.HasPrefix(pkg.Name, "PACK") || len(pkg.Name) != 11 {
		t.Fatalf("put in pack: %+v %v", pkg, err)
	}
	if _, err := models.PutInPack(e.ctx, e.db, pick.ID, user); models.ErrorCode(err) != models.EINVALID {
		t.Fatalf("nothing left to pack: %v", err)
	}
	v, err := models.ValidateScanned(e.ctx, e.db, pick.ID, "", user)
	if err != nil || v.NextID != pack.ID {
		t.Fatalf("validate pick: %+v %v", v, err)
	}
	delivered(0, models.DeliveryPending)
	if e.picking(pack.ID).State != models.StateAssigned {
		t.Fatalf("the pack step is %s after the pick", e.picking(pack.ID).State)
	}

	// Pack: the package moves whole, with one scan.
	for _, l := range e.lines(pack.ID) {
		if l.PackageID == nil || *l.PackageID != pkg.ID {
			t.Fatalf("pack line %d does not take from %s: %+v", l.ID, pkg.Name, l)
		}
	}
	e.refusedAs(user, pack.ID, models.ScanInput{Code: "PACK9999999"}, `Unknown barcode "PACK9999999"`)
	if r := scan(pack.ID, pkg.Name, 0); r.Kind != "package" || !strings.Contains(r.Detail, "3 units on 2 lines") {
		t.Fatalf("package scan: %+v", r)
	}
	e.refusedAs(user, pack.ID, models.ScanInput{Code: pkg.Name}, "is already done")
	if _, err := models.ValidateScanned(e.ctx, e.db, pack.ID, "", user); err != nil {
		t.Fatal(err)
	}
	delivered(0, models.DeliveryPending)
	var inOutput decimal.Decimal
	if err := e.db.NewRaw("SELECT coalesce(sum(quantity), 0) FROM stock_quants WHERE location_id = ? AND package_id = ?", *e.wh.OutputLocationID, pkg.ID).Scan(e.ctx, &inOutput); err != nil {
		t.Fatal(err)
	}
	wantDec(t, "units in the package at the output", inOutput, 3)

	// Ship: the package again, the tracking number, validate.
	scan(ship.ID, pkg.Name, 0)
	if _, err := models.SetTrackingRef(e.ctx, e.db, ship.ID, "bad ref!", user); models.ErrorCode(err) != models.EINVALID {
		t.Fatalf("bad tracking number: %v", err)
	}
	if _, err := models.SetTrackingRef(e.ctx, e.db, pick.ID, "TRK1", user); models.ErrorCode(err) != models.EINVALID {
		t.Fatalf("tracking number on a pick: %v", err)
	}
	if _, err := models.SetTrackingRef(e.ctx, e.db, ship.ID, "TRK-0042", user); err != nil {
		t.Fatal(err)
	}
	v, err = models.ValidateScanned(e.ctx, e.db, ship.ID, "", user)
	if err != nil || v.NextID != 0 {
		t.Fatalf("validate ship: %+v %v", v, err)
	}
	if e.picking(ship.ID).CarrierTrackingRef != "TRK-0042" {
		t.Fatal("tracking number lost")
	}
	delivered(3, models.DeliveryFull)
	for _, l := range e.order(pl.Order.ID).ProductLines() {
		if !l.QtyDelivered.Equal(l.Quantity) {
			t.Errorf("line %s delivered %s of %s", l.Description, l.QtyDelivered, l.Quantity)
		}
	}
	wantDec(t, "mugs left", e.figures(mug).OnHand, 3)
	wantDec(t, "drills left", e.figures(drill).OnHand, 0)
	e.assertBooks()
}

func TestCarrierTrackingURL(t *testing.T) {
	if got := models.CarrierTrackingURL("https://t.example/track?code={ref}", "AB/12 3"); got != "https://t.example/track?code=AB%2F12%203" && got != "https://t.example/track?code=AB%2F12+3" {
		t.Errorf("tracking URL %q", got)
	}
	if got := models.CarrierTrackingURL("", "X"); got != "" {
		t.Errorf("no template: %q", got)
	}
}

// A handheld list shows at most ScanListLimit transfers, earliest first,
// and says so when there are more.
func TestScanListSaysWhenItStopsAtItsLimit(t *testing.T) {
	e := newScanEnv(t, 1)
	var typeID, src, dest int64
	if err := e.db.NewRaw(`SELECT id, default_src_location_id, default_dest_location_id FROM picking_types
		WHERE warehouse_id = ? AND kind = 'delivery'`, e.wh.ID).Scan(e.ctx, &typeID, &src, &dest); err != nil {
		t.Fatal(err)
	}
	add := func(n int) {
		t.Helper()
		if _, err := e.db.NewRaw(`INSERT INTO stock_pickings (name, picking_type_id, state, location_id, location_dest_id, scheduled_date)
			SELECT 'TEST/OUT/' || (SELECT count(*) FROM stock_pickings) + g, ?, 'assigned', ?, ?, now() + g * interval '1 minute'
			FROM generate_series(1, ?) AS g`, typeID, src, dest, n).Exec(e.ctx); err != nil {
			t.Fatal(err)
		}
	}
	add(models.ScanListLimit - 1)
	l, err := models.ListScanTransfers(e.ctx, e.db, models.ScanListFilter{TypeID: typeID})
	if err != nil || l.More || len(l.Ready) != models.ScanListLimit-1 {
		t.Fatalf("%d ready, more %v (%v); want all %d and no more", len(l.Ready), l.More, err, models.ScanListLimit-1)
	}
	add(2)
	l, err = models.ListScanTransfers(e.ctx, e.db, models.ScanListFilter{TypeID: typeID})
	if err != nil || !l.More || len(l.Ready) != models.ScanListLimit {
		t.Fatalf("%d ready, more %v (%v); want the first %d and more", len(l.Ready), l.More, err, models.ScanListLimit)
	}
}
