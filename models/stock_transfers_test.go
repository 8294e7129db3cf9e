package models_test

import (
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"orderflow/models"
)

func TestListPickingsFilters(t *testing.T) {
	e := newStockEnv(t, 2) // pick + ship
	mug := e.product("Mug", models.TrackingNone)
	e.count(mug, *e.wh.StockLocationID, 3, "")
	chain := e.deliver(demand(mug, 5)) // pick is partially available, ship waits
	partner := &models.Contact{Name: "Zed Vendor"}
	if _, err := e.db.NewInsert().Model(partner).Exec(e.ctx); err != nil {
		t.Fatal(err)
	}
	rc, err := models.CreateReceipt(e.ctx, e.db, models.ReceiptInput{WarehouseID: e.wh.ID, PartnerID: &partner.ID, Origin: "PO-77",
		Lines: []models.DemandLine{demand(mug, 2)}}, 0)
	if err != nil {
		t.Fatal(err)
	}

	list := func(f models.PickingFilter) []string {
		t.Helper()
		page, err := models.ListPickings(e.ctx, e.db, f)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, r := range page.Rows {
			names = append(names, r.Name)
		}
		if page.Total != len(names) {
			t.Errorf("total %d, %d rows", page.Total, len(names))
		}
		return names
	}
	if got := list(models.PickingFilter{}); len(got) != 3 {
		t.Fatalf("all transfers: %v", got)
	}
	if got := list(models.PickingFilter{Kind: models.KindReceipt}); len(got) != 1 || got[0] != rc.Name {
		t.Errorf("receipts: %v, want [%s]", got, rc.Name)
	}
	if got := list(models.PickingFilter{State: models.StatePartiallyAvailable}); len(got) != 1 || got[0] != chain[0].Name {
		t.Errorf("partially available: %v, want the pick %s", got, chain[0].Name)
	}
	if got := list(models.PickingFilter{State: models.StateAssigned}); len(got) != 1 || got[0] != rc.Name {
		t.Errorf("ready: %v, want the receipt %s", got, rc.Name)
	}
	if got := list(models.PickingFilter{State: models.StateWaiting}); len(got) != 1 || got[0] != chain[1].Name {
		t.Errorf("waiting: %v, want the ship %s", got, chain[1].Name)
	}
	if got := list(models.PickingFilter{Query: "zed"}); len(got) != 1 || got[0] != rc.Name {
		t.Errorf("search by partner: %v", got)
	}
	if got := list(models.PickingFilter{Query: "PO-77"}); len(got) != 1 {
		t.Errorf("search by origin: %v", got)
	}
	if got := list(models.PickingFilter{Query: chain[1].Name}); len(got) != 1 || got[0] != chain[1].Name {
		t.Errorf("search by number: %v", got)
	}
	if got := list(models.PickingFilter{Sort: "-name"}); got[0] < got[len(got)-1] {
		t.Errorf("sorted by number descending: %v", got)
	}
	page, err := models.ListPickings(e.ctx, e.db, models.PickingFilter{PerPage: 2, Page: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Rows) != 1 || page.Total != 3 || page.Pages() != 2 {
		t.Errorf("page 2 of 2: %d rows, total %d, %d pages", len(page.Rows), page.Total, page.Pages())
	}
	ready := map[string]int{}
	for _, o := range page.Overview {
		ready[o.Kind] = o.Ready
	}
	if ready[models.KindReceipt] != 1 || ready[models.KindPick] != 1 || ready[models.KindDelivery] != 0 {
		t.Errorf("overview ready counts: %v", ready)
	}
}

func TestGetPickingDetail(t *testing.T) {
	e := newStockEnv(t, 2)
	mug := e.product("Mug", models.TrackingNone)
	e.count(mug, *e.wh.StockLocationID, 3, "")
	chain := e.deliver(demand(mug, 5))
	pick, ship := chain[0], chain[1]

	d, err := models.GetPickingDetail(e.ctx, e.db, pick.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.Name != pick.Name || d.Kind != models.KindPick || !d.PartiallyAvailable || d.SourceName != "TW/Stock" || d.DestName != "TW/Output" {
		t.Fatalf("header: %+v", d.PickingRow)
	}
	if len(d.Moves) != 1 || d.Moves[0].SKU == "" || d.Moves[0].ProductName != "Mug" {
		t.Fatalf("moves: %+v", d.Moves)
	}
	m := d.Moves[0]
	wantDec(t, "demand", m.Demand, 5)
	wantDec(t, "reserved", m.Reserved, 3)
	if len(m.Lines) != 1 || m.Lines[0].LocationName != "TW/Stock" || !m.Lines[0].Open() {
		t.Fatalf("lines: %+v", m.Lines)
	}
	if len(d.Next) != 1 || d.Next[0].ID != ship.ID || len(d.Previous) != 0 {
		t.Errorf("chain of the pick: previous %v, next %v", d.Previous, d.Next)
	}
	if !d.CanReserve() || !d.CanUnreserve() || !d.CanValidate() {
		t.Errorf("actions of a partially available pick: reserve %v unreserve %v validate %v", d.CanReserve(), d.CanUnreserve(), d.CanValidate())
	}
	if len(d.History) == 0 {
		t.Errorf("no history")
	}

	// Validate 2 of 5 with a backorder: the backorder is listed on the pick,
	// and the ship's previous step is the pick.
	_, err = models.ValidateTransfer(e.ctx, e.db, pick.ID, models.ValidateForm{Done: map[int64]string{m.Lines[0].ID: "2"}}, 0)
	if !models.BackorderNeeded(err) {
		t.Fatalf("err %v, want the backorder question", err)
	}
	res, err := models.ValidateTransfer(e.ctx, e.db, pick.ID, models.ValidateForm{Done: map[int64]string{m.Lines[0].ID: "2"}, Backorder: models.BackorderCreate}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if res.Backorder == "" || res.AlreadyDone {
		t.Errorf("result %+v, want a backorder", res)
	}
	d, err = models.GetPickingDetail(e.ctx, e.db, pick.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.State != models.StateDone || len(d.Backorders) != 1 || d.Backorders[0].Name != res.Backorder {
		t.Fatalf("after validation: state %s, backorders %v", d.State, d.Backorders)
	}
	if d.CanValidate() || d.CanReserve() || d.CanUnreserve() {
		t.Errorf("a done transfer offers actions")
	}
	wantDec(t, "done", d.Moves[0].QuantityDone, 2)
	sd, err := models.GetPickingDetail(e.ctx, e.db, ship.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(sd.Previous) == 0 || sd.Previous[0].ID != pick.ID {
		t.Errorf("previous of the ship: %v", sd.Previous)
	}
	bd, err := models.GetPickingDetail(e.ctx, e.db, d.Backorders[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if bd.BackorderOfID == nil || *bd.BackorderOfID != pick.ID || bd.BackorderOfName != pick.Name {
		t.Errorf("backorder of: %v %q", bd.BackorderOfID, bd.BackorderOfName)
	}

	// Validating again is harmless.
	res, err = models.ValidateTransfer(e.ctx, e.db, pick.ID, models.ValidateForm{Done: map[int64]string{m.Lines[0].ID: "2"}}, 0)
	if err != nil || !res.AlreadyDone {
		t.Errorf("second validation: %+v, %v", res, err)
	}
	e.assertBooks()

	if _, err := models.GetPickingDetail(e.ctx, e.db, 999999); models.ErrorCode(err) != models.ENOTFOUND {
		t.Errorf("missing transfer: %v", err)
	}
}

func TestValidateTransferReportsLines(t *testing.T) {
	e := newStockEnv(t, 1)
	mug := e.product("Mug", models.TrackingNone)
	e.count(mug, *e.wh.StockLocationID, 4, "")
	out := e.deliver(demand(mug, 3))[0]
	l := e.lines(out.ID)[0]
	field := "done." + strID(l.ID)
	for _, c := range []struct{ done, want string }{{"x", "Enter a number."}, {"-1", "cannot be negative"}, {"4", "More than the demand"}} {
		_, err := models.ValidateTransfer(e.ctx, e.db, out.ID, models.ValidateForm{Done: map[int64]string{l.ID: c.done}}, 0)
		if got := models.FieldErrors(err)[field]; models.ErrorCode(err) != models.EINVALID || !strings.Contains(got, c.want) {
			t.Errorf("done %q: %v, want %q on %s", c.done, err, c.want, field)
		}
	}
	if got := e.picking(out.ID).State; got != models.StateAssigned {
		t.Errorf("state %s after refused validations", got)
	}
}

func strID(n int64) string { return decimal.NewFromInt(n).String() }

func TestCountSheetAndApplyForm(t *testing.T) {
	e := newStockEnv(t, 1)
	mug := e.product("Mug", models.TrackingNone)
	wine := e.product("Wine", models.TrackingLot)
	stock := *e.wh.StockLocationID
	e.count(mug, stock, 5, "")
	e.count(wine, stock, 2, "L-1")

	s, err := models.GetCountSheet(e.ctx, e.db, stock, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Location == nil || len(s.Lines) != 2 {
		t.Fatalf("sheet: %+v", s)
	}
	var wineSKU string
	for _, l := range s.Lines {
		if l.VariantID == wine {
			wineSKU = l.SKU
			if l.LotName != "L-1" || !l.Theoretical.Equal(dd(2)) {
				t.Errorf("wine line: %+v", l)
			}
		}
	}
	// Bad input: nothing saved.
	_, err = models.ApplyCountForm(e.ctx, e.db, models.CountForm{LocationID: strID(stock), Lines: []models.CountFormLine{
		{VariantID: strID(mug), Counted: "abc"}, {Product: "NOPE", Counted: "1"}}}, 0)
	f := models.FieldErrors(err)
	if f["lines.0.counted"] == "" || f["lines.1.product"] == "" {
		t.Fatalf("problems %v", f)
	}
	// A lot-tracked row without a lot is refused on its row (engine check, remapped).
	_, err = models.ApplyCountForm(e.ctx, e.db, models.CountForm{LocationID: strID(stock), Lines: []models.CountFormLine{
		{}, {Product: wineSKU, Counted: "1"}}}, 0)
	if f := models.FieldErrors(err); f["lines.1.lot"] == "" {
		t.Fatalf("lot missing: %v", err)
	}
	if q, _ := e.quantIn(mug, stock); !q.Equal(dd(5)) {
		t.Fatalf("mug on hand %s after refused counts", q)
	}
	out, err := models.ApplyCountForm(e.ctx, e.db, models.CountForm{LocationID: strID(stock), Lines: []models.CountFormLine{
		{VariantID: strID(mug), Counted: "3"}, {VariantID: strID(wine), Lot: "L-1", Counted: "2"}}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Lines) != 2 || !out.Lines[0].Difference.Equal(dd(-2)) || out.Lines[0].MoveID == 0 || out.Lines[1].MoveID != 0 {
		t.Fatalf("outcome %+v", out.Lines)
	}
	if q, _ := e.quantIn(mug, stock); !q.Equal(dd(3)) {
		t.Fatalf("mug on hand %s, want 3", q)
	}
	e.assertBooks()
}

func TestValidateTransferNotEnoughStockOnLine(t *testing.T) {
	e := newStockEnv(t, 1)
	mug := e.product("Mug", models.TrackingNone)
	e.count(mug, *e.wh.StockLocationID, 3, "")
	out := e.deliver(demand(mug, 5))[0]
	l := e.lines(out.ID)[0]
	_, err := models.ValidateTransfer(e.ctx, e.db, out.ID, models.ValidateForm{Done: map[int64]string{l.ID: "5"}}, 0)
	if got := models.FieldErrors(err)["done."+strID(l.ID)]; !strings.Contains(got, "Not enough stock") {
		t.Fatalf("done 5 with 3 on hand: %v", err)
	}
	e.assertBooks()
}

// The last step of a 2-step chain validated in part with a backorder: the
// units the pick brought to Output for the rest should stay reserved for
// the backorder, which is then ready.
func TestChainedBackorderKeepsWhatThePickBrought(t *testing.T) {
	e := newStockEnv(t, 2)
	mug := e.product("Mug", models.TrackingNone)
	e.count(mug, *e.wh.StockLocationID, 5, "")
	chain := e.deliver(demand(mug, 5))
	pick, ship := chain[0], chain[1]
	if _, err := models.ValidatePicking(e.ctx, e.db, pick.ID, models.ValidateInput{}, 0); err != nil {
		t.Fatal(err)
	}
	ls := e.lines(ship.ID)
	if len(ls) != 1 {
		t.Fatalf("ship lines %d", len(ls))
	}
	if _, err := models.ValidatePicking(e.ctx, e.db, ship.ID, models.ValidateInput{Done: map[int64]decimal.Decimal{ls[0].ID: dd(2)}, Backorder: models.BackorderCreate}, 0); err != nil {
		t.Fatal(err)
	}
	bo := e.backorderOf(ship.ID)
	if bo == nil {
		t.Fatal("no backorder")
	}
	_, reserved := e.quantIn(mug, *e.wh.OutputLocationID)
	t.Logf("backorder %s state %s, reserved at Output %s, open lines %d", bo.Name, bo.State, reserved, len(e.lines(bo.ID)))
	if bo.State != models.StateAssigned {
		t.Errorf("backorder state %s, want assigned: the 3 units at Output are there for it", bo.State)
	}
	e.assertBooks()
}
