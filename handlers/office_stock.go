package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"orderflow/models"
	"orderflow/views/office"
)

// OfficeStockList shows the stock on hand: quants by product, location, lot
// and package, with filters, sorting, pages and totals.
func (h *Handler) OfficeStockList(c echo.Context) error {
	ctx := c.Request().Context()
	page, _ := strconv.Atoi(c.QueryParam("page"))
	f := models.QuantFilter{
		WarehouseID:  queryID(c, "warehouse"),
		LocationID:   queryID(c, "location"),
		Query:        c.QueryParam("q"),
		Lot:          c.QueryParam("lot"),
		OnlyStock:    c.QueryParam("instock") != "",
		OnlyReserved: c.QueryParam("reserved") != "",
		Sort:         c.QueryParam("sort"),
		Page:         page,
	}
	quants, err := models.ListQuants(ctx, h.db, f)
	if err != nil {
		return err
	}
	whs, err := models.ListWarehouses(ctx, h.db)
	if err != nil {
		return err
	}
	all, err := models.ListLocations(ctx, h.db, models.LocationFilter{Active: "all"})
	if err != nil {
		return err
	}
	var locs []models.LocationNode
	for _, l := range all {
		if l.Usage == models.UsageInternal || (l.Usage == models.UsageView && l.WarehouseID != nil) {
			locs = append(locs, l)
		}
	}
	p := h.page(c, "Stock on hand")
	return h.render(c, http.StatusOK, office.StockList(p, f, quants, whs, locs), office.StockRows(p, f, quants))
}

// OfficeVariantStock shows one variant's stock per warehouse, where it is,
// and its moves history (?page=).
func (h *Handler) OfficeVariantStock(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return models.Errorf(models.ENOTFOUND, "The product was not found.")
	}
	page, _ := strconv.Atoi(c.QueryParam("page"))
	d, err := models.VariantStock(c.Request().Context(), h.db, id, page)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, office.VariantStockView(h.page(c, d.Variant.Name), d))
}
