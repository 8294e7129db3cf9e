package tests

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/shopspring/decimal"

	"orderflow/models"
	"orderflow/tests/testapp"
)

// trEnv is a running app with a warehouse and products to move.
type trEnv struct {
	t   *testing.T
	app *testapp.App
	ctx context.Context
	wh  *models.Warehouse
}

func newTrEnv(t *testing.T) *trEnv {
	t.Helper()
	app := testapp.Start(t)
	return &trEnv{t: t, app: app, ctx: context.Background(), wh: trWarehouse(t, app)}
}

// trWarehouse returns the main warehouse, creating it when the seed has none.
func trWarehouse(t *testing.T, app *testapp.App) *models.Warehouse {
	t.Helper()
	wh, err := models.SeedWarehouse(context.Background(), app.DB)
	if err != nil {
		t.Fatal(err)
	}
	return wh
}

var trSeq atomic.Int64

// trProduct creates a storable product with one variant and returns the
// variant id and its SKU.
func trProduct(t *testing.T, app *testapp.App, name, tracking string) (int64, string) {
	t.Helper()
	ctx := context.Background()
	tmpl := &models.ProductTemplate{Name: name, Type: models.ProductStorable, Tracking: tracking, InvoicePolicy: "ordered",
		ListPrice: decimal.NewFromInt(10), Active: true, Published: true}
	if _, err := app.DB.NewInsert().Model(tmpl).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	v := &models.ProductVariant{TemplateID: tmpl.ID, SKU: fmt.Sprintf("TR-%d-%d", tmpl.ID, trSeq.Add(1)), Active: true}
	if _, err := app.DB.NewInsert().Model(v).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	return v.ID, v.SKU
}

