package tests

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/shopspring/decimal"

	"orderflow/models"
	"orderflow/tests/browser"
	"orderflow/tests/testapp"
)

// ean13 completes a 12-digit payload with its check digit.
func ean13(payload string) string { return payload + fmt.Sprint(models.EANCheckDigit(payload)) }

// countEnv is a shelf with a counted pen and box, a lot-tracked wine and a
// lot-tracked cheese, and a warehouse worker on the handheld.
type countEnv struct {
	t               *testing.T
	app             *testapp.App
	c               *testapp.Client
	shelf           int64
	pen, box, wine  int64
	penEAN, wineEAN string
	penSKU, boxSKU  string
	cheeseLot       string
}

func newCountEnv(t *testing.T) *countEnv {
	t.Helper()
	ctx := context.Background()
	app := testapp.Start(t)
	wh := trWarehouse(t, app)
	loc, err := models.CreateLocation(ctx, app.DB, models.LocationInput{Name: "Count Shelf", ParentID: *wh.StockLocationID,
		Usage: models.UsageInternal, Barcode: "LOC-COUNT-1"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	e := &countEnv{t: t, app: app, shelf: loc.ID, penEAN: ean13("200000000017"), wineEAN: ean13("200000000024"),
		penSKU: "CNT-PEN", boxSKU: "CNT-BOX", cheeseLot: "CH-2026-1"}
	imgProduct(t, app.DB, "Count pen", "1", true, imgVariant{SKU: e.penSKU, Barcode: e.penEAN})
	imgProduct(t, app.DB, "Count box", "1", true, imgVariant{SKU: e.boxSKU})
	wine := imgProduct(t, app.DB, "Count wine", "1", true, imgVariant{SKU: "CNT-WINE", Barcode: e.wineEAN})
	cheese := imgProduct(t, app.DB, "Count cheese", "1", true, imgVariant{SKU: "CNT-CHEESE"})
	if _, err := app.DB.NewRaw("UPDATE product_templates SET tracking = 'lot' WHERE id IN (?, ?)", wine, cheese).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	e.pen, e.box, e.wine = e.variant("CNT-PEN"), e.variant("CNT-BOX"), e.variant("CNT-WINE")
	e.setStock(e.pen, 5, "")
	e.setStock(e.box, 7, "")
	e.setStock(e.variant("CNT-CHEESE"), 2, e.cheeseLot) // the lot exists, for the cheese only
	e.c = app.LoginAs(t, models.RoleWarehouse)
	return e
}

func (e *countEnv) variant(sku string) int64 {
	e.t.Helper()
	var id int64
	if err := e.app.DB.NewRaw("SELECT id FROM product_variants WHERE sku = ?", sku).Scan(context.Background(), &id); err != nil {
		e.t.Fatal(err)
	}
	return id
}

func (e *countEnv) setStock(variant int64, qty int64, lot string) {
	e.t.Helper()
	if _, err := models.ApplyInventoryCount(context.Background(), e.app.DB, models.CountInput{LocationID: e.shelf,
		Lines: []models.CountLine{{VariantID: variant, LotName: lot, Counted: decimal.NewFromInt(qty)}}}, 0); err != nil {
		e.t.Fatal(err)
	}
}

// onHand is the quantity of a variant (lot) on the shelf.
func (e *countEnv) onHand(variant int64, lot string) decimal.Decimal {
	e.t.Helper()
	var q decimal.Decimal
	err := e.app.DB.NewRaw(`SELECT coalesce(sum(q.quantity), 0) FROM stock_quants q LEFT JOIN stock_lots l ON l.id = q.lot_id
		WHERE q.variant_id = ? AND q.location_id = ? AND coalesce(l.name, '') = ?`, variant, e.shelf, lot).Scan(context.Background(), &q)
	if err != nil {
		e.t.Fatal(err)
	}
	return q
}

// scan posts a code like the scanner does and checks the status and text.
func (e *countEnv) scan(code string, status int, want string) *testapp.Response {
	e.t.Helper()
	r := e.c.PostForm("/scan/count/scan", url.Values{"code": {code}})
	if r.StatusCode != status {
		e.t.Fatalf("scan %q: %d, want %d\n%s", code, r.StatusCode, status, r.Body)
	}
	if !strings.Contains(r.Body, want) {
		e.t.Fatalf("scan %q: answer lacks %q\n%s", code, want, r.Body)
	}
	return r
}

var countLineRE = regexp.MustCompile(`data-testid="count-line" data-sku="([^"]*)" data-lot="([^"]*)" data-counted="([^"]*)"`)

// counted reads the lines of the count screen: "SKU/lot" -> counted.
func counted(body string) map[string]string {
	out := map[string]string{}
	for _, m := range countLineRE.FindAllStringSubmatch(body, -1) {
		out[m[1]+"/"+m[2]] = m[3]
	}
	return out
}

func wantCounted(t *testing.T, body string, want map[string]string) {
	t.Helper()
	got := counted(body)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("count lines %v, want %v", got, want)
	}
}

func TestScanCountLocationProductsApply(t *testing.T) {
	e := newCountEnv(t)
	r := e.c.Get("/scan/count")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("count screen: %d", r.StatusCode)
	}
	wantIn(t, r.Body, `data-testid="count-step-location"`, `id="scan-form"`, `action="/scan/count/scan"`)

	// A product before the location is refused.
	e.scan(e.penEAN, http.StatusUnprocessableEntity, "scan the location to count first")
	r = e.scan("LOC-COUNT-1", http.StatusOK, "Counting WH/Stock/Count Shelf")
	wantIn(t, r.Body, "Only the products you scan here are counted")

	// The pen by its EAN three times, then a GS1 code carrying 4 more.
	e.scan(e.penEAN, http.StatusOK, "Count pen: 1 counted.")
	e.scan(e.penEAN, http.StatusOK, "Count pen: 2 counted.")
	e.scan(strings.ToLower(e.penSKU), http.StatusOK, "Count pen: 3 counted.")
	r = e.scan("]C101"+"0"+e.penEAN+"304", http.StatusOK, "Count pen: 7 counted.")
	wantCounted(t, r.Body, map[string]string{e.penSKU + "/": "7"})

	// Wine is lot-tracked: a GS1 code gives product, lot and quantity at once.
	e.scan("(01)0"+e.wineEAN+"(10)LOT-A(30)2", http.StatusOK, "Count wine · LOT-A: 2 counted.")
	// Its barcode alone asks for the lot; the cheese's lot is refused.
	e.scan(e.wineEAN, http.StatusOK, "Now scan the lot of Count wine.")
	e.scan(e.cheeseLot, http.StatusUnprocessableEntity, "CH-2026-1 is a lot of Count cheese, not of Count wine.")
	r = e.scan("LOT-A", http.StatusOK, "Count wine · LOT-A: 3 counted.")
	wantCounted(t, r.Body, map[string]string{e.penSKU + "/": "7", "CNT-WINE/LOT-A": "3"})

	// Unknown codes and bad GS1 codes are refused in red and change nothing.
	r = e.scan("NOPE-123", http.StatusUnprocessableEntity, "Nothing has the code")
	wantIn(t, r.Body, `data-testid="scan-error"`)
	wantCounted(t, r.Body, map[string]string{e.penSKU + "/": "7", "CNT-WINE/LOT-A": "3"})
	e.scan("]C10109506000134353", http.StatusUnprocessableEntity, "invalid GTIN check digit")
	e.scan("(01)09506000134352", http.StatusUnprocessableEntity, "No product has the GTIN 09506000134352.")
	// Another location while counting this one is refused.
	if _, err := models.CreateLocation(t.Context(), e.app.DB, models.LocationInput{Name: "Other Shelf", ParentID: e.parent(), Usage: models.UsageInternal, Barcode: "LOC-OTHER"}, 0); err != nil {
		t.Fatal(err)
	}
	e.scan("LOC-OTHER", http.StatusUnprocessableEntity, "Apply or discard the count of WH/Stock/Count Shelf")

	// An HTMX scan answers with the feedback and the panel out of band.
	r = e.c.PostRaw("/scan/count/scan", url.Values{"code": {e.penEAN}, "_csrf": {e.c.CSRF()}}, http.Header{"Hx-Request": {"true"}})
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `data-scan-result="ok"`) || !strings.Contains(r.Body, `hx-swap-oob="true"`) || strings.Contains(r.Body, "<html") {
		t.Fatalf("htmx scan: %d\n%s", r.StatusCode, r.Body)
	}

	// Quantities are edited with the number input and the +/- buttons.
	r = e.c.PostForm("/scan/count/lines", url.Values{"qty.0": {"-1"}, "qty.1": {"3"}})
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `data-testid="error-qty.0"`) {
		t.Fatalf("negative quantity: %d\n%s", r.StatusCode, r.Body)
	}
	r = e.c.PostForm("/scan/count/lines", url.Values{"qty.0": {"6"}, "qty.1": {"3"}, "op": {"inc.0"}})
	if r.StatusCode != http.StatusOK {
		t.Fatalf("edit quantities: %d\n%s", r.StatusCode, r.Body)
	}
	r = e.c.PostForm("/scan/count/lines", url.Values{"qty.0": {"7"}, "qty.1": {"3"}, "op": {"dec.1"}})
	wantCounted(t, r.Body, map[string]string{e.penSKU + "/": "7", "CNT-WINE/LOT-A": "2"})

	// A reload keeps the count.
	r = e.c.Get("/scan/count")
	wantCounted(t, r.Body, map[string]string{e.penSKU + "/": "7", "CNT-WINE/LOT-A": "2"})
	wantIn(t, r.Body, "WH/Stock/Count Shelf")
	// Nothing was applied yet.
	wantDecimal(t, "pen before applying", e.onHand(e.pen, ""), 5)

	r = e.c.PostForm("/scan/count/apply", url.Values{})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/scan/count" {
		t.Fatalf("apply: %d %q\n%s", r.StatusCode, r.Header.Get("Location"), r.Body)
	}
	wantDecimal(t, "pen", e.onHand(e.pen, ""), 7)
	wantDecimal(t, "wine LOT-A", e.onHand(e.wine, "LOT-A"), 2)
	wantDecimal(t, "box (not scanned)", e.onHand(e.box, ""), 7)
	r = e.c.Get("/scan/count")
	wantIn(t, r.Body, "Count of WH/Stock/Count Shelf applied: 2 quantities changed, 0 unchanged.", `data-testid="count-step-location"`)

	// The adjustment is recorded with who counted.
	var who string
	if err := e.app.DB.NewRaw(`SELECT u.email FROM stock_move_lines l JOIN users u ON u.id = l.done_by
		WHERE l.variant_id = ? AND l.state = 'done' ORDER BY l.id DESC LIMIT 1`, e.pen).Scan(t.Context(), &who); err != nil {
		t.Fatal(err)
	}
	if who != "warehouse@example.com" {
		t.Errorf("adjustment done by %q", who)
	}
}

