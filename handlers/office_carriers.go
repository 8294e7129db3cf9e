package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"orderflow/models"
	"orderflow/views"
	"orderflow/views/office"
)

// carrierFormFields are the text fields of the shipping method form,
// including the price preview's example order.
var carrierFormFields = []string{"name", "description", "kind", "fixed_price", "free_over", "tax_id", "tracking_url", "sequence",
	"preview_weight", "preview_volume", "preview_quantity", "preview_amount", "preview_country"}

// carrierPreviewDefaults is the example order a fresh form prices.
var carrierPreviewDefaults = map[string]string{"preview_weight": "1", "preview_volume": "0", "preview_quantity": "1", "preview_amount": "50"}

// OfficeCarrierList lists the shipping methods (?archived=1 shows the
// archived ones too).
func (h *Handler) OfficeCarrierList(c echo.Context) error {
	ctx := c.Request().Context()
	showArchived := c.QueryParam("archived") != ""
	carriers, err := models.ListCarriers(ctx, h.db, showArchived)
	if err != nil {
		return err
	}
	taxes, err := models.ListTaxes(ctx, h.db, true)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, office.CarrierList(h.page(c, "Shipping methods"), carriers, taxes, showArchived))
}

// OfficeCarrierNew shows the form for a new shipping method.
func (h *Handler) OfficeCarrierNew(c echo.Context) error {
	f := views.FormState{Values: map[string]string{"kind": models.CarrierFixed, "sequence": "10"}}
	for k, v := range carrierPreviewDefaults {
		f.Values[k] = v
	}
	in := models.CarrierInput{Kind: models.CarrierFixed, Active: true}
	return h.renderCarrierForm(c, http.StatusOK, nil, f, in)
}

// OfficeCarrierCreate creates a shipping method with its price rules.
func (h *Handler) OfficeCarrierCreate(c echo.Context) error {
	in, err := carrierInput(c)
	if err != nil {
		return err
	}
	cr, err := models.CreateCarrier(c.Request().Context(), h.db, in, currentUser(c).ID)
	if models.ErrorCode(err) == models.EINVALID {
		return h.renderCarrierForm(c, formStatus(err), nil, formState(c, err, carrierFormFields...), in)
	}
	if err != nil {
		return err
	}
	h.flash(c, "success", "Shipping method “"+cr.Name+"” created.")
	return redirect(c, fmt.Sprintf("/office/carriers/%d", cr.ID))
}

// OfficeCarrierEdit shows a shipping method to edit, with its history.
func (h *Handler) OfficeCarrierEdit(c echo.Context) error {
	cr, err := h.carrierParam(c)
	if err != nil {
		return err
	}
	in := carrierInputOf(cr)
	f := views.FormState{Values: map[string]string{
		"name": in.Name, "description": in.Description, "kind": in.Kind, "fixed_price": in.FixedPrice, "free_over": in.FreeOver,
		"tax_id": "", "tracking_url": in.TrackingURL, "sequence": in.Sequence,
	}}
	if cr.TaxID != nil {
		f.Values["tax_id"] = strconv.FormatInt(*cr.TaxID, 10)
	}
	for k, v := range carrierPreviewDefaults {
		f.Values[k] = v
	}
	return h.renderCarrierForm(c, http.StatusOK, cr, f, in)
}

// OfficeCarrierUpdate saves a shipping method; its rules are replaced by
// the rows of the form.
func (h *Handler) OfficeCarrierUpdate(c echo.Context) error {
	cr, err := h.carrierParam(c)
	if err != nil {
		return err
	}
	in, err := carrierInput(c)
	if err != nil {
		return err
	}
	updated, err := models.UpdateCarrier(c.Request().Context(), h.db, cr.ID, in, currentUser(c).ID)
	if models.ErrorCode(err) == models.EINVALID {
		return h.renderCarrierForm(c, formStatus(err), cr, formState(c, err, carrierFormFields...), in)
	}
	if err != nil {
		return err
	}
	h.flash(c, "success", "Shipping method “"+updated.Name+"” saved.")
	return redirect(c, fmt.Sprintf("/office/carriers/%d", cr.ID))
}

// OfficeCarrierRules adds a rule row (rules_action=add) or removes one
// (rules_action=remove:i) and shows the form again without saving: the
// rules table for HTMX, the whole form otherwise (carrier_id says which
// method the form edits, 0 for a new one).
func (h *Handler) OfficeCarrierRules(c echo.Context) error {
	in, err := carrierInput(c)
	if err != nil {
		return err
	}
	action := c.FormValue("rules_action")
	if i, err := strconv.Atoi(strings.TrimPrefix(action, "remove:")); err == nil && strings.HasPrefix(action, "remove:") {
		if i >= 0 && i < len(in.Rules) {
			in.Rules = slices.Delete(in.Rules, i, i+1)
		}
	} else if action == "add" && len(in.Rules) < models.MaxCarrierRules {
		in.Rules = append(in.Rules, carrierBlankRule())
	}
	cr, err := h.carrierFormTarget(c)
	if err != nil {
		return err
	}
	return h.renderCarrierForm(c, http.StatusOK, cr, formState(c, nil, carrierFormFields...), in, "rules")
}