// sampleTransfer creates a ready receipt, for the role matrix.
func sampleTransfer(t *testing.T, app *testapp.App) int64 {
	t.Helper()
	wh := trWarehouse(t, app)
	v, _ := trProduct(t, app, "Sample crate", models.TrackingNone)
	pk, err := models.CreateReceipt(context.Background(), app.DB, models.ReceiptInput{WarehouseID: wh.ID,
		Lines: []models.DemandLine{{VariantID: v, Quantity: decimal.NewFromInt(2), Description: "Sample crate"}}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	return pk.ID
}

func (e *trEnv) stock(variantID int64, qty int64) {
	e.t.Helper()
	_, err := models.ApplyInventoryCount(e.ctx, e.app.DB, models.CountInput{LocationID: *e.wh.StockLocationID,
		Lines: []models.CountLine{{VariantID: variantID, Counted: decimal.NewFromInt(qty)}}}, 0)
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *trEnv) onHand(variantID int64) decimal.Decimal {
	e.t.Helper()
	var q decimal.Decimal
	err := e.app.DB.NewRaw(`SELECT coalesce(sum(q.quantity), 0) FROM stock_quants q JOIN stock_locations l ON l.id = q.location_id
		WHERE q.variant_id = ? AND l.usage = 'internal'`, variantID).Scan(e.ctx, &q)
	if err != nil {
		e.t.Fatal(err)
	}
	return q
}

func (e *trEnv) picking(id int64) *models.Picking {
	e.t.Helper()
	pk := new(models.Picking)
	if err := e.app.DB.NewSelect().Model(pk).Where("id = ?", id).Scan(e.ctx); err != nil {
		e.t.Fatal(err)
	}
	return pk
}

func (e *trEnv) count(query string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.app.DB.NewRaw(query, args...).Scan(e.ctx, &n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// openLines returns the open move lines of a transfer with their variant.
func (e *trEnv) openLines(pickingID int64) []models.MoveLine {
	e.t.Helper()
	var ls []models.MoveLine
	if err := e.app.DB.NewSelect().Model(&ls).Where("picking_id = ? AND state = 'open'", pickingID).Order("id").Scan(e.ctx); err != nil {
		e.t.Fatal(err)
	}
	return ls
}

// pickingIDFrom reads the transfer id of a redirect to /office/transfers/<id>.
func pickingIDFrom(t *testing.T, r *testapp.Response) int64 {
	t.Helper()
	loc := r.Header.Get("Location")
	var id int64
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/office/transfers/") {
		t.Fatalf("status %d, Location %q, want a redirect to a transfer; body:\n%s", r.StatusCode, loc, r.Body)
	}
	if _, err := fmt.Sscanf(strings.TrimPrefix(loc, "/office/transfers/"), "%d", &id); err != nil {
		t.Fatalf("Location %q: %v", loc, err)
	}
	return id
}

func wantIn(t *testing.T, body string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(body, s) {
			t.Errorf("page lacks %q", s)
		}
	}
}

func wantDecimal(t *testing.T, what string, got decimal.Decimal, want int64) {
	t.Helper()
	if !got.Equal(decimal.NewFromInt(want)) {
		t.Errorf("%s = %s, want %d", what, got, want)
	}
}

func TestTransferReceiptThroughForms(t *testing.T) {
	e := newTrEnv(t)
	mug, mugSKU := trProduct(t, e.app, "Mug", models.TrackingNone)
	wine, wineSKU := trProduct(t, e.app, "Wine", models.TrackingLot)
	admin := e.app.LoginAs(t, models.RoleAdmin)
	wh := fmt.Sprint(e.wh.ID)

	r := admin.Get("/office/transfers/new-receipt")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("new receipt form: %d", r.StatusCode)
	}
	wantIn(t, r.Body, `data-testid="transfer-form"`, `name="lines.0.product"`, mugSKU)

	// Bad input: 422, messages next to the rows, nothing saved.
	r = admin.PostForm("/office/transfers/new-receipt", url.Values{"warehouse": {wh}, "rows": {"3"},
		"lines.0.product": {"NO-SUCH-SKU"}, "lines.0.quantity": {"2"},
		"lines.2.product": {mugSKU}, "lines.2.quantity": {"-1"}, "scheduled_date": {"tomorrow"}})
	if r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad receipt: %d, want 422", r.StatusCode)
	}
	wantIn(t, r.Body, `data-testid="error-lines.0.product"`, `data-testid="error-lines.2.quantity"`, `data-testid="error-scheduled_date"`,
		`value="NO-SUCH-SKU"`)
	r = admin.PostForm("/office/transfers/new-receipt", url.Values{"warehouse": {wh}, "rows": {"2"}})
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Add at least one product.") {
		t.Fatalf("empty receipt: %d", r.StatusCode)
	}
	if n := e.count("SELECT count(*) FROM stock_pickings"); n != 0 {
		t.Fatalf("%d transfers saved by refused forms", n)
	}

	// "Add a row" re-renders the form with one more row, nothing saved.
	r = admin.PostForm("/office/transfers/new-receipt", url.Values{"warehouse": {wh}, "rows": {"2"}, "add_row": {"1"},
		"lines.0.product": {mugSKU}, "lines.0.quantity": {"10"}})
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `name="lines.2.product"`) || !strings.Contains(r.Body, `value="`+mugSKU+`"`) {
		t.Fatalf("add a row: %d", r.StatusCode)
	}

	r = admin.PostForm("/office/transfers/new-receipt", url.Values{"warehouse": {wh}, "rows": {"3"}, "origin": {"PO00042"},
		"lines.0.product": {mugSKU}, "lines.0.quantity": {"10"},
		"lines.1.product": {strings.ToLower(wineSKU)}, "lines.1.quantity": {"4"}})
	id := pickingIDFrom(t, r)
	r = admin.Get(fmt.Sprintf("/office/transfers/%d", id))
	if r.StatusCode != http.StatusOK {
		t.Fatalf("receipt page: %d", r.StatusCode)
	}
	wantIn(t, r.Body, "PO00042", `data-testid="validate-form"`, `data-testid="lot-input"`, "Ready")

	lines := e.openLines(id)
	form := url.Values{}
	var wineLine int64
	for _, l := range lines {
		form.Set(fmt.Sprintf("done.%d", l.ID), l.ReservedQuantity.String())
		if l.VariantID == wine {
			wineLine = l.ID
		}
	}
	// A lot-tracked product without its lot: refused on that line.
	r = admin.PostForm(fmt.Sprintf("/office/transfers/%d/validate", id), form)
	if r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("validate without lot: %d, want 422", r.StatusCode)
	}
	wantIn(t, r.Body, fmt.Sprintf(`data-testid="error-lot.%d"`, wineLine))
	if got := e.picking(id).State; got != models.StateAssigned {
		t.Fatalf("state %s after a refused validation", got)
	}
	// More than the demand: refused on the line.
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set(fmt.Sprintf("done.%d", wineLine), "5")
	bad.Set(fmt.Sprintf("lot.%d", wineLine), "LOT-A")
	r = admin.PostForm(fmt.Sprintf("/office/transfers/%d/validate", id), bad)
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, fmt.Sprintf(`data-testid="error-done.%d"`, wineLine)) ||
		!strings.Contains(r.Body, "More than the demand") {
		t.Fatalf("more than demand: %d", r.StatusCode)
	}
	wantDecimal(t, "mug on hand after refusals", e.onHand(mug), 0)

	form.Set(fmt.Sprintf("lot.%d", wineLine), "LOT-A")
	r = admin.PostForm(fmt.Sprintf("/office/transfers/%d/validate", id), form)
	if got := pickingIDFrom(t, r); got != id {
		t.Fatalf("redirected to %d", got)
	}
	if got := e.picking(id).State; got != models.StateDone {
		t.Fatalf("state %s after validation, want done", got)
	}
	wantDecimal(t, "mug on hand", e.onHand(mug), 10)
	wantDecimal(t, "wine on hand", e.onHand(wine), 4)
	if n := e.count("SELECT count(*) FROM stock_quants q JOIN stock_lots l ON l.id = q.lot_id WHERE l.name = 'LOT-A' AND q.quantity = 4"); n != 1 {
		t.Errorf("lot LOT-A quants with 4: %d", n)
	}

	// The same submit again (a double click): stock changes once.
	r = admin.PostForm(fmt.Sprintf("/office/transfers/%d/validate", id), form)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("second validate: %d", r.StatusCode)
	}
	wantDecimal(t, "mug on hand after a double submit", e.onHand(mug), 10)
	r = admin.Get(fmt.Sprintf("/office/transfers/%d", id))
	wantIn(t, r.Body, "already validated", "Done", `data-testid="transfer-validated-by"`, "LOT-A")
	if strings.Contains(r.Body, `data-testid="validate-form"`) {
		t.Errorf("a done transfer still offers validation")
	}
}

