package handlers

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"orderflow/models"
	"orderflow/views"
	"orderflow/views/office"
)

const countExtraRows = 3

// OfficeCountNew shows the inventory count: choose an internal location,
// then count what it holds (prefilled with the quantities on hand).
func (h *Handler) OfficeCountNew(c echo.Context) error {
	loc, _ := strconv.ParseInt(c.QueryParam("location"), 10, 64)
	sheet, err := models.GetCountSheet(c.Request().Context(), h.db, max(loc, 0), nil)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, office.CountSheetPage(h.page(c, "Inventory count"), office.CountSheetData{Sheet: sheet, Extra: countExtraRows}))
}

// OfficeCountApply applies the count and shows the adjustments it made;
// "Show differences" and "Add a product" re-render the sheet, nothing saved.
func (h *Handler) OfficeCountApply(c echo.Context) error {
	rows, _ := strconv.Atoi(c.FormValue("rows"))
	rows = min(max(rows, 0), 2000)
	f := models.CountForm{LocationID: c.FormValue("location_id")}
	var fields []string
	for i := range rows {
		l := models.CountFormLine{
			VariantID: c.FormValue(fmt.Sprintf("lines.%d.variant_id", i)),
			Product:   c.FormValue(fmt.Sprintf("lines.%d.product", i)),
			Lot:       c.FormValue(fmt.Sprintf("lines.%d.lot", i)),
			Counted:   c.FormValue(fmt.Sprintf("lines.%d.counted", i)),
		}
		f.Lines = append(f.Lines, l)
		fields = append(fields, fmt.Sprintf("lines.%d.product", i), fmt.Sprintf("lines.%d.lot", i), fmt.Sprintf("lines.%d.counted", i))
	}
	if c.FormValue("preview") != "" || c.FormValue("add_row") != "" {
		extra := 0
		if c.FormValue("add_row") != "" {
			extra = 1
		}
		return h.renderCountSheet(c, http.StatusOK, f, formState(c, nil, fields...), extra)
	}
	out, err := models.ApplyCountForm(c.Request().Context(), h.db, f, currentUser(c).ID)
	if models.ErrorCode(err) == models.EINVALID {
		fs := formState(c, err, fields...)
		if fs.Error == "" && fs.Errors["lines"] == "" {
			fs.Error = models.ErrorMessage(err)
		}
		return h.renderCountSheet(c, formStatus(err), f, fs, 0)
	}
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, office.CountResultPage(h.page(c, "Inventory count applied"), out))
}

func (h *Handler) renderCountSheet(c echo.Context, status int, f models.CountForm, fs views.FormState, extra int) error {
	loc, _ := strconv.ParseInt(f.LocationID, 10, 64)
	sheet, err := models.GetCountSheet(c.Request().Context(), h.db, max(loc, 0), &f)
	if err != nil {
		return err
	}
	return h.render(c, status, office.CountSheetPage(h.page(c, "Inventory count"), office.CountSheetData{Sheet: sheet, Form: fs, Extra: extra}))
}
