package tests

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"

	"orderflow/models"
	"orderflow/tests/browser"
	"orderflow/tests/testapp"
)

// invSampleWarehouse returns the main warehouse, creating it when missing.
func invSampleWarehouse(t *testing.T, db *bun.DB) *models.Warehouse {
	t.Helper()
	wh, err := models.SeedWarehouse(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	return wh
}

// invSampleOperationType returns the id of the main warehouse's delivery type.
func invSampleOperationType(t *testing.T, db *bun.DB) int64 {
	t.Helper()
	types, err := models.ListOperationTypes(t.Context(), db, invSampleWarehouse(t, db).ID)
	if err != nil || len(types) == 0 {
		t.Fatalf("operation types: %v", err)
	}
	return types[1].ID
}

// invSampleLocation returns the id of "WH/Stock/Sample shelf", creating it.
func invSampleLocation(t *testing.T, db *bun.DB) int64 {
	t.Helper()
	wh := invSampleWarehouse(t, db)
	list, err := models.ListLocations(t.Context(), db, models.LocationFilter{WarehouseID: wh.ID, Query: "Sample shelf", Active: "all"})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) > 0 {
		return list[0].ID
	}
	l, err := models.CreateLocation(t.Context(), db, models.LocationInput{Name: "Sample shelf", ParentID: *wh.StockLocationID, Usage: models.UsageInternal}, 0)
	if err != nil {
		t.Fatal(err)
	}
	return l.ID
}

// invSampleVariant returns the id of a storable variant, creating one.
func invSampleVariant(t *testing.T, db *bun.DB) int64 {
	t.Helper()
	var ids []int64
	err := db.NewRaw(`SELECT v.id FROM product_variants v JOIN product_templates pt ON pt.id = v.template_id
		WHERE pt.type = 'storable' ORDER BY v.id LIMIT 1`).Scan(t.Context(), &ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) > 0 {
		return ids[0]
	}
	return invProduct(t, db, "Sample lamp", "INV-SAMPLE")
}

// invProduct inserts a storable product with one variant of sku.
func invProduct(t *testing.T, db *bun.DB, name, sku string) int64 {
	t.Helper()
	tmpl := &models.ProductTemplate{Name: name, Type: models.ProductStorable, Tracking: models.TrackingNone, InvoicePolicy: models.InvoiceOrdered,
		ListPrice: decimal.NewFromInt(10), Active: true}
	if _, err := db.NewInsert().Model(tmpl).Exec(t.Context()); err != nil {
		t.Fatal(err)
	}
	v := &models.ProductVariant{TemplateID: tmpl.ID, SKU: sku, Active: true}
	if _, err := db.NewInsert().Model(v).Exec(t.Context()); err != nil {
		t.Fatal(err)
	}
	return v.ID
}

func invUserID(t *testing.T, db *bun.DB, email string) int64 {
	t.Helper()
	var id int64
	if err := db.NewSelect().Model((*models.User)(nil)).Column("id").Where("email = ?", email).Scan(t.Context(), &id); err != nil {
		t.Fatal(err)
	}
	return id
}

func invExpect(t *testing.T, what string, r *testapp.Response, status int, texts ...string) {
	t.Helper()
	if r.StatusCode != status {
		t.Fatalf("%s: status %d, want %d; body:\n%s", what, r.StatusCode, status, r.Body)
	}
	for _, s := range texts {
		if !strings.Contains(r.Body, s) {
			t.Errorf("%s: the page does not say %q", what, s)
		}
	}
}

func invExpectRedirect(t *testing.T, what string, r *testapp.Response, prefix string) string {
	t.Helper()
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), prefix) {
		t.Fatalf("%s: %d -> %q, want a redirect to %s; body:\n%s", what, r.StatusCode, r.Header.Get("Location"), prefix, r.Body)
	}
	return r.Header.Get("Location")
}

