package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"

	"orderflow/models"
	"orderflow/views"
	"orderflow/views/shop"
)

// defaultCountry is the country an empty address form starts with (the
// company has no country of its own yet).
const defaultCountry = "BE"

// addressFields are the inputs of the address step, for re-rendering.
var addressFields = func() []string {
	var out []string
	for _, prefix := range []string{"billing_", "shipping_"} {
		for _, f := range []string{"name", "email", "phone", "street", "street2", "city", "zip", "country_code", "id"} {
			out = append(out, prefix+f)
		}
	}
	return append(out, "ship_elsewhere", "create_account")
}()

// checkoutCart is the shopper's cart and how far its checkout got:
// StepAddress (no address yet) or StepPayment (the delivery & payment
// page). A nil cart (or one without products) has nothing to check out.
func (h *Handler) checkoutCart(c echo.Context) (*models.SaleOrder, int, error) {
	o, err := h.loadCart(c)
	if err != nil || o == nil || len(o.ProductLines()) == 0 {
		return nil, 0, err
	}
	if o.InvoicePartnerID == nil || o.ShippingPartnerID == nil {
		return o, shop.StepAddress, nil
	}
	return o, shop.StepPayment, nil
}

// checkoutGuard sends the shopper back to the address step they skipped.
func (h *Handler) checkoutGuard(c echo.Context) error {
	h.flash(c, "warning", "Enter your address first.")
	return redirect(c, "/checkout")
}

func (h *Handler) checkoutEmpty(c echo.Context) error {
	awaiting, err := h.awaitingOrder(c)
	if err != nil {
		return err
	}
	noStore(c)
	return h.render(c, http.StatusOK, shop.CheckoutEmpty(h.page(c, "Checkout"), awaiting, h.cartData(c, nil).Currency))
}

// awaitingOrder is the order this session placed when it still waits for
// its payment (nil otherwise): the shopper who comes back to the cart or
// the checkout finds it there.
func (h *Handler) awaitingOrder(c echo.Context) (*models.SaleOrder, error) {
	o, err := h.placedOrder(c)
	if err != nil || o == nil || !o.AwaitsPayment() {
		return nil, err
	}
	return o, nil
}

// CheckoutAddress shows step 1: billing and shipping addresses.
func (h *Handler) CheckoutAddress(c echo.Context) error {
	noStore(c)
	o, _, err := h.checkoutCart(c)
	if err != nil {
		return err
	}
	if o == nil {
		return h.checkoutEmpty(c)
	}
	d, err := h.addressData(c, o)
	if err != nil {
		return err
	}
	if d.Form, err = h.addressDefaults(c, o, d.Saved); err != nil {
		return err
	}
	return h.render(c, http.StatusOK, shop.CheckoutAddressPage(h.page(c, "Checkout"), d))
}

func (h *Handler) addressData(c echo.Context, o *models.SaleOrder) (shop.AddressData, error) {
	d := shop.AddressData{Cart: h.cartData(c, o), Countries: models.CountryList()}
	if u := currentUser(c); u != nil {
		d.SignedIn = true
		if u.ContactID != nil {
			saved, err := models.SavedAddresses(c.Request().Context(), h.db, *u.ContactID)
			if err != nil {
				return d, err
			}
			d.Saved = saved
		}
	}
	return d, nil
}

