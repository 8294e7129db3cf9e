package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"orderflow/models"
	"orderflow/views/office"
)

// OfficeDashboard is the back office's start page.
func (h *Handler) OfficeDashboard(c echo.Context) error {
	counts, err := models.CountUsersByRole(c.Request().Context(), h.db)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, office.Dashboard(h.page(c, "Dashboard"), office.DashboardData{UsersByRole: counts}))
}
