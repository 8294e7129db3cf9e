package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"orderflow/models"
	"orderflow/views"
	"orderflow/views/office"
)

// OfficeLocationList shows the location tree, filtered by warehouse, usage,
// status and name or barcode.
func (h *Handler) OfficeLocationList(c echo.Context) error {
	ctx := c.Request().Context()
	f := models.LocationFilter{WarehouseID: queryID(c, "warehouse"), Usage: c.QueryParam("usage"), Active: c.QueryParam("active"), Query: c.QueryParam("q")}
	nodes, err := models.ListLocations(ctx, h.db, f)
	if err != nil {
		return err
	}
	whs, err := models.ListWarehouses(ctx, h.db)
	if err != nil {
		return err
	}
	p := h.page(c, "Locations")
	return h.render(c, http.StatusOK, office.LocationList(p, f, nodes, whs), office.LocationRows(p, f, nodes))
}

// OfficeLocationNew shows the form for a new location, under ?parent= when given.
func (h *Handler) OfficeLocationNew(c echo.Context) error {
	f := views.FormState{Values: map[string]string{"parent_id": c.QueryParam("parent"), "usage": models.UsageInternal}}
	return h.renderLocationEdit(c, http.StatusOK, nil, f)
}

// OfficeLocationCreate creates a location.
func (h *Handler) OfficeLocationCreate(c echo.Context) error {
	l, err := models.CreateLocation(c.Request().Context(), h.db, locationInput(c), currentUser(c).ID)
	if models.ErrorCode(err) == models.EINVALID {
		return h.renderLocationEdit(c, formStatus(err), nil, formState(c, err, "name", "parent_id", "usage", "barcode"))
	}
	if err != nil {
		return err
	}
	h.flash(c, "success", "Location “"+l.CompleteName+"” created.")
	return redirect(c, "/office/locations/"+strconv.FormatInt(l.ID, 10))
}

// OfficeLocationEdit shows a location (and, to admin and warehouse users,
// the form to change it) with its history.
func (h *Handler) OfficeLocationEdit(c echo.Context) error {
	l, err := h.locationParam(c)
	if err != nil {
		return err
	}
	f := views.FormState{Values: map[string]string{"name": l.Name, "usage": l.Usage, "barcode": whsDeref(l.Barcode), "active": whsBool(l.Active)}}
	if l.ParentID != nil {
		f.Values["parent_id"] = strconv.FormatInt(*l.ParentID, 10)
	}
	return h.renderLocationEdit(c, http.StatusOK, l, f)
}

// OfficeLocationUpdate renames, moves, re-barcodes or (de)activates a location.
func (h *Handler) OfficeLocationUpdate(c echo.Context) error {
	l, err := h.locationParam(c)
	if err != nil {
		return err
	}
	updated, err := models.UpdateLocation(c.Request().Context(), h.db, l.ID, locationInput(c), currentUser(c).ID)
	if models.ErrorCode(err) == models.EINVALID {
		return h.renderLocationEdit(c, formStatus(err), l, formState(c, err, "name", "parent_id", "usage", "barcode", "active"))
	}
	if err != nil {
		return err
	}
	h.flash(c, "success", "Location “"+updated.CompleteName+"” saved.")
	return redirect(c, "/office/locations/"+strconv.FormatInt(updated.ID, 10))
}

func (h *Handler) renderLocationEdit(c echo.Context, status int, l *models.LocationNode, f views.FormState) error {
	ctx := c.Request().Context()
	all, err := models.ListLocations(ctx, h.db, models.LocationFilter{})
	if err != nil {
		return err
	}
	d := office.LocationForm{Location: l, Form: f}
	for _, n := range all {
		if n.Fixed() || n.Usage == models.UsageCustomer || n.Usage == models.UsageSupplier || n.Usage == models.UsageInventory {
			continue
		}
		if l != nil && (n.ID == l.ID || len(n.CompleteName) > len(l.CompleteName) && n.CompleteName[:len(l.CompleteName)+1] == l.CompleteName+"/") {
			continue // not under itself
		}
		d.Parents = append(d.Parents, n)
	}
	title := "New location"
	if l != nil {
		title = l.Name
		if d.History, err = models.History(ctx, h.db, "location", l.ID); err != nil {
			return err
		}
	}
	return h.render(c, status, office.LocationEdit(h.page(c, title), d))
}

func locationInput(c echo.Context) models.LocationInput {
	parent, _ := strconv.ParseInt(c.FormValue("parent_id"), 10, 64)
	return models.LocationInput{Name: c.FormValue("name"), ParentID: parent, Usage: c.FormValue("usage"),
		Barcode: c.FormValue("barcode"), Active: c.FormValue("active") != ""}
}

func (h *Handler) locationParam(c echo.Context) (*models.LocationNode, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, models.Errorf(models.ENOTFOUND, "The location was not found.")
	}
	return models.GetLocation(c.Request().Context(), h.db, id)
}

// queryID reads a positive id from the query string, 0 when absent or bad.
func queryID(c echo.Context, name string) int64 {
	id, err := strconv.ParseInt(c.QueryParam(name), 10, 64)
	if err != nil || id < 0 {
		return 0
	}
	return id
}
