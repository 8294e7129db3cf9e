package handlers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"orderflow/models"
	"orderflow/views"
	"orderflow/views/scan"
)

// The handheld inventory count (/scan/count). The count in progress lives in
// the session, so that a reload, a lost connection or a trip to another
// screen does not lose it.

const sessionScanCount = "scan_count"

func (h *Handler) loadScanCount(c echo.Context) models.ScanCount {
	cnt := models.ScanCount{Last: -1}
	if s := h.sessions.GetString(c.Request().Context(), sessionScanCount); s != "" {
		if err := json.Unmarshal([]byte(s), &cnt); err != nil {
			return models.ScanCount{Last: -1}
		}
	}
	return cnt
}

func (h *Handler) saveScanCount(c echo.Context, cnt models.ScanCount) error {
	b, err := json.Marshal(cnt)
	if err != nil {
		return err
	}
	h.putSession(c.Request().Context(), sessionScanCount, string(b))
	return nil
}

// ScanCount shows the count screen with the count in progress.
func (h *Handler) ScanCount(c echo.Context) error {
	return h.renderCount(c, http.StatusOK, scan.CountView{C: h.loadScanCount(c)})
}

func (h *Handler) renderCount(c echo.Context, status int, v scan.CountView) error {
	return h.render(c, status, scan.Count(h.page(c, "Count"), v))
}

// ScanCountScan takes one scanned code: a location, a product, a lot or a
// GS1 code. A refused scan changes nothing and says why in red.
func (h *Handler) ScanCountScan(c echo.Context) error {
	cur := h.loadScanCount(c)
	res, err := models.CountScanCode(c.Request().Context(), h.db, cur, c.FormValue("code"))
	status, fb := http.StatusOK, &scan.CountFeedback{OK: true, Prompt: res.Prompt, Message: res.Message}
	switch code := models.ErrorCode(err); {
	case err == nil:
		if err := h.saveScanCount(c, res.Count); err != nil {
			return err
		}
		cur = res.Count
	case code == models.EINVALID || code == models.ENOTFOUND:
		status, fb = statusOf(code), &scan.CountFeedback{Message: models.ErrorMessage(err)}
	default:
		return err
	}
	v := scan.CountView{C: cur, Result: fb}
	p := h.page(c, "Count")
	return h.render(c, status, scan.Count(p, v), countScanAnswer(p, v))
}

// countScanAnswer is the HTMX answer to a scan: the feedback, and the panel
// out of band.
func countScanAnswer(p views.Page, v scan.CountView) templ.Component {
	return templ.Join(scan.CountResult(v.Result), scan.CountPanel(p, v, true))
}

// ScanCountLines sets the quantities typed in the count and applies the
// button pressed: one more, one less, or take the line out.
func (h *Handler) ScanCountLines(c echo.Context) error {
	cur := h.loadScanCount(c)
	form, _ := c.FormParams()
	f := views.FormState{Values: map[string]string{}, Errors: map[string]string{}}
	next := cur
	for i := range cur.Lines {
		key := fmt.Sprintf("qty.%d", i)
		val, ok := form[key]
		if !ok {
			continue
		}
		f.Values[key] = val[0]
		if strings.TrimSpace(val[0]) == cur.Lines[i].Counted.String() {
			continue
		}
		n, err := models.SetScanCountLine(next, i, val[0])
		if err != nil {
			if models.ErrorCode(err) != models.EINVALID {
				return err
			}
			f.Errors[key] = models.FieldErrors(err)[key]
			continue
		}
		next = n
	}
	one := decimal.NewFromInt(1)
	if op, idx, ok := strings.Cut(c.FormValue("op"), "."); ok && len(f.Errors) == 0 {
		i, err := strconv.Atoi(idx)
		if err == nil && i >= 0 && i < len(next.Lines) {
			q := next.Lines[i].Counted
			switch op {
			case "inc":
				next, err = models.SetScanCountLine(next, i, q.Add(one).String())
			case "dec":
				if q.GreaterThanOrEqual(one) {
					next, err = models.SetScanCountLine(next, i, q.Sub(one).String())
				}
			case "remove":
				next = models.RemoveScanCountLine(next, i)
			}
			if err != nil {
				key := fmt.Sprintf("qty.%d", i)
				f.Values[key], f.Errors[key] = q.String(), models.ErrorMessage(err)
			}
		}
	}
	p := h.page(c, "Count")
	if len(f.Errors) > 0 {
		// Nothing is saved: the screen shows what was typed and why it is refused.
		v := scan.CountView{C: cur, Form: f, Result: &scan.CountFeedback{Message: "Check the highlighted quantity."}}
		return h.render(c, http.StatusUnprocessableEntity, scan.Count(p, v),
			templ.Join(scan.CountPanel(p, v, false), scan.CountFeedbackBox(v.Result, true)))
	}
	if err := h.saveScanCount(c, next); err != nil {
		return err
	}
	// The feedback of the last scan no longer applies once a quantity is changed by hand.
	v := scan.CountView{C: next}
	return h.render(c, http.StatusOK, scan.Count(p, v), templ.Join(scan.CountPanel(p, v, false), scan.CountFeedbackBox(nil, true)))
}

// ScanCountApply applies the count: each scanned product (lot) of the
// location gets the counted quantity; the differences are recorded as
// inventory adjustments.
func (h *Handler) ScanCountApply(c echo.Context) error {
	cur := h.loadScanCount(c)
	res, err := models.ApplyScanCount(c.Request().Context(), h.db, cur, currentUser(c).ID)
	switch code := models.ErrorCode(err); {
	case err == nil:
	case code == models.EINVALID || code == models.ENOTFOUND:
		return h.renderCount(c, statusOf(code), scan.CountView{C: cur, Result: &scan.CountFeedback{Message: models.ErrorMessage(err)}})
	default:
		return err
	}
	changed := 0
	for _, a := range res.Adjusted {
		if !a.Difference.IsZero() {
			changed++
		}
	}
	h.sessions.Remove(c.Request().Context(), sessionScanCount)
	h.flash(c, "success", fmt.Sprintf("Count of %s applied: %d %s changed, %d unchanged.", cur.LocationName,
		changed, countPlural(changed, "quantity", "quantities"), len(res.Adjusted)-changed))
	return redirect(c, "/scan/count")
}

// ScanCountDiscard forgets the count in progress.
func (h *Handler) ScanCountDiscard(c echo.Context) error {
	h.sessions.Remove(c.Request().Context(), sessionScanCount)
	h.flash(c, "info", "Count discarded; nothing changed in stock.")
	return redirect(c, "/scan/count")
}

func countPlural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
