package handlers

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"orderflow/models"
	"orderflow/views"
	"orderflow/views/office"
)

// couponFormFields are the text fields of the promotion code form.
var couponFormFields = []string{"code", "name", "kind", "amount", "min_amount", "valid_from", "valid_until", "usage_limit"}

// OfficeCouponList lists the promotion codes with their usage (?archived=1
// shows the archived ones too).
func (h *Handler) OfficeCouponList(c echo.Context) error {
	showArchived := c.QueryParam("archived") != ""
	coupons, err := models.ListCoupons(c.Request().Context(), h.db, showArchived)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, office.CouponList(h.page(c, "Promotion codes"), coupons, showArchived, time.Now()))
}

// OfficeCouponNew shows the form for a new promotion code.
func (h *Handler) OfficeCouponNew(c echo.Context) error {
	f := views.FormState{Values: map[string]string{"kind": models.CouponPercent}}
	return h.renderCouponForm(c, http.StatusOK, nil, f, true)
}

// OfficeCouponCreate creates a promotion code.
func (h *Handler) OfficeCouponCreate(c echo.Context) error {
	in := couponInput(c)
	cp, err := models.CreateCoupon(c.Request().Context(), h.db, in, currentUser(c).ID)
	if models.ErrorCode(err) == models.EINVALID {
		return h.renderCouponForm(c, formStatus(err), nil, formState(c, err, couponFormFields...), in.Active)
	}
	if err != nil {
		return err
	}
	h.flash(c, "success", "Promotion code "+cp.Code+" created.")
	return redirect(c, fmt.Sprintf("/office/coupons/%d", cp.ID))
}

// OfficeCouponEdit shows a promotion code to edit, with its usage and history.
func (h *Handler) OfficeCouponEdit(c echo.Context) error {
	cp, err := h.couponParam(c)
	if err != nil {
		return err
	}
	f := views.FormState{Values: map[string]string{
		"code": cp.Code, "name": cp.Name, "kind": cp.Kind, "amount": cp.Amount.String(), "min_amount": cp.MinAmount.String(),
		"valid_from": models.CouponDate(cp.ValidFrom), "valid_until": models.CouponDate(cp.ValidUntil), "usage_limit": "",
	}}
	if cp.MinAmount.IsZero() {
		f.Values["min_amount"] = ""
	}
	if cp.UsageLimit != nil {
		f.Values["usage_limit"] = strconv.Itoa(*cp.UsageLimit)
	}
	return h.renderCouponForm(c, http.StatusOK, cp, f, cp.Active)
}

// OfficeCouponUpdate saves a promotion code.
func (h *Handler) OfficeCouponUpdate(c echo.Context) error {
	cp, err := h.couponParam(c)
	if err != nil {
		return err
	}
	in := couponInput(c)
	updated, err := models.UpdateCoupon(c.Request().Context(), h.db, cp.ID, in, currentUser(c).ID)
	if models.ErrorCode(err) == models.EINVALID {
		return h.renderCouponForm(c, formStatus(err), cp, formState(c, err, couponFormFields...), in.Active)
	}
	if err != nil {
		return err
	}
	h.flash(c, "success", "Promotion code "+updated.Code+" saved.")
	return redirect(c, fmt.Sprintf("/office/coupons/%d", cp.ID))
}

// OfficeCouponArchive archives a promotion code: shoppers can no longer use it.
func (h *Handler) OfficeCouponArchive(c echo.Context) error { return h.setCouponActive(c, false) }

// OfficeCouponUnarchive makes an archived promotion code usable again.
func (h *Handler) OfficeCouponUnarchive(c echo.Context) error { return h.setCouponActive(c, true) }

func (h *Handler) setCouponActive(c echo.Context, active bool) error {
	cp, err := h.couponParam(c)
	if err != nil {
		return err
	}
	cp, err = models.SetCouponActive(c.Request().Context(), h.db, cp.ID, active, currentUser(c).ID)
	if err != nil {
		return err
	}
	if active {
		h.flash(c, "success", "Promotion code "+cp.Code+" can be used again.")
	} else {
		h.flash(c, "success", "Promotion code "+cp.Code+" archived: shoppers can no longer use it.")
	}
	return redirect(c, fmt.Sprintf("/office/coupons/%d", cp.ID))
}

func (h *Handler) renderCouponForm(c echo.Context, status int, cp *models.Coupon, f views.FormState, active bool) error {
	p := h.page(c, "New promotion code")
	d := office.CouponForm{Coupon: cp, Form: f, Active: active, Now: time.Now()}
	if cp != nil {
		p.Title = cp.Code
		var err error
		if d.History, err = models.History(c.Request().Context(), h.db, "coupon", cp.ID); err != nil {
			return err
		}
	}
	return h.render(c, status, office.CouponEdit(p, d))
}

func couponInput(c echo.Context) models.CouponInput {
	return models.CouponInput{
		Code: c.FormValue("code"), Name: c.FormValue("name"), Kind: c.FormValue("kind"), Amount: c.FormValue("amount"),
		MinAmount: c.FormValue("min_amount"), ValidFrom: c.FormValue("valid_from"), ValidUntil: c.FormValue("valid_until"),
		UsageLimit: c.FormValue("usage_limit"), Active: c.FormValue("active") != "",
	}
}

// couponParam loads the promotion code named by the :id path parameter.
func (h *Handler) couponParam(c echo.Context) (*models.Coupon, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, models.Errorf(models.ENOTFOUND, "The promotion code was not found.")
	}
	return models.GetCoupon(c.Request().Context(), h.db, id)
}
