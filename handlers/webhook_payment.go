package handlers

import (
	"io"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"orderflow/models"
)

// WebhookTestCard receives the test card provider's signed webhooks (no
// session, no CSRF: the HMAC signature is the authentication). It answers
// 200 for a processed or duplicate event, 400 for a bad signature,
// timestamp or body, 404/409 for news the payment refuses, and 500 when
// the provider should retry. Every call is logged in webhook_events.
func (h *Handler) WebhookTestCard(c echo.Context) error {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err // the body limit: 413
	}
	status, err := models.ProcessTestCardWebhook(c.Request().Context(), h.db, h.customerMail(),
		c.Request().Header.Get(models.WebhookSignatureHeader), body, c.RealIP(), time.Now())
	if err == nil {
		return c.JSON(http.StatusOK, map[string]string{"status": status})
	}
	code := models.ErrorCode(err)
	if code == models.EINTERNAL {
		h.log.Error("test card webhook failed", "request_id", requestID(c), "error", err)
		return c.JSON(http.StatusInternalServerError, map[string]string{"status": status, "message": models.ErrorMessage(err)})
	}
	httpStatus := statusOf(code)
	if code == models.EINVALID {
		httpStatus = http.StatusBadRequest
	}
	return c.JSON(httpStatus, map[string]string{"status": status, "message": models.ErrorMessage(err)})
}
