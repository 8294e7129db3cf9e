package handlers

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"orderflow/models"
	"orderflow/views"
)

// render sends a full page, or only fragment for a non-boosted HTMX request
// when a fragment is given. The output is buffered so that a failure while
// rendering still becomes a proper error page.
func (h *Handler) render(c echo.Context, status int, page templ.Component, fragment ...templ.Component) error {
	comp := page
	if len(fragment) > 0 && isHTMX(c) && !isBoosted(c) {
		comp = fragment[0]
	}
	var buf bytes.Buffer
	if err := comp.Render(c.Request().Context(), &buf); err != nil {
		return err
	}
	c.Response().Header().Add("Vary", "HX-Request")
	return c.HTMLBlob(status, buf.Bytes())
}

func isHTMX(c echo.Context) bool { return c.Request().Header.Get("HX-Request") == "true" }

// isBoosted reports a request from an hx-boost link or form: htmx swaps
// the whole page it gets back.
func isBoosted(c echo.Context) bool {
	return isHTMX(c) && c.Request().Header.Get("HX-Boosted") == "true"
}

// page gathers what every page needs: company, user, CSRF token, flash.
func (h *Handler) page(c echo.Context, title string) views.Page {
	ctx := c.Request().Context()
	co, err := models.GetCompany(ctx, h.db)
	if err != nil {
		h.log.Error("load company", "request_id", requestID(c), "error", err)
	}
	p := views.Page{Title: title, Company: co, User: currentUser(c), Path: c.Request().URL.Path}
	p.CSRF, _ = c.Get(middleware.DefaultCSRFConfig.ContextKey).(string)
	if hasSession(c) {
		p.Flash = views.Flash{
			Kind:    h.sessions.PopString(ctx, "flash_kind"),
			Message: h.sessions.PopString(ctx, "flash_message"),
		}
		p.CartCount = h.cartCount(c)
	}
	return p
}

// hasSession reports whether the session middleware ran for this request
// (it does not for /static and the health checks).
func hasSession(c echo.Context) bool { return c.Get(ctxHasSession) == true }

// flash stores a message for the next page the user sees.
func (h *Handler) flash(c echo.Context, kind, message string) {
	ctx := c.Request().Context()
	h.putSession(ctx, "flash_kind", kind)
	h.putSession(ctx, "flash_message", message)
}

// redirect answers a form post with 303 See Other (post/redirect/get); for
// HTMX requests it asks htmx to navigate instead.
func redirect(c echo.Context, to string) error {
	if isHTMX(c) {
		c.Response().Header().Set("HX-Redirect", to)
		return c.NoContent(http.StatusNoContent)
	}
	return c.Redirect(http.StatusSeeOther, to)
}

// safeNext returns next when it is a path on this site, else "".
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return ""
	}
	u, err := url.Parse(next)
	if err != nil || u.Host != "" || u.Scheme != "" {
		return ""
	}
	return next
}

// formState copies the named fields of the submitted form and the problems of err.
func formState(c echo.Context, err error, fields ...string) views.FormState {
	f := views.FormState{Values: map[string]string{}, Errors: models.FieldErrors(err)}
	for _, name := range fields {
		f.Values[name] = c.FormValue(name)
	}
	if err != nil && len(f.Errors) == 0 {
		f.Error = models.ErrorMessage(err)
	} else if len(f.Errors) > 1 {
		f.Error = models.ErrorMessage(err)
	}
	return f
}

// formStatus is the status of a page that re-renders a form after err.
func formStatus(err error) int {
	return statusOf(models.ErrorCode(err))
}

// noStore keeps a page out of the browser's caches, the back/forward cache
// included: going Back to it loads it afresh (a cart that became an order,
// a payment page already paid) instead of showing it as it was.
func noStore(c echo.Context) { c.Response().Header().Set("Cache-Control", "no-store") }