func TestTransferDeliveryBackorderQuestion(t *testing.T) {
	e := newTrEnv(t)
	mug, mugSKU := trProduct(t, e.app, "Mug", models.TrackingNone)
	e.stock(mug, 3)
	admin := e.app.LoginAs(t, models.RoleAdmin)

	r := admin.PostForm("/office/transfers/new-delivery", url.Values{"warehouse": {fmt.Sprint(e.wh.ID)}, "rows": {"1"},
		"origin": {"S00077"}, "lines.0.product": {mugSKU}, "lines.0.quantity": {"5"}})
	id := pickingIDFrom(t, r)
	r = admin.Get(fmt.Sprintf("/office/transfers/%d", id))
	wantIn(t, r.Body, "Partially available", "S00077")
	pk := e.picking(id)
	if pk.State != models.StateAssigned || !pk.PartiallyAvailable {
		t.Fatalf("delivery of 5 with 3 on hand: %s partial=%v", pk.State, pk.PartiallyAvailable)
	}
	lines := e.openLines(id)
	if len(lines) != 1 {
		t.Fatalf("%d open lines", len(lines))
	}
	form := url.Values{fmt.Sprintf("done.%d", lines[0].ID): {"2"}}

	// Less than the demand: the page asks about a backorder, nothing changes.
	r = admin.PostForm(fmt.Sprintf("/office/transfers/%d/validate", id), form)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("short validation: %d", r.StatusCode)
	}
	wantIn(t, r.Body, `data-testid="backorder-question"`, "You processed less than the demand.", "Create a backorder for the rest?",
		`data-testid="backorder-create"`, `data-testid="backorder-cancel"`, fmt.Sprintf(`name="done.%d" type="text" inputmode="decimal" value="2"`, lines[0].ID))
	if e.picking(id).State != models.StateAssigned {
		t.Fatalf("the question changed the transfer")
	}
	wantDecimal(t, "on hand before the answer", e.onHand(mug), 3)

	form.Set("backorder", "create")
	r = admin.PostForm(fmt.Sprintf("/office/transfers/%d/validate", id), form)
	pickingIDFrom(t, r)
	if got := e.picking(id).State; got != models.StateDone {
		t.Fatalf("state %s, want done", got)
	}
	wantDecimal(t, "on hand", e.onHand(mug), 1)
	bo := new(models.Picking)
	if err := e.app.DB.NewSelect().Model(bo).Where("backorder_id = ?", id).Scan(e.ctx); err != nil {
		t.Fatalf("no backorder: %v", err)
	}
	r = admin.Get(fmt.Sprintf("/office/transfers/%d", id))
	wantIn(t, r.Body, `data-testid="backorders"`, bo.Name, "backorder "+bo.Name+" created")
	r = admin.Get(fmt.Sprintf("/office/transfers/%d", bo.ID))
	wantIn(t, r.Body, `data-testid="backorder-of"`, pk.Name)
	r = admin.Get("/office/transfers?q=" + url.QueryEscape("S00077"))
	wantIn(t, r.Body, pk.Name, bo.Name)

	// Cancel the backorder after confirming: its reservation is released.
	r = admin.Get(fmt.Sprintf("/office/transfers/%d?confirm=cancel", bo.ID))
	wantIn(t, r.Body, `data-testid="cancel-confirm"`)
	r = admin.PostForm(fmt.Sprintf("/office/transfers/%d/cancel", bo.ID), nil)
	pickingIDFrom(t, r)
	if got := e.picking(bo.ID).State; got != models.StateCancel {
		t.Fatalf("backorder state %s, want cancel", got)
	}
	if n := e.count("SELECT count(*) FROM stock_quants WHERE variant_id = ? AND reserved_quantity > 0", mug); n != 0 {
		t.Errorf("%d quants still reserved", n)
	}
}

