package tests

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"orderflow/models"
	"orderflow/tests/testapp"
)

func TestCompanySettings(t *testing.T) {
	app := testapp.Start(t)
	admin := app.LoginAs(t, models.RoleAdmin)
	if r := admin.Get("/office/settings"); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "Test Shop") {
		t.Fatalf("settings page: %d", r.StatusCode)
	}
	bad := url.Values{"name": {""}, "email": {"not-an-email"}, "tax_rounding": {"sometimes"}, "invoice_policy": {"ordered"}, "sell_beyond_stock": {"1"},
		"cart_expiry_hours": {"0"}, "max_line_quantity": {"lots"}}
	r := admin.PostForm("/office/settings", bad)
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Enter a name.") || !strings.Contains(r.Body, "Choose per line or global rounding.") {
		t.Fatalf("bad settings: %d", r.StatusCode)
	}
	for _, want := range []string{`data-testid="error-cart_expiry_hours"`, "from 1 to 87600", `data-testid="error-max_line_quantity"`, `value="lots"`} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("bad settings page lacks %q", want)
		}
	}
	for _, v := range []url.Values{{"cart_expiry_hours": {"87601"}, "max_line_quantity": {"10"}}, {"cart_expiry_hours": {"48"}, "max_line_quantity": {"1000001"}}} {
		form := url.Values{"name": {"Test Shop"}, "tax_rounding": {"per_line"}, "invoice_policy": {"ordered"}}
		for k, x := range v {
			form[k] = x
		}
		if r := admin.PostForm("/office/settings", form); r.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("cart settings %v: %d, want 422", v, r.StatusCode)
		}
	}
	co, err := models.GetCompany(t.Context(), app.DB)
	if err != nil {
		t.Fatal(err)
	}
	if co.Name != "Test Shop" || co.SellBeyondStock || co.CartExpiryHours != 720 || co.MaxLineQuantity != 1000 {
		t.Fatalf("refused settings were saved: %+v", co)
	}
	good := url.Values{"name": {"Renamed Shop"}, "email": {"Hello@Example.com"}, "tax_rounding": {"global"}, "invoice_policy": {"delivered"},
		"sell_beyond_stock": {"1"}, "prices_include_tax": {"1"}, "cart_expiry_hours": {" 48 "}, "max_line_quantity": {"250"}}
	if r := admin.PostForm("/office/settings", good); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save settings: %d %s", r.StatusCode, r.Body)
	}
	co, _ = models.GetCompany(t.Context(), app.DB)
	if co.Name != "Renamed Shop" || co.Email != "hello@example.com" || co.TaxRounding != "global" || !co.SellBeyondStock || !co.PricesIncludeTax || co.AutoConfirmOnPayment ||
		co.CartExpiryHours != 48 || co.MaxLineQuantity != 250 {
		t.Fatalf("settings not saved as submitted: %+v", co)
	}
	if r := admin.Get("/office/settings"); !strings.Contains(r.Body, `name="cart_expiry_hours" type="number" value="48"`) || !strings.Contains(r.Body, `value="250"`) {
		t.Fatal("the settings page does not show the saved cart settings")
	}
	if r := app.Client(t).Get("/"); !strings.Contains(r.Body, "Renamed Shop") {
		t.Fatal("the shop does not show the new company name")
	}
	if r := app.LoginAs(t, models.RoleSales).PostForm("/office/settings", good); r.StatusCode != http.StatusForbidden {
		t.Fatalf("sales saving settings: %d, want 403", r.StatusCode)
	}
}