func TestWarehousePages(t *testing.T) {
	app := testapp.Start(t)
	db := app.DB
	c := app.LoginAs(t, models.RoleWarehouse)
	invSampleWarehouse(t, db)
	invExpect(t, "list", c.Get("/office/warehouses"), http.StatusOK, "Main Warehouse", `data-testid="new-warehouse"`, "1 step: ship from Stock")
	invExpect(t, "new", c.Get("/office/warehouses/new"), http.StatusOK, "2 steps: pick to Output, then ship", "3 steps: pick to Packing Zone, pack to Output, then ship")

	// Bad input: 422 with the field's message, nothing saved.
	before := setupCount(t, db, (*models.Warehouse)(nil))
	for _, tc := range []struct {
		form url.Values
		msg  string
	}{
		{url.Values{"name": {""}, "code": {"SEC"}, "delivery_steps": {"1"}}, "Enter a name."},
		{url.Values{"name": {"Second"}, "code": {"se c!"}, "delivery_steps": {"1"}}, "Use 1 to 8 capital letters or digits"},
		{url.Values{"name": {"Second"}, "code": {"WH"}, "delivery_steps": {"1"}}, "Another warehouse has this code."},
		{url.Values{"name": {"Second"}, "code": {"SEC"}, "delivery_steps": {"4"}}, "Choose 1, 2 or 3 steps."},
	} {
		r := c.PostForm("/office/warehouses", tc.form)
		invExpect(t, "create "+tc.form.Encode(), r, http.StatusUnprocessableEntity, tc.msg, `data-testid="warehouse-form"`)
	}
	if got := setupCount(t, db, (*models.Warehouse)(nil)); got != before {
		t.Fatalf("%d warehouses after bad input, want %d", got, before)
	}

	loc := invExpectRedirect(t, "create", c.PostForm("/office/warehouses", url.Values{"name": {"Second site"}, "code": {"sec"}, "delivery_steps": {"2"}}), "/office/warehouses/")
	r := c.Get(loc)
	invExpect(t, "show", r, http.StatusOK, "Second site", "SEC/OUT/", "SEC/PICK/", "SEC/Stock", "Partners/Customers", `data-testid="operation-type-row"`, "Warehouse created.")
	if !strings.Contains(r.Body, `value="2" checked`) {
		t.Errorf("the 2-step choice is not checked")
	}

	// Update: bad steps refused, nothing changed; then saved.
	invExpect(t, "update bad", c.PostForm(loc, url.Values{"name": {"Second site"}, "delivery_steps": {"0"}}), http.StatusUnprocessableEntity, "Choose 1, 2 or 3 steps.")
	invExpectRedirect(t, "update", c.PostForm(loc, url.Values{"name": {"South site"}, "delivery_steps": {"3"}}), loc)
	wh := new(models.Warehouse)
	if err := db.NewSelect().Model(wh).Where("code = 'SEC'").Scan(t.Context()); err != nil {
		t.Fatal(err)
	}
	if wh.Name != "South site" || wh.DeliverySteps != 3 {
		t.Fatalf("saved %+v", wh)
	}

	// Operation types: a barcode in use is refused on its field; nothing saved.
	types, err := models.ListOperationTypes(t.Context(), db, wh.ID)
	if err != nil {
		t.Fatal(err)
	}
	out := types[1]
	path := "/office/operation-types/" + itoa(out.ID)
	invExpect(t, "type page", c.Get(path), http.StatusOK, "SEC/OUT/", `data-testid="operation-type-form"`)
	r = c.PostForm(path, url.Values{"barcode": {"SEC-PICK"}, "create_backorder": {"never"}, "active": {"1"}})
	invExpect(t, "barcode taken", r, http.StatusUnprocessableEntity, "This barcode is already used by the operation type", `data-testid="error-barcode"`)
	r = c.PostForm(path, url.Values{"barcode": {"SEC-OUT"}, "create_backorder": {"never"}})
	invExpect(t, "deactivate delivery", r, http.StatusUnprocessableEntity, "cannot be deactivated", `data-testid="error-active"`)
	if got, _ := models.GetOperationType(t.Context(), db, out.ID); got.CreateBackorder != models.BackorderAsk || !got.Active {
		t.Fatalf("refused update changed the type: %+v", got)
	}
	invExpectRedirect(t, "type update", c.PostForm(path, url.Values{"barcode": {"DOCK-1"}, "create_backorder": {"always"}, "active": {"1"}}), loc)
	if got, _ := models.GetOperationType(t.Context(), db, out.ID); got.CreateBackorder != models.BackorderAlways || got.Barcode == nil || *got.Barcode != "DOCK-1" {
		t.Fatalf("type not saved: %+v", got)
	}
	invExpect(t, "show after", c.Get(loc), http.StatusOK, "DOCK-1", "Always")
}