func (e *countEnv) parent() int64 {
	return *trWarehouse(e.t, e.app).StockLocationID
}

func TestScanCountRefusals(t *testing.T) {
	e := newCountEnv(t)
	e.scan("WH/Stock/Count Shelf", http.StatusOK, "Counting WH/Stock/Count Shelf") // by full name
	e.scan("NOPE", http.StatusUnprocessableEntity, "Nothing has the code")
	r := e.c.PostForm("/scan/count/apply", url.Values{})
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Scan at least one product") {
		t.Fatalf("apply an empty count: %d", r.StatusCode)
	}
	// Discard forgets the count; nothing changes in stock.
	e.scan(e.boxSKU, http.StatusOK, "Count box: 1 counted.")
	r = e.c.PostForm("/scan/count/discard", url.Values{})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("discard: %d", r.StatusCode)
	}
	wantDecimal(t, "box", e.onHand(e.box, ""), 7)
	r = e.c.Get("/scan/count")
	wantIn(t, r.Body, `data-testid="count-step-location"`, "Count discarded")
	// Sales users cannot count.
	if r := e.app.LoginAs(t, models.RoleSales).Get("/scan/count"); r.StatusCode != http.StatusForbidden {
		t.Errorf("sales on the count screen: %d", r.StatusCode)
	}
}

