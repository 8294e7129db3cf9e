package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"orderflow/models"
	"orderflow/views/office"
)

// OfficeInventory is the warehouse dashboard: transfers to do by operation
// and state, late ones, backorders waiting for stock, and the transfers done
// per day.
func (h *Handler) OfficeInventory(c echo.Context) error {
	d, err := models.GetInventoryDashboard(c.Request().Context(), h.db)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, office.InventoryOverview(h.page(c, "Inventory overview"), d))
}
