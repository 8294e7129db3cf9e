package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"orderflow/models"
	"orderflow/views/office"
)

// OfficeMailList lists the outgoing mail: sent through SMTP when a server is
// configured, else kept in the database.
func (h *Handler) OfficeMailList(c echo.Context) error {
	page, _ := strconv.Atoi(c.QueryParam("page"))
	f := models.MailFilter{Query: c.QueryParam("q"), Page: page}
	list, err := models.ListMail(c.Request().Context(), h.db, f)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, office.MailList(h.page(c, "Outgoing mail"), f, list, h.cfg.Outbox.Delivers()))
}

// OfficeMailDetail shows one outgoing mail.
func (h *Handler) OfficeMailDetail(c echo.Context) error {
	id, err := mailID(c)
	if err != nil {
		return err
	}
	m, err := models.GetMail(c.Request().Context(), h.db, id)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, office.MailDetail(h.page(c, "Mail"), m, h.cfg.Outbox.Delivers()))
}

// OfficeMailRetry queues a failed mail ("Send again") or one kept while no
// mail server was configured ("Send") and goes back to the page it came
// from (the list or the mail).
func (h *Handler) OfficeMailRetry(c echo.Context) error {
	id, err := mailID(c)
	if err != nil {
		return err
	}
	m, err := models.RetryMail(c.Request().Context(), h.db, h.cfg.Outbox, id, currentUser(c).ID)
	switch code := models.ErrorCode(err); {
	case err == nil:
		h.flash(c, "success", "The mail to "+m.To+" is queued to be sent.")
	case code == models.ECONFLICT:
		h.flash(c, "error", models.ErrorMessage(err))
	default:
		return err
	}
	if c.FormValue("back") == "list" {
		return redirect(c, "/office/mail")
	}
	return redirect(c, office.MailURL(id))
}

// mailID reads the :id path parameter of a mail.
func mailID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, models.Errorf(models.ENOTFOUND, "The mail was not found.")
	}
	return id, nil
}
