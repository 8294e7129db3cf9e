package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"orderflow/models"
	"orderflow/views"
	"orderflow/views/office"
)

// productFormFields are the text fields of the product form.
var productFormFields = []string{"name", "default_code", "description", "category_id", "type", "tracking", "invoice_policy", "list_price", "cost", "weight", "volume"}

// productFilter reads the product list's filters from the query string.
func productFilter(c echo.Context) models.ProductFilter {
	page, _ := strconv.Atoi(c.QueryParam("page"))
	cat, _ := strconv.ParseInt(c.QueryParam("category"), 10, 64)
	return models.ProductFilter{
		Query: c.QueryParam("q"), CategoryID: cat, Type: c.QueryParam("type"),
		Published: c.QueryParam("published"), Active: c.QueryParam("active"), Sort: c.QueryParam("sort"), Page: page,
	}
}

// OfficeProductList lists products with search, filters, sorting and pages.
func (h *Handler) OfficeProductList(c echo.Context) error {
	ctx := c.Request().Context()
	f := productFilter(c)
	products, err := models.ListProducts(ctx, h.db, f)
	if err != nil {
		return err
	}
	opts, err := models.ProductFormOptions(ctx, h.db, 0)
	if err != nil {
		return err
	}
	p := h.page(c, "Products")
	return h.render(c, http.StatusOK, office.ProductList(p, f, products, opts.Categories), office.ProductRows(p, f, products))
}

// OfficeProductNew shows the form for a new product.
func (h *Handler) OfficeProductNew(c echo.Context) error {
	f := views.FormState{Values: map[string]string{"type": models.ProductStorable, "tracking": models.TrackingNone, "invoice_policy": models.InvoiceOrdered}}
	d := office.ProductForm{Form: f, Active: true}
	return h.renderProductForm(c, http.StatusOK, d)
}

// OfficeProductCreate creates a product and its variants.
func (h *Handler) OfficeProductCreate(c echo.Context) error {
	in := productInput(c)
	pt, err := models.CreateProduct(c.Request().Context(), h.db, in, currentUser(c).ID)
	if models.ErrorCode(err) == models.EINVALID {
		d := office.ProductForm{Form: formState(c, err, productFormFields...), TaxIDs: in.TaxIDs, ValueIDs: in.ValueIDs,
			Published: in.Published, Featured: in.Featured, Active: in.Active}
		return h.renderProductForm(c, formStatus(err), d)
	}
	if err != nil {
		return err
	}
	h.flash(c, "success", "Product "+pt.Name+" created.")
	return redirect(c, "/office/products/"+strconv.FormatInt(pt.ID, 10))
}

// OfficeProductEdit shows a product with its variants and history.
func (h *Handler) OfficeProductEdit(c echo.Context) error {
	pt, err := h.productParam(c)
	if err != nil {
		return err
	}
	return h.renderProductForm(c, http.StatusOK, productFormOf(pt, nil))
}

// OfficeProductUpdate saves a product; variants follow its attribute values.
func (h *Handler) OfficeProductUpdate(c echo.Context) error {
	pt, err := h.productParam(c)
	if err != nil {
		return err
	}
	in := productInput(c)
	updated, err := models.UpdateProduct(c.Request().Context(), h.db, pt.ID, in, currentUser(c).ID)
	if models.ErrorCode(err) == models.EINVALID {
		d := office.ProductForm{Product: pt, Form: formState(c, err, productFormFields...), TaxIDs: in.TaxIDs, ValueIDs: in.ValueIDs,
			Published: in.Published, Featured: in.Featured, Active: in.Active}
		return h.renderProductForm(c, formStatus(err), d)
	}
	if err != nil {
		return err
	}
	h.flash(c, "success", "Changes to "+updated.Name+" saved.")
	return redirect(c, "/office/products/"+strconv.FormatInt(pt.ID, 10))
}

// OfficeProductVariantsUpdate saves the SKUs, barcodes, price extras,
// weights and active flags of a product's variants.
func (h *Handler) OfficeProductVariantsUpdate(c echo.Context) error {
	pt, err := h.productParam(c)
	if err != nil {
		return err
	}
	form, _ := c.FormParams()
	var in []models.VariantInput
	values := map[string]string{}
	for _, s := range form["variant_ids"] {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			continue
		}
		v := models.VariantInput{ID: id}
		for _, field := range []struct {
			name string
			dst  *string
		}{{"sku", &v.SKU}, {"barcode", &v.Barcode}, {"price_extra", &v.PriceExtra}, {"weight", &v.Weight}} {
			key := models.VariantField(field.name, id)
			*field.dst = form.Get(key)
			values[key] = form.Get(key)
		}
		v.Active = form.Get(models.VariantField("active", id)) != ""
		if v.Active {
			values[models.VariantField("active", id)] = "1"
		}
		in = append(in, v)
	}
	err = models.UpdateVariants(c.Request().Context(), h.db, pt.ID, in, currentUser(c).ID)
	if models.ErrorCode(err) == models.EINVALID {
		vf := views.FormState{Values: values, Errors: models.FieldErrors(err), Error: models.ErrorMessage(err)}
		return h.renderProductForm(c, formStatus(err), productFormOf(pt, &vf))
	}
	if err != nil {
		return err
	}
	h.flash(c, "success", "Variants of "+pt.Name+" saved.")
	return redirect(c, "/office/products/"+strconv.FormatInt(pt.ID, 10)+"#variants")
}

