package tests

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/code128"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/shopspring/decimal"

	"orderflow/models"
	"orderflow/tests/browser"
	"orderflow/tests/testapp"
)

// scanShot saves what the handheld's screen shows (the viewport, with the
// bars fixed at the bottom where the worker sees them) in BROWSER_SHOTS.
func scanShot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("BROWSER_SHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err == nil {
		err = os.MkdirAll(dir, 0o755)
	}
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, strings.ReplaceAll(t.Name(), "/", "_")+"-"+name), png, 0o644)
	}
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
	}
}

// scanKeys plays the wedge scanner: the code and Enter, typed into
// whatever has the focus.
func scanKeys(t *testing.T, ctx context.Context, code string) {
	t.Helper()
	browser.Do(t, ctx, browser.TypeKeys(code+kb.Enter))
}

// waitResult waits for the feedback of the last scan and returns its text.
func waitResult(t *testing.T, ctx context.Context, kind, contains string) string {
	t.Helper()
	browser.WaitFor(t, ctx, 10*time.Second, kind+" feedback with "+contains,
		fmt.Sprintf(`(() => { const el = document.querySelector("#scan-feedback [data-scan-result=%s]"); return el && el.innerText.includes(%q); })()`, kind, contains))
	return browser.Text(t, ctx, "#scan-feedback [data-scan-result="+kind+"]")
}

func waitProgress(t *testing.T, ctx context.Context, done string) {
	t.Helper()
	browser.WaitFor(t, ctx, 10*time.Second, "progress "+done,
		fmt.Sprintf(`(() => { const p = document.querySelector("[data-testid=progress]"); return p && p.dataset.done === %q; })()`, done))
}

// waitAcrossPages waits until expression is true, across page loads (which
// break browser.WaitFor's polling).
func waitAcrossPages(t *testing.T, ctx context.Context, d time.Duration, what, expression string) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		step, cancel := context.WithTimeout(ctx, 2*time.Second)
		ok, err := chromedp.Run(step, chromedp.Evaluate[bool]("!!("+expression+")"))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("browser: waiting %v for %s (last error %v, page %s)", d, what, err, browser.URL(t, ctx))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// openTransfer waits until the browser shows the transfer screen of name.
func openTransfer(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	waitAcrossPages(t, ctx, 15*time.Second, "the screen of "+name,
		fmt.Sprintf(`(() => { const h = document.querySelector("[data-testid=transfer-name]"); return h && h.textContent.trim() === %q && window.orderflowScan && document.activeElement && (document.activeElement.id === "scan-input" || document.querySelector("[data-testid=transfer-done]")); })()`, name))
}

