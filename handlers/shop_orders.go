package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"orderflow/models"
	"orderflow/views/shop"
)

// shopOrderFor loads the order of the request's :id for whoever may see it:
// the holder of its access token or the signed-in user who placed it.
// Anyone else gets ENOTFOUND, as for a missing order.
func (h *Handler) shopOrderFor(c echo.Context, token string) (*models.ShopOrderView, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return nil, models.Errorf(models.ENOTFOUND, "The order was not found.")
	}
	v, err := models.ShopOrder(c.Request().Context(), h.db, id)
	if err != nil {
		return nil, err
	}
	if !v.Order.ShownToCustomer() || !v.Order.OwnedBy(currentUser(c)) && !models.CheckOrderToken(v.Order, token) {
		return nil, models.Errorf(models.ENOTFOUND, "The order was not found.")
	}
	return v, nil
}

// ShopOrder is the order status page: what was ordered, where it goes and
// where its payment stands. While a card payment is under way the page
// polls itself (HTMX gets only the order's body).
func (h *Handler) ShopOrder(c echo.Context) error {
	v, err := h.shopOrderFor(c, c.QueryParam("token"))
	if err != nil {
		return err
	}
	d := shop.OrderData{View: v, Token: v.Order.AccessToken, CSRF: csrfToken(c)}
	noStore(c)
	if isHTMX(c) && !isBoosted(c) {
		return h.render(c, http.StatusOK, shop.OrderBody(d))
	}
	return h.render(c, http.StatusOK, shop.OrderPage(h.page(c, "Order "+v.Order.Number()), d))
}

// ShopOrderRetry starts a new payment for an order whose payment was
// declined (or never started), and sends the shopper to pay.
func (h *Handler) ShopOrderRetry(c echo.Context) error {
	v, err := h.shopOrderFor(c, c.FormValue("token"))
	if err != nil {
		return err
	}
	var actorID int64
	if u := currentUser(c); u != nil {
		actorID = u.ID
	}
	pl, err := models.PlaceOrder(c.Request().Context(), h.db, h.customerMail(), v.Order.ID, models.PlaceInput{Provider: c.FormValue("provider")}, actorID)
	if err != nil {
		code := models.ErrorCode(err)
		if code != models.EINVALID && code != models.ECONFLICT {
			return err
		}
		h.flash(c, "error", models.ErrorMessage(err))
		return redirect(c, shop.OrderURL(v.Order))
	}
	if pl.PayURL != "" {
		return redirect(c, pl.PayURL)
	}
	return redirect(c, shop.OrderURL(pl.Order))
}

// ShopOrderDecline is the customer declining a quotation sent to them, with
// an optional reason for the sales rep.
func (h *Handler) ShopOrderDecline(c echo.Context) error {
	v, err := h.shopOrderFor(c, c.FormValue("token"))
	if err != nil {
		return err
	}
	if _, err := models.DeclineQuotation(c.Request().Context(), h.db, v.Order.ID, c.FormValue("reason")); err != nil {
		code := models.ErrorCode(err)
		if code != models.EINVALID && code != models.ECONFLICT {
			return err
		}
		h.flash(c, "error", models.ErrorMessage(err))
		return redirect(c, shop.OrderURL(v.Order))
	}
	h.flash(c, "success", "You declined quotation "+v.Order.Number()+". Thank you for letting us know.")
	return redirect(c, shop.OrderURL(v.Order))
}
