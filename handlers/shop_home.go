package handlers

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"orderflow/views/shop"
)

// ShopHome is the storefront's front page.
func (h *Handler) ShopHome(c echo.Context) error {
	return h.render(c, http.StatusOK, shop.Home(h.page(c, "")))
}

// ShopSearch shows the products matching ?q=.
func (h *Handler) ShopSearch(c echo.Context) error {
	q := strings.TrimSpace(c.QueryParam("q"))
	if len(q) > 200 {
		q = q[:200]
	}
	return h.render(c, http.StatusOK, shop.Search(h.page(c, "Search"), q))
}

// ShopCart shows the shopper's cart.
func (h *Handler) ShopCart(c echo.Context) error {
	return h.render(c, http.StatusOK, shop.Cart(h.page(c, "Cart")))
}