// addressDefaults fills the address form: what the cart already has, else
// the customer's first saved address or their name and email.
func (h *Handler) addressDefaults(c echo.Context, o *models.SaleOrder, saved []models.Contact) (views.FormState, error) {
	ctx := c.Request().Context()
	f := views.FormState{Values: map[string]string{"billing_country_code": defaultCountry, "shipping_country_code": defaultCountry}}
	put := func(prefix string, a models.AddressInput) {
		f.Values[prefix+"name"], f.Values[prefix+"email"], f.Values[prefix+"phone"] = a.Name, a.Email, a.Phone
		f.Values[prefix+"street"], f.Values[prefix+"street2"], f.Values[prefix+"city"] = a.Street, a.Street2, a.City
		f.Values[prefix+"zip"] = a.Zip
		if a.CountryCode != "" {
			f.Values[prefix+"country_code"] = a.CountryCode
		}
	}
	isSaved := func(id *int64) bool {
		for _, a := range saved {
			if id != nil && a.ID == *id {
				return true
			}
		}
		return false
	}
	if u := currentUser(c); u != nil {
		f.Values["billing_name"], f.Values["billing_email"], f.Values["shipping_name"] = u.Name, u.Email, u.Name
		f.Values["billing_id"], f.Values["shipping_id"] = "new", "new"
		if len(saved) > 0 {
			first := strconv.FormatInt(saved[0].ID, 10)
			f.Values["billing_id"], f.Values["shipping_id"] = first, first
		}
		if isSaved(o.InvoicePartnerID) {
			f.Values["billing_id"] = strconv.FormatInt(*o.InvoicePartnerID, 10)
		}
		if isSaved(o.ShippingPartnerID) && *o.ShippingPartnerID != *o.InvoicePartnerID {
			f.Values["shipping_id"] = strconv.FormatInt(*o.ShippingPartnerID, 10)
			f.Values["ship_elsewhere"] = "1"
		}
		return f, nil
	}
	if o.InvoicePartnerID != nil {
		b, err := models.GetContact(ctx, h.db, *o.InvoicePartnerID)
		if err != nil {
			return f, err
		}
		put("billing_", models.AddressOf(b))
	}
	if o.ShippingPartnerID != nil && o.InvoicePartnerID != nil && *o.ShippingPartnerID != *o.InvoicePartnerID {
		s, err := models.GetContact(ctx, h.db, *o.ShippingPartnerID)
		if err != nil {
			return f, err
		}
		put("shipping_", models.AddressOf(s))
		f.Values["ship_elsewhere"] = "1"
	}
	return f, nil
}

func addressInput(c echo.Context, prefix string) models.AddressInput {
	return models.AddressInput{
		Name: c.FormValue(prefix + "name"), Email: c.FormValue(prefix + "email"), Phone: c.FormValue(prefix + "phone"),
		Street: c.FormValue(prefix + "street"), Street2: c.FormValue(prefix + "street2"), City: c.FormValue(prefix + "city"),
		Zip: c.FormValue(prefix + "zip"), CountryCode: c.FormValue(prefix + "country_code"),
	}
}

// savedAddressID reads a saved-address radio: an id, or 0 for "new".
func savedAddressID(s string) int64 {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id < 0 {
		return 0
	}
	return id
}

// CheckoutAddressSave records the addresses of step 1. A guest who asks
// for an account gets one (and is signed in) once the addresses are valid.
func (h *Handler) CheckoutAddressSave(c echo.Context) error {
	in := models.CheckoutAddresses{
		Billing:       addressInput(c, "billing_"),
		ShipElsewhere: c.FormValue("ship_elsewhere") != "",
		Shipping:      addressInput(c, "shipping_"),
	}
	if currentUser(c) != nil {
		in.BillingID, in.ShippingID = savedAddressID(c.FormValue("billing_id")), savedAddressID(c.FormValue("shipping_id"))
	} else if c.FormValue("create_account") != "" {
		o, _, err := h.checkoutCart(c) // no account for an empty checkout
		if err != nil {
			return err
		}
		if o == nil {
			return h.checkoutEmpty(c)
		}
		if err := h.checkoutRegister(c, in); err != nil {
			return h.addressProblem(c, o, err)
		}
	}
	// The cart is found and locked by the saving itself: no read before.
	cart, err := models.SetCheckoutAddresses(c.Request().Context(), h.db, h.cartOwner(c), in)
	if err != nil {
		return h.addressProblem(c, nil, err)
	}
	h.rememberCart(c, cart.Order)
	if len(cart.Notices) > 0 {
		h.flash(c, "warning", strings.Join(cart.Notices, " "))
	}
	if isBoosted(c) {
		// The boosted form gets the delivery & payment page in this very
		// response, its address pushed to the location bar: one round
		// trip less than a redirect (which htmx follows with a full load).
		c.Response().Header().Set("HX-Push-Url", "/checkout/payment")
		return h.CheckoutPayment(c)
	}
	return redirect(c, "/checkout/payment")
}

// checkoutRegister creates the guest's account from the billing address
// and signs them in, their cart becoming the account's.
func (h *Handler) checkoutRegister(c echo.Context, in models.CheckoutAddresses) error {
	ctx := c.Request().Context()
	if err := models.ValidateCheckoutAddresses(in); err != nil {
		return err
	}
	password := c.FormValue("password")
	u, err := models.RegisterCustomer(ctx, h.db, models.Registration{
		Name: in.Billing.Name, Email: in.Billing.Email, Password: password, Confirm: password,
	})
	if err != nil {
		return renameFields(err, map[string]string{"name": "billing_name", "email": "billing_email", "confirm": "password"})
	}
	if err := h.logIn(ctx, u); err != nil {
		return err
	}
	if err := h.mergeGuestCart(c, u); err != nil {
		return err
	}
	c.Set(ctxUser, u)
	c.Set(ctxCartCount, nil) // the merged cart may hold more than the guest's
	return nil
}

