package tests

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"orderflow/models"
	"orderflow/tests/browser"
	"orderflow/tests/testapp"
)

// sampleProduct returns the id of a product for the role matrix, creating
// one when there is none.
func sampleProduct(t *testing.T, app *testapp.App) int64 {
	t.Helper()
	var ids []int64
	if err := app.DB.NewSelect().Model((*models.ProductTemplate)(nil)).Column("id").OrderExpr("id").Limit(1).Scan(t.Context(), &ids); err != nil {
		t.Fatal(err)
	}
	if len(ids) > 0 {
		return ids[0]
	}
	p, err := models.CreateProduct(t.Context(), app.DB, models.ProductInput{Name: "Sample product", DefaultCode: "SAMPLE", ListPrice: "10", Active: true}, 0)
	if err != nil {
		t.Fatal(err)
	}
	return p.ID
}

func prodCount(t *testing.T, app *testapp.App) int {
	t.Helper()
	n, err := app.DB.NewSelect().Model((*models.ProductTemplate)(nil)).Count(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// prodAttribute makes an attribute with values and returns the value ids.
func prodAttribute(t *testing.T, app *testapp.App, name string, values ...string) []string {
	t.Helper()
	a := &models.Attribute{Name: name, Sequence: 1}
	if _, err := app.DB.NewInsert().Model(a).Exec(t.Context()); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i, v := range values {
		av := &models.AttributeValue{AttributeID: a.ID, Name: v, Sequence: i}
		if _, err := app.DB.NewInsert().Model(av).Exec(t.Context()); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, itoa(av.ID))
	}
	return ids
}

func TestOfficeProductFormBadInput(t *testing.T) {
	app := testapp.Start(t)
	c := app.LoginAs(t, models.RoleSales)
	before := prodCount(t, app)
	r := c.PostForm("/office/products", url.Values{"name": {"  "}, "list_price": {"-3"}, "weight": {"heavy"}, "type": {"storable"}, "active": {"1"}})
	if r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422", r.StatusCode)
	}
	for _, want := range []string{`data-testid="error-name"`, "Enter the product&#39;s name.", `data-testid="error-list_price"`, "Cannot be negative.", `data-testid="error-weight"`} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("body lacks %q", want)
		}
	}
	if !strings.Contains(r.Body, `value="heavy"`) {
		t.Errorf("the form does not keep what was typed")
	}
	if got := prodCount(t, app); got != before {
		t.Fatalf("%d products, want %d: something was saved", got, before)
	}
}

