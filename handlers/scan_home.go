package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"orderflow/models"
	"orderflow/views/scan"
)

// ScanHome is the handheld start screen.
func (h *Handler) ScanHome(c echo.Context) error {
	return h.render(c, http.StatusOK, scan.Home(h.page(c, "Warehouse")))
}

// ScanLookup resolves a scanned code and tells the worker what it is.
func (h *Handler) ScanLookup(c echo.Context) error {
	match, err := models.ResolveBarcode(c.Request().Context(), h.db, c.FormValue("code"))
	ok, msg, status := err == nil, "", http.StatusOK
	switch code := models.ErrorCode(err); {
	case err == nil:
		msg = match.Label
	case code == models.EINVALID || code == models.ENOTFOUND:
		msg, status = models.ErrorMessage(err), statusOf(code)
	default:
		return err
	}
	if ok && match.URL != "" {
		return redirect(c, match.URL)
	}
	return h.render(c, status, scan.LookupPage(h.page(c, "Warehouse"), ok, msg), scan.LookupResult(ok, msg))
}
