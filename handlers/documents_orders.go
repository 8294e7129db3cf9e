package handlers

import (
	"bytes"
	"strings"

	"github.com/labstack/echo/v4"

	"orderflow/models"
	"orderflow/views/pdf"
)

// The printable quotation / sales order: the sales rep prints it from the
// back office, the customer downloads it from the order page.

// OfficeOrderPDF prints an order or quotation for the back office.
func (h *Handler) OfficeOrderPDF(c echo.Context) error {
	id, err := orderID(c)
	if err != nil {
		return err
	}
	d, err := models.GetOrderDetail(c.Request().Context(), h.db, id)
	if err != nil {
		return err
	}
	return h.orderPDF(c, pdf.SaleOrderDoc{Order: d.Order, Billing: d.InvoiceAddress, Shipping: d.ShippingAddress, Salesperson: d.SalespersonName})
}

// ShopOrderPDF prints an order or quotation for the customer who may see
// its order page (access token or owner); anyone else gets 404.
func (h *Handler) ShopOrderPDF(c echo.Context) error {
	v, err := h.shopOrderFor(c, c.QueryParam("token"))
	if err != nil {
		return err
	}
	return h.orderPDF(c, pdf.SaleOrderDoc{Order: v.Order, Billing: v.Billing, Shipping: v.Shipping})
}

// orderPDF draws d with the company's name and currency and sends it as
// "S00042.pdf".
func (h *Handler) orderPDF(c echo.Context, d pdf.SaleOrderDoc) error {
	co, err := models.GetCompany(c.Request().Context(), h.db)
	if err != nil {
		return err
	}
	d.Company = co
	var buf bytes.Buffer
	if err := pdf.SaleOrder(&buf, d); err != nil {
		return err
	}
	// sendPDF lowercases the name; an order number is kept as printed.
	return sendPDFAs(c, strings.ToUpper(docFileName(d.Order.Number())), buf.Bytes())
}