func TestLocationPages(t *testing.T) {
	app := testapp.Start(t)
	db := app.DB
	c := app.LoginAs(t, models.RoleAdmin)
	wh := invSampleWarehouse(t, db)
	stock := itoa(*wh.StockLocationID)

	invExpect(t, "new", c.Get("/office/locations/new?parent="+stock), http.StatusOK, `data-testid="location-form"`, "WH/Stock")
	before := setupCount(t, db, (*models.Location)(nil))
	for _, tc := range []struct {
		form  url.Values
		field string
		msg   string
	}{
		{url.Values{"name": {"A/B"}, "parent_id": {stock}, "usage": {"internal"}}, "name", "cannot contain"},
		{url.Values{"name": {""}, "parent_id": {stock}, "usage": {"internal"}}, "name", "Enter a name."},
		{url.Values{"name": {"Shelf A"}, "parent_id": {""}, "usage": {"internal"}}, "parent_id", "Choose where the location is."},
		{url.Values{"name": {"Shelf A"}, "parent_id": {stock}, "usage": {"customer"}}, "usage", "fixed system locations"},
		{url.Values{"name": {"Shelf A"}, "parent_id": {stock}, "usage": {"internal"}, "barcode": {"WH-STOCK"}}, "barcode", "already used by the location"},
		{url.Values{"name": {"Output"}, "parent_id": {itoa(*wh.ViewLocationID)}, "usage": {"internal"}}, "name", "already a location with this name"},
	} {
		r := c.PostForm("/office/locations", tc.form)
		invExpect(t, "create "+tc.form.Encode(), r, http.StatusUnprocessableEntity, tc.msg, `data-testid="error-`+tc.field+`"`)
	}
	if got := setupCount(t, db, (*models.Location)(nil)); got != before {
		t.Fatalf("%d locations after bad input, want %d", got, before)
	}

	shelfURL := invExpectRedirect(t, "create shelf", c.PostForm("/office/locations", url.Values{"name": {"Shelf A"}, "parent_id": {stock}, "usage": {"view"}, "barcode": {"SH-A"}}), "/office/locations/")
	shelfID := shelfURL[strings.LastIndex(shelfURL, "/")+1:]
	binURL := invExpectRedirect(t, "create bin", c.PostForm("/office/locations", url.Values{"name": {"Bin 2"}, "parent_id": {shelfID}, "usage": {"internal"}}), "/office/locations/")
	invExpect(t, "bin page", c.Get(binURL), http.StatusOK, "WH/Stock/Shelf A/Bin 2", "Location “WH/Stock/Shelf A/Bin 2” created.")

	r := c.Get("/office/locations?q=bin+2")
	invExpect(t, "search", r, http.StatusOK, "WH/Stock/Shelf A/", "Bin 2", `data-testid="location-filter"`)
	if n := strings.Count(r.Body, `data-testid="location-row"`); n != 1 {
		t.Errorf("search bin 2: %d rows, want 1", n)
	}
	// HTMX gets only the rows.
	r = c.Do(http.MethodGet, "/office/locations?usage=view", nil, http.Header{"Hx-Request": {"true"}})
	invExpect(t, "htmx", r, http.StatusOK, `id="location-rows"`, "Shelf A")
	if strings.Contains(r.Body, "sidebar") || strings.Contains(r.Body, "Bin 2") {
		t.Errorf("the HTMX fragment holds more than the filtered rows")
	}

	// Rename the shelf: the bin's full name follows.
	invExpectRedirect(t, "rename", c.PostForm(shelfURL, url.Values{"name": {"Shelf B"}, "parent_id": {stock}, "usage": {"view"}, "barcode": {"SH-A"}, "active": {"1"}}), shelfURL)
	invExpect(t, "bin renamed", c.Get(binURL), http.StatusOK, "WH/Stock/Shelf B/Bin 2")

	// Stock in the bin: deactivating the shelf is refused, nothing changes.
	binID := int64(0)
	for _, ch := range binURL[strings.LastIndex(binURL, "/")+1:] {
		binID = binID*10 + int64(ch-'0')
	}
	v := invProduct(t, db, "Desk lamp", "LAMP-1")
	if _, err := models.ApplyInventoryCount(t.Context(), db, models.CountInput{LocationID: binID, Lines: []models.CountLine{{VariantID: v, Counted: decimal.NewFromInt(3)}}}, 0); err != nil {
		t.Fatal(err)
	}
	r = c.PostForm(shelfURL, url.Values{"name": {"Shelf B"}, "parent_id": {stock}, "usage": {"view"}, "barcode": {"SH-A"}})
	invExpect(t, "deactivate with stock", r, http.StatusUnprocessableEntity, "still holds 3 on hand", `data-testid="error-active"`)
	if l, _ := models.GetLocation(t.Context(), db, binID); !l.Active {
		t.Fatal("the bin was deactivated")
	}
	// The system locations cannot be edited.
	cust, err := models.ListLocations(t.Context(), db, models.LocationFilter{Usage: models.UsageCustomer})
	if err != nil {
		t.Fatal(err)
	}
	invExpect(t, "customers page", c.Get("/office/locations/"+itoa(cust[0].ID)), http.StatusOK, `data-testid="location-fixed"`)
	r = c.PostForm("/office/locations/"+itoa(cust[0].ID), url.Values{"name": {"Clients"}, "parent_id": {itoa(*cust[0].ParentID)}, "usage": {"internal"}, "active": {"1"}})
	invExpect(t, "edit customers", r, http.StatusUnprocessableEntity, "fixed")
}

