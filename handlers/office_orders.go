package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"orderflow/models"
	"orderflow/views/office"
)

// OfficeOrderList lists every order but the shop carts, with filters.
func (h *Handler) OfficeOrderList(c echo.Context) error {
	return h.orderList(c, models.OrderViewOrders, "Orders")
}

// OfficeQuotationList lists quotations and web orders waiting for payment.
func (h *Handler) OfficeQuotationList(c echo.Context) error {
	return h.orderList(c, models.OrderViewQuotations, "Quotations")
}

func (h *Handler) orderList(c echo.Context, view, title string) error {
	page, _ := strconv.Atoi(c.QueryParam("page"))
	f := models.OrderFilter{View: view, State: c.QueryParam("state"), PaymentStatus: c.QueryParam("payment"),
		DeliveryStatus: c.QueryParam("delivery"), DateFrom: c.QueryParam("from"), DateTo: c.QueryParam("to"),
		Customer: c.QueryParam("customer"), Origin: c.QueryParam("origin"), Query: c.QueryParam("q"), Page: page}
	list, err := models.ListOrders(c.Request().Context(), h.db, f)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, office.OrderList(h.page(c, title), office.OrderListData{Filter: f, Page: list}))
}

// OfficeOrderDetail shows an order (a shop cart read-only); ?confirm=cancel
// asks to confirm the cancellation.
func (h *Handler) OfficeOrderDetail(c echo.Context) error {
	id, err := orderID(c)
	if err != nil {
		return err
	}
	d, err := models.GetOrderDetail(c.Request().Context(), h.db, id)
	if err != nil {
		return err
	}
	title := d.Order.Number()
	if d.IsCart() {
		title = "Cart #" + strconv.FormatInt(d.Order.ID, 10)
	}
	p := h.page(c, title)
	p.Section = office.OrderHomeURL(d.Order)
	return h.render(c, http.StatusOK, office.OrderDetail(p,
		office.OrderDetailData{D: d, ConfirmCancel: c.QueryParam("confirm") == "cancel"}))
}

// OfficeOrderConfirm confirms a quotation or a placed order: the stock is
// reserved and the delivery created (and a web order's customer mailed).
func (h *Handler) OfficeOrderConfirm(c echo.Context) error {
	return h.orderAction(c, func(id, actor int64) (string, error) {
		o, err := models.ConfirmOrder(c.Request().Context(), h.db, h.customerMail(), id, actor)
		if err != nil {
			return "", err
		}
		return o.Number() + " confirmed: the stock is reserved and the delivery created.", nil
	})
}

// OfficeOrderCancel cancels an order (after the confirmation panel); a
// shipped or paid order is refused with the reason.
func (h *Handler) OfficeOrderCancel(c echo.Context) error {
	return h.orderAction(c, func(id, actor int64) (string, error) {
		o, err := models.CancelOrder(c.Request().Context(), h.db, h.customerMail(), id, actor)
		if err != nil {
			return "", err
		}
		return o.Number() + " cancelled.", nil
	})
}

// OfficeOrderSend mails a quotation to its customer with the link to its
// page (views/shop.OrderURL on the public base URL) and marks it sent.
func (h *Handler) OfficeOrderSend(c echo.Context) error {
	mail := h.customerMail()
	return h.orderAction(c, func(id, actor int64) (string, error) {
		m, err := models.SendQuotation(c.Request().Context(), h.db, mail.Box, id, mail.PortalURL, actor)
		if err != nil {
			return "", err
		}
		if m.State == models.MailKept {
			return "Quotation sent to " + m.To + ". No mail server is configured: the mail is kept under Outgoing mail.", nil
		}
		return "Quotation sent to " + m.To + ".", nil
	})
}

// OfficeOrderPaymentReceived marks a pending wire transfer of the order
// received; the order is then confirmed when the company confirms on payment.
func (h *Handler) OfficeOrderPaymentReceived(c echo.Context) error {
	return h.orderAction(c, func(id, actor int64) (string, error) {
		t, err := models.MarkPaymentReceived(c.Request().Context(), h.db, h.customerMail(), id, c.FormValue("reference"), actor)
		if err != nil {
			return "", err
		}
		return "Payment " + t.Reference + " marked as received.", nil
	})
}

// orderAction runs a one-click action on the order and goes back to its
// page; a refusal (a paid order cannot be cancelled...) is shown there.
func (h *Handler) orderAction(c echo.Context, op func(id, actorID int64) (string, error)) error {
	id, err := orderID(c)
	if err != nil {
		return err
	}
	msg, err := op(id, currentUser(c).ID)
	switch code := models.ErrorCode(err); {
	case err == nil:
		h.flash(c, "success", msg)
	case code == models.ECONFLICT || code == models.EINVALID:
		h.flash(c, "error", models.ErrorMessage(err))
	default:
		return err
	}
	return redirect(c, office.OrderURL(id))
}

// orderID reads the :id path parameter of an order.
func orderID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, models.Errorf(models.ENOTFOUND, "The order was not found.")
	}
	return id, nil
}