// validateHere taps Validate and waits for the validated screen.
func validateHere(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	browser.Do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=validate]`), chromedp.NodeVisible))
	waitAcrossPages(t, ctx, 15*time.Second, name+" validated",
		fmt.Sprintf(`(() => { const d = document.querySelector("[data-testid=transfer-done]"); const h = document.querySelector("[data-testid=transfer-name]"); return d && h && h.textContent.trim() === %q; })()`, name))
}

func browserWarehouseLogin(t *testing.T, ctx context.Context, app *testapp.App) {
	t.Helper()
	browserLogin(t, ctx, app, demoLogin(t, models.RoleWarehouse))
	if got := browser.Path(t, ctx); got != "/scan" {
		t.Fatalf("the warehouse user is on %s, want /scan", got)
	}
}

// scanPaidOrder creates a paid web order (models API, as the shop does) of
// qty units of each variant, and returns it with its transfers, first step first.
func scanPaidOrder(t *testing.T, app *testapp.App, lines map[int64]int) (*models.SaleOrder, []models.Picking) {
	t.Helper()
	ctx := context.Background()
	owner := models.CartOwner{}
	for v, q := range lines {
		cart, err := models.AddToCart(ctx, app.DB, owner, v, fmt.Sprint(q))
		if err != nil {
			t.Fatalf("add to cart: %v", err)
		}
		owner.CartID = cart.Order.ID
	}
	addr := models.AddressInput{Name: "Ada Shopper", Email: "ada@example.com", Street: "1 Main Street", City: "Ghent", Zip: "9000", CountryCode: "BE"}
	if _, err := models.SetCheckoutAddresses(ctx, app.DB, owner, models.CheckoutAddresses{Billing: addr}); err != nil {
		t.Fatalf("addresses: %v", err)
	}
	var carrierID int64
	if err := app.DB.NewRaw("SELECT id FROM carriers WHERE name = 'Standard delivery'").Scan(ctx, &carrierID); err != nil {
		t.Fatal(err)
	}
	if _, err := models.SetOrderCarrier(ctx, app.DB, owner.CartID, carrierID); err != nil {
		t.Fatalf("carrier: %v", err)
	}
	pl, err := models.PlaceOrder(ctx, app.DB, models.NoCustomerMail, owner.CartID, models.PlaceInput{Provider: models.ProviderTestCard}, 0)
	if err != nil {
		t.Fatalf("place: %v", err)
	}
	if _, err := models.SetTransactionState(ctx, app.DB, models.NoCustomerMail, pl.Transaction.Reference, models.TransactionUpdate{State: models.TxDone,
		Amount: pl.Order.AmountTotal, CurrencyCode: pl.Transaction.CurrencyCode}, 0); err != nil {
		t.Fatalf("pay: %v", err)
	}
	o, err := models.GetOrder(ctx, app.DB, owner.CartID)
	if err != nil || o.State != models.OrderSale || o.PaymentStatus != models.PaymentPaid {
		t.Fatalf("order %+v %v, want confirmed and paid", o, err)
	}
	var pks []models.Picking
	if err := app.DB.NewSelect().Model(&pks).Where("sale_order_id = ?", o.ID).Order("id DESC").Scan(ctx); err != nil {
		t.Fatal(err)
	}
	return o, pks
}

// TestBrowserScanPickPackShip plays a warehouse worker with a wedge scanner
// on a 412x915 handheld: a paid web order with a serial-numbered product
// goes through pick (put in a package), pack and ship (the package moves
// with one scan), each validated on the handheld, with a tracking number;
// the sales order ends delivered.
func TestBrowserScanPickPackShip(t *testing.T) {
	app := testapp.Start(t)
	ctx := context.Background()
	wh := trWarehouse(t, app)
	if _, err := models.UpdateWarehouse(ctx, app.DB, wh.ID, models.WarehouseInput{Name: wh.Name, DeliverySteps: 3}, 0); err != nil {
		t.Fatal(err)
	}
	mug, _ := trProduct(t, app, "Blue mug", models.TrackingNone)
	ean := "871234567890"
	ean += fmt.Sprint(models.EANCheckDigit(ean))
	if _, err := app.DB.NewRaw("UPDATE product_variants SET barcode = ? WHERE id = ?", ean, mug).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	drill, drillSKU := trProduct(t, app, "Cordless drill", models.TrackingSerial)
	_, err := models.ApplyInventoryCount(ctx, app.DB, models.CountInput{LocationID: *wh.StockLocationID, Lines: []models.CountLine{
		{VariantID: mug, Counted: decimal.NewFromInt(10)},
		{VariantID: drill, LotName: "SN-A1", Counted: decimal.NewFromInt(1)},
		{VariantID: drill, LotName: "SN-A2", Counted: decimal.NewFromInt(1)},
	}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	order, steps := scanPaidOrder(t, app, map[int64]int{mug: 2, drill: 1})
	if len(steps) != 3 {
		t.Fatalf("%d transfers for a 3-step warehouse", len(steps))
	}
	pick, pack, ship := steps[0], steps[1], steps[2]

	bctx := browser.New(t, browser.Handheld(), browser.Timeout(3*time.Minute))
	browserWarehouseLogin(t, bctx, app)
	browser.WaitFor(t, bctx, 5*time.Second, "the home screen", `window.orderflowScan && document.activeElement === document.getElementById("scan-input")`)
	if got := browser.Text(t, bctx, `[data-testid=op-pick] [data-testid=op-ready]`); got == "0" {
		t.Fatalf("the picks tile shows %s ready", got)
	}
	scanShot(t, bctx, "home.png")
	browser.ClickAndWait(t, bctx, `[data-testid=op-pick]`)
	if got := browser.Text(t, bctx, `[data-testid=list-ready] [data-testid=transfer-row]`); !strings.Contains(got, pick.Name) || !strings.Contains(got, order.Number()) {
		t.Errorf("the picks list shows %q", got)
	}
	scanShot(t, bctx, "picks.png")

	// Pick: scan the transfer's number, the location, the products, the serial.
	scanKeys(t, bctx, pick.Name)
	openTransfer(t, bctx, pick.Name)
	scanShot(t, bctx, "pick-start.png")
	scanKeys(t, bctx, "WH-STOCK")
	waitResult(t, bctx, "ok", "WH/Stock")
	// Two mugs scanned faster than the server answers: none is lost.
	scanKeys(t, bctx, ean)
	scanKeys(t, bctx, ean)
	waitProgress(t, bctx, "2")
	scanKeys(t, bctx, drillSKU)
	waitResult(t, bctx, "ok", "Scan the serial number of Cordless drill")
	scanKeys(t, bctx, "SN-A2") // not necessarily the reserved one: it is free, so it swaps
	waitResult(t, bctx, "ok", "Cordless drill: 1 / 1")
	waitProgress(t, bctx, "3")
	scanShot(t, bctx, "pick-green.png")
	scanKeys(t, bctx, "WH-OUTPUT")
	if msg := waitResult(t, bctx, "error", "outside"); !strings.Contains(msg, "WH/Output") {
		t.Errorf("wrong location message: %q", msg)
	}
	waitProgress(t, bctx, "3")
	scanShot(t, bctx, "pick-red.png")
	scanKeys(t, bctx, ean)
	waitResult(t, bctx, "error", "All 2 × Blue mug")

	browser.Do(t, bctx, chromedp.Click(chromedp.CSS(`[data-testid=put-in-pack]`), chromedp.NodeVisible))
	browser.WaitFor(t, bctx, 10*time.Second, "the package", `document.querySelector("[data-testid=packed-label]") && document.querySelector("[data-testid=package]")`)
	pkg := browser.Run(t, bctx, chromedp.Evaluate[string](`document.querySelector("[data-testid=package]").dataset.name`))
	if !strings.HasPrefix(pkg, "PACK") {
		t.Fatalf("package %q", pkg)
	}
	validateHere(t, bctx, pick.Name)
	if flash := browser.Text(t, bctx, `[data-testid=flash]`); !strings.Contains(flash, "validated") || !strings.Contains(flash, pack.Name) {
		t.Errorf("flash after the pick: %q", flash)
	}
	scanShot(t, bctx, "pick-done.png")

	// Pack: the package moves whole with one scan.
	browser.Do(t, bctx, chromedp.Click(chromedp.CSS(`[data-testid=next-step]`), chromedp.NodeVisible))
	openTransfer(t, bctx, pack.Name)
	scanKeys(t, bctx, pkg)
	waitResult(t, bctx, "ok", "Package "+pkg)
	waitProgress(t, bctx, "3")
	validateHere(t, bctx, pack.Name)

	// Ship: the package, the tracking number, validate.
	browser.Do(t, bctx, chromedp.Click(chromedp.CSS(`[data-testid=next-step]`), chromedp.NodeVisible))
	openTransfer(t, bctx, ship.Name)
	scanKeys(t, bctx, pkg)
	waitProgress(t, bctx, "3")
	browser.Do(t, bctx, chromedp.Click(chromedp.CSS(`[data-testid=tracking-input]`), chromedp.NodeVisible))
	scanKeys(t, bctx, "TRK-0099") // the worker tapped the field and scans the carrier's label
	browser.WaitFor(t, bctx, 10*time.Second, "the tracking link", `document.querySelector("[data-testid=tracking-link]")`)
	if href := browser.Run(t, bctx, chromedp.Evaluate[string](`document.querySelector("[data-testid=tracking-link]").href`)); !strings.Contains(href, "TRK-0099") {
		t.Errorf("tracking link %q", href)
	}
	scanShot(t, bctx, "ship-tracking.png")
	validateHere(t, bctx, ship.Name)
	scanShot(t, bctx, "ship-done.png")

	// The sales order is delivered: only the last step counted.
	o, err := models.GetOrder(ctx, app.DB, order.ID)
	if err != nil {
		t.Fatal(err)
	}
	if o.DeliveryStatus != models.DeliveryFull {
		t.Errorf("delivery status %s, want full", o.DeliveryStatus)
	}
	for _, l := range o.ProductLines() {
		if !l.QtyDelivered.Equal(l.Quantity) {
			t.Errorf("%s: delivered %s of %s", l.Description, l.QtyDelivered, l.Quantity)
		}
	}
	var ref, lot string
	if err := app.DB.NewRaw("SELECT carrier_tracking_ref FROM stock_pickings WHERE id = ?", ship.ID).Scan(ctx, &ref); err != nil || ref != "TRK-0099" {
		t.Errorf("tracking number %q (%v)", ref, err)
	}
	err = app.DB.NewRaw(`SELECT lot.name FROM stock_move_lines l JOIN stock_lots lot ON lot.id = l.lot_id
		WHERE l.picking_id = ? AND l.state = 'done'`, ship.ID).Scan(ctx, &lot)
	if err != nil || lot != "SN-A2" {
		t.Errorf("serial shipped %q (%v), want the one scanned", lot, err)
	}
}

// TestBrowserScanReceiveSmallScreen receives serial-numbered goods on a
// 360x740 phone: serials are captured, a serial twice is refused in red, and
// validating less than ordered asks about a backorder.
func TestBrowserScanReceiveSmallScreen(t *testing.T) {
	app := testapp.Start(t)
	ctx := context.Background()
	wh := trWarehouse(t, app)
	drill, drillSKU := trProduct(t, app, "Cordless drill", models.TrackingSerial)
	rc, err := models.CreateReceipt(ctx, app.DB, models.ReceiptInput{WarehouseID: wh.ID, Origin: "PO0042",
		Lines: []models.DemandLine{{VariantID: drill, Quantity: decimal.NewFromInt(3), Description: "Cordless drill"}}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	bctx := browser.New(t, browser.Size(360, 740))
	browserWarehouseLogin(t, bctx, app)
	scanShot(t, bctx, "home.png")
	browser.ClickAndWait(t, bctx, `[data-testid=op-receipt]`)
	scanShot(t, bctx, "receipts.png")
	scanKeys(t, bctx, rc.Name)
	openTransfer(t, bctx, rc.Name)
	scanKeys(t, bctx, drillSKU)
	waitResult(t, bctx, "ok", "Scan the serial number")
	scanKeys(t, bctx, "SN-R1")
	scanKeys(t, bctx, "SN-R2")
	waitProgress(t, bctx, "2")
	scanShot(t, bctx, "receipt-green.png")
	scanKeys(t, bctx, "SN-R1")
	waitResult(t, bctx, "error", "Serial SN-R1 is already scanned")
	scanShot(t, bctx, "receipt-red.png")
	if n := browser.Run(t, bctx, chromedp.Evaluate[int](`document.querySelectorAll("[data-testid=lot-chip]").length`)); n != 2 {
		t.Errorf("%d serial chips, want 2", n)
	}
	// The camera: no camera in a headless browser, the panel says so and closes.
	browser.Do(t, bctx, chromedp.Click(chromedp.CSS(`[data-testid=camera-button]`), chromedp.NodeVisible))
	browser.WaitFor(t, bctx, 10*time.Second, "the camera panel's status", `(() => { const p = document.querySelector("[data-testid=camera-panel]"); return p && !p.hidden && /camera/i.test(p.innerText) && !/Starting/.test(p.innerText); })()`)
	browser.Do(t, bctx, chromedp.Click(chromedp.CSS(`[data-testid=camera-close]`), chromedp.NodeVisible))
	// Where the browser has no BarcodeDetector the vendored ZXing build reads
	// the code (here from a picture of the product's Code128 label) and sends
	// it through the scan field like the wedge scanner.
	got := browser.Run(t, bctx, chromedp.Evaluate[string](`new Promise((resolve, reject) => {
			const s = document.createElement("script");
			s.src = document.querySelector("[data-camera-open]").dataset.zxing;
			s.onload = resolve; s.onerror = () => reject(new Error("zxing did not load"));
			document.head.appendChild(s);
		}).then(() => new ZXingBrowser.BrowserMultiFormatReader().decodeFromImageUrl(`+"`"+`data:image/png;base64,`+code128PNG(t, drillSKU)+"`"+`))
		.then((r) => { window.orderflowScan.submit(r.getText()); return r.getText(); })`, chromedp.EvalAwaitPromise))
	if got != drillSKU {
		t.Fatalf("ZXing read %q, want %q", got, drillSKU)
	}
	waitResult(t, bctx, "ok", "Scan the serial number")

	browser.Do(t, bctx, chromedp.Click(chromedp.CSS(`[data-testid=validate]`), chromedp.NodeVisible))
	// The question comes in the dialog (HTMX) or, when the click lands while
	// the lines refresh, on the page the plain form post returns.
	waitAcrossPages(t, bctx, 10*time.Second, "the backorder question", `document.querySelector("[data-testid=backorder-dialog]")`)
	scanShot(t, bctx, "validate-dialog.png")
	browser.Do(t, bctx, chromedp.Click(chromedp.CSS(`[data-testid=backorder-create]`), chromedp.NodeVisible))
	waitAcrossPages(t, bctx, 15*time.Second, "the receipt validated", `document.querySelector("[data-testid=transfer-done] [data-testid=backorder-link]")`)
	scanShot(t, bctx, "receipt-done.png")
	var lots []string
	if err := app.DB.NewRaw("SELECT name FROM stock_lots WHERE variant_id = ? ORDER BY name", drill).Scan(ctx, &lots); err != nil || strings.Join(lots, ",") != "SN-R1,SN-R2" {
		t.Fatalf("serials %v (%v)", lots, err)
	}
}

// code128PNG is a printed Code128 label of code with its quiet zone, as base64 PNG.
func code128PNG(t *testing.T, code string) string {
	t.Helper()
	bc, err := code128.Encode(code)
	if err != nil {
		t.Fatal(err)
	}
	scaled, err := barcode.Scale(bc, bc.Bounds().Dx()*3, 90)
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewRGBA(image.Rect(0, 0, scaled.Bounds().Dx()+60, 130))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.Draw(img, scaled.Bounds().Add(image.Pt(30, 20)), scaled, image.Point{}, draw.Src)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}
