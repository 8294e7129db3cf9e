package tests

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/shopspring/decimal"

	"orderflow/models"
	"orderflow/tests/testapp"
)

// scanClient is the warehouse worker's client, with a CSRF token.
func scanClient(t *testing.T, app *testapp.App) *testapp.Client {
	t.Helper()
	c := app.LoginAs(t, models.RoleWarehouse)
	if r := c.Get("/scan"); r.StatusCode != http.StatusOK {
		t.Fatalf("/scan: %d", r.StatusCode)
	}
	return c
}

// hx posts a form the way htmx does on the handheld.
func hx(t *testing.T, c *testapp.Client, path string, form url.Values) *testapp.Response {
	t.Helper()
	form.Set("_csrf", c.CSRF())
	return c.PostRaw(path, form, http.Header{"Hx-Request": {"true"}})
}

func scanDoc(t *testing.T, body string) *goquery.Document {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func scanLineDone(t *testing.T, app *testapp.App, pickingID int64) decimal.Decimal {
	t.Helper()
	var d decimal.Decimal
	if err := app.DB.NewRaw("SELECT coalesce(sum(quantity_done), 0) FROM stock_move_lines WHERE picking_id = ?", pickingID).Scan(context.Background(), &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// scanDelivery puts qty units of a new product in stock and creates a
// delivery of want of them.
func scanDelivery(t *testing.T, app *testapp.App, name string, stock, want int64) (pk *models.Picking, variantID int64, sku string) {
	t.Helper()
	ctx := context.Background()
	wh := trWarehouse(t, app)
	variantID, sku = trProduct(t, app, name, models.TrackingNone)
	if _, err := models.ApplyInventoryCount(ctx, app.DB, models.CountInput{LocationID: *wh.StockLocationID,
		Lines: []models.CountLine{{VariantID: variantID, Counted: decimal.NewFromInt(stock)}}}, 0); err != nil {
		t.Fatal(err)
	}
	pks, err := models.CreateDeliveryChain(ctx, app.DB, models.ProcurementInput{WarehouseID: wh.ID, Origin: "TEST",
		Lines: []models.DemandLine{{VariantID: variantID, Quantity: decimal.NewFromInt(want), Description: name}}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	return pks[0], variantID, sku
}

// The home screen counts the ready transfers per operation; a scanned code
// opens what it stands for, and an unknown one says so.
func TestScanHomeAndLookup(t *testing.T) {
	app := testapp.Start(t)
	ctx := context.Background()
	wh := trWarehouse(t, app)
	v, sku := trProduct(t, app, "Lookup crate", models.TrackingNone)
	rc, err := models.CreateReceipt(ctx, app.DB, models.ReceiptInput{WarehouseID: wh.ID,
		Lines: []models.DemandLine{{VariantID: v, Quantity: decimal.NewFromInt(2), Description: "Lookup crate"}}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	c := scanClient(t, app)
	r := c.Get("/scan")
	doc := scanDoc(t, r.Body)
	var ready int
	if err := app.DB.NewRaw(`SELECT count(*) FROM stock_pickings sp JOIN picking_types pty ON pty.id = sp.picking_type_id
		WHERE pty.kind = 'receipt' AND sp.state = 'assigned'`).Scan(ctx, &ready); err != nil {
		t.Fatal(err)
	}
	tile := doc.Find(`[data-testid=op-receipt]`)
	if got := strings.TrimSpace(tile.Find(`[data-testid=op-ready]`).Text()); got != itoa(int64(ready)) || ready == 0 {
		t.Fatalf("receipts tile shows %q ready, want %d", got, ready)
	}
	if doc.Find(`[data-testid=op-count]`).AttrOr("href", "") != "/scan/count" {
		t.Error("no link to the inventory count")
	}

	lookup := func(code string) *testapp.Response {
		t.Helper()
		return c.PostForm("/scan/lookup", url.Values{"code": {code}})
	}
	if r := lookup(rc.Name); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/scan/transfers/"+itoa(rc.ID) {
		t.Fatalf("transfer name: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	if r := hx(t, c, "/scan/lookup", url.Values{"code": {sku}}); r.StatusCode != http.StatusNoContent || r.Header.Get("HX-Redirect") != "/scan/transfers?product="+itoa(v) {
		t.Fatalf("product: %d %q", r.StatusCode, r.Header.Get("HX-Redirect"))
	}
	if r := c.Get("/scan/transfers?product=" + itoa(v)); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `data-name="`+rc.Name+`"`) {
		t.Fatalf("transfers needing the product: %d", r.StatusCode)
	}
	if r := lookup("WH-STOCK"); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/scan/transfers?location=") {
		t.Fatalf("location: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	r = hx(t, c, "/scan/lookup", url.Values{"code": {"NOPE-42"}})
	if r.StatusCode != http.StatusNotFound || !strings.Contains(r.Body, `data-scan-result="error"`) || !strings.Contains(r.Body, "NOPE-42") {
		t.Fatalf("unknown code: %d %s", r.StatusCode, r.Body)
	}
	if r := hx(t, c, "/scan/lookup", url.Values{"code": {"  "}}); r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("empty code: %d", r.StatusCode)
	}
	var typeID int64
	if err := app.DB.NewRaw("SELECT picking_type_id FROM stock_pickings WHERE id = ?", rc.ID).Scan(ctx, &typeID); err != nil {
		t.Fatal(err)
	}
	r = c.Get("/scan/types/" + itoa(typeID))
	doc = scanDoc(t, r.Body)
	if r.StatusCode != http.StatusOK || doc.Find(`[data-testid=list-ready] [data-name="`+rc.Name+`"]`).Length() != 1 {
		t.Fatalf("receipts list: %d", r.StatusCode)
	}
	if r := c.Get("/scan/types/999999"); r.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown operation type: %d", r.StatusCode)
	}
}

// The transfer screen over HTTP: refused scans answer 422 and change
// nothing; accepted ones answer the feedback with the new state and lines
// out of band; lines, pack, tracking number and validation.
func TestScanTransferScreen(t *testing.T) {
	app := testapp.Start(t)
	pk, _, sku := scanDelivery(t, app, "Screen mug", 5, 2)
	_, otherSKU := trProduct(t, app, "Not in it", models.TrackingNone)
	c := scanClient(t, app)
	base := "/scan/transfers/" + itoa(pk.ID)

	r := c.Get(base)
	doc := scanDoc(t, r.Body)
	if r.StatusCode != http.StatusOK || doc.Find(`[data-testid=line][data-sku="`+sku+`"]`).Length() != 1 {
		t.Fatalf("transfer screen: %d", r.StatusCode)
	}
	if poll := doc.Find(`#scan-lines`); poll.AttrOr("hx-trigger", "") != "every 3s" || poll.AttrOr("hx-get", "") != base+"/lines" {
		t.Fatal("the lines do not refresh every 3 s")
	}
	if doc.Find(`[data-testid=validate]`).Length() != 1 || doc.Find(`[data-testid=tracking]`).Length() != 1 {
		t.Fatal("no validate button or tracking number on a delivery")
	}

	r = hx(t, c, base+"/scan", url.Values{"code": {otherSKU}})
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "is not in this transfer") || !strings.Contains(r.Body, `data-scan-result="error"`) {
		t.Fatalf("wrong product: %d %s", r.StatusCode, r.Body)
	}
	if d := scanLineDone(t, app, pk.ID); !d.IsZero() {
		t.Fatalf("a refused scan counted %s", d)
	}
	r = hx(t, c, base+"/scan", url.Values{"code": {"WH-STOCK"}})
	doc = scanDoc(t, r.Body)
	loc := doc.Find(`#scan-state input[name=location_id]`).AttrOr("value", "")
	if r.StatusCode != http.StatusOK || loc == "" || doc.Find(`#scan-state`).AttrOr("hx-swap-oob", "") != "true" {
		t.Fatalf("location scan: %d %s", r.StatusCode, r.Body)
	}
	r = hx(t, c, base+"/scan", url.Values{"code": {sku}, "location_id": {loc}, "location_name": {"WH/Stock"}})
	doc = scanDoc(t, r.Body)
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "Screen mug: 1 / 2") ||
		doc.Find(`#scan-lines[hx-swap-oob] [data-testid=line].st-line-hit`).AttrOr("data-done", "") != "1" {
		t.Fatalf("product scan: %d %s", r.StatusCode, r.Body)
	}
	lineID := doc.Find(`[data-testid=line]`).AttrOr("data-line", "")
	if r := hx(t, c, base+"/line", url.Values{"line": {lineID}, "action": {"set"}, "qty": {"3"}}); r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("typed more than the demand: %d", r.StatusCode)
	}
	r = hx(t, c, base+"/line", url.Values{"line": {lineID}, "action": {"all"}, "location_id": {loc}, "location_name": {"WH/Stock"}})
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "Screen mug: 2 / 2") {
		t.Fatalf("all: %d %s", r.StatusCode, r.Body)
	}
	if got := scanDoc(t, r.Body).Find(`#scan-state input[name=location_id]`).AttrOr("value", ""); got != loc {
		t.Fatalf("after a line action the screen forgot where the picker stands: %q", got)
	}
	// Another picker's screen sees the progress.
	other := app.LoginAs(t, models.RoleAdmin)
	r = other.Do(http.MethodGet, base+"/lines", nil, http.Header{"Hx-Request": {"true"}})
	if doc := scanDoc(t, r.Body); r.StatusCode != http.StatusOK || doc.Find(`[data-testid=progress]`).AttrOr("data-done", "") != "2" || strings.Contains(r.Body, "<html") {
		t.Fatalf("polled lines: %d %s", r.StatusCode, r.Body)
	}

	r = hx(t, c, base+"/pack", url.Values{})
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "Packed in PACK") || !strings.Contains(r.Body, "/scan/packages/") {
		t.Fatalf("put in pack: %d %s", r.StatusCode, r.Body)
	}
	if r := hx(t, c, base+"/pack", url.Values{}); r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("nothing left to pack: %d", r.StatusCode)
	}

	r = hx(t, c, base+"/tracking", url.Values{"carrier_tracking_ref": {"no spaces please"}})
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `data-testid="tracking-error"`) {
		t.Fatalf("bad tracking number: %d %s", r.StatusCode, r.Body)
	}
	if got := scanPicking(t, app, pk.ID).CarrierTrackingRef; got != "" {
		t.Fatalf("a refused tracking number was stored: %q", got)
	}
	// A carrier with a tracking URL makes the link.
	if _, err := app.DB.NewRaw(`UPDATE stock_pickings SET carrier_id = (SELECT id FROM carriers WHERE tracking_url LIKE '%{ref}%' ORDER BY id LIMIT 1) WHERE id = ?`, pk.ID).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	r = hx(t, c, base+"/tracking", url.Values{"carrier_tracking_ref": {"TRK/42"}})
	doc = scanDoc(t, r.Body)
	if href := doc.Find(`[data-testid=tracking-link]`).AttrOr("href", ""); r.StatusCode != http.StatusOK || !strings.Contains(href, "TRK%2F42") {
		t.Fatalf("tracking link %q (%d)", href, r.StatusCode)
	}
	if got := scanPicking(t, app, pk.ID).CarrierTrackingRef; got != "TRK/42" {
		t.Fatalf("tracking number %q", got)
	}

	r = hx(t, c, base+"/validate", url.Values{})
	if r.StatusCode != http.StatusNoContent || r.Header.Get("HX-Redirect") != base {
		t.Fatalf("validate: %d %q %s", r.StatusCode, r.Header.Get("HX-Redirect"), r.Body)
	}
	if got := scanPicking(t, app, pk.ID).State; got != models.StateDone {
		t.Fatalf("after validation %s", got)
	}
	// The Wi-Fi retry of the same POST: success again, nothing changes.
	if r := hx(t, c, base+"/validate", url.Values{}); r.StatusCode != http.StatusNoContent {
		t.Fatalf("validate again: %d", r.StatusCode)
	}
	r = c.Get(base)
	if doc := scanDoc(t, r.Body); doc.Find(`[data-testid=transfer-done]`).Length() != 1 || doc.Find(`#scan-form`).AttrOr("action", "") != "/scan/lookup" {
		t.Fatal("the done transfer still offers scanning")
	}
	if r := hx(t, c, base+"/scan", url.Values{"code": {sku}}); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "is done") {
		t.Fatalf("scan on a done transfer: %d", r.StatusCode)
	}
}

