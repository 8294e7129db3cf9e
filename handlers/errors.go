package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"orderflow/models"
	"orderflow/views/components"
	"orderflow/views/layout"
)

// statusOf maps a domain error code to its HTTP status.
func statusOf(code string) int {
	switch code {
	case models.EINVALID:
		return http.StatusUnprocessableEntity
	case models.ENOTFOUND:
		return http.StatusNotFound
	case models.ECONFLICT:
		return http.StatusConflict
	case models.EFORBIDDEN:
		return http.StatusForbidden
	case models.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case models.ETOOMANY:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

var statusTitles = map[int]string{
	http.StatusBadRequest:            "This request is not right",
	http.StatusUnauthorized:          "Please log in",
	http.StatusForbidden:             "Not for you, sorry",
	http.StatusNotFound:              "Page not found",
	http.StatusMethodNotAllowed:      "This action is not possible here",
	http.StatusConflict:              "That clashes with a change",
	http.StatusRequestEntityTooLarge: "That is too large",
	http.StatusUnprocessableEntity:   "Please check what you entered",
	http.StatusTooManyRequests:       "Too many attempts",
	http.StatusInternalServerError:   "Something went wrong",
}

var statusMessages = map[int]string{
	http.StatusBadRequest:            "The request could not be understood. Go back and try again.",
	http.StatusNotFound:              "We could not find that page. It may have moved, or the link may be mistyped.",
	http.StatusMethodNotAllowed:      "This address does not accept that kind of request.",
	http.StatusRequestEntityTooLarge: "The upload is larger than we accept.",
	http.StatusInternalServerError:   "Something went wrong on our side. It has been logged; please try again.",
}

// classify turns any error into a status and a message safe to show.
func classify(err error) (int, string) {
	var de *models.Error
	if errors.As(err, &de) {
		return statusOf(de.Code), models.ErrorMessage(err)
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		if msg, ok := statusMessages[he.Code]; ok {
			return he.Code, msg
		}
		if he.Code >= 500 {
			return he.Code, statusMessages[http.StatusInternalServerError]
		}
		return he.Code, statusMessages[http.StatusBadRequest]
	}
	return http.StatusInternalServerError, statusMessages[http.StatusInternalServerError]
}

// handleError is Echo's one error handler: it logs internal errors with the
// request id, sends guests to the login page, and answers with a page, an
// HTMX fragment or JSON, never with internal details.
func (h *Handler) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, msg := classify(err)
	if status >= 500 {
		h.log.Error("request failed", "request_id", requestID(c), "method", c.Request().Method, "uri", c.Request().RequestURI, "error", err)
	}
	req := c.Request()
	if status == http.StatusUnauthorized && wantsHTML(c) {
		to := "/login"
		if req.Method == http.MethodGet {
			to += "?next=" + url.QueryEscape(req.URL.RequestURI())
		}
		if rerr := redirect(c, to); rerr != nil {
			h.log.Error("redirect to login", "error", rerr)
		}
		return
	}
	var rerr error
	switch {
	case req.Method == http.MethodHead:
		rerr = c.NoContent(status)
	case !wantsHTML(c):
		body := map[string]any{"code": models.ErrorCode(err), "message": msg}
		if f := models.FieldErrors(err); len(f) > 0 {
			body["fields"] = f
		}
		rerr = c.JSON(status, map[string]any{"error": body})
	case isHTMX(c):
		c.Response().Header().Set("HX-Retarget", "#toast")
		c.Response().Header().Set("HX-Reswap", "innerHTML")
		rerr = h.render(c, status, components.ErrorAlert(msg))
	default:
		title := statusTitles[status]
		if title == "" {
			title = statusTitles[http.StatusBadRequest]
		}
		p := h.page(c, title)
		rerr = h.render(c, status, layout.ErrorPage(p, status, title, msg))
	}
	if rerr != nil {
		h.log.Error("render error page", "request_id", requestID(c), "error", rerr)
	}
}

// wantsHTML is false for the JSON API and clients that ask for JSON only.
func wantsHTML(c echo.Context) bool {
	if strings.HasPrefix(c.Request().URL.Path, "/api/") || strings.HasPrefix(c.Request().URL.Path, "/webhooks/") {
		return false
	}
	accept := c.Request().Header.Get(echo.HeaderAccept)
	return !(strings.Contains(accept, "application/json") && !strings.Contains(accept, "text/html"))
}
