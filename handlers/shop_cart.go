package handlers

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"orderflow/models"
	"orderflow/views/shop"
)

// Session keys of the shop: the guest's cart, and the order the shopper
// placed last (so that submitting the checkout again lands on it).
const (
	sessionCartID        = "cart_id"
	sessionPlacedOrderID = "placed_order_id"
)

// cartOwner says whose cart this request works on: the cart in the session,
// and the signed-in shopper (whose cart is also found through the user).
func (h *Handler) cartOwner(c echo.Context) models.CartOwner {
	owner := models.CartOwner{}
	if hasSession(c) {
		owner.CartID = h.sessions.GetInt64(c.Request().Context(), sessionCartID)
	}
	if u := currentUser(c); u != nil {
		owner.UserID, owner.PartnerID = &u.ID, u.ContactID
	}
	return owner
}

// rememberCart keeps the cart's id in the session.
func (h *Handler) rememberCart(c echo.Context, o *models.SaleOrder) {
	ctx := c.Request().Context()
	if o != nil && h.sessions.GetInt64(ctx, sessionCartID) != o.ID {
		h.putSession(ctx, sessionCartID, o.ID)
	}
}

// cartCount is the header's count of units in the cart: one small query,
// skipped on the back office and handheld surfaces.
func (h *Handler) cartCount(c echo.Context) int {
	path := c.Request().URL.Path
	if strings.HasPrefix(path, "/office") || strings.HasPrefix(path, "/scan") || strings.HasPrefix(path, "/api/") {
		return 0
	}
	if n, ok := c.Get(ctxCartCount).(int); ok {
		return n
	}
	n, err := models.CartCount(c.Request().Context(), h.db, h.cartOwner(c))
	if err != nil {
		h.log.Error("cart count", "request_id", requestID(c), "error", err)
	}
	return n
}

// mergeGuestCart moves the guest's cart into the customer's cart when they
// sign in, keeps the resulting cart in the session, and tells the customer
// when it holds what they had left in it earlier (Odoo restores an earlier
// cart silently; the count in the header would jump without a word).
func (h *Handler) mergeGuestCart(c echo.Context, u *models.User) error {
	ctx := c.Request().Context()
	guest := h.sessions.GetInt64(ctx, sessionCartID)
	id, err := models.MergeCartOnLogin(ctx, h.db, guest, u)
	if err != nil {
		return err
	}
	switch {
	case id == 0:
		h.sessions.Remove(ctx, sessionCartID)
		return nil
	case guest != 0 && id != guest:
		h.flash(c, "info", "Welcome back. Your cart holds what you just added and what you had left in it earlier.")
	case guest == 0:
		h.flash(c, "info", "Welcome back. Your cart still holds what you left in it earlier.")
	}
	h.putSession(ctx, sessionCartID, id)
	return nil
}

// cartData is the view of the shopper's cart.
func (h *Handler) cartData(c echo.Context, o *models.SaleOrder) shop.CartData {
	d := shop.CartData{Order: o, MaxQty: 1000, CSRF: csrfToken(c)}
	if co, err := models.GetCompany(c.Request().Context(), h.db); err == nil {
		d.Currency, d.TaxIncl, d.MaxQty = co.Currency(), co.PricesIncludeTax, co.MaxLineQuantity
	}
	return d
}

// loadCart reads the shopper's cart (nil when there is none). The header's
// count comes from it when the page is rendered without a change between.
func (h *Handler) loadCart(c echo.Context) (*models.SaleOrder, error) {
	o, err := models.GetCart(c.Request().Context(), h.db, h.cartOwner(c))
	if err == nil {
		c.Set(ctxCartCount, o.UnitCount())
	}
	return o, err
}

// ctxCartCount holds the units of the cart this request read, for the header.
const ctxCartCount = "cart_count"

// ShopCart shows the shopper's cart.
func (h *Handler) ShopCart(c echo.Context) error {
	o, err := h.loadCart(c)
	if err != nil {
		return err
	}
	d := h.cartData(c, o)
	if d.Empty() {
		if d.Awaiting, err = h.awaitingOrder(c); err != nil {
			return err
		}
	}
	noStore(c)
	return h.render(c, http.StatusOK, shop.CartPage(h.page(c, "Your cart"), d), shop.CartBody(d))
}

// ShopMiniCart is the short view of the cart, for HTMX.
func (h *Handler) ShopMiniCart(c echo.Context) error {
	o, err := h.loadCart(c)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, shop.MiniCart(h.cartData(c, o)))
}