// Less than the demand: the screen asks about a backorder; the answer
// validates.
func TestScanValidateAsksBackorder(t *testing.T) {
	app := testapp.Start(t)
	pk, _, sku := scanDelivery(t, app, "Backorder mug", 5, 3)
	c := scanClient(t, app)
	base := "/scan/transfers/" + itoa(pk.ID)
	hx(t, c, base+"/scan", url.Values{"code": {sku}})
	r := hx(t, c, base+"/validate", url.Values{})
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `data-testid="backorder-dialog"`) || strings.Contains(r.Body, "<html") {
		t.Fatalf("validate 1 of 3: %d %s", r.StatusCode, r.Body)
	}
	if got := scanPicking(t, app, pk.ID).State; got == models.StateDone {
		t.Fatal("asking validated the transfer")
	}
	// Without JavaScript the whole screen comes back with the question.
	if r := c.PostForm(base+"/validate", url.Values{}); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `data-testid="backorder-dialog"`) || !strings.Contains(r.Body, "<html") {
		t.Fatalf("validate without htmx: %d", r.StatusCode)
	}
	r = hx(t, c, base+"/validate", url.Values{"backorder": {models.BackorderCreate}})
	if r.StatusCode != http.StatusNoContent {
		t.Fatalf("answer: %d %s", r.StatusCode, r.Body)
	}
	var bo models.Picking
	if err := app.DB.NewSelect().Model(&bo).Where("backorder_id = ?", pk.ID).Scan(context.Background()); err != nil {
		t.Fatalf("no backorder: %v", err)
	}
	r = c.Get(base)
	if !strings.Contains(r.Body, "backorder "+bo.Name+" created") || !strings.Contains(r.Body, `data-testid="backorder-link"`) {
		t.Fatalf("the screen does not say which backorder: %s", r.Body)
	}
}