func TestStockPages(t *testing.T) {
	app := testapp.Start(t)
	db := app.DB
	c := app.LoginAs(t, models.RoleSales) // sales read the stock
	wh := invSampleWarehouse(t, db)
	admin := invUserID(t, db, "admin@example.com")
	v := invProduct(t, db, "Walnut desk", "DESK-WAL")
	other := invProduct(t, db, "Oak desk", "DESK-OAK")
	shelf, err := models.CreateLocation(t.Context(), db, models.LocationInput{Name: "Shelf Z", ParentID: *wh.StockLocationID, Usage: models.UsageInternal}, 0)
	if err != nil {
		t.Fatal(err)
	}
	count := func(variant, loc int64, qty int64) {
		t.Helper()
		if _, err := models.ApplyInventoryCount(t.Context(), db, models.CountInput{LocationID: loc, Lines: []models.CountLine{{VariantID: variant, Counted: decimal.NewFromInt(qty)}}}, admin); err != nil {
			t.Fatal(err)
		}
	}
	count(v, *wh.StockLocationID, 4)
	count(v, shelf.ID, 6)
	count(other, shelf.ID, 2)
	if _, err := models.CreateDeliveryChain(t.Context(), db, models.ProcurementInput{WarehouseID: wh.ID, Origin: "S-TEST",
		Lines: []models.DemandLine{{VariantID: v, Quantity: decimal.NewFromInt(5)}}}, admin); err != nil {
		t.Fatal(err)
	}

	r := c.Get("/office/stock?q=desk-wal&warehouse=" + itoa(wh.ID))
	invExpect(t, "stock", r, http.StatusOK, "Walnut desk", "WH/Stock/Shelf Z", `data-testid="stock-totals"`,
		`data-testid="total-onhand">10<`, `data-testid="total-reserved">5<`, `data-testid="total-free"><strong>5<`,
		`href="/office/stock/variants/`+itoa(v)+`"`)
	if strings.Contains(r.Body, "Oak desk") {
		t.Errorf("the search shows another product")
	}
	if strings.Contains(r.Body, `data-testid="new-warehouse"`) {
		t.Errorf("sales sees an action button")
	}
	r = c.Get("/office/stock?location=" + itoa(shelf.ID) + "&sort=on_hand")
	invExpect(t, "by location", r, http.StatusOK, `data-testid="total-onhand">8<`, "Oak desk")
	if strings.Index(r.Body, "Walnut desk") > strings.Index(r.Body, "Oak desk") {
		t.Errorf("sorted by on hand: the walnut desk (6) should come before the oak desk (2)")
	}
	r = c.Get("/office/stock?reserved=1&q=desk")
	invExpect(t, "only reserved", r, http.StatusOK, `data-testid="total-reserved">5<`)
	if strings.Contains(r.Body, "Oak desk") {
		t.Errorf("only reserved lists the oak desk")
	}
	r = c.Do(http.MethodGet, "/office/stock?q=desk-oak", nil, http.Header{"Hx-Request": {"true"}})
	invExpect(t, "htmx", r, http.StatusOK, `id="stock-rows"`, "Oak desk")
	if strings.Contains(r.Body, `data-testid="stock-filter"`) {
		t.Errorf("the HTMX fragment holds the filter form")
	}

	r = c.Get("/office/stock/variants/" + itoa(v))
	invExpect(t, "variant page", r, http.StatusOK, "Walnut desk", "DESK-WAL", "Main Warehouse",
		`data-testid="figure-onhand">10<`, `data-testid="figure-reserved">5<`, `data-testid="figure-free">5<`,
		"Inventory count", "Ada Admin", "WH/Stock/Shelf Z", "Virtual Locations/Inventory adjustment")
	if n := strings.Count(r.Body, `data-testid="move-row"`); n != 2 {
		t.Errorf("%d moves in the history, want 2", n)
	}
	invExpect(t, "unknown variant", c.Get("/office/stock/variants/99999999"), http.StatusNotFound)
}

