package tests

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/uptrace/bun"

	"orderflow/models"
	"orderflow/tests/browser"
	"orderflow/tests/testapp"
)

// setupSampleCategory returns the id of a category for the role matrix,
// creating it when a previous route deleted it.
func setupSampleCategory(t *testing.T, db *bun.DB) int64 {
	t.Helper()
	var ids []int64
	if err := db.NewSelect().Model((*models.Category)(nil)).Column("id").Where("name = 'Sample category'").Scan(t.Context(), &ids); err != nil {
		t.Fatal(err)
	}
	if len(ids) > 0 {
		return ids[0]
	}
	c, err := models.CreateCategory(t.Context(), db, models.CategoryInput{Name: "Sample category"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// setupSampleTax returns the id of the demo tax "VAT 21%".
func setupSampleTax(t *testing.T, db *bun.DB) int64 {
	t.Helper()
	if err := models.SeedTaxes(t.Context(), db); err != nil {
		t.Fatal(err)
	}
	return setupTaxID(t, db, "VAT 21%")
}

// setupSampleAttribute returns the id of the demo attribute "Size".
func setupSampleAttribute(t *testing.T, db *bun.DB) int64 {
	t.Helper()
	attrs, err := models.SeedAttributes(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	return attrs["Size"].ID
}

func setupTaxID(t *testing.T, db *bun.DB, name string) int64 {
	t.Helper()
	var id int64
	if err := db.NewSelect().Model((*models.Tax)(nil)).Column("id").Where("name = ?", name).Scan(t.Context(), &id); err != nil {
		t.Fatalf("tax %s: %v", name, err)
	}
	return id
}

func setupCount(t *testing.T, db *bun.DB, model any) int {
	t.Helper()
	n, err := db.NewSelect().Model(model).Count(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// setupProduct inserts a bare product in a category (directly: the product
// forms are not what these tests are about).
func setupProduct(t *testing.T, db *bun.DB, name string, categoryID *int64) *models.ProductTemplate {
	t.Helper()
	p := &models.ProductTemplate{Name: name, CategoryID: categoryID, Type: models.ProductConsumable, Tracking: models.TrackingNone, InvoicePolicy: models.InvoiceOrdered, Active: true}
	if _, err := db.NewInsert().Model(p).Returning("id").Exec(t.Context()); err != nil {
		t.Fatal(err)
	}
	return p
}

// setupExpect checks a response's status and that its body holds each text.
func setupExpect(t *testing.T, what string, r *testapp.Response, status int, texts ...string) {
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

var setupRedirect = regexp.MustCompile(`^/office/(categories|taxes|attributes)(/\d+)?$`)

func setupExpectSaved(t *testing.T, what string, r *testapp.Response) {
	t.Helper()
	if r.StatusCode != http.StatusSeeOther || !setupRedirect.MatchString(r.Header.Get("Location")) {
		t.Fatalf("%s: %d -> %q, want a redirect; body:\n%s", what, r.StatusCode, r.Header.Get("Location"), r.Body)
	}
}

func TestCategoryPages(t *testing.T) {
	app := testapp.Start(t)
	c := app.LoginAs(t, models.RoleSales) // sales may manage the catalog
	db := app.DB

	// The demo catalog may be seeded: work on categories of our own.
	setupExpectSaved(t, "create Gear", c.PostForm("/office/categories", url.Values{"name": {"Gear"}}))
	apparel := setupSampleCategoryByName(t, db, "Gear")
	setupExpectSaved(t, "create Bags", c.PostForm("/office/categories", url.Values{"name": {"Bags"}, "parent_id": {itoa(apparel)}}))
	tshirts := setupSampleCategoryByName(t, db, "Bags")
	setupProduct(t, db, "Classic tee", &tshirts)

	// Bad input: 422, the message next to the field, nothing saved.
	before := setupCount(t, db, (*models.Category)(nil))
	for _, tc := range []struct {
		form url.Values
		msg  string
	}{
		{url.Values{"name": {"  "}}, "Enter a name."},
		{url.Values{"name": {"Tops/Bottoms"}}, "cannot contain “/”"},
		{url.Values{"name": {strings.Repeat("n", 101)}}, "Use at most 100 characters."},
		{url.Values{"name": {"bAGS"}, "parent_id": {itoa(apparel)}}, "There is already a category with this name in “Gear”."},
		{url.Values{"name": {"Orphans"}, "parent_id": {"999999"}}, "This category no longer exists"},
	} {
		r := c.PostForm("/office/categories", tc.form)
		setupExpect(t, "create "+tc.form.Encode(), r, http.StatusUnprocessableEntity, tc.msg, `data-testid="category-form"`)
		if !strings.Contains(r.Body, `data-testid="error-name"`) && !strings.Contains(r.Body, `data-testid="error-parent_id"`) {
			t.Errorf("create %s: no message next to a field", tc.form.Encode())
		}
	}
	if got := setupCount(t, db, (*models.Category)(nil)); got != before {
		t.Fatalf("%d categories after refused creates, want %d", got, before)
	}

	// Moving Apparel under its own child is refused with a clear message.
	r := c.PostForm("/office/categories/"+itoa(apparel), url.Values{"name": {"Clothes"}, "parent_id": {itoa(tshirts)}})
	setupExpect(t, "cycle", r, http.StatusUnprocessableEntity, "cannot be moved under itself or one of its subcategories", `data-testid="error-parent_id"`)
	if got := setupCategoryName(t, db, apparel); got != "Gear" {
		t.Fatalf("a refused move renamed the category to %q", got)
	}
	// The parent choice leaves out the category and its subtree.
	edit := c.Get("/office/categories/" + itoa(apparel))
	setupExpect(t, "edit page", edit, http.StatusOK, `value="Gear"`)
	if strings.Contains(edit.Body, `<option value="`+itoa(tshirts)+`"`) {
		t.Error("the parent choice offers a subcategory of the edited category")
	}

	// Rename: the child's path follows.
	setupExpectSaved(t, "rename", c.PostForm("/office/categories/"+itoa(apparel), url.Values{"name": {"Outdoor gear"}}))
	list := c.Get("/office/categories")
	setupExpect(t, "list", list, http.StatusOK, `title="Outdoor gear / Bags"`, `data-depth="1"`, "Category “Outdoor gear” saved.")

	// Delete refused while a product or a subcategory uses it: 409 with the reason, nothing deleted.
	r = c.PostForm("/office/categories/"+itoa(tshirts)+"/delete", nil)
	setupExpect(t, "delete used", r, http.StatusConflict, "it still has 1 product", `data-testid="form-error"`)
	r = c.PostForm("/office/categories/"+itoa(apparel)+"/delete", nil)
	setupExpect(t, "delete parent", r, http.StatusConflict, "1 subcategory")
	// Through HTMX the reason comes as an alert.
	r = c.PostRaw("/office/categories/"+itoa(apparel)+"/delete", url.Values{}, http.Header{"Hx-Request": {"true"}, "X-Csrf-Token": {c.CSRF()}})
	if r.StatusCode != http.StatusConflict || r.Header.Get("HX-Retarget") != "#toast" || !strings.Contains(r.Body, "1 subcategory") {
		t.Fatalf("HTMX delete: %d %q %s", r.StatusCode, r.Header.Get("HX-Retarget"), r.Body)
	}
	if got := setupCount(t, db, (*models.Category)(nil)); got != before {
		t.Fatalf("%d categories, want %d: a refused delete deleted", got, before)
	}
	setupExpect(t, "missing", c.Get("/office/categories/999999"), http.StatusNotFound)
}

func setupSampleCategoryByName(t *testing.T, db *bun.DB, name string) int64 {
	t.Helper()
	var id int64
	if err := db.NewSelect().Model((*models.Category)(nil)).Column("id").Where("name = ?", name).Scan(t.Context(), &id); err != nil {
		t.Fatalf("category %s: %v", name, err)
	}
	return id
}

func setupCategoryName(t *testing.T, db *bun.DB, id int64) string {
	t.Helper()
	c, err := models.GetCategory(t.Context(), db, id)
	if err != nil {
		t.Fatal(err)
	}
	return c.Name
}

func TestTaxPages(t *testing.T) {
	app := testapp.Start(t)
	c := app.LoginAs(t, models.RoleAdmin)
	db := app.DB

	setupExpect(t, "new form", c.Get("/office/taxes/new"), http.StatusOK, `data-testid="tax-example"`)
	before := setupCount(t, db, (*models.Tax)(nil))
	for _, tc := range []struct {
		form       url.Values
		field, msg string
	}{
		{url.Values{"name": {""}, "amount_type": {"percent"}, "amount": {"21"}}, "name", "Enter a name."},
		{url.Values{"name": {"VAT"}, "amount_type": {"percent"}, "amount": {"abc"}}, "amount", "Enter a number"},
		{url.Values{"name": {"VAT"}, "amount_type": {"percent"}, "amount": {"150"}}, "amount", "A percentage is between 0 and 100."},
		{url.Values{"name": {"VAT"}, "amount_type": {"percent"}, "amount": {"-5"}}, "amount", "The amount cannot be negative."},
		{url.Values{"name": {"VAT"}, "amount_type": {"percent"}, "amount": {"2.12345"}}, "amount", "Use at most 4 decimals."},
		{url.Values{"name": {"VAT"}, "amount_type": {"weird"}, "amount": {"2"}}, "amount_type", "Choose a percentage or a fixed amount."},
	} {
		r := c.PostForm("/office/taxes", tc.form)
		setupExpect(t, "create "+tc.form.Encode(), r, http.StatusUnprocessableEntity, tc.msg, `data-testid="error-`+tc.field+`"`)
		if !strings.Contains(r.Body, `value="`+tc.form.Get("amount")+`"`) {
			t.Errorf("create %s: the typed amount is not kept", tc.form.Encode())
		}
	}
	if n := setupCount(t, db, (*models.Tax)(nil)); n != before {
		t.Fatalf("refused creates saved %d taxes", n-before)
	}

	// The live example is computed on the server.
	r := c.PostForm("/office/taxes/preview", url.Values{"amount_type": {"percent"}, "amount": {"21"}})
	setupExpect(t, "preview excluded", r, http.StatusOK, "€100.00", "€121.00", "€21.00")
	r = c.PostForm("/office/taxes/preview", url.Values{"amount_type": {"percent"}, "amount": {"21"}, "price_include": {"1"}})
	setupExpect(t, "preview included", r, http.StatusOK, "€82.64", "€17.36")
	if strings.Contains(r.Body, "<html") {
		t.Fatal("the preview is a whole page, want the fragment")
	}
	setupExpect(t, "preview invalid", c.PostForm("/office/taxes/preview", url.Values{"amount_type": {"percent"}, "amount": {"x"}}), http.StatusOK, "Enter a valid amount")

	setupExpectSaved(t, "create", c.PostForm("/office/taxes", url.Values{"name": {"Eco fee"}, "amount_type": {"fixed"}, "amount": {"0.30"}, "active": {"1"}}))
	eco := setupTaxID(t, db, "Eco fee")
	edit := c.Get("/office/taxes/" + itoa(eco))
	setupExpect(t, "edit", edit, http.StatusOK, `value="0.3"`, "€100.30")
	setupExpect(t, "list", c.Get("/office/taxes"), http.StatusOK, "Eco fee", "€0.30 / unit")

	// Editing with bad input changes nothing.
	r = c.PostForm("/office/taxes/"+itoa(eco), url.Values{"name": {"Eco fee"}, "amount_type": {"fixed"}, "amount": {"1,5"}, "active": {"1"}})
	setupExpect(t, "update bad amount", r, http.StatusUnprocessableEntity, "Enter a number")
	if tax, _ := models.GetTax(t.Context(), db, eco); tax.Amount.String() != "0.3" {
		t.Fatalf("refused update changed the amount to %s", tax.Amount)
	}

	// A tax products use is deactivated instead of deleted.
	p := setupProduct(t, db, "Tee", nil)
	if _, err := db.NewInsert().Model(&models.ProductTemplateTax{TemplateID: p.ID, TaxID: eco}).Exec(t.Context()); err != nil {
		t.Fatal(err)
	}
	setupExpectSaved(t, "delete used", c.PostForm("/office/taxes/"+itoa(eco)+"/delete", nil))
	if tax, err := models.GetTax(t.Context(), db, eco); err != nil || tax.Active {
		t.Fatalf("used tax after delete: %+v %v, want kept and inactive", tax, err)
	}
	list := c.Get("/office/taxes")
	setupExpect(t, "list after", list, http.StatusOK, "is in use, so it was deactivated instead of deleted")
	if strings.Contains(list.Body, `data-testid="tax-name">Eco fee`) {
		t.Error("the inactive tax shows in the default list")
	}
	setupExpect(t, "list inactive", c.Get("/office/taxes?inactive=1"), http.StatusOK, `data-testid="tax-name">Eco fee`)
}

func TestAttributePages(t *testing.T) {
	app := testapp.Start(t)
	c := app.LoginAs(t, models.RoleSales)
	db := app.DB

	setupExpect(t, "new form", c.Get("/office/attributes/new"), http.StatusOK, `data-testid="value-row"`)
	before := setupCount(t, db, (*models.Attribute)(nil))
	rows := func(name string, values ...[3]string) url.Values {
		f := url.Values{"name": {name}}
		for _, v := range values {
			f.Add("value_id", v[0])
			f.Add("value_name", v[1])
			f.Add("value_color", v[2])
		}
		return f
	}
	for _, tc := range []struct {
		form url.Values
		msg  string
	}{
		{rows("", [3]string{"0", "S", ""}), "Enter a name."},
		{rows("Finish", [3]string{"0", "Red", "red"}), "Write the colour as #rrggbb"},
		{rows("Finish", [3]string{"0", "Red", ""}, [3]string{"0", "red", ""}), "This value is listed twice."},
		{rows("Finish", [3]string{"0", "", "#ff0000"}), "Enter the value&#39;s name."},
	} {
		setupExpect(t, "create "+tc.form.Encode(), c.PostForm("/office/attributes", tc.form), http.StatusUnprocessableEntity, tc.msg)
	}
	if n := setupCount(t, db, (*models.Attribute)(nil)); n != before {
		t.Fatalf("refused creates saved %d attributes", n-before)
	}
	setupExpect(t, "tampered rows", c.PostForm("/office/attributes", url.Values{"name": {"X"}, "value_id": {"0", "0"}, "value_name": {"A"}, "value_color": {""}}), http.StatusBadRequest)

	r := c.PostForm("/office/attributes", rows("Finish", [3]string{"0", "Red", "#C0392B"}, [3]string{"0", "Blue", ""}, [3]string{"0", "", ""}))
	setupExpectSaved(t, "create", r)
	a, err := models.GetAttribute(t.Context(), db, setupAttributeID(t, db, "Finish"))
	if err != nil || len(a.Values) != 2 || a.Values[0].HTMLColor != "#c0392b" {
		t.Fatalf("created %+v, %v", a, err)
	}
	red, blue := a.Values[0], a.Values[1]
	path := "/office/attributes/" + itoa(a.ID)

	// Move Blue up: the form is saved with the two rows swapped.
	f := rows("Finish", [3]string{itoa(red.ID), "Red", "#c0392b"}, [3]string{itoa(blue.ID), "Blue", ""}, [3]string{"0", "Green", "#00aa00"})
	f.Set("move", "up:1")
	setupExpectSaved(t, "move", c.PostForm(path, f))
	setupExpect(t, "list", c.Get("/office/attributes"), http.StatusOK, "Finish")
	a, _ = models.GetAttribute(t.Context(), db, a.ID)
	if got := setupValueNames(a); got != "Blue,Red,Green" {
		t.Fatalf("after move: %s, want Blue,Red,Green", got)
	}

	// Removing a value a variant uses is refused next to the value, and nothing is saved.
	p := setupProduct(t, db, "Tee", nil)
	v := &models.ProductVariant{TemplateID: p.ID, SKU: "TEE-RED", Active: true, Combination: itoa(red.ID)}
	if _, err := db.NewInsert().Model(v).Returning("id").Exec(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := db.NewInsert().Model(&models.ProductVariantValue{VariantID: v.ID, ValueID: red.ID}).Exec(t.Context()); err != nil {
		t.Fatal(err)
	}
	setupExpect(t, "edit shows use", c.Get(path), http.StatusOK, "in 1 variant")
	green := a.Values[2]
	f = rows("Finishes", [3]string{itoa(blue.ID), "Blue", ""}, [3]string{itoa(red.ID), "Red", "#c0392b"}, [3]string{itoa(green.ID), "Green", "#00aa00"})
	f.Add("value_remove", itoa(red.ID))
	f.Add("value_remove", itoa(green.ID))
	r = c.PostForm(path, f)
	setupExpect(t, "remove used", r, http.StatusConflict, "“Red” cannot be removed: 1 variant uses it.", `data-testid="error-value-remove"`)
	a, _ = models.GetAttribute(t.Context(), db, a.ID)
	if got := setupValueNames(a); got != "Blue,Red,Green" || a.Name != "Finish" {
		t.Fatalf("a refused update saved: %s %s", a.Name, got)
	}
	// Bad colour on an edit: 422 next to the row, nothing saved.
	r = c.PostForm(path, rows("Finish", [3]string{itoa(blue.ID), "Navy", "#12345"}))
	setupExpect(t, "bad colour", r, http.StatusUnprocessableEntity, "Write the colour as #rrggbb", `data-testid="error-value-color"`)
	a, _ = models.GetAttribute(t.Context(), db, a.ID)
	if got := setupValueNames(a); got != "Blue,Red,Green" {
		t.Fatalf("a refused update saved: %s", got)
	}
	// Removing an unused value works.
	f = rows("Finish", [3]string{itoa(blue.ID), "Blue", ""}, [3]string{itoa(red.ID), "Red", "#c0392b"}, [3]string{itoa(green.ID), "Green", "#00aa00"})
	f.Add("value_remove", itoa(green.ID))
	setupExpectSaved(t, "remove unused", c.PostForm(path, f))
	a, _ = models.GetAttribute(t.Context(), db, a.ID)
	if got := setupValueNames(a); got != "Blue,Red" {
		t.Fatalf("after removal: %s", got)
	}
}

func setupAttributeID(t *testing.T, db *bun.DB, name string) int64 {
	t.Helper()
	var id int64
	if err := db.NewSelect().Model((*models.Attribute)(nil)).Column("id").Where("name = ?", name).Scan(t.Context(), &id); err != nil {
		t.Fatalf("attribute %s: %v", name, err)
	}
	return id
}

func setupValueNames(a *models.Attribute) string {
	var names []string
	for _, v := range a.Values {
		names = append(names, v.Name)
	}
	return strings.Join(names, ",")
}

// Sales users manage categories, taxes and attributes; warehouse and
// accounting users may not, not even by posting directly.
func TestCatalogSetupRoles(t *testing.T) {
	app := testapp.Start(t)
	sales := app.LoginAs(t, models.RoleSales)
	for _, path := range []string{"/office/categories", "/office/categories/new", "/office/taxes", "/office/taxes/new", "/office/attributes", "/office/attributes/new"} {
		setupExpect(t, "sales GET "+path, sales.Get(path), http.StatusOK)
	}
	setupExpectSaved(t, "sales creates a tax", sales.PostForm("/office/taxes", url.Values{"name": {"VAT 9%"}, "amount_type": {"percent"}, "amount": {"9"}, "active": {"1"}}))

	for _, role := range []string{models.RoleWarehouse, models.RoleAccountant} {
		c := app.LoginAs(t, role)
		for _, path := range []string{"/office/categories", "/office/taxes", "/office/attributes"} {
			if r := c.Get(path); r.StatusCode != http.StatusForbidden {
				t.Errorf("%s GET %s: %d, want 403", role, path, r.StatusCode)
			}
		}
		before := setupCount(t, app.DB, (*models.Category)(nil))
		if r := c.PostForm("/office/categories", url.Values{"name": {"Sneaky"}}); r.StatusCode != http.StatusForbidden {
			t.Errorf("%s POST category: %d, want 403", role, r.StatusCode)
		}
		if setupCount(t, app.DB, (*models.Category)(nil)) != before {
			t.Errorf("%s created a category", role)
		}
	}
}

// The tax form's example follows what is typed (HTMX, computed on the
// server), and the catalog setup pages render without CSP violations on a
// desktop and on a phone.
func TestBrowserCatalogSetup(t *testing.T) {
	app := testapp.Start(t)
	if err := models.SeedTaxes(t.Context(), app.DB); err != nil {
		t.Fatal(err)
	}
	if _, err := models.SeedAttributes(t.Context(), app.DB); err != nil {
		t.Fatal(err)
	}
	apparel, err := models.CreateCategory(t.Context(), app.DB, models.CategoryInput{Name: "Setup apparel"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := models.CreateCategory(t.Context(), app.DB, models.CategoryInput{Name: "T-shirts", ParentID: &apparel.ID}, 0); err != nil {
		t.Fatal(err)
	}
	first := browser.New(t)
	for _, size := range []struct {
		name string
		opt  browser.Option
	}{{"desktop", browser.Size(browser.DesktopWidth, browser.DesktopHeight)}, {"phone", browser.Size(390, 844)}} {
		ctx := browser.NewTab(t, first, size.opt)
		const form = `form[data-testid=login-form]`
		browser.Navigate(t, ctx, app.URL+"/login")
		browser.Do(t, ctx,
			chromedp.SendKeys(chromedp.CSS(form+` input[name=email]`), "sales@example.com"),
			chromedp.SendKeys(chromedp.CSS(form+` input[name=password]`), models.DemoPassword),
		)
		browser.ClickAndWait(t, ctx, form+` button[type=submit]`)

		browser.Navigate(t, ctx, app.URL+"/office/taxes/new")
		browser.Do(t, ctx, chromedp.SendKeys(chromedp.CSS(`#f-amount`), "21"))
		browser.WaitFor(t, ctx, 5*time.Second, "the example for 21% added", `document.querySelector('[data-testid=example-total]')?.textContent === '€121.00'`)
		browser.Do(t, ctx, chromedp.Click(chromedp.CSS(`input[name=price_include]`)))
		browser.WaitFor(t, ctx, 5*time.Second, "the example for 21% included", `document.querySelector('[data-testid=example-untaxed]')?.textContent === '€82.64'`)
		browser.Screenshot(t, ctx, size.name+"-tax-form.png")

		for _, page := range []string{"categories", "taxes", "attributes"} {
			browser.Navigate(t, ctx, app.URL+"/office/"+page)
			browser.Screenshot(t, ctx, size.name+"-"+page+".png")
		}
		browser.Navigate(t, ctx, app.URL+"/office/attributes/"+itoa(setupAttributeID(t, app.DB, "Color")))
		browser.Screenshot(t, ctx, size.name+"-attribute-form.png")
		browser.Navigate(t, ctx, app.URL+"/office/categories/"+itoa(apparel.ID))
		browser.Screenshot(t, ctx, size.name+"-category-form.png")
	}
}