func TestTransferSalesSeesButCannotAct(t *testing.T) {
	e := newTrEnv(t)
	id := sampleTransfer(t, e.app)
	sales := e.app.LoginAs(t, models.RoleSales)
	r := sales.Get("/office/transfers")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("sales on the list: %d", r.StatusCode)
	}
	if strings.Contains(r.Body, `data-testid="new-receipt"`) {
		t.Errorf("sales is offered a new receipt")
	}
	r = sales.Get(fmt.Sprintf("/office/transfers/%d", id))
	if r.StatusCode != http.StatusOK {
		t.Fatalf("sales on a transfer: %d", r.StatusCode)
	}
	for _, s := range []string{`data-testid="validate-form"`, `data-testid="transfer-actions"`} {
		if strings.Contains(r.Body, s) {
			t.Errorf("sales sees %s", s)
		}
	}
	for _, a := range []string{"validate", "reserve", "unreserve", "cancel"} {
		if r := sales.PostForm(fmt.Sprintf("/office/transfers/%d/%s", id, a), nil); r.StatusCode != http.StatusForbidden {
			t.Errorf("sales POST %s: %d, want 403", a, r.StatusCode)
		}
	}
	if r := sales.Get("/office/transfers/new-delivery"); r.StatusCode != http.StatusForbidden {
		t.Errorf("sales on new delivery: %d", r.StatusCode)
	}
	if got := e.picking(id).State; got != models.StateAssigned {
		t.Errorf("state %s after refused actions", got)
	}
	// The warehouse user may act.
	wh := e.app.LoginAs(t, models.RoleWarehouse)
	if r := wh.PostForm(fmt.Sprintf("/office/transfers/%d/validate", id), nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("warehouse validates: %d", r.StatusCode)
	}
	if got := e.picking(id).State; got != models.StateDone {
		t.Errorf("state %s, want done", got)
	}
}