// renameFields moves the field problems of err to the names this form uses.
func renameFields(err error, names map[string]string) error {
	fields := models.FieldErrors(err)
	if len(fields) == 0 {
		return err
	}
	p := models.Problems{}
	for k, msg := range fields {
		if to, ok := names[k]; ok {
			k = to
		}
		p.Add(k, msg)
	}
	return p.Err()
}

// addressProblem shows the address step again for o with the problems of
// err; with o nil it reads the cart first (the empty checkout when there
// is none).
func (h *Handler) addressProblem(c echo.Context, o *models.SaleOrder, err error) error {
	if code := models.ErrorCode(err); code != models.EINVALID && code != models.ECONFLICT {
		return err
	}
	if o == nil {
		var lerr error
		if o, _, lerr = h.checkoutCart(c); lerr != nil {
			return lerr
		}
		if o == nil {
			return h.checkoutEmpty(c)
		}
	}
	d, derr := h.addressData(c, o)
	if derr != nil {
		return derr
	}
	d.Form = formState(c, err, addressFields...)
	return h.render(c, formStatus(err), shop.CheckoutAddressPage(h.page(c, "Checkout"), d))
}

// CheckoutShipping sends the old shipping step's links to the delivery &
// payment page, which now shows the shipping methods.
func (h *Handler) CheckoutShipping(c echo.Context) error {
	return c.Redirect(http.StatusSeeOther, "/checkout/payment")
}

// CheckoutShippingSave chooses the shipping method (carrier_id). HTMX (a
// change on the delivery & payment page) gets the new totals and the place
// button's text for the chosen provider; a plain post goes back to the
// page. Choosing the order's current method changes nothing.
func (h *Handler) CheckoutShippingSave(c echo.Context) error {
	o, step, err := h.checkoutCart(c)
	switch {
	case err != nil:
		return err
	case o == nil:
		return h.checkoutEmpty(c)
	case step < shop.StepPayment:
		return h.checkoutGuard(c)
	}
	carrierID, _ := strconv.ParseInt(c.FormValue("carrier_id"), 10, 64)
	var notices []string
	if carrierID != 0 && (o.CarrierID == nil || *o.CarrierID != carrierID) {
		cart, err := models.SetOrderCarrier(c.Request().Context(), h.db, o.ID, carrierID)
		if err != nil {
			if models.ErrorCode(err) != models.EINVALID {
				return err
			}
			return h.paymentProblem(c, o, err, "carrier_id", "provider")
		}
		o, notices = cart.Order, cart.Notices
	}
	if !isHTMX(c) {
		if len(notices) > 0 {
			h.flash(c, "warning", strings.Join(notices, " "))
		}
		return redirect(c, "/checkout/payment")
	}
	d := shop.PaymentData{Cart: h.cartData(c, o), Form: formState(c, nil, "provider")}
	d.Cart.Notices = notices
	return h.render(c, http.StatusOK, shop.CheckoutChoicesUpdate(d))
}

// CheckoutPayment shows the delivery & payment page: the addresses, the
// shipping methods, the payment methods, the promotion code and the order.
// An order without a shipping method (or with one that can no longer ship
// it) takes the first one that can (as Odoo does), so that the totals and
// the button show what the shopper will pay.
func (h *Handler) CheckoutPayment(c echo.Context) error {
	noStore(c)
	o, step, err := h.checkoutCart(c)
	switch {
	case err != nil:
		return err
	case o == nil:
		return h.checkoutEmpty(c)
	case step < shop.StepPayment:
		return h.checkoutGuard(c)
	}
	// The payment method chosen before a promotion code was applied.
	d, err := h.paymentData(c, o, views.FormState{Values: map[string]string{"provider": c.QueryParam("provider")}})
	if err != nil {
		return err
	}
	return h.renderPayment(c, http.StatusOK, d)
}