// ShopCartAdd adds a variant (variant_id, or product_id for a product with
// one variant) to the cart. Only the variant and the quantity are read:
// prices come from the catalog. HTMX gets a notice and the header's count;
// a plain post goes to the cart page.
func (h *Handler) ShopCartAdd(c echo.Context) error {
	ctx := c.Request().Context()
	variantID, err := h.variantToAdd(c)
	var cart *models.Cart
	if err == nil {
		cart, err = models.AddToCart(ctx, h.db, h.cartOwner(c), variantID, c.FormValue("quantity"))
	}
	if err != nil {
		code := models.ErrorCode(err)
		if code != models.EINVALID && code != models.ECONFLICT {
			return err
		}
		o, lerr := h.loadCart(c)
		if lerr != nil {
			return lerr
		}
		d := h.cartData(c, o)
		msg := cartProblem(err)
		if isHTMX(c) {
			return h.render(c, formStatus(err), shop.Added(shop.AddedData{Cart: d, Message: msg, Failed: true}))
		}
		d.Error = msg
		return h.render(c, formStatus(err), shop.CartPage(h.page(c, "Your cart"), d))
	}
	h.rememberCart(c, cart.Order)
	msg := "Added to your cart."
	if l := addedLine(cart.Order, variantID); l != nil {
		msg = "Added " + l.Description + " to your cart."
	}
	if isHTMX(c) {
		d := h.cartData(c, cart.Order)
		d.Notices = cart.Notices
		return h.render(c, http.StatusOK, shop.Added(shop.AddedData{Cart: d, Message: msg}))
	}
	if len(cart.Notices) > 0 {
		h.flash(c, "warning", msg+" "+strings.Join(cart.Notices, " "))
	} else {
		h.flash(c, "success", msg)
	}
	return redirect(c, "/cart")
}

// variantToAdd reads the variant of an "add to cart" form.
func (h *Handler) variantToAdd(c echo.Context) (int64, error) {
	invalid := &models.Error{Code: models.EINVALID, Message: "Choose a product from the shop.", Fields: map[string]string{"variant_id": "Choose a product from the shop."}}
	if s := c.FormValue("variant_id"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return 0, invalid
		}
		return id, nil
	}
	id, err := strconv.ParseInt(c.FormValue("product_id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, invalid
	}
	return models.ShopSingleVariant(c.Request().Context(), h.db, id)
}

// cartProblem is the sentence that says why a cart change was refused.
func cartProblem(err error) string {
	if msg := models.FieldErrors(err)["quantity"]; msg != "" {
		return msg
	}
	return models.ErrorMessage(err)
}

func addedLine(o *models.SaleOrder, variantID int64) *models.SaleOrderLine {
	for _, l := range o.ProductLines() {
		if l.VariantID != nil && *l.VariantID == variantID {
			return l
		}
	}
	return nil
}

// ShopCartLineUpdate sets the quantity of a cart line (0 removes it).
func (h *Handler) ShopCartLineUpdate(c echo.Context) error {
	return h.changeCartLine(c, c.FormValue("quantity"))
}

// ShopCartLineRemove removes a line from the cart.
func (h *Handler) ShopCartLineRemove(c echo.Context) error {
	return h.changeCartLine(c, "0")
}

// changeCartLine sets a line's quantity and answers with the cart: the
// cart's body for HTMX, else the cart page (after a redirect on success).
func (h *Handler) changeCartLine(c echo.Context, quantity string) error {
	lineID, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return models.Errorf(models.ENOTFOUND, "That line is no longer in your cart.")
	}
	cart, err := models.SetCartQuantity(c.Request().Context(), h.db, h.cartOwner(c), lineID, quantity)
	if err != nil {
		code := models.ErrorCode(err)
		if code != models.EINVALID && code != models.ENOTFOUND {
			return err
		}
		o, lerr := h.loadCart(c)
		if lerr != nil {
			return lerr
		}
		d := h.cartData(c, o)
		if code == models.EINVALID {
			d.LineErrors = map[int64]string{lineID: cartProblem(err)}
			d.Typed = map[int64]string{lineID: quantity}
		} else {
			d.Error = models.ErrorMessage(err)
		}
		return h.render(c, formStatus(err), shop.CartPage(h.page(c, "Your cart"), d), shop.CartUpdate(d))
	}
	if isHTMX(c) {
		d := h.cartData(c, cart.Order)
		d.Notices = cart.Notices
		return h.render(c, http.StatusOK, shop.CartUpdate(d))
	}
	switch {
	case len(cart.Notices) > 0:
		h.flash(c, "warning", strings.Join(cart.Notices, " "))
	case quantity == "0":
		h.flash(c, "success", "The product was removed from your cart.")
	default:
		h.flash(c, "success", "Your cart is updated.")
	}
	return redirect(c, "/cart")
}

// csrfToken is the request's CSRF token, for forms.
func csrfToken(c echo.Context) string {
	s, _ := c.Get(middleware.DefaultCSRFConfig.ContextKey).(string)
	return s
}
