package handlers

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"orderflow/models"
	"orderflow/views"
	"orderflow/views/shop"
)

// The test card provider's hosted payment page. It plays the provider: the
// outcome reaches Orderflow only through the signed webhook it sends.

// PayTestPage shows the card form, or the payment's state when it is no
// longer open (a payment is never made twice).
func (h *Handler) PayTestPage(c echo.Context) error {
	ref, err := models.TestCardReference(c.Request().Context(), h.db, c.Param("reference"))
	if err != nil {
		return err
	}
	co, err := models.GetTestCardCheckout(c.Request().Context(), h.db, ref)
	if err != nil {
		return err
	}
	noStore(c)
	d := shop.PayData{Checkout: co, Step: shop.PayStepCard}
	if !co.Payable() {
		d.Step = shop.PayStepStatus
	}
	return h.render(c, http.StatusOK, shop.PayPage(h.payPage(c, co), d))
}

// PayTestCharge takes the card form: invalid input comes back with its
// messages (nothing happens); otherwise the provider reports the result by
// webhook and the shopper goes to the order page, or to the 3-D Secure
// challenge first.
func (h *Handler) PayTestCharge(c echo.Context) error {
	ref, err := models.TestCardReference(c.Request().Context(), h.db, c.Param("reference"))
	if err != nil {
		return err
	}
	ch, err := models.ChargeTestCard(c.Request().Context(), h.db, ref, models.CardInput{
		Number: c.FormValue("card_number"), Expiry: c.FormValue("expiry"), CVC: c.FormValue("cvc"), Name: c.FormValue("card_name"),
	})
	if err != nil {
		f := formState(c, err, "card_number", "expiry", "card_name")
		return h.payProblem(c, ch, err, shop.PayData{Step: shop.PayStepCard, Form: f}, formStatus(err))
	}
	h.notifyTestCard(c, ch)
	if ch.Challenge != "" {
		return redirect(c, "/pay/test/"+url.PathEscape(models.TestCardSessionID(ch.Checkout.Transaction))+"/3ds?challenge="+url.QueryEscape(ch.Challenge))
	}
	return redirect(c, shop.OrderURL(ch.Checkout.Order))
}

// PayTest3DS shows the 3-D Secure challenge of a card that asked for it.
func (h *Handler) PayTest3DS(c echo.Context) error {
	ref, err := models.TestCardReference(c.Request().Context(), h.db, c.Param("reference"))
	if err != nil {
		return err
	}
	ch, last4, err := models.CheckTestCardChallenge(c.Request().Context(), h.db, ref, c.QueryParam("challenge"))
	if err != nil {
		return h.payProblem(c, ch, err, shop.PayData{Step: shop.PayStepChallenge}, http.StatusOK)
	}
	d := shop.PayData{Checkout: ch.Checkout, Step: shop.PayStep3DS, Challenge: ch.Challenge, Last4: last4}
	return h.render(c, http.StatusOK, shop.PayPage(h.payPage(c, ch.Checkout), d))
}

// PayTest3DSComplete completes or fails the challenge; the provider reports
// the result and the shopper returns to the order page.
func (h *Handler) PayTest3DSComplete(c echo.Context) error {
	ref, err := models.TestCardReference(c.Request().Context(), h.db, c.Param("reference"))
	if err != nil {
		return err
	}
	ch, err := models.AuthenticateTestCard(c.Request().Context(), h.db, ref, c.FormValue("challenge"), c.FormValue("result") == "complete")
	if err != nil {
		return h.payProblem(c, ch, err, shop.PayData{Step: shop.PayStepChallenge}, http.StatusUnprocessableEntity)
	}
	h.notifyTestCard(c, ch)
	return redirect(c, shop.OrderURL(ch.Checkout.Order))
}

// PayTestCancel is "Cancel and return to the shop": the provider reports
// the cancellation and the shopper returns to the order page.
func (h *Handler) PayTestCancel(c echo.Context) error {
	ref, err := models.TestCardReference(c.Request().Context(), h.db, c.Param("reference"))
	if err != nil {
		return err
	}
	ch, err := models.CancelTestCard(c.Request().Context(), h.db, ref)
	if err != nil {
		return err
	}
	h.notifyTestCard(c, ch)
	return redirect(c, shop.OrderURL(ch.Checkout.Order))
}

// payProblem renders the page for a refused action: d (the form with its
// messages, or the challenge that is not valid) for EINVALID, with status,
// or the payment's state when it is closed (409).
func (h *Handler) payProblem(c echo.Context, ch *models.TestCardCharge, err error, d shop.PayData, status int) error {
	switch code := models.ErrorCode(err); {
	case ch == nil || code != models.EINVALID && code != models.ECONFLICT:
		return err
	case code == models.ECONFLICT:
		d.Step, status = shop.PayStepStatus, http.StatusConflict
	case d.Step == shop.PayStepChallenge:
		d.Message = models.ErrorMessage(err)
	}
	d.Checkout = ch.Checkout
	return h.render(c, status, shop.PayPage(h.payPage(c, ch.Checkout), d))
}

func (h *Handler) payPage(c echo.Context, co *models.TestCardCheckout) views.Page {
	return h.page(c, "Pay "+co.Order.Number())
}

// webhookClient sends the provider's webhooks. It keeps enough idle
// connections for every payment in flight (the default keeps two per host,
// so busy checkouts would open a new connection per webhook).
var webhookClient = &http.Client{Timeout: 10 * time.Second, Transport: webhookTransport()}

func webhookTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	return t
}

// Webhook delivery: once while the shopper waits (so that the order page
// usually knows the result), then in the background with backoff when that
// failed in a way a retry may cure.
const webhookWait = 5 * time.Second

var webhookRetries = []time.Duration{time.Second, 4 * time.Second, 15 * time.Second, 45 * time.Second}

// notifyTestCard sends the charge's webhook to this server's endpoint.
func (h *Handler) notifyTestCard(c echo.Context, ch *models.TestCardCharge) {
	if ch.Event == nil {
		return
	}
	target := h.baseURL() + "/webhooks/test-card"
	ctx, cancel := context.WithTimeout(c.Request().Context(), webhookWait)
	err := ch.Notify(ctx, webhookClient, target)
	cancel()
	if err == nil {
		return
	}
	log := h.log.With("request_id", requestID(c), "event", ch.Event.ID, "type", ch.Event.Type, "reference", ch.Event.Reference)
	if !retryableDelivery(err) {
		log.Warn("test card webhook refused", "error", err)
		return
	}
	log.Warn("test card webhook failed; retrying in the background", "error", err)
	bg, stop := context.WithTimeout(context.WithoutCancel(c.Request().Context()), 2*time.Minute)
	go func() {
		defer stop()
		for _, wait := range webhookRetries {
			select {
			case <-bg.Done():
				log.Error("test card webhook given up", "error", bg.Err())
				return
			case <-time.After(wait):
			}
			actx, cancel := context.WithTimeout(bg, webhookWait)
			err := ch.Notify(actx, webhookClient, target)
			cancel()
			if err == nil {
				log.Info("test card webhook delivered on retry")
				return
			}
			if !retryableDelivery(err) {
				log.Warn("test card webhook refused", "error", err)
				return
			}
		}
		log.Error("test card webhook given up after retries")
	}()
}

func retryableDelivery(err error) bool {
	var de *models.WebhookDeliveryError
	return !errors.As(err, &de) || de.Retryable()
}
