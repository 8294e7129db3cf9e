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
	bad := url.Values{"name": {""}, "email": {"not-an-email"}, "tax_rounding": {"sometimes"}, "invoice_policy": {"ordered"}, "sell_beyond_stock": {"1"}}
	r := admin.PostForm("/office/settings", bad)
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Enter a name.") || !strings.Contains(r.Body, "Choose per line or global rounding.") {
		t.Fatalf("bad settings: %d", r.StatusCode)
	}
	co, err := models.GetCompany(t.Context(), app.DB)
	if err != nil {
		t.Fatal(err)
	}
	if co.Name != "Test Shop" || co.SellBeyondStock {
		t.Fatalf("refused settings were saved: %+v", co)
	}
	good := url.Values{"name": {"Renamed Shop"}, "email": {"Hello@Example.com"}, "tax_rounding": {"global"}, "invoice_policy": {"delivered"},
		"sell_beyond_stock": {"1"}, "prices_include_tax": {"1"}}
	if r := admin.PostForm("/office/settings", good); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save settings: %d %s", r.StatusCode, r.Body)
	}
	co, _ = models.GetCompany(t.Context(), app.DB)
	if co.Name != "Renamed Shop" || co.Email != "hello@example.com" || co.TaxRounding != "global" || !co.SellBeyondStock || !co.PricesIncludeTax || co.AutoConfirmOnPayment {
		t.Fatalf("settings not saved as submitted: %+v", co)
	}
	if r := app.Client(t).Get("/"); !strings.Contains(r.Body, "Renamed Shop") {
		t.Fatal("the shop does not show the new company name")
	}
	if r := app.LoginAs(t, models.RoleSales).PostForm("/office/settings", good); r.StatusCode != http.StatusForbidden {
		t.Fatalf("sales saving settings: %d, want 403", r.StatusCode)
	}
}
