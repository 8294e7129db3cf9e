package handlers

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"orderflow/models"
	"orderflow/views"
	"orderflow/views/office"
)

// OfficeSettings shows the company settings.
func (h *Handler) OfficeSettings(c echo.Context) error {
	co, err := models.GetCompany(c.Request().Context(), h.db)
	if err != nil {
		return err
	}
	return h.renderSettings(c, http.StatusOK, views.FormState{Values: companyValues(co)})
}

// OfficeSettingsSave saves the company settings.
func (h *Handler) OfficeSettingsSave(c echo.Context) error {
	in := models.CompanyInput{
		Name: c.FormValue("name"), Email: c.FormValue("email"), Phone: c.FormValue("phone"),
		TaxRounding: c.FormValue("tax_rounding"), InvoicePolicy: c.FormValue("invoice_policy"),
		PricesIncludeTax: c.FormValue("prices_include_tax") != "", AutoConfirmOnPayment: c.FormValue("auto_confirm_on_payment") != "",
		SellBeyondStock: c.FormValue("sell_beyond_stock") != "",
		CartExpiryHours: settingsInt(c.FormValue("cart_expiry_hours")), MaxLineQuantity: settingsInt(c.FormValue("max_line_quantity")),
	}
	if id, err := strconv.ParseInt(c.FormValue("website_warehouse_id"), 10, 64); err == nil {
		in.WebsiteWarehouseID = &id
	}
	_, err := models.UpdateCompany(c.Request().Context(), h.db, in, currentUser(c).ID)
	if models.ErrorCode(err) == models.EINVALID {
		return h.renderSettings(c, formStatus(err), formState(c, err, "name", "email", "phone", "tax_rounding", "invoice_policy",
			"prices_include_tax", "auto_confirm_on_payment", "sell_beyond_stock", "website_warehouse_id", "cart_expiry_hours", "max_line_quantity"))
	}
	if err != nil {
		return err
	}
	h.flash(c, "success", "Settings saved.")
	return redirect(c, "/office/settings")
}

func (h *Handler) renderSettings(c echo.Context, status int, f views.FormState) error {
	ctx := c.Request().Context()
	co, err := models.GetCompany(ctx, h.db)
	if err != nil {
		return err
	}
	whs, err := models.ListWarehouses(ctx, h.db)
	if err != nil {
		return err
	}
	history, err := models.History(ctx, h.db, "company", 1)
	if err != nil {
		return err
	}
	return h.render(c, status, office.Settings(h.page(c, "Settings"), office.SettingsForm{Company: co, Form: f, Warehouses: whs, History: history}))
}

func companyValues(co *models.Company) map[string]string {
	v := map[string]string{
		"name": co.Name, "email": co.Email, "phone": co.Phone, "tax_rounding": co.TaxRounding, "invoice_policy": co.InvoicePolicy,
		"cart_expiry_hours": strconv.Itoa(co.CartExpiryHours), "max_line_quantity": strconv.Itoa(co.MaxLineQuantity),
	}
	for k, b := range map[string]bool{"prices_include_tax": co.PricesIncludeTax, "auto_confirm_on_payment": co.AutoConfirmOnPayment, "sell_beyond_stock": co.SellBeyondStock} {
		if b {
			v[k] = "1"
		}
	}
	if co.WebsiteWarehouseID != nil {
		v["website_warehouse_id"] = fmt.Sprint(*co.WebsiteWarehouseID)
	}
	return v
}

// settingsInt reads a whole number typed in the settings form; 0 (refused
// by the validation) when it is not one.
func settingsInt(s string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0
	}
	return n
}