func TestOfficeProductCreateEditVariants(t *testing.T) {
	app := testapp.Start(t)
	c := app.LoginAs(t, models.RoleAdmin)
	sizes := prodAttribute(t, app, "Test size", "S", "M", "L")
	r := c.PostForm("/office/products", url.Values{
		"name": {"Harbour <b>sweater</b>"}, "default_code": {"HARB"}, "list_price": {"59.90"}, "type": {"storable"},
		"tracking": {"none"}, "invoice_policy": {"ordered"}, "description": {"Warm **wool**.\n\n<script>alert(1)</script>"},
		"value_ids": sizes, "active": {"1"}, "published": {"1"},
	})
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/office/products/") {
		t.Fatalf("create: %d %q\n%s", r.StatusCode, r.Header.Get("Location"), r.Body)
	}
	productURL := r.Header.Get("Location")
	list := c.Get("/office/products?q=harb")
	if list.StatusCode != http.StatusOK || !strings.Contains(list.Body, "Harbour &lt;b&gt;sweater&lt;/b&gt;") || !strings.Contains(list.Body, "€59.90") {
		t.Fatalf("list does not show the product:\n%s", list.Body)
	}
	if !strings.Contains(list.Body, `name="ids"`) || !strings.Contains(list.Body, `form="bulk-form"`) {
		t.Fatalf("list rows lack the label checkboxes")
	}
	// The HTMX filter gets only the rows.
	frag := c.Do(http.MethodGet, "/office/products?q=harb", nil, http.Header{"Hx-Request": {"true"}})
	if !strings.Contains(frag.Body, `id="product-rows"`) || strings.Contains(frag.Body, "<html") {
		t.Fatalf("fragment:\n%s", frag.Body)
	}
	page := c.Get(productURL)
	for _, want := range []string{"HARB-S", "HARB-M", "HARB-L", `data-testid="product-images-slot"`, "<strong>wool</strong>"} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("product page lacks %q", want)
		}
	}
	if strings.Contains(page.Body, "<script>alert") {
		t.Fatalf("description script not sanitized")
	}
	id := strings.TrimPrefix(productURL, "/office/products/")
	p, err := models.GetProduct(t.Context(), app.DB, mustID(t, id))
	if err != nil {
		t.Fatal(err)
	}
	// A bad barcode on one variant: 422, message next to it, nothing saved.
	form := url.Values{}
	for i, v := range p.Variants {
		vid := itoa(v.ID)
		form.Add("variant_ids", vid)
		form.Set("sku_"+vid, v.SKU)
		form.Set("active_"+vid, "1")
		if i == 1 {
			form.Set("barcode_"+vid, "4006381333932")
			form.Set("price_extra_"+vid, "5")
		}
	}
	r = c.PostForm(productURL+"/variants", form)
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "the check digit should be 1") || !strings.Contains(r.Body, `data-testid="error-variant-barcode"`) {
		t.Fatalf("bad barcode: %d\n%s", r.StatusCode, r.Body)
	}
	again, _ := models.GetProduct(t.Context(), app.DB, p.ID)
	if again.Variants[1].Barcode != nil || !again.Variants[1].PriceExtra.IsZero() {
		t.Fatalf("variant saved despite the error: %+v", again.Variants[1])
	}
	form.Set("barcode_"+itoa(p.Variants[1].ID), "4006381333931")
	r = c.PostForm(productURL+"/variants", form)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("good variants: %d\n%s", r.StatusCode, r.Body)
	}
	page = c.Get(productURL)
	if !strings.Contains(page.Body, `value="4006381333931"`) || !strings.Contains(page.Body, "€64.90") {
		t.Fatalf("variant change not shown")
	}
}

func mustID(t *testing.T, s string) int64 {
	t.Helper()
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("not an id: %q", s)
	}
	return id
}

func TestOfficeProductsForbiddenToWarehouse(t *testing.T) {
	app := testapp.Start(t)
	c := app.LoginAs(t, models.RoleWarehouse)
	for _, path := range []string{"/office/products", "/office/products/new", "/office/products/export.csv", "/office/products/import"} {
		if r := c.Get(path); r.StatusCode != http.StatusForbidden {
			t.Errorf("GET %s as warehouse: %d, want 403", path, r.StatusCode)
		}
	}
	before := prodCount(t, app)
	if r := c.PostForm("/office/products", url.Values{"name": {"Sneaky"}, "active": {"1"}}); r.StatusCode != http.StatusForbidden {
		t.Fatalf("POST as warehouse: %d, want 403", r.StatusCode)
	}
	if prodCount(t, app) != before {
		t.Fatal("a warehouse user created a product")
	}
}

// postCSV uploads a CSV file to the import form.
func postCSV(t *testing.T, c *testapp.Client, data string) *testapp.Response {
	t.Helper()
	c.Get("/office/products/import") // for the CSRF token
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("_csrf", c.CSRF())
	fw, err := mw.CreateFormFile("file", "products.csv")
	if err != nil {
		t.Fatal(err)
	}
	fw.Write([]byte(data))
	mw.Close()
	return c.Do(http.MethodPost, "/office/products/import", &body, http.Header{"Content-Type": {mw.FormDataContentType()}})
}

