package handlers

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/uptrace/bun"

	"orderflow/models"
	"orderflow/views"
	"orderflow/views/office"
)

// OfficeTransferList lists transfers with filters by operation and state,
// search, sorting and the overview per operation.
func (h *Handler) OfficeTransferList(c echo.Context) error {
	page, _ := strconv.Atoi(c.QueryParam("page"))
	f := models.PickingFilter{Query: c.QueryParam("q"), Kind: c.QueryParam("kind"), State: c.QueryParam("state"),
		Sort: c.QueryParam("sort"), Page: page}
	list, err := models.ListPickings(c.Request().Context(), h.db, f)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, office.TransferList(h.page(c, "Transfers"), f, list))
}

// OfficeTransferDetail shows a transfer; ?confirm=cancel asks to confirm
// the cancellation.
func (h *Handler) OfficeTransferDetail(c echo.Context) error {
	id, err := transferID(c)
	if err != nil {
		return err
	}
	return h.renderTransfer(c, http.StatusOK, id, office.TransferDetailData{ConfirmCancel: c.QueryParam("confirm") == "cancel"})
}

func (h *Handler) renderTransfer(c echo.Context, status int, id int64, d office.TransferDetailData) error {
	detail, err := models.GetPickingDetail(c.Request().Context(), h.db, id)
	if err != nil {
		return err
	}
	d.D = detail
	if d.X, err = models.GetPickingExtras(c.Request().Context(), h.db, id); err != nil {
		return err
	}
	return h.render(c, status, office.TransferDetail(h.page(c, detail.Name), d))
}

// OfficeTransferReserve is "Check availability".
func (h *Handler) OfficeTransferReserve(c echo.Context) error {
	return h.transferAction(c, models.ReservePicking, "Availability checked.")
}

// OfficeTransferUnreserve releases the transfer's reservations.
func (h *Handler) OfficeTransferUnreserve(c echo.Context) error {
	return h.transferAction(c, models.UnreservePicking, "Reservation released.")
}

// OfficeTransferCancel cancels a transfer (after the confirmation panel).
func (h *Handler) OfficeTransferCancel(c echo.Context) error {
	return h.transferAction(c, models.CancelPicking, "Transfer cancelled.")
}

// transferAction runs a one-click action and goes back to the transfer; a
// refusal (a done transfer cannot be cancelled) is shown as a message there.
func (h *Handler) transferAction(c echo.Context, op func(context.Context, *bun.DB, int64, int64) error, done string) error {
	id, err := transferID(c)
	if err != nil {
		return err
	}
	err = op(c.Request().Context(), h.db, id, currentUser(c).ID)
	switch code := models.ErrorCode(err); {
	case err == nil:
		h.flash(c, "success", done)
	case code == models.ECONFLICT || code == models.EINVALID:
		h.flash(c, "error", models.ErrorMessage(err))
	default:
		return err
	}
	return redirect(c, fmt.Sprintf("/office/transfers/%d", id))
}

// OfficeTransferValidate validates a transfer with the quantities done (and
// lots) of the form; when less than the demand was done it asks whether to
// create a backorder, and the answer resubmits the same quantities.
func (h *Handler) OfficeTransferValidate(c echo.Context) error {
	id, err := transferID(c)
	if err != nil {
		return err
	}
	form, _ := c.FormParams()
	in := models.ValidateForm{Done: map[int64]string{}, Lots: map[int64]string{}, Backorder: c.FormValue("backorder")}
	var fields []string
	for key := range form {
		name, lineID, ok := strings.Cut(key, ".")
		lid, perr := strconv.ParseInt(lineID, 10, 64)
		if !ok || perr != nil {
			continue
		}
		switch name {
		case "done":
			in.Done[lid] = form.Get(key)
		case "lot":
			in.Lots[lid] = form.Get(key)
		default:
			continue
		}
		fields = append(fields, key)
	}
	res, err := models.ValidateTransfer(c.Request().Context(), h.db, id, in, currentUser(c).ID)
	switch {
	case err == nil:
	case models.BackorderNeeded(err):
		f := formState(c, nil, fields...)
		return h.renderTransfer(c, http.StatusOK, id, office.TransferDetailData{Form: f, AskBackorder: true})
	case models.ErrorCode(err) == models.EINVALID || models.ErrorCode(err) == models.ECONFLICT:
		f := formState(c, err, fields...)
		if len(f.Errors) > 0 && f.Error == "" && f.Errors["done"] == "" {
			f.Error = "Please correct the highlighted lines."
		}
		return h.renderTransfer(c, formStatus(err), id, office.TransferDetailData{Form: f})
	default:
		return err
	}
	switch {
	case res.AlreadyDone:
		h.flash(c, "info", res.Picking.Name+" was already validated.")
	case res.Backorder != "":
		h.flash(c, "success", res.Picking.Name+" validated; backorder "+res.Backorder+" created for the rest.")
	default:
		h.flash(c, "success", res.Picking.Name+" validated.")
	}
	return redirect(c, fmt.Sprintf("/office/transfers/%d", id))
}

