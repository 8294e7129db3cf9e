package handlers

import (
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"orderflow/models"
	"orderflow/views"
	"orderflow/views/office"
)

// The quotation form posts to itself for everything: "add_variant" (a
// product picked), "remove_line" and action=refresh show the form again
// with the change and fresh totals, saving nothing; action=save saves.
// Unit prices come from the form: the back office is trusted staff (the
// shop never takes a posted price).

// OfficeQuotationNew shows an empty quotation form.
func (h *Handler) OfficeQuotationNew(c echo.Context) error {
	f, err := models.QuotationFormFor(c.Request().Context(), h.db, 0, nil, models.QuotationSearch{})
	if err != nil {
		return err
	}
	return h.renderQuotationForm(c, http.StatusOK, office.QuotationFormData{F: f})
}

// OfficeQuotationEdit shows the form of a saved quotation; a confirmed or
// cancelled order goes back to its page with the reason.
func (h *Handler) OfficeQuotationEdit(c echo.Context) error {
	id, err := orderID(c)
	if err != nil {
		return err
	}
	f, err := models.QuotationFormFor(c.Request().Context(), h.db, id, nil, models.QuotationSearch{})
	if models.ErrorCode(err) == models.ECONFLICT {
		h.flash(c, "error", models.ErrorMessage(err))
		return redirect(c, office.OrderURL(id))
	}
	if err != nil {
		return err
	}
	return h.renderQuotationForm(c, http.StatusOK, office.QuotationFormData{F: f})
}

// OfficeQuotationCreate creates a quotation, or shows the form again after
// a picker or a line change.
func (h *Handler) OfficeQuotationCreate(c echo.Context) error {
	in, again := quotationInput(c)
	if again {
		return h.quotationFormAgain(c, 0, in)
	}
	o, err := models.CreateQuotation(c.Request().Context(), h.db, in, currentUser(c).ID)
	if err != nil {
		return h.quotationFormFailed(c, 0, in, err)
	}
	h.flash(c, "success", "Quotation "+o.Number()+" created.")
	return redirect(c, office.OrderURL(o.ID))
}

// OfficeQuotationUpdate saves a quotation, or shows the form again after a
// picker or a line change.
func (h *Handler) OfficeQuotationUpdate(c echo.Context) error {
	id, err := orderID(c)
	if err != nil {
		return err
	}
	in, again := quotationInput(c)
	if again {
		return h.quotationFormAgain(c, id, in)
	}
	o, err := models.UpdateQuotation(c.Request().Context(), h.db, id, in, currentUser(c).ID)
	if err != nil {
		return h.quotationFormFailed(c, id, in, err)
	}
	h.flash(c, "success", "Quotation "+o.Number()+" saved.")
	return redirect(c, office.OrderURL(o.ID))
}

// OfficeQuotationCustomers is the customer picker's HTMX suggestions.
func (h *Handler) OfficeQuotationCustomers(c echo.Context) error {
	q := c.QueryParam("customer_q")
	found, err := models.SearchCustomers(c.Request().Context(), h.db, q, 8)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, office.QuotationCustomerOptions(found, q, 0))
}

// OfficeQuotationProducts is the product picker's HTMX suggestions.
func (h *Handler) OfficeQuotationProducts(c echo.Context) error {
	q := c.QueryParam("product_q")
	found, err := models.SearchSaleVariants(c.Request().Context(), h.db, q, 8)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, office.QuotationProductOptions(h.page(c, ""), found, q))
}