// A worker counts a shelf on a 412 px handheld with a wedge scanner: the
// location, two scans of the pen, "+" once, then applies the count.
func TestBrowserScanCount(t *testing.T) {
	e := newCountEnv(t)
	ctx := browser.New(t, browser.Handheld())
	for _, d := range models.DemoLogins {
		if d.Role == models.RoleWarehouse {
			browserLogin(t, ctx, e.app, d)
		}
	}
	browser.Navigate(t, ctx, e.app.URL+"/scan/count")
	browser.WaitFor(t, ctx, 5*time.Second, "the scan field focused",
		`window.orderflowScan && document.activeElement === document.getElementById("scan-input")`)
	browser.Screenshot(t, ctx, "count-start.png")

	browser.Do(t, ctx, browser.TypeKeys("LOC-COUNT-1"+kb.Enter))
	browser.WaitFor(t, ctx, 5*time.Second, "the location", `document.querySelector("[data-testid=count-location-name]")`)
	browser.Do(t, ctx, browser.TypeKeys(e.penEAN+kb.Enter+e.penEAN+kb.Enter))
	browser.WaitFor(t, ctx, 5*time.Second, "the pen counted twice", `document.querySelector("[data-testid=count-line][data-counted='2']")`)
	browser.Do(t, ctx, browser.TypeKeys("NOPE-1"+kb.Enter))
	browser.WaitFor(t, ctx, 5*time.Second, "the unknown code refused", `document.querySelector("#scan-feedback [data-scan-result=error]")`)
	// htmx wires the swapped-in form up when the swap settles; a person cannot tap faster.
	browser.WaitFor(t, ctx, 5*time.Second, "the lines form wired up", `document.querySelector("#count-lines")["htmx-internal-data"]`)
	browser.Do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=count-inc]`), chromedp.NodeVisible))
	browser.WaitFor(t, ctx, 5*time.Second, "3 after +", `document.querySelector("[data-testid=count-line][data-counted='3']")`)
	// Big enough for gloves: the +/- buttons and the apply button are at least 48 px.
	for _, css := range []string{"[data-testid=count-inc]", "[data-testid=count-dec]", "[data-testid=count-apply]"} {
		h := browser.Run(t, ctx, chromedp.Evaluate[float64](fmt.Sprintf(`document.querySelector(%q).getBoundingClientRect().height`, css)))
		if h < 48 {
			t.Errorf("%s is %.0f px high", css, h)
		}
	}
	if w := browser.Run(t, ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > browser.HandheldWidth {
		t.Errorf("the count screen is %d px wide on a %d px screen", w, browser.HandheldWidth)
	}
	browser.Screenshot(t, ctx, "count-lines.png")

	browser.ClickAndWait(t, ctx, `[data-testid=count-apply]`)
	if got := browser.Text(t, ctx, `[data-testid=flash]`); !strings.Contains(got, "Count of WH/Stock/Count Shelf applied") {
		t.Errorf("flash %q", got)
	}
	wantDecimal(t, "pen", e.onHand(e.pen, ""), 3)
	wantDecimal(t, "box (not scanned)", e.onHand(e.box, ""), 7)
	browser.Screenshot(t, ctx, "count-applied.png")
}
