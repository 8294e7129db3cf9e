package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"orderflow/models"
	"orderflow/views/portal"
)

// PortalHome is the customer's account overview.
func (h *Handler) PortalHome(c echo.Context) error {
	u := currentUser(c)
	if u.ContactID == nil {
		return models.Errorf(models.EFORBIDDEN, "This account has no customer record.")
	}
	contact, err := models.GetContact(c.Request().Context(), h.db, *u.ContactID)
	if err != nil {
		return err
	}
	orders, err := models.CustomerOrders(c.Request().Context(), h.db, contact.ID, 50)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, portal.Home(h.page(c, "My account"), contact, orders))
}
