package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"orderflow/models"
	"orderflow/views/office"
)

// OfficeMailList lists the outgoing mail (kept in the database while no
// SMTP server is configured).
func (h *Handler) OfficeMailList(c echo.Context) error {
	page, _ := strconv.Atoi(c.QueryParam("page"))
	f := models.MailFilter{Query: c.QueryParam("q"), Page: page}
	list, err := models.ListMail(c.Request().Context(), h.db, f)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, office.MailList(h.page(c, "Outgoing mail"), f, list))
}

// OfficeMailDetail shows one outgoing mail.
func (h *Handler) OfficeMailDetail(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return models.Errorf(models.ENOTFOUND, "The mail was not found.")
	}
	m, err := models.GetMail(c.Request().Context(), h.db, id)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, office.MailDetail(h.page(c, "Mail"), m))
}
