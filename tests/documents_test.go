package tests

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"orderflow/models"
	"orderflow/tests/testapp"
)

// docEnv is a delivery of three products picked from two shelves, for a
// customer, with a carrier, a tracking number and a package.
type docEnv struct {
	app        *testapp.App
	pickingID  int64
	name       string
	packageID  int64
	pkgName    string
	shelfA     int64
	eanSKU     string
	plainSKU   string
	lotSKU     string
	lotName    string
	trackingID string
}

func newDocEnv(t *testing.T) *docEnv {
	t.Helper()
	ctx := context.Background()
	app := testapp.Start(t)
	e := &docEnv{app: app, trackingID: "1Z999AA10123456784", lotName: "LOT-2026-07"}
	wh := trWarehouse(t, app)
	shelf := func(name string) int64 {
		loc, err := models.CreateLocation(ctx, app.DB, models.LocationInput{Name: name, ParentID: *wh.StockLocationID, Usage: models.UsageInternal}, 0)
		if err != nil {
			t.Fatal(err)
		}
		return loc.ID
	}
	e.shelfA = shelf("Doc Shelf A")
	shelfB := shelf("Doc Shelf B")
	e.eanSKU, e.plainSKU, e.lotSKU = "DOC-PEN", "DOC-PLAIN-7", "DOC-WINE"
	imgProduct(t, app.DB, "Document pen", "2.5", true, imgVariant{SKU: e.eanSKU, Barcode: "4006381333931"})
	imgProduct(t, app.DB, "Plain box", "4", true, imgVariant{SKU: e.plainSKU})
	wineID := imgProduct(t, app.DB, "Red wine — Côtes du Rhône", "9", true, imgVariant{SKU: e.lotSKU, Barcode: "WINE/RED-12"})
	if _, err := app.DB.NewRaw("UPDATE product_templates SET tracking = 'lot' WHERE id = ?", wineID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	variant := func(sku string) int64 {
		var id int64
		if err := app.DB.NewRaw("SELECT id FROM product_variants WHERE sku = ?", sku).Scan(ctx, &id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	pen, box, wine := variant(e.eanSKU), variant(e.plainSKU), variant(e.lotSKU)
	count := func(loc, v int64, qty int64, lot string) {
		if _, err := models.ApplyInventoryCount(ctx, app.DB, models.CountInput{LocationID: loc,
			Lines: []models.CountLine{{VariantID: v, LotName: lot, Counted: decimal.NewFromInt(qty)}}}, 0); err != nil {
			t.Fatal(err)
		}
	}
	count(shelfB, pen, 10, "")
	count(e.shelfA, box, 10, "")
	count(e.shelfA, wine, 10, e.lotName)

	customer := &models.Contact{Name: "Jeanne Dupont", Street: "12 Rue des Lilas", City: "Lyon", Zip: "69003", CountryCode: "FR", Kind: "contact"}
	if _, err := app.DB.NewInsert().Model(customer).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	var carrierID int64
	if err := app.DB.NewRaw("SELECT id FROM carriers WHERE tracking_url <> '' ORDER BY id LIMIT 1").Scan(ctx, &carrierID); err != nil {
		t.Fatalf("no carrier with a tracking URL in the demo data: %v", err)
	}
	pks, err := models.CreateDeliveryChain(ctx, app.DB, models.ProcurementInput{WarehouseID: wh.ID, PartnerID: &customer.ID,
		Origin: "S04242", CarrierID: &carrierID, Lines: []models.DemandLine{
			{VariantID: pen, Quantity: decimal.NewFromInt(2), Description: "Document pen"},
			{VariantID: box, Quantity: decimal.NewFromInt(1), Description: "Plain box"},
			{VariantID: wine, Quantity: decimal.NewFromInt(3), Description: "Red wine — Côtes du Rhône"},
		}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	e.pickingID, e.name = pks[0].ID, pks[0].Name
	e.pkgName = "PACK0004242"
	if err := app.DB.NewRaw("INSERT INTO stock_packages (name) VALUES (?) RETURNING id", e.pkgName).Scan(ctx, &e.packageID); err != nil {
		t.Fatal(err)
	}
	if _, err := app.DB.NewRaw(`UPDATE stock_move_lines SET result_package_id = ? WHERE move_id IN
		(SELECT id FROM stock_moves WHERE picking_id = ?)`, e.packageID, e.pickingID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	return e
}

// samplePackage creates a package, for the role matrix.
func samplePackage(t *testing.T, app *testapp.App) int64 {
	t.Helper()
	var id int64
	name := fmt.Sprintf("PACK-SAMPLE-%d", trSeq.Add(1))
	if err := app.DB.NewRaw("INSERT INTO stock_packages (name) VALUES (?) RETURNING id", name).Scan(t.Context(), &id); err != nil {
		t.Fatal(err)
	}
	return id
}

// docPDF fetches a document and checks it is an inline PDF.
func docPDF(t *testing.T, c *testapp.Client, path, filePrefix string) string {
	t.Helper()
	r := c.Get(path)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d\n%s", path, r.StatusCode, r.Body)
	}
	if got := r.Header.Get("Content-Type"); got != "application/pdf" {
		t.Fatalf("GET %s: Content-Type %q", path, got)
	}
	if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, `inline; filename="`+filePrefix) || !strings.HasSuffix(cd, `.pdf"`) {
		t.Errorf("GET %s: Content-Disposition %q", path, cd)
	}
	if !strings.HasPrefix(r.Body, "%PDF-") {
		t.Fatalf("GET %s: not a PDF", path)
	}
	return r.Body
}

// scanDocument renders each page of the PDF at 200 dpi and decodes every
// barcode on it, as a handheld would read the printed page.
func scanDocument(t *testing.T, pdf string) []string {
	t.Helper()
	pdftoppm, zbarimg, _ := labelTools(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "doc.pdf")
	if err := os.WriteFile(in, []byte(pdf), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(pdftoppm, "-r", "200", "-png", in, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	pages, _ := filepath.Glob(filepath.Join(dir, "page*.png"))
	if len(pages) == 0 {
		t.Fatal("pdftoppm made no page")
	}
	var codes []string
	for _, p := range pages {
		out, err := exec.Command(zbarimg, "--raw", "-q", p).Output()
		var exit *exec.ExitError
		if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 4) { // 4: no symbol found
			t.Fatalf("zbarimg %s: %v", filepath.Base(p), err)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if line = strings.TrimSpace(line); line != "" {
				codes = append(codes, line)
			}
		}
	}
	return codes
}

func wantCodes(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("%s: barcode %q not found; scanned %q", what, w, got)
		}
	}
}

func wantText(t *testing.T, what, text string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("%s does not show %q:\n%s", what, w, text)
		}
	}
}

func TestTransferDocumentsPrintAndScanBack(t *testing.T) {
	labelTools(t)
	e := newDocEnv(t)
	for _, c := range []struct {
		role, prefix string
	}{{models.RoleSales, "/office"}, {models.RoleWarehouse, "/scan"}} {
		client := e.app.LoginAs(t, c.role)
		base := fmt.Sprintf("%s/transfers/%d/", c.prefix, e.pickingID)
		slug := strings.ToLower(strings.ReplaceAll(e.name, "/", "-"))

		pick := docPDF(t, client, base+"picking.pdf", "picking-"+slug)
		// The transfer number and each product's barcode (its SKU when it has none).
		wantCodes(t, "picking list", scanDocument(t, pick), e.name, "4006381333931", e.plainSKU, "WINE/RED-12")
		text := pdfText(t, pick)
		wantText(t, "picking list", text, "Picking list", e.name, "Document pen", e.eanSKU, "Plain box", e.plainSKU,
			"Red wine", e.lotName, "WH/Stock/Doc Shelf A", "WH/Stock/Doc Shelf B", "S04242", "Jeanne Dupont")
		// Shelf A (box, wine) is walked before shelf B (pen).
		if a, b := strings.Index(text, "Doc Shelf A"), strings.Index(text, "Doc Shelf B"); a < 0 || b < a {
			t.Errorf("locations out of walking order:\n%s", text)
		}
		if a, b := strings.Index(text, "Plain box"), strings.Index(text, "Document pen"); b < a {
			t.Errorf("products not grouped under their location:\n%s", text)
		}

		slip := docPDF(t, client, base+"delivery-slip.pdf", "delivery-slip-"+slug)
		wantCodes(t, "delivery slip", scanDocument(t, slip), e.name)
		wantText(t, "delivery slip", pdfText(t, slip), "Delivery slip", "Test Shop", "Jeanne Dupont", "12 Rue des Lilas",
			"69003 Lyon", "France", "S04242", e.name, e.lotName, "Ordered", "Delivered", e.pkgName, "Red wine — Côtes du Rhône")

		pkgPDF := docPDF(t, client, fmt.Sprintf("%s/packages/%d/label.pdf", c.prefix, e.packageID), "package-"+strings.ToLower(e.pkgName))
		wantCodes(t, "package label", scanDocument(t, pkgPDF), e.pkgName)
		wantText(t, "package label", pdfText(t, pkgPDF), e.pkgName, "Document pen", "Red wine", e.lotName, e.name)

		// No tracking number yet.
		ship := docPDF(t, client, base+"shipping-label.pdf", "shipping-label-"+slug)
		if codes := scanDocument(t, ship); len(codes) != 0 {
			t.Errorf("shipping label without tracking number has barcodes %q", codes)
		}
		wantText(t, "shipping label", pdfText(t, ship), "No tracking number yet", "Jeanne Dupont", "Lyon")
	}

	// Once the carrier's number is entered, the label carries it as a barcode.
	if _, err := e.app.DB.NewRaw("UPDATE stock_pickings SET carrier_tracking_ref = ? WHERE id = ?", e.trackingID, e.pickingID).Exec(t.Context()); err != nil {
		t.Fatal(err)
	}
	admin := e.app.LoginAs(t, models.RoleAdmin)
	ship := docPDF(t, admin, fmt.Sprintf("/office/transfers/%d/shipping-label.pdf", e.pickingID), "shipping-label-")
	wantCodes(t, "shipping label", scanDocument(t, ship), e.trackingID)
	wantText(t, "shipping label", pdfText(t, ship), "Standard delivery", e.trackingID, "Jeanne Dupont", "12 Rue des Lilas", "S04242")
}

func TestTransferDocumentsRefused(t *testing.T) {
	e := newDocEnv(t)
	admin := e.app.LoginAs(t, models.RoleAdmin)
	for _, path := range []string{"/office/transfers/999999/picking.pdf", "/office/transfers/abc/delivery-slip.pdf",
		"/office/packages/999999/label.pdf", "/scan/transfers/999999/shipping-label.pdf"} {
		if r := admin.Get(path); r.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, r.StatusCode)
		}
	}
	// Sales may read the office documents, not the handheld's.
	sales := e.app.LoginAs(t, models.RoleSales)
	if r := sales.Get(fmt.Sprintf("/scan/transfers/%d/picking.pdf", e.pickingID)); r.StatusCode != http.StatusForbidden {
		t.Errorf("sales on the handheld picking list: %d, want 403", r.StatusCode)
	}
	if r := e.app.LoginAs(t, models.RoleCustomer).Get(fmt.Sprintf("/office/transfers/%d/delivery-slip.pdf", e.pickingID)); r.StatusCode != http.StatusForbidden {
		t.Errorf("customer on a delivery slip: %d, want 403", r.StatusCode)
	}
}