// Sales users read the inventory setup but change nothing; accountants and
// customers do not see it.
func TestInventorySetupAccess(t *testing.T) {
	app := testapp.Start(t)
	db := app.DB
	wh := invSampleWarehouse(t, db)
	loc := invSampleLocation(t, db)
	typ := invSampleOperationType(t, db)
	variant := invSampleVariant(t, db)
	pages := []string{"/office/warehouses", "/office/warehouses/" + itoa(wh.ID), "/office/operation-types/" + itoa(typ),
		"/office/locations", "/office/locations/" + itoa(loc), "/office/stock", "/office/stock/variants/" + itoa(variant)}

	sales := app.LoginAs(t, models.RoleSales)
	for _, p := range pages {
		r := sales.Get(p)
		invExpect(t, "sales "+p, r, http.StatusOK)
		for _, form := range []string{"warehouse-form", "location-form", "operation-type-form", "new-location", "new-warehouse"} {
			if strings.Contains(r.Body, `data-testid="`+form+`"`) {
				t.Errorf("sales sees %s on %s", form, p)
			}
		}
	}
	for _, p := range []string{"/office/warehouses/new", "/office/locations/new"} {
		invExpect(t, "sales "+p, sales.Get(p), http.StatusForbidden)
	}
	posts := map[string]url.Values{
		"/office/warehouses":                   {"name": {"X"}, "code": {"X"}, "delivery_steps": {"1"}},
		"/office/warehouses/" + itoa(wh.ID):    {"name": {"Hacked"}, "delivery_steps": {"3"}},
		"/office/operation-types/" + itoa(typ): {"barcode": {"H"}, "create_backorder": {"never"}, "active": {"1"}},
		"/office/locations":                    {"name": {"Hack"}, "parent_id": {itoa(*wh.StockLocationID)}, "usage": {"internal"}},
		"/office/locations/" + itoa(loc):       {"name": {"Hacked"}, "parent_id": {itoa(*wh.StockLocationID)}, "usage": {"internal"}, "active": {"1"}},
	}
	for p, form := range posts {
		invExpect(t, "sales POST "+p, sales.PostForm(p, form), http.StatusForbidden)
	}
	if got, _ := models.GetWarehouse(t.Context(), db, wh.ID); got.Name == "Hacked" {
		t.Fatal("a sales user renamed the warehouse")
	}
	for _, role := range []string{models.RoleAccountant, models.RoleCustomer} {
		c := app.LoginAs(t, role)
		for _, p := range pages {
			invExpect(t, role+" "+p, c.Get(p), http.StatusForbidden)
		}
		invExpect(t, role+" POST", c.PostForm("/office/locations", posts["/office/locations"]), http.StatusForbidden)
	}
	// The warehouse role may change the setup.
	w := app.LoginAs(t, models.RoleWarehouse)
	invExpectRedirect(t, "warehouse user creates a location", w.PostForm("/office/locations", url.Values{"name": {"Cold room"}, "parent_id": {itoa(*wh.StockLocationID)}, "usage": {"internal"}}), "/office/locations/")
}

