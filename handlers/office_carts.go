package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"orderflow/models"
	"orderflow/views/office"
)

// OfficeCartList lists the shop carts never ordered (read-only), with the
// configured expiry.
func (h *Handler) OfficeCartList(c echo.Context) error {
	page, _ := strconv.Atoi(c.QueryParam("page"))
	carts, err := models.ListAbandonedCarts(c.Request().Context(), h.db, page, 0)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, office.CartList(h.page(c, "Abandoned carts"), carts))
}
