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

// testCardWebhookPath is where the test card provider posts its webhooks
// (see routes.go).
const testCardWebhookPath = "/webhooks/test-card"

// OfficePaymentProviders lists the payment providers, each with its form,
// and the webhook settings of the test card provider.
func (h *Handler) OfficePaymentProviders(c echo.Context) error {
	return h.renderPaymentProviders(c, http.StatusOK, "", views.FormState{})
}

// OfficePaymentProviderUpdate saves a provider's name, state and instructions.
func (h *Handler) OfficePaymentProviderUpdate(c echo.Context) error {
	code := c.Param("code")
	in := models.PaymentProviderInput{Name: c.FormValue("name"), State: c.FormValue("state"), Instructions: c.FormValue("instructions")}
	pp, err := models.UpdatePaymentProvider(c.Request().Context(), h.db, code, in, currentUser(c).ID)
	if models.ErrorCode(err) == models.EINVALID {
		return h.renderPaymentProviders(c, formStatus(err), code, formState(c, err, "name", "state", "instructions"))
	}
	if err != nil {
		return err
	}
	h.flash(c, "success", "Payment method “"+pp.Name+"” saved.")
	return redirect(c, "/office/payment-providers#provider-"+pp.Code)
}

// OfficePaymentProviderRotateSecret gives the provider a new webhook secret.
func (h *Handler) OfficePaymentProviderRotateSecret(c echo.Context) error {
	pp, err := models.RotateWebhookSecret(c.Request().Context(), h.db, c.Param("code"), currentUser(c).ID)
	if err != nil {
		return err
	}
	h.flash(c, "success", "New webhook secret for “"+pp.Name+"”: webhooks signed with the old one are refused from now on.")
	return redirect(c, "/office/payment-providers#provider-"+pp.Code)
}

// renderPaymentProviders shows every provider; the one with code (if any)
// shows the submitted form f with its problems.
func (h *Handler) renderPaymentProviders(c echo.Context, status int, code string, f views.FormState) error {
	ctx := c.Request().Context()
	providers, err := models.ListPaymentProviders(ctx, h.db, false)
	if err != nil {
		return err
	}
	if code != "" {
		if _, err := models.GetPaymentProvider(ctx, h.db, code); err != nil {
			return err
		}
	}
	cards := make([]office.PaymentProviderCard, len(providers))
	for i, pp := range providers {
		card := office.PaymentProviderCard{Provider: pp}
		if pp.Code == code {
			card.Form = f
		} else {
			card.Form = views.FormState{Values: map[string]string{"name": pp.Name, "state": pp.State, "instructions": pp.Instructions}}
		}
		if models.ProviderHasWebhook(pp.Code) {
			card.WebhookURL = h.baseURL() + testCardWebhookPath
		}
		if card.History, err = models.History(ctx, h.db, "payment_provider", pp.ID); err != nil {
			return err
		}
		cards[i] = card
	}
	return h.render(c, status, office.PaymentProviders(h.page(c, "Payment providers"), cards))
}

// OfficeWebhookLog lists the webhooks received, newest first, filtered by
// status and provider.
func (h *Handler) OfficeWebhookLog(c echo.Context) error {
	ctx := c.Request().Context()
	page, _ := strconv.Atoi(c.QueryParam("page"))
	f := models.WebhookFilter{Status: c.QueryParam("status"), Provider: c.QueryParam("provider"), Page: page}
	events, err := models.ListWebhookEvents(ctx, h.db, f)
	if err != nil {
		return err
	}
	providers, err := models.ListPaymentProviders(ctx, h.db, false)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, office.WebhookLog(h.page(c, "Webhook log"), f, events, providers))
}

// OfficeWebhookEvent shows one logged webhook with its payload.
func (h *Handler) OfficeWebhookEvent(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return models.Errorf(models.ENOTFOUND, "The webhook event was not found.")
	}
	ev, err := models.GetWebhookEvent(c.Request().Context(), h.db, id)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, office.WebhookEventDetail(h.page(c, fmt.Sprintf("Webhook #%d", ev.ID)), ev))
}