func scanPicking(t *testing.T, app *testapp.App, id int64) *models.Picking {
	t.Helper()
	pk := new(models.Picking)
	if err := app.DB.NewSelect().Model(pk).Where("id = ?", id).Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	return pk
}

// The operation type form sets whether handheld scans may do more than the demand.
func TestOperationTypeAllowExtra(t *testing.T) {
	app := testapp.Start(t)
	ctx := context.Background()
	id := invSampleOperationType(t, app.DB)
	c := app.LoginAs(t, models.RoleAdmin)
	r := c.Get("/office/operation-types/" + itoa(id))
	doc := scanDoc(t, r.Body)
	box := doc.Find(`[data-testid=field-allow_extra] input[name=allow_extra]`)
	if box.Length() != 1 || box.AttrOr("checked", "none") != "none" {
		t.Fatalf("allow extra checkbox: %d", box.Length())
	}
	form := url.Values{"barcode": {doc.Find(`input[name=barcode]`).AttrOr("value", "")}, "create_backorder": {models.BackorderAsk},
		"allow_extra": {"1"}, "active": {"1"}}
	if r := c.PostForm("/office/operation-types/"+itoa(id), form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d %s", r.StatusCode, r.Body)
	}
	var allow bool
	if err := app.DB.NewRaw("SELECT allow_extra FROM picking_types WHERE id = ?", id).Scan(ctx, &allow); err != nil || !allow {
		t.Fatalf("allow_extra %v (%v)", allow, err)
	}
	if doc := scanDoc(t, c.Get("/office/operation-types/"+itoa(id)).Body); doc.Find(`input[name=allow_extra][checked]`).Length() != 1 {
		t.Fatal("the saved setting is not shown")
	}
}
