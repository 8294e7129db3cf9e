package handlers

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"orderflow/models"
	"orderflow/views/pdf"
)

// Printable transfer documents (picking list, delivery slip, shipping label)
// and package labels, served to the back office and the handheld alike.

// TransferPickingPDF prints the picking list of a transfer.
func (h *Handler) TransferPickingPDF(c echo.Context) error {
	return h.transferPDF(c, "picking", pdf.PickingList)
}

// TransferDeliverySlipPDF prints the delivery slip of a transfer.
func (h *Handler) TransferDeliverySlipPDF(c echo.Context) error {
	return h.transferPDF(c, "delivery-slip", pdf.DeliverySlip)
}

// TransferShippingLabelPDF prints the shipping label (placeholder) of a transfer.
func (h *Handler) TransferShippingLabelPDF(c echo.Context) error {
	return h.transferPDF(c, "shipping-label", pdf.ShippingLabel)
}

func (h *Handler) transferPDF(c echo.Context, kind string, draw func(io.Writer, *models.PickingDocument) error) error {
	id, err := transferID(c)
	if err != nil {
		return err
	}
	doc, err := models.GetPickingDocument(c.Request().Context(), h.db, id)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := draw(&buf, doc); err != nil {
		return err
	}
	return sendPDF(c, kind+"-"+doc.Name, buf.Bytes())
}

// PackageLabelPDF prints the label of a package: its name as a barcode and
// its contents.
func (h *Handler) PackageLabelPDF(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return models.Errorf(models.ENOTFOUND, "The package was not found.")
	}
	doc, err := models.GetPackageDocument(c.Request().Context(), h.db, id)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := pdf.PackageLabel(&buf, doc); err != nil {
		return err
	}
	return sendPDF(c, "package-"+doc.Name, buf.Bytes())
}

// sendPDF answers with a PDF shown in the browser (inline), named from name.
func sendPDF(c echo.Context, name string, body []byte) error {
	return sendPDFAs(c, docFileName(name), body)
}

// sendPDFAs sends a PDF to be shown in the browser, not kept in caches,
// saved as stem.pdf (stem already a safe file name).
func sendPDFAs(c echo.Context, stem string, body []byte) error {
	c.Response().Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename="%s.pdf"`, stem))
	c.Response().Header().Set("Cache-Control", "private, no-store")
	return c.Blob(http.StatusOK, "application/pdf", body)
}

// docFileName makes a safe ASCII file name stem: "picking-WH-OUT-00012".
func docFileName(s string) string {
	s = strings.Trim(slugUnsafe.ReplaceAllString(strings.ToLower(s), "-"), "-")
	if len(s) > 80 {
		s = strings.TrimRight(s[:80], "-")
	}
	if s == "" {
		return "document"
	}
	return s
}