func TestTransferListFiltersOverHTTP(t *testing.T) {
	e := newTrEnv(t)
	rc := sampleTransfer(t, e.app)
	mug, _ := trProduct(t, e.app, "Mug", models.TrackingNone)
	out, err := models.CreateDeliveryChain(e.ctx, e.app.DB, models.ProcurementInput{WarehouseID: e.wh.ID, Origin: "S1",
		Lines: []models.DemandLine{{VariantID: mug, Quantity: decimal.NewFromInt(1), Description: "Mug"}}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	admin := e.app.LoginAs(t, models.RoleAdmin)
	r := admin.Get("/office/transfers?kind=receipt")
	wantIn(t, r.Body, e.picking(rc).Name, `data-testid="overview-receipt"`)
	if strings.Contains(r.Body, out[0].Name) {
		t.Errorf("receipts list shows the delivery %s", out[0].Name)
	}
	r = admin.Get("/office/transfers?state=confirmed")
	if !strings.Contains(r.Body, out[0].Name) || strings.Contains(r.Body, e.picking(rc).Name) {
		t.Errorf("waiting filter: wrong rows")
	}
	// An HTMX request of the filter form gets the page too (hx-select picks the rows).
	r = admin.Do(http.MethodGet, "/office/transfers?q=S1", nil, http.Header{"HX-Request": {"true"}})
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `id="transfer-rows"`) {
		t.Errorf("htmx filter: %d", r.StatusCode)
	}
	if r := admin.Get("/office/transfers/999999"); r.StatusCode != http.StatusNotFound {
		t.Errorf("missing transfer: %d", r.StatusCode)
	}
}

func TestInventoryCountThroughForms(t *testing.T) {
	e := newTrEnv(t)
	mug, mugSKU := trProduct(t, e.app, "Mug", models.TrackingNone)
	wine, wineSKU := trProduct(t, e.app, "Wine", models.TrackingLot)
	e.stock(mug, 5)
	admin := e.app.LoginAs(t, models.RoleAdmin)
	stock := fmt.Sprint(*e.wh.StockLocationID)

	r := admin.Get("/office/counts/new")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("count page: %d", r.StatusCode)
	}
	wantIn(t, r.Body, `data-testid="count-location"`, "WH/Stock")
	r = admin.Get("/office/counts/new?location=" + stock)
	wantIn(t, r.Body, `data-testid="count-form"`, `name="lines.0.variant_id"`)
	_, row, _ := strings.Cut(r.Body, `data-sku="`+mugSKU+`"`)
	row, _, _ = strings.Cut(row, "</tr>")
	if !strings.Contains(row, `inputmode="decimal" value="5"`) || !strings.Contains(row, `data-testid="count-theoretical">5</td>`) {
		t.Errorf("the mug row is not prefilled with its 5 on hand: %s", row)
	}

	// Bad input: 422 on the rows, nothing saved.
	r = admin.PostForm("/office/counts", url.Values{"location_id": {stock}, "rows": {"3"},
		"lines.0.variant_id": {fmt.Sprint(mug)}, "lines.0.counted": {"lots"},
		"lines.1.product": {wineSKU}, "lines.1.counted": {"2"}})
	if r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad count: %d", r.StatusCode)
	}
	wantIn(t, r.Body, `data-testid="error-lines.0.counted"`)
	wantDecimal(t, "mug after a refused count", e.onHand(mug), 5)
	r = admin.PostForm("/office/counts", url.Values{"location_id": {stock}, "rows": {"2"},
		"lines.0.variant_id": {fmt.Sprint(mug)}, "lines.0.counted": {"5"},
		"lines.1.product": {wineSKU}, "lines.1.counted": {"2"}})
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `data-testid="error-lines.1.lot"`) {
		t.Fatalf("tracked product without a lot: %d", r.StatusCode)
	}
	wantDecimal(t, "wine after a refused count", e.onHand(wine), 0)

	// Preview shows the difference without saving.
	r = admin.PostForm("/office/counts", url.Values{"location_id": {stock}, "rows": {"1"}, "preview": {"1"},
		"lines.0.variant_id": {fmt.Sprint(mug)}, "lines.0.counted": {"3"}})
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, ">-2</td>") {
		t.Fatalf("preview: %d", r.StatusCode)
	}
	wantDecimal(t, "mug after a preview", e.onHand(mug), 5)

	r = admin.PostForm("/office/counts", url.Values{"location_id": {stock}, "rows": {"2"},
		"lines.0.variant_id": {fmt.Sprint(mug)}, "lines.0.counted": {"3"},
		"lines.1.product": {wineSKU}, "lines.1.lot": {"L-9"}, "lines.1.counted": {"2"}})
	if r.StatusCode != http.StatusOK {
		t.Fatalf("apply count: %d\n%s", r.StatusCode, r.Body)
	}
	wantIn(t, r.Body, `data-testid="count-applied"`, `data-testid="count-result"`, "L-9", ">-2</td>", ">+2</td>", "Adjustment move #")
	wantDecimal(t, "mug counted", e.onHand(mug), 3)
	wantDecimal(t, "wine counted", e.onHand(wine), 2)

	if r := e.app.LoginAs(t, models.RoleSales).PostForm("/office/counts", url.Values{"location_id": {stock}}); r.StatusCode != http.StatusForbidden {
		t.Errorf("sales applies a count: %d", r.StatusCode)
	}
}
