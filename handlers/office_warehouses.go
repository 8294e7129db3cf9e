package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"orderflow/models"
	"orderflow/views"
	"orderflow/views/office"
)

// OfficeWarehouseList lists the warehouses.
func (h *Handler) OfficeWarehouseList(c echo.Context) error {
	whs, err := models.ListWarehouseSummaries(c.Request().Context(), h.db)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, office.WarehouseList(h.page(c, "Warehouses"), whs))
}

// OfficeWarehouseNew shows the form for a new warehouse.
func (h *Handler) OfficeWarehouseNew(c echo.Context) error {
	f := views.FormState{Values: map[string]string{"delivery_steps": "1"}}
	return h.render(c, http.StatusOK, office.WarehouseEdit(h.page(c, "New warehouse"), office.WarehouseForm{Form: f}))
}

// OfficeWarehouseCreate creates a warehouse with its locations and
// operation types.
func (h *Handler) OfficeWarehouseCreate(c echo.Context) error {
	steps, _ := strconv.Atoi(c.FormValue("delivery_steps"))
	in := models.WarehouseInput{Name: c.FormValue("name"), Code: c.FormValue("code"), DeliverySteps: steps}
	wh, err := models.CreateWarehouse(c.Request().Context(), h.db, in, currentUser(c).ID)
	if models.ErrorCode(err) == models.EINVALID {
		d := office.WarehouseForm{Form: formState(c, err, "name", "code", "delivery_steps")}
		return h.render(c, formStatus(err), office.WarehouseEdit(h.page(c, "New warehouse"), d))
	}
	if err != nil {
		return err
	}
	h.flash(c, "success", "Warehouse "+wh.Code+" created with its locations and operation types.")
	return redirect(c, "/office/warehouses/"+strconv.FormatInt(wh.ID, 10))
}

// OfficeWarehouseShow shows a warehouse's settings, operation types and history.
func (h *Handler) OfficeWarehouseShow(c echo.Context) error {
	d, err := h.warehouseParam(c)
	if err != nil {
		return err
	}
	f := views.FormState{Values: map[string]string{"name": d.Warehouse.Name, "delivery_steps": strconv.Itoa(d.Warehouse.DeliverySteps)}}
	return h.render(c, http.StatusOK, office.WarehouseEdit(h.page(c, d.Warehouse.Name), office.WarehouseForm{Detail: d, Form: f}))
}

// OfficeWarehouseUpdate saves a warehouse's name and delivery steps.
func (h *Handler) OfficeWarehouseUpdate(c echo.Context) error {
	d, err := h.warehouseParam(c)
	if err != nil {
		return err
	}
	steps, _ := strconv.Atoi(c.FormValue("delivery_steps"))
	in := models.WarehouseInput{Name: c.FormValue("name"), DeliverySteps: steps}
	wh, err := models.UpdateWarehouse(c.Request().Context(), h.db, d.Warehouse.ID, in, currentUser(c).ID)
	if models.ErrorCode(err) == models.EINVALID {
		f := formState(c, err, "name", "delivery_steps")
		return h.render(c, formStatus(err), office.WarehouseEdit(h.page(c, d.Warehouse.Name), office.WarehouseForm{Detail: d, Form: f}))
	}
	if err != nil {
		return err
	}
	h.flash(c, "success", "Warehouse "+wh.Code+" saved.")
	return redirect(c, "/office/warehouses/"+strconv.FormatInt(wh.ID, 10))
}

// OfficeOperationTypeEdit shows an operation type (and, to admin and
// warehouse users, the form to change its barcode, backorders and status).
func (h *Handler) OfficeOperationTypeEdit(c echo.Context) error {
	t, err := h.operationTypeParam(c)
	if err != nil {
		return err
	}
	f := views.FormState{Values: map[string]string{"barcode": whsDeref(t.Barcode), "create_backorder": t.CreateBackorder,
		"allow_extra": whsBool(t.AllowExtra), "active": whsBool(t.Active)}}
	return h.render(c, http.StatusOK, office.OperationTypeEdit(h.page(c, t.WarehouseCode+": "+t.Name), office.OperationTypeForm{Type: t, Form: f}))
}

// OfficeOperationTypeUpdate saves an operation type's barcode, backorder
// policy and status.
func (h *Handler) OfficeOperationTypeUpdate(c echo.Context) error {
	t, err := h.operationTypeParam(c)
	if err != nil {
		return err
	}
	in := models.PickingTypeInput{Barcode: c.FormValue("barcode"), CreateBackorder: c.FormValue("create_backorder"),
		AllowExtra: c.FormValue("allow_extra") != "", Active: c.FormValue("active") != ""}
	_, err = models.UpdatePickingType(c.Request().Context(), h.db, t.ID, in, currentUser(c).ID)
	if models.ErrorCode(err) == models.EINVALID {
		f := formState(c, err, "barcode", "create_backorder", "allow_extra", "active")
		return h.render(c, formStatus(err), office.OperationTypeEdit(h.page(c, t.WarehouseCode+": "+t.Name), office.OperationTypeForm{Type: t, Form: f}))
	}
	if err != nil {
		return err
	}
	h.flash(c, "success", "Operation type “"+t.Name+"” saved.")
	return redirect(c, "/office/warehouses/"+strconv.FormatInt(t.WarehouseID, 10))
}

func (h *Handler) warehouseParam(c echo.Context) (*models.WarehouseDetail, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, models.Errorf(models.ENOTFOUND, "The warehouse was not found.")
	}
	return models.GetWarehouseDetail(c.Request().Context(), h.db, id)
}

func (h *Handler) operationTypeParam(c echo.Context) (*models.OperationType, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, models.Errorf(models.ENOTFOUND, "The operation type was not found.")
	}
	return models.GetOperationType(c.Request().Context(), h.db, id)
}

func whsDeref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func whsBool(b bool) string {
	if b {
		return "1"
	}
	return ""
}