// paymentData is the delivery & payment page for o with the form f (the
// choices submitted, and their problems).
func (h *Handler) paymentData(c echo.Context, o *models.SaleOrder, f views.FormState) (shop.PaymentData, error) {
	ctx := c.Request().Context()
	d := shop.PaymentData{Cart: h.cartData(c, o), Form: f}
	var err error
	if d.NeedsShipping, err = models.OrderNeedsShipping(ctx, h.db, o); err != nil {
		return d, err
	}
	if d.NeedsShipping {
		if d.Options, err = models.ShippingOptions(ctx, h.db, o); err != nil {
			return d, err
		}
		d.Selected = defaultCarrier(o, d.Options)
		if chosen, _ := strconv.ParseInt(f.Value("carrier_id"), 10, 64); chosen != 0 {
			d.Selected = chosen
		}
	}
	if d.Billing, err = models.GetContact(ctx, h.db, *o.InvoicePartnerID); err != nil {
		return d, err
	}
	d.ShipTo = d.Billing
	if *o.ShippingPartnerID != *o.InvoicePartnerID {
		if d.ShipTo, err = models.GetContact(ctx, h.db, *o.ShippingPartnerID); err != nil {
			return d, err
		}
	}
	if d.Providers, err = models.ListPaymentProviders(ctx, h.db, true); err != nil {
		return d, err
	}
	if d.StockWarnings, err = models.StockShortages(ctx, h.db, o); err != nil {
		return d, err
	}
	if d.Form.Values == nil {
		d.Form.Values = map[string]string{}
	}
	if d.Form.Value("provider") == "" && len(d.Providers) > 0 {
		d.Form.Values["provider"] = d.Providers[0].Code
	}
	if d.NeedsShipping && d.Selected != 0 && (o.CarrierID == nil || *o.CarrierID != d.Selected) {
		// Totals with the preselected method, on the page and when it comes
		// back with a problem; the order gets the method when the shopper
		// chooses one or places the order.
		cart, err := models.PreviewOrderCarrier(ctx, h.db, o, d.Selected, d.ShipTo)
		switch {
		case err == nil:
			d.Cart = h.cartData(c, cart.Order)
			d.Cart.Notices = cart.Notices
		case models.ErrorCode(err) != models.EINVALID && models.ErrorCode(err) != models.ENOTFOUND:
			return d, err // a method that is not one of the options has its problem on the page
		}
	}
	return d, nil
}

// renderPayment sends the delivery & payment page, or for a change of
// shipping method through HTMX only the totals and the choice's problem.
func (h *Handler) renderPayment(c echo.Context, status int, d shop.PaymentData) error {
	return h.render(c, status, shop.CheckoutPaymentPage(h.page(c, "Checkout: delivery & payment"), d), shop.CheckoutChoicesUpdate(d))
}

// paymentProblem shows the page again for o with the problems of err and
// the choices submitted.
func (h *Handler) paymentProblem(c echo.Context, o *models.SaleOrder, err error, fields ...string) error {
	d, derr := h.paymentData(c, o, formState(c, err, fields...))
	if derr != nil {
		return derr
	}
	return h.renderPayment(c, formStatus(err), d)
}

// defaultCarrier is the shipping method the page selects: the order's
// when it can still ship it, else the first one that can (0 when none can).
func defaultCarrier(o *models.SaleOrder, options []models.ShippingOption) int64 {
	var first int64
	for _, opt := range options {
		switch {
		case opt.Problem != "":
		case o.CarrierID != nil && opt.Carrier.ID == *o.CarrierID:
			return opt.Carrier.ID
		case first == 0:
			first = opt.Carrier.ID
		}
	}
	return first
}

// CheckoutCouponApply applies a promotion code to the cart.
func (h *Handler) CheckoutCouponApply(c echo.Context) error {
	o, step, err := h.checkoutCart(c)
	switch {
	case err != nil:
		return err
	case o == nil:
		return h.checkoutEmpty(c)
	}
	cart, err := models.ApplyCoupon(c.Request().Context(), h.db, o.ID, c.FormValue("code"))
	if err != nil {
		if models.ErrorCode(err) != models.EINVALID {
			return err
		}
		if step < shop.StepPayment {
			h.flash(c, "error", models.ErrorMessage(err))
			return redirect(c, "/checkout")
		}
		return h.paymentProblem(c, o, err, "code", "provider")
	}
	if len(cart.Notices) > 0 {
		h.flash(c, "warning", strings.Join(cart.Notices, " "))
	} else {
		h.flash(c, "success", "The promotion code is applied.")
	}
	return redirect(c, paymentPageKeeping(c))
}

// paymentPageKeeping is the delivery & payment page with the payment
// method the shopper had chosen (sent along with a promotion code form).
func paymentPageKeeping(c echo.Context) string {
	if p := c.FormValue("provider"); p != "" {
		return "/checkout/payment?provider=" + url.QueryEscape(p)
	}
	return "/checkout/payment"
}

