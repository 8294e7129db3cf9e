package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"orderflow/models"
	"orderflow/views"
	"orderflow/views/office"
)

// OfficeTaxList lists the taxes (?inactive=1 shows the inactive ones too).
func (h *Handler) OfficeTaxList(c echo.Context) error {
	ctx := c.Request().Context()
	showInactive := c.QueryParam("inactive") != ""
	taxes, err := models.ListTaxes(ctx, h.db, showInactive)
	if err != nil {
		return err
	}
	counts, err := models.TaxProductCounts(ctx, h.db)
	if err != nil {
		return err
	}
	p := h.page(c, "Taxes")
	return h.render(c, http.StatusOK, office.TaxList(p, taxes, counts, taxPageCurrency(p), showInactive))
}

// OfficeTaxNew shows the form for a new tax.
func (h *Handler) OfficeTaxNew(c echo.Context) error {
	f := views.FormState{Values: map[string]string{"amount_type": models.TaxPercent}}
	in := models.TaxInput{AmountType: models.TaxPercent, Amount: "", Active: true}
	return h.renderTaxEdit(c, http.StatusOK, nil, f, in)
}

// OfficeTaxCreate creates a tax.
func (h *Handler) OfficeTaxCreate(c echo.Context) error {
	in := taxInput(c)
	t, err := models.CreateTax(c.Request().Context(), h.db, in, currentUser(c).ID)
	if models.ErrorCode(err) == models.EINVALID {
		return h.renderTaxEdit(c, formStatus(err), nil, formState(c, err, "name", "amount_type", "amount"), in)
	}
	if err != nil {
		return err
	}
	h.flash(c, "success", "Tax “"+t.Name+"” created.")
	return redirect(c, "/office/taxes")
}

// OfficeTaxEdit shows a tax to edit.
func (h *Handler) OfficeTaxEdit(c echo.Context) error {
	t, err := h.taxParam(c)
	if err != nil {
		return err
	}
	in := models.TaxInput{Name: t.Name, AmountType: t.AmountType, Amount: t.Amount.String(), PriceInclude: t.PriceInclude, Active: t.Active}
	f := views.FormState{Values: map[string]string{"name": in.Name, "amount_type": in.AmountType, "amount": in.Amount}}
	return h.renderTaxEdit(c, http.StatusOK, t, f, in)
}

// OfficeTaxUpdate saves a tax.
func (h *Handler) OfficeTaxUpdate(c echo.Context) error {
	t, err := h.taxParam(c)
	if err != nil {
		return err
	}
	in := taxInput(c)
	updated, err := models.UpdateTax(c.Request().Context(), h.db, t.ID, in, currentUser(c).ID)
	if models.ErrorCode(err) == models.EINVALID {
		return h.renderTaxEdit(c, formStatus(err), t, formState(c, err, "name", "amount_type", "amount"), in)
	}
	if err != nil {
		return err
	}
	h.flash(c, "success", "Tax “"+updated.Name+"” saved.")
	return redirect(c, "/office/taxes")
}

// OfficeTaxDelete deletes a tax, or deactivates it when products use it.
func (h *Handler) OfficeTaxDelete(c echo.Context) error {
	t, err := h.taxParam(c)
	if err != nil {
		return err
	}
	deactivated, err := models.DeleteTax(c.Request().Context(), h.db, t.ID, currentUser(c).ID)
	if err != nil {
		return err
	}
	if deactivated {
		h.flash(c, "info", "Tax “"+t.Name+"” is in use, so it was deactivated instead of deleted.")
	} else {
		h.flash(c, "success", "Tax “"+t.Name+"” deleted.")
	}
	return redirect(c, "/office/taxes")
}

// OfficeTaxPreview answers the tax form's live example (an HTMX fragment).
func (h *Handler) OfficeTaxPreview(c echo.Context) error {
	co, err := models.GetCompany(c.Request().Context(), h.db)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, office.TaxExampleBox(taxPreview(taxInput(c), co.Currency())))
}

func (h *Handler) renderTaxEdit(c echo.Context, status int, t *models.Tax, f views.FormState, in models.TaxInput) error {
	ctx := c.Request().Context()
	p := h.page(c, "New tax")
	d := office.TaxForm{Tax: t, Form: f, PriceInclude: in.PriceInclude, Active: in.Active, Preview: taxPreview(in, taxPageCurrency(p))}
	if t != nil {
		p.Title = t.Name
		counts, err := models.TaxProductCounts(ctx, h.db)
		if err != nil {
			return err
		}
		d.Products = counts[t.ID]
		if d.History, err = models.History(ctx, h.db, "tax", t.ID); err != nil {
			return err
		}
	}
	return h.render(c, status, office.TaxEdit(p, d))
}

func taxPreview(in models.TaxInput, cur models.Currency) office.TaxPreview {
	ex, err := models.PreviewTax(in, cur)
	v := office.TaxPreview{Example: ex, Currency: cur}
	if err != nil {
		v.Problem = "Enter a valid amount to see what a product priced " + cur.Format(models.TaxExamplePrice) + " would show."
	}
	return v
}

// taxPageCurrency is the company currency, or euros when the company could
// not be loaded (the page still renders; the error was logged).
func taxPageCurrency(p views.Page) models.Currency {
	if p.Company == nil {
		return models.Currency{Code: "EUR", Rounding: decimal.New(1, -2)}
	}
	return p.Company.Currency()
}

func taxInput(c echo.Context) models.TaxInput {
	return models.TaxInput{
		Name: c.FormValue("name"), AmountType: c.FormValue("amount_type"), Amount: c.FormValue("amount"),
		PriceInclude: c.FormValue("price_include") != "", Active: c.FormValue("active") != "",
	}
}

// taxParam loads the tax named by the :id path parameter.
func (h *Handler) taxParam(c echo.Context) (*models.Tax, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, models.Errorf(models.ENOTFOUND, "The tax was not found.")
	}
	return models.GetTax(c.Request().Context(), h.db, id)
}