// productFormOf fills the product form from the saved product; variants,
// when given, are the submitted variant fields with their problems.
func productFormOf(pt *models.ProductTemplate, variants *views.FormState) office.ProductForm {
	cat := ""
	if pt.CategoryID != nil {
		cat = strconv.FormatInt(*pt.CategoryID, 10)
	}
	f := views.FormState{Values: map[string]string{
		"name": pt.Name, "default_code": pt.DefaultCode, "description": pt.Description, "category_id": cat,
		"type": pt.Type, "tracking": pt.Tracking, "invoice_policy": pt.InvoicePolicy,
		"list_price": office.ProductAmount(pt.ListPrice), "cost": office.ProductAmount(pt.Cost), "weight": office.ProductAmount(pt.Weight),
		"volume": office.ProductAmount(pt.Volume),
	}}
	taxIDs := make([]int64, len(pt.Taxes))
	for i, t := range pt.Taxes {
		taxIDs[i] = t.ID
	}
	d := office.ProductForm{Product: pt, Form: f, TaxIDs: taxIDs, Published: pt.Published, Featured: pt.Featured, Active: pt.Active}
	if variants != nil {
		d.Variants = *variants
		d.VariantsSubmitted = true
	}
	return d
}

// renderProductForm adds what the form offers (categories, taxes, attribute
// values, the product's current values and history) and renders it.
func (h *Handler) renderProductForm(c echo.Context, status int, d office.ProductForm) error {
	ctx := c.Request().Context()
	var id int64
	if d.Product != nil {
		id = d.Product.ID
	}
	opts, err := models.ProductFormOptions(ctx, h.db, id)
	if err != nil {
		return err
	}
	d.Options = opts
	title := "New product"
	if d.Product != nil {
		title = d.Product.Name
		if d.ValueIDs == nil && len(d.Form.Errors) == 0 {
			lines, err := models.ProductTemplateValues(ctx, h.db, id)
			if err != nil {
				return err
			}
			for _, l := range lines {
				for _, v := range l.Values {
					d.ValueIDs = append(d.ValueIDs, v.ID)
				}
			}
		}
		if d.History, err = models.History(ctx, h.db, "product", id); err != nil {
			return err
		}
	}
	return h.render(c, status, office.ProductEdit(h.page(c, title), d))
}

// productInput reads the product form.
func productInput(c echo.Context) models.ProductInput {
	form, _ := c.FormParams()
	return models.ProductInput{
		Name: form.Get("name"), DefaultCode: form.Get("default_code"), Description: form.Get("description"),
		CategoryID: productFormID(form.Get("category_id")), Type: form.Get("type"), Tracking: form.Get("tracking"),
		InvoicePolicy: form.Get("invoice_policy"), ListPrice: form.Get("list_price"), Cost: form.Get("cost"), Weight: form.Get("weight"), Volume: form.Get("volume"),
		TaxIDs: productFormIDs(form["tax_ids"]), ValueIDs: productFormIDs(form["value_ids"]),
		Published: form.Get("published") != "", Featured: form.Get("featured") != "", Active: form.Get("active") != "",
	}
}

// productFormID reads an optional id: 0 when empty, -1 when unreadable.
func productFormID(s string) int64 {
	if s == "" {
		return 0
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return -1
	}
	return id
}

// productFormIDs reads a list of ids, skipping what is not one.
func productFormIDs(ss []string) []int64 {
	out := []int64{}
	for _, s := range ss {
		if id, err := strconv.ParseInt(s, 10, 64); err == nil && id > 0 {
			out = append(out, id)
		}
	}
	return out
}

// productParam loads the product named by the :id path parameter.
func (h *Handler) productParam(c echo.Context) (*models.ProductTemplate, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, models.Errorf(models.ENOTFOUND, "The product was not found.")
	}
	return models.GetProduct(c.Request().Context(), h.db, id)
}