// couponAttempts limits how fast one address may try promotion codes: ten
// at once, then one every 30 seconds, so that codes cannot be guessed by
// trying them all. Counted in each app server's memory (a limit, not a
// record: a restart forgets it).
func couponAttempts() echo.MiddlewareFunc {
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store: middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
			Rate: rate.Every(30 * time.Second), Burst: 10, ExpiresIn: 10 * time.Minute,
		}),
		IdentifierExtractor: func(c echo.Context) (string, error) { return c.RealIP(), nil },
		DenyHandler: func(c echo.Context, _ string, _ error) error {
			return models.Errorf(models.ETOOMANY, "Too many promotion codes tried. Wait a minute, then try again.")
		},
	})
}

// CheckoutCouponRemove takes the promotion code off the cart.
func (h *Handler) CheckoutCouponRemove(c echo.Context) error {
	o, _, err := h.checkoutCart(c)
	switch {
	case err != nil:
		return err
	case o == nil:
		return h.checkoutEmpty(c)
	}
	if _, err := models.RemoveCoupon(c.Request().Context(), h.db, o.ID); err != nil {
		return err
	}
	h.flash(c, "success", "The promotion code is removed.")
	return redirect(c, paymentPageKeeping(c))
}

// CheckoutPlace sets the shipping method (carrier_id), places the order
// and starts its payment (provider), in one models operation, then sends
// the shopper to the provider's page or to the order page. Placing is
// idempotent: a second submit (double click, back button, a retry after
// the cart left the session) lands on the same order. A refused choice
// shows the page again with its problem (422), nothing changed.
func (h *Handler) CheckoutPlace(c echo.Context) error {
	ctx := c.Request().Context()
	in := models.PlaceInput{Provider: c.FormValue("provider")}
	in.CarrierID, _ = strconv.ParseInt(c.FormValue("carrier_id"), 10, 64)
	var actorID int64
	if u := currentUser(c); u != nil {
		actorID = u.ID
	}
	// The cart is found and locked by the placing itself: no read before.
	pl, err := models.PlaceCart(ctx, h.db, h.customerMail(), h.cartOwner(c), in, actorID)
	switch {
	case errors.Is(err, models.ErrNoCart):
		placed, err := h.placedOrder(c)
		if err != nil {
			return err
		}
		if placed == nil {
			h.flash(c, "warning", "Your cart is empty.")
			return redirect(c, "/cart")
		}
		pl, err := models.PlaceOrder(ctx, h.db, h.customerMail(), placed.ID, in, actorID)
		if err != nil {
			return redirect(c, shop.OrderURL(placed))
		}
		return h.afterPlace(c, pl)
	case err == nil:
		return h.afterPlace(c, pl)
	}
	o, step, lerr := h.checkoutCart(c)
	switch {
	case lerr != nil:
		return lerr
	case o != nil && step < shop.StepPayment:
		return h.checkoutGuard(c)
	case o != nil && models.ErrorCode(err) == models.EINVALID:
		return h.paymentProblem(c, o, err, "provider", "carrier_id")
	case models.ErrorCode(err) == models.ECONFLICT:
		h.flash(c, "error", models.ErrorMessage(err))
		return redirect(c, "/checkout/payment")
	}
	return err
}

// afterPlace forgets the cart, remembers the order and sends the shopper on.
func (h *Handler) afterPlace(c echo.Context, pl *models.Placement) error {
	ctx := c.Request().Context()
	h.sessions.Remove(ctx, sessionCartID)
	h.putSession(ctx, sessionPlacedOrderID, pl.Order.ID)
	if pl.PayURL != "" {
		return redirect(c, pl.PayURL)
	}
	return redirect(c, shop.OrderURL(pl.Order))
}

// placedOrder is the order this session placed last, nil when none: the
// one remembered after placing, or the session's cart when a concurrent
// submit placed it meanwhile.
func (h *Handler) placedOrder(c echo.Context) (*models.SaleOrder, error) {
	ctx := c.Request().Context()
	u := currentUser(c)
	for _, id := range []int64{h.sessions.GetInt64(ctx, sessionPlacedOrderID), h.sessions.GetInt64(ctx, sessionCartID)} {
		if id == 0 {
			continue
		}
		o, err := models.GetOrder(ctx, h.db, id)
		if models.ErrorCode(err) == models.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, err
		}
		if o.PlacedAt != nil && o.Origin == models.OriginWebsite && (o.UserID == nil || u != nil && *o.UserID == u.ID) {
			return o, nil
		}
	}
	return nil, nil
}