func TestOfficeProductCSVImportExport(t *testing.T) {
	app := testapp.Start(t)
	c := app.LoginAs(t, models.RoleAdmin)
	before := prodCount(t, app)
	bad := "name,sku,list_price,barcode\nXylo lamp,XYLO-1,12,\nXylo shade,XYLO-2,abc,\nXylo bulb,XYLO-3,3,036000291453\n"
	r := postCSV(t, c, bad)
	if r.StatusCode != http.StatusUnprocessableEntity || strings.Count(r.Body, `data-testid="import-error"`) != 2 || !strings.Contains(r.Body, "check digit should be 2") {
		t.Fatalf("bad file: %d\n%s", r.StatusCode, r.Body)
	}
	if prodCount(t, app) != before {
		t.Fatal("a refused file created products")
	}
	r = postCSV(t, c, "name,sku,list_price,barcode\nXylo lamp,XYLO-1,12,\nXylo shade,XYLO-2,8.5,\n")
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("good file: %d\n%s", r.StatusCode, r.Body)
	}
	list := c.Get("/office/products")
	if !strings.Contains(list.Body, "2 products created") || !strings.Contains(list.Body, "Xylo shade") {
		t.Fatalf("after import:\n%s", list.Body)
	}
	exp := c.Get("/office/products/export.csv?q=xylo+l")
	if exp.StatusCode != http.StatusOK || !strings.HasPrefix(exp.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("export: %d %s", exp.StatusCode, exp.Header.Get("Content-Type"))
	}
	if lines := strings.Split(strings.TrimSpace(exp.Body), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[1], "Xylo lamp,") {
		t.Fatalf("export of the filtered list:\n%s", exp.Body)
	}
	if r := postCSV(t, c, ""); r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("empty file: %d", r.StatusCode)
	}
}

// TestBrowserOfficeProducts filters the product list as a person would (the
// HTMX search updates the rows and the address), opens a product and sees
// its variants, on a desktop and on a phone.
func TestBrowserOfficeProducts(t *testing.T) {
	app := testapp.Start(t)
	sizes := prodAttribute(t, app, "Test size", "S", "M", "L")
	var valueIDs []int64
	for _, s := range sizes {
		valueIDs = append(valueIDs, mustID(t, s))
	}
	for _, name := range []string{"Zq anchor mug", "Zq beacon lamp", "Zq compass poster"} {
		in := models.ProductInput{Name: name, ListPrice: "12.5", Active: true, Published: name != "Zq beacon lamp", Description: "Made **well**."}
		if name == "Zq compass poster" {
			in.ValueIDs = valueIDs
		}
		if _, err := models.CreateProduct(t.Context(), app.DB, in, 0); err != nil {
			t.Fatal(err)
		}
	}
	first := browser.New(t)
	for _, size := range []struct {
		name string
		opt  browser.Option
	}{{"desktop", browser.Size(browser.DesktopWidth, browser.DesktopHeight)}, {"phone", browser.Size(390, 844)}} {
		t.Run(size.name, func(t *testing.T) {
			ctx := browser.NewTab(t, first, size.opt)
			browserLogin(t, ctx, app, models.DemoLogins[0])
			browser.Navigate(t, ctx, app.URL+"/office/products")
			browser.Screenshot(t, ctx, "list.png")
			browser.Do(t, ctx, chromedp.SendKeys(chromedp.CSS(`[data-testid=product-search]`), "zq"))
			browser.WaitFor(t, ctx, 5*time.Second, "the filtered rows", `document.querySelectorAll('[data-testid=product-row]').length === 3`)
			if n := strings.Count(browser.Text(t, ctx, `[data-testid=products-table] tbody`), "€12.50"); n != 3 {
				t.Fatalf("%d prices shown, want 3", n)
			}
			browser.Do(t, ctx, chromedp.SendKeys(chromedp.CSS(`[data-testid=product-search]`), " compass"))
			browser.WaitFor(t, ctx, 5*time.Second, "the filtered rows", `document.querySelectorAll('[data-testid=product-row]').length === 1`)
			browser.WaitFor(t, ctx, 5*time.Second, "the address to follow", `new URLSearchParams(location.search).get('q') === 'zq compass'`)
			browser.ClickAndWait(t, ctx, `[data-testid=product-name]`)
			browser.WaitFor(t, ctx, 5*time.Second, "three variants", `document.querySelectorAll('[data-testid=variant-row]').length === 3`)
			if got := browser.Text(t, ctx, `[data-testid=variant-row]:nth-child(2) td`); !strings.Contains(got, "Test size: M") {
				t.Fatalf("second variant is %q, want size M", got)
			}
			browser.Screenshot(t, ctx, "product.png")
		})
	}
}