// OfficeTransferNewReceipt shows the new receipt form.
func (h *Handler) OfficeTransferNewReceipt(c echo.Context) error {
	return h.renderTransferNew(c, http.StatusOK, models.KindReceipt, views.FormState{}, nil)
}

// OfficeTransferNewDelivery shows the new delivery form.
func (h *Handler) OfficeTransferNewDelivery(c echo.Context) error {
	return h.renderTransferNew(c, http.StatusOK, models.KindDelivery, views.FormState{}, nil)
}

// OfficeTransferCreateReceipt creates a receipt from the form.
func (h *Handler) OfficeTransferCreateReceipt(c echo.Context) error {
	return h.createTransfer(c, models.KindReceipt)
}

// OfficeTransferCreateDelivery creates a delivery (1 to 3 chained transfers
// by the warehouse's delivery steps) and opens the first one.
func (h *Handler) OfficeTransferCreateDelivery(c echo.Context) error {
	return h.createTransfer(c, models.KindDelivery)
}

const maxTransferRows = 200

func (h *Handler) createTransfer(c echo.Context, kind string) error {
	rows, _ := strconv.Atoi(c.FormValue("rows"))
	rows = min(max(rows, 1), maxTransferRows)
	f := models.TransferForm{WarehouseID: c.FormValue("warehouse"), PartnerID: c.FormValue("partner"),
		Origin: c.FormValue("origin"), ScheduledDate: c.FormValue("scheduled_date")}
	for i := range rows {
		f.Lines = append(f.Lines, models.TransferFormLine{
			Product:  c.FormValue(fmt.Sprintf("lines.%d.product", i)),
			Quantity: c.FormValue(fmt.Sprintf("lines.%d.quantity", i)),
		})
	}
	header := []string{"warehouse", "partner", "origin", "scheduled_date"}
	if c.FormValue("add_row") != "" {
		if len(f.Lines) < maxTransferRows {
			f.Lines = append(f.Lines, models.TransferFormLine{})
		}
		return h.renderTransferNew(c, http.StatusOK, kind, formState(c, nil, header...), f.Lines)
	}
	pks, err := models.CreateTransferFromForm(c.Request().Context(), h.db, kind, f, currentUser(c).ID)
	if models.ErrorCode(err) == models.EINVALID {
		return h.renderTransferNew(c, formStatus(err), kind, formState(c, err, header...), f.Lines)
	}
	if err != nil {
		return err
	}
	names := make([]string, len(pks))
	for i, pk := range pks {
		names[i] = pk.Name
	}
	h.flash(c, "success", strings.Join(names, ", ")+" created.")
	return redirect(c, fmt.Sprintf("/office/transfers/%d", pks[0].ID))
}

func (h *Handler) renderTransferNew(c echo.Context, status int, kind string, f views.FormState, lines []models.TransferFormLine) error {
	opts, err := models.GetTransferFormOptions(c.Request().Context(), h.db)
	if err != nil {
		return err
	}
	if len(lines) == 0 {
		lines = make([]models.TransferFormLine, 5)
	}
	if f.Values == nil {
		f.Values = map[string]string{}
	}
	if f.Values["warehouse"] == "" && len(opts.Warehouses) > 0 {
		f.Values["warehouse"] = strconv.FormatInt(opts.Warehouses[0].ID, 10)
	}
	title := "New delivery"
	if kind == models.KindReceipt {
		title = "New receipt"
	}
	d := office.TransferNewData{Kind: kind, Options: opts, Form: f, Lines: lines}
	return h.render(c, status, office.TransferNew(h.page(c, title), d))
}

// transferID reads the :id path parameter.
func transferID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, models.Errorf(models.ENOTFOUND, "The transfer was not found.")
	}
	return id, nil
}
