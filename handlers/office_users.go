package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"orderflow/models"
	"orderflow/views"
	"orderflow/views/office"
)

// OfficeUserList lists users with search, role and status filters.
func (h *Handler) OfficeUserList(c echo.Context) error {
	page, _ := strconv.Atoi(c.QueryParam("page"))
	f := models.UserFilter{Query: c.QueryParam("q"), Role: c.QueryParam("role"), Active: c.QueryParam("active"), Page: page}
	users, err := models.ListUsers(c.Request().Context(), h.db, f)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, office.UserList(h.page(c, "Users"), f, users))
}

// OfficeUserNew shows the form for a new back-office user.
func (h *Handler) OfficeUserNew(c echo.Context) error {
	return h.render(c, http.StatusOK, office.UserEdit(h.page(c, "New user"), office.UserForm{Active: true}))
}

// OfficeUserCreate creates a back-office user.
func (h *Handler) OfficeUserCreate(c echo.Context) error {
	form, _ := c.FormParams()
	in := models.NewUser{Name: c.FormValue("name"), Email: c.FormValue("email"), Password: c.FormValue("password"), Roles: form["roles"]}
	u, err := models.CreateUser(c.Request().Context(), h.db, in, currentUser(c).ID)
	if models.ErrorCode(err) == models.EINVALID {
		d := office.UserForm{Form: formState(c, err, "name", "email"), Roles: in.Roles, Active: true}
		return h.render(c, formStatus(err), office.UserEdit(h.page(c, "New user"), d))
	}
	if err != nil {
		return err
	}
	h.flash(c, "success", "User "+u.Email+" created.")
	return redirect(c, "/office/users")
}

// OfficeUserEdit shows a user with its roles, status and history.
func (h *Handler) OfficeUserEdit(c echo.Context) error {
	u, err := h.userParam(c)
	if err != nil {
		return err
	}
	return h.renderUserEdit(c, http.StatusOK, u, views.FormState{Values: map[string]string{"name": u.Name}}, u.Roles, u.Active)
}

// OfficeUserUpdate saves a user's name, roles and status.
func (h *Handler) OfficeUserUpdate(c echo.Context) error {
	u, err := h.userParam(c)
	if err != nil {
		return err
	}
	form, _ := c.FormParams()
	in := models.UserUpdate{Name: c.FormValue("name"), Roles: form["roles"], Active: c.FormValue("active") != ""}
	updated, err := models.UpdateUser(c.Request().Context(), h.db, u.ID, in, currentUser(c).ID)
	if models.ErrorCode(err) == models.EINVALID {
		return h.renderUserEdit(c, formStatus(err), u, formState(c, err, "name"), in.Roles, in.Active)
	}
	if err != nil {
		return err
	}
	h.flash(c, "success", "Changes to "+updated.Email+" saved.")
	return redirect(c, "/office/users/"+strconv.FormatInt(updated.ID, 10))
}

func (h *Handler) renderUserEdit(c echo.Context, status int, u *models.User, f views.FormState, roles []string, active bool) error {
	history, err := models.History(c.Request().Context(), h.db, "user", u.ID)
	if err != nil {
		return err
	}
	d := office.UserForm{User: u, Form: f, Roles: roles, Active: active, History: history}
	return h.render(c, status, office.UserEdit(h.page(c, u.Name), d))
}

// userParam loads the user named by the :id path parameter.
func (h *Handler) userParam(c echo.Context) (*models.User, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, models.Errorf(models.ENOTFOUND, "The user was not found.")
	}
	return models.GetUser(c.Request().Context(), h.db, id)
}
