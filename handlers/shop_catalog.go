package handlers

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"orderflow/models"
	"orderflow/views/shop"
)

// ShopListing lists the published products: all of them (/shop), a
// category (/shop/category/:id) or a search (?q=, also /search), with
// filters by attribute values (?value=) and price (?min=, ?max=), a sort
// order and pages. An HTMX request gets only the listing's body.
func (h *Handler) ShopListing(c echo.Context) error {
	q := models.ShopQuery{
		Search: c.QueryParam("q"),
		Sort:   c.QueryParam("sort"),
	}
	q.Page, _ = strconv.Atoi(c.QueryParam("page"))
	if raw := c.Param("id"); raw != "" {
		id, ok := shop.ParseSlugID(raw)
		if !ok {
			return models.Errorf(models.ENOTFOUND, "This category does not exist.")
		}
		q.CategoryID = id
	}
	q.ValueIDs = queryIDs(c, "value")
	q.MinPrice = queryPrice(c.QueryParam("min"))
	q.MaxPrice = queryPrice(c.QueryParam("max"))

	s, err := models.ShopProducts(c.Request().Context(), h.db, q)
	if err != nil {
		return err
	}
	p := h.page(c, shop.ListingTitle(s))
	switch {
	case s.Category != nil:
		p.Description = fmt.Sprintf("%s at %s: %d products.", s.Category.CompleteName, p.CompanyName(), s.Total)
	default:
		p.Description = fmt.Sprintf("Browse %d products at %s.", s.Total, p.CompanyName())
	}
	return h.render(c, http.StatusOK, shop.Listing(p, s), shop.ListingBody(s))
}

// ShopProductPage shows a published product; ?value= (or value-<attribute>=)
// chooses a combination of its variants. An HTMX request (the variant
// picker) gets only the gallery and the buy box.
func (h *Handler) ShopProductPage(c echo.Context) error {
	id, ok := shop.ParseSlugID(c.Param("id"))
	if !ok {
		return models.Errorf(models.ENOTFOUND, "This product is not available.")
	}
	v, err := models.ShopProduct(c.Request().Context(), h.db, id)
	if err != nil {
		return err
	}
	choice := v.Choose(queryIDs(c, "value"))
	d := shop.ProductData{View: v, Choice: choice, Selected: v.Resolve(choice)}
	p := h.page(c, v.Product.Name)
	p.Description = shop.ProductMetaDescription(v)
	return h.render(c, http.StatusOK, shop.Product(p, d), shop.ProductMain(d))
}

// queryIDs reads the ids in the query parameters named name or name-*
// (a radio group per attribute), ignoring anything that is not an id.
func queryIDs(c echo.Context, name string) []int64 {
	var ids []int64
	for key, vals := range c.QueryParams() {
		if key != name && !strings.HasPrefix(key, name+"-") {
			continue
		}
		for _, s := range vals {
			if id, err := strconv.ParseInt(s, 10, 64); err == nil && id > 0 && len(ids) < 50 {
				ids = append(ids, id)
			}
		}
	}
	return ids
}

// queryPrice reads a price bound; anything but a sane amount means no bound.
func queryPrice(s string) decimal.Decimal {
	d, err := decimal.NewFromString(strings.TrimSpace(strings.ReplaceAll(s, ",", ".")))
	if err != nil || d.IsNegative() || d.GreaterThan(decimal.NewFromInt(1_000_000_000)) {
		return decimal.Zero
	}
	return d.Round(4)
}
