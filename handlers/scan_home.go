package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"orderflow/models"
	"orderflow/views/scan"
)

// ScanHome is the handheld start screen: the operations to do with their
// ready and waiting transfers, and the scan box.
func (h *Handler) ScanHome(c echo.Context) error {
	ops, err := models.ScanHome(c.Request().Context(), h.db)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, scan.Home(h.page(c, "Warehouse"), ops))
}

// ScanLookup resolves a code scanned on the home screen (or a list) and
// opens what it stands for, or tells the worker what it is.
func (h *Handler) ScanLookup(c echo.Context) error {
	found, err := models.LookupScanCode(c.Request().Context(), h.db, c.FormValue("code"))
	ok, msg, status := err == nil, found.Message, http.StatusOK
	switch code := models.ErrorCode(err); {
	case err == nil:
	case code == models.EINVALID || code == models.ENOTFOUND:
		msg, status = models.ErrorMessage(err), statusOf(code)
	default:
		return err
	}
	if ok && found.URL != "" {
		return redirect(c, found.URL)
	}
	return h.render(c, status, scan.LookupPage(h.page(c, "Warehouse"), ok, msg), scan.LookupResult(ok, msg))
}