// OfficeCarrierPreview prices the example order of the form with the
// shipping method as typed (saved or not): the result box for HTMX, the
// whole form otherwise.
func (h *Handler) OfficeCarrierPreview(c echo.Context) error {
	in, err := carrierInput(c)
	if err != nil {
		return err
	}
	cr, err := h.carrierFormTarget(c)
	if err != nil {
		return err
	}
	return h.renderCarrierForm(c, http.StatusOK, cr, formState(c, nil, carrierFormFields...), in, "preview")
}

// OfficeCarrierArchive archives a shipping method: checkout no longer offers it.
func (h *Handler) OfficeCarrierArchive(c echo.Context) error {
	return h.setCarrierActive(c, false)
}

// OfficeCarrierUnarchive offers an archived shipping method again.
func (h *Handler) OfficeCarrierUnarchive(c echo.Context) error {
	return h.setCarrierActive(c, true)
}

func (h *Handler) setCarrierActive(c echo.Context, active bool) error {
	cr, err := h.carrierParam(c)
	if err != nil {
		return err
	}
	cr, err = models.SetCarrierActive(c.Request().Context(), h.db, cr.ID, active, currentUser(c).ID)
	if err != nil {
		return err
	}
	if active {
		h.flash(c, "success", "Shipping method “"+cr.Name+"” is offered again.")
	} else {
		h.flash(c, "success", "Shipping method “"+cr.Name+"” archived: checkout no longer offers it.")
	}
	return redirect(c, fmt.Sprintf("/office/carriers/%d", cr.ID))
}

// renderCarrierForm renders the shipping method form with the taxes it
// offers, the price preview and the history; for HTMX, only the fragment
// named ("rules" or "preview") when one is.
func (h *Handler) renderCarrierForm(c echo.Context, status int, cr *models.Carrier, f views.FormState, in models.CarrierInput, fragment ...string) error {
	ctx := c.Request().Context()
	p := h.page(c, "New shipping method")
	cur := salesSettingsCurrency(p)
	d := office.CarrierForm{Carrier: cr, Form: f, Countries: in.CountryCodes, Active: in.Active, Rules: in.Rules, Currency: cur}
	if len(d.Rules) == 0 {
		d.Rules = []models.CarrierRuleInput{carrierBlankRule()}
	}
	d.Preview = carrierPreview(in, f, cur)
	taxes, err := models.ListTaxes(ctx, h.db, true)
	if err != nil {
		return err
	}
	for _, t := range taxes {
		if t.Active || (cr != nil && cr.TaxID != nil && *cr.TaxID == t.ID) {
			d.Taxes = append(d.Taxes, t)
		}
	}
	if cr != nil {
		p.Title = cr.Name
		if d.History, err = models.History(ctx, h.db, "carrier", cr.ID); err != nil {
			return err
		}
	}
	switch {
	case len(fragment) > 0 && fragment[0] == "rules":
		return h.render(c, status, office.CarrierEdit(p, d), office.CarrierRulesTable(d))
	case len(fragment) > 0 && fragment[0] == "preview":
		return h.render(c, status, office.CarrierEdit(p, d), office.CarrierPreviewBox(d.Preview))
	}
	return h.render(c, status, office.CarrierEdit(p, d))
}

// carrierPreview prices the form's example order, or says why it cannot.
func carrierPreview(in models.CarrierInput, f views.FormState, cur models.Currency) office.CarrierPreview {
	b := models.ShippingPreviewInput{Weight: f.Value("preview_weight"), Volume: f.Value("preview_volume"),
		Quantity: f.Value("preview_quantity"), Amount: f.Value("preview_amount"), CountryCode: f.Value("preview_country")}
	v := office.CarrierPreview{Currency: cur}
	res, err := models.PreviewCarrierPrice(in, b, cur)
	if err != nil {
		v.Problem = carrierPreviewProblem(err)
		return v
	}
	v.Result = res
	return v
}

// carrierPreviewLabels name the fields a preview problem may concern.
var carrierPreviewLabels = map[string]string{
	"preview_weight": "Weight", "preview_volume": "Volume", "preview_quantity": "Quantity", "preview_amount": "Order amount",
	"preview_country": "Country", "name": "Name", "kind": "Pricing", "fixed_price": "Fixed price", "free_over": "Free above",
	"tracking_url": "Tracking URL", "sequence": "Sequence", "country_codes": "Countries", "tax_id": "Tax", "rules": "Price rules",
	"description": "Description",
}

