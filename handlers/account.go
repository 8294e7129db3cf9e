package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"orderflow/models"
	"orderflow/views"
	"orderflow/views/account"
)

// LoginForm shows the login page; a signed-in user goes to their surface.
func (h *Handler) LoginForm(c echo.Context) error {
	if u := currentUser(c); u != nil {
		return c.Redirect(http.StatusSeeOther, views.HomeURL(u))
	}
	f := views.FormState{Values: map[string]string{"next": safeNext(c.QueryParam("next"))}}
	return h.render(c, http.StatusOK, account.Login(h.page(c, "Log in"), f, h.demoLogins()))
}

// Login checks the credentials, starts a fresh session and sends the user to
// where they were going or to their surface.
func (h *Handler) Login(c echo.Context) error {
	ctx := c.Request().Context()
	u, err := models.Authenticate(ctx, h.db, c.FormValue("email"), c.FormValue("password"), c.RealIP())
	if err != nil {
		if models.ErrorCode(err) == models.EINTERNAL {
			return err
		}
		f := formState(c, err, "email", "next")
		f.Values["next"] = safeNext(f.Values["next"])
		return h.render(c, formStatus(err), account.Login(h.page(c, "Log in"), f, h.demoLogins()))
	}
	if err := h.logIn(ctx, u); err != nil {
		return err
	}
	if err := h.mergeGuestCart(c, u); err != nil {
		return err
	}
	to := safeNext(c.FormValue("next"))
	if to == "" {
		to = views.HomeURL(u)
	}
	return redirect(c, to)
}

// Logout ends the session.
func (h *Handler) Logout(c echo.Context) error {
	if err := h.endSession(c.Request().Context()); err != nil {
		return err
	}
	h.flash(c, "success", "You are logged out.")
	return redirect(c, "/")
}

// RegisterForm shows the customer sign-up page.
func (h *Handler) RegisterForm(c echo.Context) error {
	if u := currentUser(c); u != nil {
		return c.Redirect(http.StatusSeeOther, views.HomeURL(u))
	}
	return h.render(c, http.StatusOK, account.Register(h.page(c, "Create an account"), views.FormState{}))
}

// Register creates a customer account and signs it in.
func (h *Handler) Register(c echo.Context) error {
	ctx := c.Request().Context()
	u, err := models.RegisterCustomer(ctx, h.db, models.Registration{
		Name: c.FormValue("name"), Email: c.FormValue("email"),
		Password: c.FormValue("password"), Confirm: c.FormValue("confirm"),
	})
	if models.ErrorCode(err) == models.EINVALID {
		return h.render(c, formStatus(err), account.Register(h.page(c, "Create an account"), formState(c, err, "name", "email")))
	}
	if err != nil {
		return err
	}
	if err := h.logIn(ctx, u); err != nil {
		return err
	}
	if err := h.mergeGuestCart(c, u); err != nil {
		return err
	}
	h.flash(c, "success", "Welcome, "+u.Name+"! Your account is ready.")
	return redirect(c, "/my")
}

// PasswordForm shows the change-password page.
func (h *Handler) PasswordForm(c echo.Context) error {
	return h.render(c, http.StatusOK, account.ChangePassword(h.page(c, "Change password"), views.FormState{}))
}

// ChangePassword sets a new password; other sessions of the user end.
func (h *Handler) ChangePassword(c echo.Context) error {
	ctx := c.Request().Context()
	u, err := models.ChangePassword(ctx, h.db, currentUser(c).ID, models.PasswordChange{
		Current: c.FormValue("current"), New: c.FormValue("new"), Confirm: c.FormValue("confirm"),
	})
	if models.ErrorCode(err) == models.EINVALID {
		return h.render(c, formStatus(err), account.ChangePassword(h.page(c, "Change password"), formState(c, err)))
	}
	if err != nil {
		return err
	}
	if err := h.logIn(ctx, u); err != nil {
		return err
	}
	h.flash(c, "success", "Your password has been changed.")
	return redirect(c, views.HomeURL(u))
}

// demoLogins are shown on the login page in development only.
func (h *Handler) demoLogins() []models.DemoLogin {
	if h.cfg.Production {
		return nil
	}
	return models.DemoLogins
}