// The stock and location lists filter as the user types (HTMX, URL kept in
// the address bar), on a desktop and on a phone. With BROWSER_SHOTS set, it
// saves a screenshot of each page at both sizes.
func TestBrowserInventorySetup(t *testing.T) {
	app := testapp.Start(t)
	db := app.DB
	wh := invSampleWarehouse(t, db)
	admin := invUserID(t, db, "admin@example.com")
	shelf, err := models.CreateLocation(t.Context(), db, models.LocationInput{Name: "Shelf A", ParentID: *wh.StockLocationID, Usage: models.UsageView, Barcode: "WH-SH-A"}, admin)
	if err != nil {
		t.Fatal(err)
	}
	bin, err := models.CreateLocation(t.Context(), db, models.LocationInput{Name: "Bin 2", ParentID: shelf.ID, Usage: models.UsageInternal, Barcode: "WH-SH-A-2"}, admin)
	if err != nil {
		t.Fatal(err)
	}
	v := invProduct(t, db, "Walnut desk", "DESK-WAL")
	for _, loc := range []int64{*wh.StockLocationID, bin.ID} {
		if _, err := models.ApplyInventoryCount(t.Context(), db, models.CountInput{LocationID: loc, Lines: []models.CountLine{{VariantID: v, Counted: decimal.NewFromInt(7)}}}, admin); err != nil {
			t.Fatal(err)
		}
	}
	pks, err := models.CreateDeliveryChain(t.Context(), db, models.ProcurementInput{WarehouseID: wh.ID, Origin: "S00001",
		Lines: []models.DemandLine{{VariantID: v, Quantity: decimal.NewFromInt(3)}}}, admin)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := models.ValidatePicking(t.Context(), db, pks[0].ID, models.ValidateInput{}, admin); err != nil {
		t.Fatal(err)
	}
	if _, err := models.CreateDeliveryChain(t.Context(), db, models.ProcurementInput{WarehouseID: wh.ID, Origin: "S00002",
		Lines: []models.DemandLine{{VariantID: v, Quantity: decimal.NewFromInt(2)}}}, admin); err != nil {
		t.Fatal(err)
	}
	adminLogin := demoLogin(t, models.RoleAdmin)

	first := browser.New(t)
	for _, size := range []struct {
		name string
		w, h int
	}{{"desktop", 1280, 900}, {"phone", 390, 844}} {
		t.Run(size.name, func(t *testing.T) {
			ctx := browser.NewTab(t, first, browser.Size(size.w, size.h))
			browserLogin(t, ctx, app, adminLogin)

			browser.Navigate(t, ctx, app.URL+"/office/stock")
			browser.Do(t, ctx, chromedp.SendKeys(chromedp.CSS(`[data-testid=stock-search]`), "desk-wal"))
			invWaitRows(t, ctx, "stock-row", 2)
			if got := browser.URL(t, ctx).Query().Get("q"); got != "desk-wal" {
				t.Errorf("the address bar has q=%q, want desk-wal", got)
			}
			if got := browser.Text(t, ctx, `[data-testid=total-onhand]`); got != "11" {
				t.Errorf("total on hand %q, want 11", got)
			}
			browser.Screenshot(t, ctx, "stock.png")

			browser.ClickAndWait(t, ctx, `[data-testid=stock-product]`)
			if got := browser.Text(t, ctx, `[data-testid=figure-free]`); got != "9" {
				t.Errorf("free %q, want 9", got)
			}
			browser.Screenshot(t, ctx, "variant.png")

			browser.Navigate(t, ctx, app.URL+"/office/locations?warehouse="+itoa(wh.ID))
			browser.Do(t, ctx, chromedp.SendKeys(chromedp.CSS(`[data-testid=location-search]`), "bin"))
			invWaitRows(t, ctx, "location-row", 1)
			browser.Navigate(t, ctx, app.URL+"/office/locations?warehouse="+itoa(wh.ID))
			browser.Screenshot(t, ctx, "locations.png")
			browser.Navigate(t, ctx, app.URL+"/office/locations/"+itoa(bin.ID))
			browser.Screenshot(t, ctx, "location.png")
			browser.Navigate(t, ctx, app.URL+"/office/warehouses")
			browser.Screenshot(t, ctx, "warehouses.png")
			browser.Navigate(t, ctx, app.URL+"/office/warehouses/"+itoa(wh.ID))
			browser.Screenshot(t, ctx, "warehouse.png")
			browser.Navigate(t, ctx, app.URL+"/office/operation-types/"+itoa(invSampleOperationType(t, db)))
			browser.Screenshot(t, ctx, "operation-type.png")
		})
	}
}

// invWaitRows waits until the page shows n rows marked data-testid=testid.
func invWaitRows(t *testing.T, ctx context.Context, testid string, n int) {
	t.Helper()
	browser.WaitFor(t, ctx, 5*time.Second, itoa(int64(n))+" "+testid,
		`document.querySelectorAll("[data-testid=`+testid+`]").length === `+itoa(int64(n)))
}