// carrierPreviewProblem turns a preview error into one sentence: the
// first problem of the example or the form, or why the method cannot ship.
func carrierPreviewProblem(err error) string {
	fields := models.FieldErrors(err)
	if len(fields) == 0 {
		return models.ErrorMessage(err)
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		pi, pj := strings.HasPrefix(keys[i], "preview_"), strings.HasPrefix(keys[j], "preview_")
		if pi != pj {
			return pi
		}
		return keys[i] < keys[j]
	})
	k := keys[0]
	label := carrierPreviewLabels[k]
	if parts := strings.Split(k, "."); len(parts) == 3 && parts[0] == "rules" {
		if i, err := strconv.Atoi(parts[1]); err == nil {
			label = fmt.Sprintf("Rule %d", i+1)
		}
	}
	if strings.HasPrefix(k, "preview_") {
		return label + ": " + fields[k]
	}
	return "Complete the form to see a price. " + label + ": " + fields[k]
}

// carrierInput reads the shipping method form; rule rows are the indexed
// fields rules.0.variable, rules.0.operator ... up to the first missing index.
func carrierInput(c echo.Context) (models.CarrierInput, error) {
	form, err := c.FormParams()
	if err != nil {
		return models.CarrierInput{}, echo.NewHTTPError(http.StatusBadRequest)
	}
	in := models.CarrierInput{
		Name: form.Get("name"), Description: form.Get("description"), Kind: form.Get("kind"),
		FixedPrice: form.Get("fixed_price"), FreeOver: form.Get("free_over"), CountryCodes: form["country_codes"],
		TaxID: productFormID(form.Get("tax_id")), TrackingURL: form.Get("tracking_url"), Sequence: form.Get("sequence"),
		Active: form.Get("active") != "",
	}
	in.Rules = carrierRuleRows(form)
	return in, nil
}

func carrierRuleRows(form url.Values) []models.CarrierRuleInput {
	var rows []models.CarrierRuleInput
	for i := 0; i < models.MaxCarrierRules+10; i++ {
		key := func(col string) string { return models.CarrierRuleField(i, col) }
		if _, ok := form[key("variable")]; !ok {
			break
		}
		rows = append(rows, models.CarrierRuleInput{
			Variable: form.Get(key("variable")), Operator: form.Get(key("operator")), MaxValue: form.Get(key("max_value")),
			BasePrice: form.Get(key("base_price")), PerUnitPrice: form.Get(key("per_unit_price")), Factor: form.Get(key("factor")),
		})
	}
	return rows
}

func carrierBlankRule() models.CarrierRuleInput {
	return models.CarrierRuleInput{Variable: models.RuleWeight, Operator: "<=", Factor: models.RuleWeight}
}

// carrierInputOf writes a saved shipping method as its form would send it.
func carrierInputOf(cr *models.Carrier) models.CarrierInput {
	in := models.CarrierInput{Name: cr.Name, Description: cr.Description, Kind: cr.Kind, FixedPrice: cr.FixedPrice.String(),
		CountryCodes: cr.CountryCodes, TrackingURL: cr.TrackingURL, Sequence: strconv.Itoa(cr.Sequence), Active: cr.Active}
	if cr.FreeOver != nil {
		in.FreeOver = cr.FreeOver.String()
	}
	if cr.TaxID != nil {
		in.TaxID = *cr.TaxID
	}
	for _, r := range cr.Rules {
		in.Rules = append(in.Rules, models.CarrierRuleInput{Variable: r.Variable, Operator: r.Operator, MaxValue: r.MaxValue.String(),
			BasePrice: r.BasePrice.String(), PerUnitPrice: r.PerUnitPrice.String(), Factor: r.Factor})
	}
	return in
}

// carrierFormTarget loads the shipping method named by the form's
// carrier_id (nil for a new one).
func (h *Handler) carrierFormTarget(c echo.Context) (*models.Carrier, error) {
	id, err := strconv.ParseInt(c.FormValue("carrier_id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, nil
	}
	return models.GetCarrierWithRules(c.Request().Context(), h.db, id)
}

// carrierParam loads the shipping method named by the :id path parameter.
func (h *Handler) carrierParam(c echo.Context) (*models.Carrier, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, models.Errorf(models.ENOTFOUND, "The shipping method was not found.")
	}
	return models.GetCarrierWithRules(c.Request().Context(), h.db, id)
}

// salesSettingsCurrency is the company currency, or euros when the company
// could not be loaded (the page still renders; the error was logged).
func salesSettingsCurrency(p views.Page) models.Currency {
	if p.Company == nil {
		return models.Currency{Code: "EUR"}
	}
	return p.Company.Currency()
}
