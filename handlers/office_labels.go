package handlers

import (
	"bytes"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"orderflow/models"
	"orderflow/views/office"
	"orderflow/views/pdf"
)

// OfficeProductLabels prints the barcode labels of the products in ?ids=
// (every active variant, ?quantity= copies each) as an A4 PDF; without ids
// it shows the page to choose the products.
func (h *Handler) OfficeProductLabels(c echo.Context) error {
	raw := c.QueryParams()["ids"]
	if len(raw) == 0 {
		return h.renderLabelChooser(c, http.StatusOK, "")
	}
	var ids []int64
	for _, s := range raw {
		for _, part := range strings.Split(s, ",") {
			id, err := strconv.ParseInt(strings.TrimSpace(part), 10, 64)
			if err != nil || id <= 0 {
				return h.renderLabelChooser(c, http.StatusUnprocessableEntity, "Choose products from the list.")
			}
			ids = append(ids, id)
		}
	}
	return h.sendLabels(c, ids, "labels")
}

// OfficeProductLabelsOne prints the barcode labels of one product.
func (h *Handler) OfficeProductLabelsOne(c echo.Context) error {
	id, err := imageProductID(c)
	if err != nil {
		return err
	}
	return h.sendLabels(c, []int64{id}, "")
}

// sendLabels answers with the label PDF, shown in the browser (inline).
func (h *Handler) sendLabels(c echo.Context, ids []int64, name string) error {
	copies := 1
	if q := c.QueryParam("quantity"); q != "" {
		n, err := strconv.Atoi(q)
		if err != nil {
			n = 0 // refused below with the model's message
		}
		copies = n
	}
	labels, err := models.ProductLabels(c.Request().Context(), h.db, ids, copies)
	if err != nil {
		return err
	}
	if name == "" {
		name = "labels-" + labels[0].Name
	}
	var buf bytes.Buffer
	if err := pdf.Labels(&buf, "Barcode labels", labels); err != nil {
		return err
	}
	c.Response().Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename="%s.pdf"`, fileSlug(name)))
	c.Response().Header().Set("Cache-Control", "private, no-store")
	return c.Blob(http.StatusOK, "application/pdf", buf.Bytes())
}

var slugUnsafe = regexp.MustCompile(`[^a-z0-9]+`)

// fileSlug makes a safe ASCII file name stem out of s.
func fileSlug(s string) string {
	s = strings.Trim(slugUnsafe.ReplaceAllString(strings.ToLower(s), "-"), "-")
	if len(s) > 60 {
		s = strings.TrimRight(s[:60], "-")
	}
	if s == "" || s == "labels" {
		return "labels"
	}
	if !strings.HasPrefix(s, "labels-") {
		s = "labels-" + s
	}
	return s
}

func (h *Handler) renderLabelChooser(c echo.Context, status int, problem string) error {
	q := c.QueryParam("q")
	products, err := models.ListLabelProducts(c.Request().Context(), h.db, q)
	if err != nil {
		return err
	}
	d := office.LabelChooser{Query: q, Products: products, Error: problem, Quantity: c.QueryParam("quantity")}
	return h.render(c, status, office.ProductLabels(h.page(c, "Print barcode labels"), d), office.LabelChooserRows(d))
}
