package handlers

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"orderflow/models"
	"orderflow/views/scan"
)

// ScanTypeList lists the transfers to do of an operation type, ready ones first.
func (h *Handler) ScanTypeList(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return models.Errorf(models.ENOTFOUND, "The operation type was not found.")
	}
	return h.scanList(c, models.ScanListFilter{TypeID: id})
}

// ScanTransferFind lists the ready transfers needing a product (?product=)
// or with work in a location (?location=): where a scan on the home screen leads.
func (h *Handler) ScanTransferFind(c echo.Context) error {
	product, _ := strconv.ParseInt(c.QueryParam("product"), 10, 64)
	location, _ := strconv.ParseInt(c.QueryParam("location"), 10, 64)
	return h.scanList(c, models.ScanListFilter{VariantID: product, LocationID: location})
}

func (h *Handler) scanList(c echo.Context, f models.ScanListFilter) error {
	list, err := models.ListScanTransfers(c.Request().Context(), h.db, f)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, scan.TransferList(h.page(c, list.Title), list))
}

// ScanTransfer is the transfer screen for scanning in walking order.
func (h *Handler) ScanTransfer(c echo.Context) error {
	v, err := h.transferView(c)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, scan.Transfer(h.page(c, v.T.Name), *v))
}

// ScanTransferLines is the lines part of the transfer screen, which pickers
// on the same transfer poll to see each other's progress.
func (h *Handler) ScanTransferLines(c echo.Context) error {
	v, err := h.transferView(c)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, scan.TransferLines(h.page(c, v.T.Name), *v))
}

// ScanTransferScan applies one scan (wedge scanner, camera or typed) to the
// transfer and answers with green or red feedback and the new lines; a
// refused scan answers 422 and changed nothing.
func (h *Handler) ScanTransferScan(c echo.Context) error {
	id, err := transferID(c)
	if err != nil {
		return err
	}
	state := scanStateOf(c)
	in := models.ScanInput{Code: c.FormValue("code"), LocationID: state.LocationID, ProductID: state.ProductID}
	if q := strings.TrimSpace(c.FormValue("quantity")); q != "" {
		if in.Quantity, err = decimal.NewFromString(q); err != nil {
			in.Quantity = decimal.NewFromInt(-1) // refused as not a positive quantity
		}
	}
	res, err := models.ScanInTransfer(c.Request().Context(), h.db, id, in, currentUser(c).ID)
	if err != nil {
		return err
	}
	if res.URL != "" {
		return redirect(c, res.URL)
	}
	state.LocationID, state.ProductID = res.LocationID, res.ProductID
	if res.LocationName != "" {
		state.LocationName = res.LocationName
	}
	if state.LocationID == 0 {
		state.LocationName = ""
	}
	return h.scanAnswer(c, id, state, res)
}

// ScanTransferLine changes the quantity done on one line: one less, all,
// or a typed quantity.
func (h *Handler) ScanTransferLine(c echo.Context) error {
	id, err := transferID(c)
	if err != nil {
		return err
	}
	lineID, _ := strconv.ParseInt(c.FormValue("line"), 10, 64)
	a := models.LineAction{Action: c.FormValue("action"), Quantity: c.FormValue("qty")}
	res, err := models.SetLineDone(c.Request().Context(), h.db, id, lineID, a, currentUser(c).ID)
	if err != nil {
		return err
	}
	return h.scanAnswer(c, id, scanStateOf(c), res)
}

// scanAnswer renders the result of a scan or line change: the fragment for
// HTMX, or the whole screen; 422 when it was refused.
func (h *Handler) scanAnswer(c echo.Context, id int64, state scan.ScanState, res models.ScanResult) error {
	t, err := models.GetScanTransfer(c.Request().Context(), h.db, id)
	if err != nil {
		return err
	}
	v := scan.TransferView{T: t, State: state, Hit: res.LineID, Result: &res}
	status := http.StatusOK
	if !res.OK {
		status = http.StatusUnprocessableEntity
	}
	p := h.page(c, t.Name)
	return h.render(c, status, scan.Transfer(p, v), scan.ScanAnswer(p, v))
}