// The transfer page shows the sales order, the carrier's tracking link and
// who scanned what, when; and the buttons to print the documents.
func TestTransferPageShowsTrackingAndWhoDidWhat(t *testing.T) {
	e := newDocEnv(t)
	ctx := t.Context()
	var orderID, userID int64
	var userName string
	if err := e.app.DB.NewRaw(`INSERT INTO sale_orders (name, state, currency_code, access_token)
		VALUES ('S04242', 'sale', 'EUR', 'doc-test-token') RETURNING id`).Scan(ctx, &orderID); err != nil {
		t.Fatal(err)
	}
	if err := e.app.DB.NewRaw("SELECT id, name FROM users WHERE email = 'warehouse@example.com'").Scan(ctx, &userID, &userName); err != nil {
		t.Fatal(err)
	}
	// A picker scanned the pen (the handheld records who and when on the line).
	if _, err := e.app.DB.NewRaw(`UPDATE stock_move_lines SET done_by = ?, quantity_done = 2, date = '2026-11-20 09:15:00+00'
		WHERE variant_id = (SELECT id FROM product_variants WHERE sku = ?)`, userID, e.eanSKU).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.DB.NewRaw("UPDATE stock_pickings SET sale_order_id = ?, carrier_tracking_ref = ? WHERE id = ?",
		orderID, "1Z 99&X/7", e.pickingID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	r := e.app.LoginAs(t, models.RoleSales).Get(fmt.Sprintf("/office/transfers/%d", e.pickingID))
	if r.StatusCode != http.StatusOK {
		t.Fatalf("transfer page: %d", r.StatusCode)
	}
	wantIn(t, r.Body,
		fmt.Sprintf(`href="/office/orders/%d" data-testid="transfer-sale-order">S04242</a>`, orderID),
		`data-testid="transfer-carrier">Standard delivery<`,
		`href="https://tracking.example.com/parcel/1Z%2099%26X%2F7" target="_blank" rel="noopener noreferrer" data-testid="tracking-link"`,
		`data-testid="activity-user">`+userName+`<`, "2026-11-20", `data-testid="line-done-by">`+userName+`<`,
		fmt.Sprintf(`href="/office/transfers/%d/picking.pdf"`, e.pickingID),
		fmt.Sprintf(`href="/office/transfers/%d/delivery-slip.pdf"`, e.pickingID),
		fmt.Sprintf(`href="/office/transfers/%d/shipping-label.pdf"`, e.pickingID),
		fmt.Sprintf(`href="/office/packages/%d/label.pdf"`, e.packageID))
}
