package handlers

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"orderflow/models"
	"orderflow/views"
	"orderflow/views/office"
)

// OfficeAttributeList lists the attributes with their values.
func (h *Handler) OfficeAttributeList(c echo.Context) error {
	attrs, err := models.ListAttributes(c.Request().Context(), h.db)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, office.AttributeList(h.page(c, "Attributes"), attrs))
}

// OfficeAttributeNew shows the form for a new attribute with empty value rows.
func (h *Handler) OfficeAttributeNew(c echo.Context) error {
	rows := attributeBlankRows(nil, 5)
	return h.renderAttributeEdit(c, http.StatusOK, nil, views.FormState{}, rows)
}

// OfficeAttributeCreate creates an attribute with the values typed.
func (h *Handler) OfficeAttributeCreate(c echo.Context) error {
	rows, err := attributeRows(c)
	if err != nil {
		return err
	}
	a, err := models.CreateAttribute(c.Request().Context(), h.db, attributeInput(c, rows), currentUser(c).ID)
	if models.ErrorCode(err) == models.EINVALID {
		return h.renderAttributeEdit(c, formStatus(err), nil, formState(c, err, "name"), rows)
	}
	if err != nil {
		return err
	}
	h.flash(c, "success", "Attribute “"+a.Name+"” created.")
	return redirect(c, fmt.Sprintf("/office/attributes/%d", a.ID))
}

// OfficeAttributeEdit shows an attribute with its values.
func (h *Handler) OfficeAttributeEdit(c echo.Context) error {
	a, err := h.attributeParam(c)
	if err != nil {
		return err
	}
	var rows []office.AttributeValueRow
	for _, v := range a.Values {
		rows = append(rows, office.AttributeValueRow{ID: v.ID, Name: v.Name, Color: v.HTMLColor})
	}
	rows = attributeBlankRows(rows, office.AttributeBlankRows)
	return h.renderAttributeEdit(c, http.StatusOK, a, views.FormState{Values: map[string]string{"name": a.Name}}, rows)
}

// OfficeAttributeUpdate saves an attribute and its values. The arrow
// buttons submit the same form with move=up:i or move=down:i, which swaps
// row i with its neighbour before saving.
func (h *Handler) OfficeAttributeUpdate(c echo.Context) error {
	a, err := h.attributeParam(c)
	if err != nil {
		return err
	}
	rows, err := attributeRows(c)
	if err != nil {
		return err
	}
	moved := attributeMoveRow(rows, c.FormValue("move"))
	_, err = models.UpdateAttribute(c.Request().Context(), h.db, a.ID, attributeInput(c, rows), currentUser(c).ID)
	if code := models.ErrorCode(err); code == models.EINVALID || code == models.ECONFLICT {
		return h.renderAttributeEdit(c, formStatus(err), a, formState(c, err, "name"), rows)
	}
	if err != nil {
		return err
	}
	if moved {
		h.flash(c, "success", "Order of the values saved.")
	} else {
		h.flash(c, "success", "Attribute saved.")
	}
	return redirect(c, fmt.Sprintf("/office/attributes/%d", a.ID))
}

func (h *Handler) renderAttributeEdit(c echo.Context, status int, a *models.Attribute, f views.FormState, rows []office.AttributeValueRow) error {
	ctx := c.Request().Context()
	d := office.AttributeForm{Attribute: a, Form: f, Rows: rows}
	title := "New attribute"
	if a != nil {
		title = a.Name
		var err error
		if d.Uses, err = models.AttributeValueUses(ctx, h.db, a.ID); err != nil {
			return err
		}
		if d.History, err = models.History(ctx, h.db, "attribute", a.ID); err != nil {
			return err
		}
	}
	return h.render(c, status, office.AttributeEdit(h.page(c, title), d))
}

// attributeRows reads the value rows of the form: parallel value_id,
// value_name and value_color fields, and value_remove checkboxes by id.
func attributeRows(c echo.Context) ([]office.AttributeValueRow, error) {
	form, err := c.FormParams()
	if err != nil {
		return nil, echo.NewHTTPError(http.StatusBadRequest)
	}
	ids, names, colors := form["value_id"], form["value_name"], form["value_color"]
	if len(names) != len(ids) || len(colors) != len(ids) || len(ids) > 500 {
		return nil, echo.NewHTTPError(http.StatusBadRequest)
	}
	remove := map[int64]bool{}
	for _, s := range form["value_remove"] {
		if id, err := strconv.ParseInt(s, 10, 64); err == nil {
			remove[id] = true
		}
	}
	rows := make([]office.AttributeValueRow, len(ids))
	for i := range ids {
		id, err := strconv.ParseInt(ids[i], 10, 64)
		if err != nil || id < 0 {
			return nil, echo.NewHTTPError(http.StatusBadRequest)
		}
		rows[i] = office.AttributeValueRow{ID: id, Name: names[i], Color: colors[i], Remove: id > 0 && remove[id]}
	}
	return rows, nil
}

// attributeMoveRow applies "up:i" / "down:i" to rows; it reports whether a
// row moved.
func attributeMoveRow(rows []office.AttributeValueRow, move string) bool {
	dir, idx, ok := strings.Cut(move, ":")
	i, err := strconv.Atoi(idx)
	if !ok || err != nil || i < 0 || i >= len(rows) {
		return false
	}
	j := i - 1
	if dir == "down" {
		j = i + 1
	} else if dir != "up" {
		return false
	}
	if j < 0 || j >= len(rows) {
		return false
	}
	rows[i], rows[j] = rows[j], rows[i]
	return true
}

func attributeInput(c echo.Context, rows []office.AttributeValueRow) models.AttributeInput {
	in := models.AttributeInput{Name: c.FormValue("name")}
	for _, r := range rows {
		in.Values = append(in.Values, models.AttributeValueInput{ID: r.ID, Name: r.Name, HTMLColor: r.Color, Remove: r.Remove})
	}
	return in
}

func attributeBlankRows(rows []office.AttributeValueRow, n int) []office.AttributeValueRow {
	for range n {
		rows = append(rows, office.AttributeValueRow{})
	}
	return rows
}

// attributeParam loads the attribute named by the :id path parameter.
func (h *Handler) attributeParam(c echo.Context) (*models.Attribute, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, models.Errorf(models.ENOTFOUND, "The attribute was not found.")
	}
	return models.GetAttribute(c.Request().Context(), h.db, id)
}