// ScanTransferPack puts what was done and not packed yet into a new package.
func (h *Handler) ScanTransferPack(c echo.Context) error {
	id, err := transferID(c)
	if err != nil {
		return err
	}
	pkg, err := models.PutInPack(c.Request().Context(), h.db, id, currentUser(c).ID)
	code := models.ErrorCode(err)
	if err != nil && code != models.EINVALID && code != models.ECONFLICT {
		return err
	}
	t, gerr := models.GetScanTransfer(c.Request().Context(), h.db, id)
	if gerr != nil {
		return gerr
	}
	v := scan.TransferView{T: t, State: scanStateOf(c), Packed: pkg}
	status := http.StatusOK
	if err != nil {
		v.Result = &models.ScanResult{Message: models.ErrorMessage(err)}
		status = statusOf(code)
	}
	p := h.page(c, t.Name)
	return h.render(c, status, scan.Transfer(p, v), scan.ScanAnswer(p, v))
}

// ScanTransferValidate validates the transfer with what was scanned. When
// less than the demand is done and the operation type asks, it asks whether
// to create a backorder; the answer posts again. A retried request for a
// transfer already validated answers success.
func (h *Handler) ScanTransferValidate(c echo.Context) error {
	id, err := transferID(c)
	if err != nil {
		return err
	}
	res, err := models.ValidateScanned(c.Request().Context(), h.db, id, c.FormValue("backorder"), currentUser(c).ID)
	switch code := models.ErrorCode(err); {
	case err == nil:
	case models.BackorderNeeded(err):
		return h.validateDialog(c, id, http.StatusOK, scan.TransferView{Ask: true})
	case code == models.EINVALID || code == models.ECONFLICT:
		return h.validateDialog(c, id, statusOf(code), scan.TransferView{Problem: models.ErrorMessage(err)})
	default:
		return err
	}
	msg := res.Picking.Name + " validated."
	switch {
	case res.AlreadyDone:
		msg = res.Picking.Name + " is validated."
	case res.Backorder != "":
		msg = res.Picking.Name + " validated; backorder " + res.Backorder + " created for the rest."
	}
	if res.NextName != "" && !res.AlreadyDone {
		msg += " Next step: " + res.NextName + "."
	}
	h.flash(c, "success", msg)
	return redirect(c, fmt.Sprintf("/scan/transfers/%d", id))
}

func (h *Handler) validateDialog(c echo.Context, id int64, status int, v scan.TransferView) error {
	t, err := models.GetScanTransfer(c.Request().Context(), h.db, id)
	if err != nil {
		return err
	}
	v.T, v.State = t, scanStateOf(c)
	p := h.page(c, t.Name)
	return h.render(c, status, scan.Transfer(p, v), scan.ValidateDialog(p, v))
}

// ScanTransferTracking stores the carrier tracking number of a delivery order.
func (h *Handler) ScanTransferTracking(c echo.Context) error {
	id, err := transferID(c)
	if err != nil {
		return err
	}
	_, err = models.SetTrackingRef(c.Request().Context(), h.db, id, c.FormValue("carrier_tracking_ref"), currentUser(c).ID)
	code := models.ErrorCode(err)
	if err != nil && code != models.EINVALID && code != models.ECONFLICT {
		return err
	}
	t, gerr := models.GetScanTransfer(c.Request().Context(), h.db, id)
	if gerr != nil {
		return gerr
	}
	v := scan.TransferView{T: t, State: scanStateOf(c)}
	status := http.StatusOK
	if err != nil {
		v.Tracking = formState(c, err, "carrier_tracking_ref")
		status = statusOf(code)
	}
	p := h.page(c, t.Name)
	return h.render(c, status, scan.Transfer(p, v), scan.TrackingSection(p, v))
}

// transferView loads the transfer of the :id parameter with the screen
// state the request carries.
func (h *Handler) transferView(c echo.Context) (*scan.TransferView, error) {
	id, err := transferID(c)
	if err != nil {
		return nil, err
	}
	t, err := models.GetScanTransfer(c.Request().Context(), h.db, id)
	if err != nil {
		return nil, err
	}
	return &scan.TransferView{T: t, State: scanStateOf(c)}, nil
}

// scanStateOf reads the transfer screen's state (current location, product
// waiting for its lot) from the form or the query.
func scanStateOf(c echo.Context) scan.ScanState {
	loc, _ := strconv.ParseInt(c.FormValue("location_id"), 10, 64)
	prod, _ := strconv.ParseInt(c.FormValue("product_id"), 10, 64)
	s := scan.ScanState{LocationID: max(loc, 0), ProductID: max(prod, 0)}
	if s.LocationID != 0 {
		s.LocationName = strings.TrimSpace(c.FormValue("location_name"))
		if len(s.LocationName) > 200 {
			s.LocationName = s.LocationName[:200]
		}
	}
	return s
}
