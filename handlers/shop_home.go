package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"orderflow/models"
	"orderflow/views/shop"
)

// ShopHome is the storefront's front page: categories and featured products.
func (h *Handler) ShopHome(c echo.Context) error {
	d, err := models.ShopHome(c.Request().Context(), h.db)
	if err != nil {
		return err
	}
	p := h.page(c, "")
	p.Description = "Shop organic basics, handmade homeware, stationery and outdoor gear online at " + p.CompanyName() + "."
	return h.render(c, http.StatusOK, shop.Home(p, d))
}
