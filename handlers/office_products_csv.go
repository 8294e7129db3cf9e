package handlers

import (
	"bytes"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"orderflow/models"
	"orderflow/views/office"
)

// OfficeProductExport downloads, as CSV, the products the list shows with
// the same filters (every page), one row per active variant.
func (h *Handler) OfficeProductExport(c echo.Context) error {
	// Buffered, so that a failure still becomes a proper error page.
	var buf bytes.Buffer
	if err := models.ExportProductsCSV(c.Request().Context(), h.db, productFilter(c), &buf); err != nil {
		return err
	}
	hdr := c.Response().Header()
	hdr.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="products-%s.csv"`, time.Now().Format("20060102")))
	hdr.Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

// OfficeProductImportForm shows the import form with its instructions.
func (h *Handler) OfficeProductImportForm(c echo.Context) error {
	return h.render(c, http.StatusOK, office.ProductImport(h.page(c, "Import products"), office.ProductImportData{}))
}

// OfficeProductImportSample downloads a sample file to start from.
func (h *Handler) OfficeProductImportSample(c echo.Context) error {
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="products-sample.csv"`)
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", []byte(office.ProductImportSample))
}

// OfficeProductImport imports an uploaded CSV file, all or nothing.
func (h *Handler) OfficeProductImport(c echo.Context) error {
	var res models.ImportResult
	fh, err := c.FormFile("file")
	switch {
	case err != nil || fh.Size == 0:
		err = models.Problems{"file": "Choose a CSV file to import."}.Err()
	case fh.Size > models.MaxImportBytes:
		err = models.Problems{"file": fmt.Sprintf("The file is larger than %d MB. Split it into several files.", models.MaxImportBytes>>20)}.Err()
	default:
		f, openErr := fh.Open()
		if openErr != nil {
			return fmt.Errorf("handlers: open import file: %w", openErr)
		}
		defer f.Close()
		res, err = models.ImportProductsCSV(c.Request().Context(), h.db, f, currentUser(c).ID)
	}
	if models.ErrorCode(err) == models.EINVALID {
		d := office.ProductImportData{Form: formState(c, err), Result: res}
		if d.Form.Error == "" {
			d.Form.Error = models.ErrorMessage(err)
		}
		return h.render(c, formStatus(err), office.ProductImport(h.page(c, "Import products"), d))
	}
	if err != nil {
		return err
	}
	h.flash(c, "success", fmt.Sprintf("Imported %d rows: %d products created, %d updated; %d variants created, %d updated; %d rows unchanged.",
		res.Rows, res.ProductsCreated, res.ProductsUpdated, res.VariantsCreated, res.VariantsUpdated, res.Unchanged))
	return redirect(c, "/office/products")
}