// quotationFormAgain shows the form with the change asked for (nothing saved).
func (h *Handler) quotationFormAgain(c echo.Context, id int64, in models.QuotationInput) error {
	search := models.QuotationSearch{Customer: c.FormValue("customer_q"), Product: c.FormValue("product_q")}
	if c.FormValue("add_variant") != "" || c.FormValue("remove_line") != "" {
		search = models.QuotationSearch{} // a line changed: close the pickers' suggestions
	}
	f, err := models.QuotationFormFor(c.Request().Context(), h.db, id, &in, search)
	if err != nil {
		return err
	}
	d := office.QuotationFormData{F: f, CustomerQuery: search.Customer, ProductQuery: search.Product}
	if c.FormValue("action") == "refresh" {
		// "Update totals" asked for the amounts: say what stands in their way.
		// (Picking a product or a customer does not: the form is still being filled.)
		d.Form = views.FormState{Errors: f.Problems}
	}
	return h.renderQuotationForm(c, http.StatusOK, d)
}

// quotationFormFailed shows the form with the problems of a failed save.
func (h *Handler) quotationFormFailed(c echo.Context, id int64, in models.QuotationInput, saveErr error) error {
	code := models.ErrorCode(saveErr)
	if code != models.EINVALID && code != models.ECONFLICT {
		return saveErr
	}
	f, err := models.QuotationFormFor(c.Request().Context(), h.db, id, &in, models.QuotationSearch{})
	if err != nil {
		return err
	}
	state := views.FormState{Errors: models.FieldErrors(saveErr)}
	if len(state.Errors) != 1 {
		state.Error = models.ErrorMessage(saveErr)
	}
	return h.renderQuotationForm(c, formStatus(saveErr), office.QuotationFormData{F: f, Form: state})
}

func (h *Handler) renderQuotationForm(c echo.Context, status int, d office.QuotationFormData) error {
	title := "New quotation"
	if d.F.Order != nil {
		title = "Edit " + d.F.Order.Number()
	}
	p := h.page(c, title)
	return h.render(c, status, office.QuotationForm(p, d), office.QuotationFormBody(p, d))
}

// quotationInput reads the quotation form, applying a product picked
// (add_variant) or a line removed (remove_line); again reports that the
// form should be shown again rather than saved.
func quotationInput(c echo.Context) (in models.QuotationInput, again bool) {
	form, _ := c.FormParams()
	in.CarrierID, _ = strconv.ParseInt(c.FormValue("carrier_id"), 10, 64)
	in.ValidityDate, in.Note = c.FormValue("validity_date"), c.FormValue("note")
	switch partner := c.FormValue("partner_id"); partner {
	case "new":
		in.NewCustomer = true
	default:
		in.PartnerID, _ = strconv.ParseInt(partner, 10, 64)
	}
	in.Customer = models.AddressInput{Name: c.FormValue("customer_name"), Email: c.FormValue("customer_email"),
		Phone: c.FormValue("customer_phone"), Street: c.FormValue("customer_street"), City: c.FormValue("customer_city"),
		Zip: c.FormValue("customer_zip"), CountryCode: c.FormValue("customer_country_code")}
	var rows []int
	for key := range form {
		rest, ok := strings.CutPrefix(key, "lines.")
		n, field, ok2 := strings.Cut(rest, ".")
		i, err := strconv.Atoi(n)
		if ok && ok2 && err == nil && field == "variant_id" && i >= 0 {
			rows = append(rows, i)
		}
	}
	sort.Ints(rows)
	remove, err := strconv.Atoi(c.FormValue("remove_line"))
	if err != nil {
		remove = -1
	}
	for _, i := range rows {
		if i == remove {
			continue
		}
		v, err := strconv.ParseInt(form.Get(models.LineField(i, "variant_id")), 10, 64)
		if err != nil {
			continue
		}
		in.Lines = append(in.Lines, models.QuotationLineInput{VariantID: v, Quantity: form.Get(models.LineField(i, "quantity")),
			Discount: form.Get(models.LineField(i, "discount")), PriceUnit: form.Get(models.LineField(i, "price_unit"))})
	}
	if v, err := strconv.ParseInt(c.FormValue("add_variant"), 10, 64); err == nil {
		in.AddProduct(v)
		return in, true
	}
	return in, remove >= 0 || c.FormValue("action") == "refresh"
}
