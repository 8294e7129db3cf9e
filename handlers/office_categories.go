package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"orderflow/models"
	"orderflow/views"
	"orderflow/views/office"
)

// OfficeCategoryList shows the category tree with product counts.
func (h *Handler) OfficeCategoryList(c echo.Context) error {
	nodes, err := models.ListCategories(c.Request().Context(), h.db)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, office.CategoryList(h.page(c, "Categories"), nodes))
}

// OfficeCategoryNew shows the form for a new category, under ?parent= when given.
func (h *Handler) OfficeCategoryNew(c echo.Context) error {
	f := views.FormState{Values: map[string]string{"parent_id": c.QueryParam("parent")}}
	return h.renderCategoryEdit(c, http.StatusOK, nil, f)
}

// OfficeCategoryCreate creates a category.
func (h *Handler) OfficeCategoryCreate(c echo.Context) error {
	cat, err := models.CreateCategory(c.Request().Context(), h.db, categoryInput(c), currentUser(c).ID)
	if models.ErrorCode(err) == models.EINVALID {
		return h.renderCategoryEdit(c, formStatus(err), nil, formState(c, err, "name", "parent_id"))
	}
	if err != nil {
		return err
	}
	h.flash(c, "success", "Category “"+cat.CompleteName+"” created.")
	return redirect(c, "/office/categories")
}

// OfficeCategoryEdit shows a category to rename, move or delete it.
func (h *Handler) OfficeCategoryEdit(c echo.Context) error {
	cat, err := h.categoryParam(c)
	if err != nil {
		return err
	}
	f := views.FormState{Values: map[string]string{"name": cat.Name, "parent_id": categoryOptionalID(cat.ParentID)}}
	return h.renderCategoryEdit(c, http.StatusOK, cat, f)
}

// OfficeCategoryUpdate renames and/or moves a category.
func (h *Handler) OfficeCategoryUpdate(c echo.Context) error {
	cat, err := h.categoryParam(c)
	if err != nil {
		return err
	}
	updated, err := models.UpdateCategory(c.Request().Context(), h.db, cat.ID, categoryInput(c), currentUser(c).ID)
	if models.ErrorCode(err) == models.EINVALID {
		return h.renderCategoryEdit(c, formStatus(err), cat, formState(c, err, "name", "parent_id"))
	}
	if err != nil {
		return err
	}
	h.flash(c, "success", "Category “"+updated.CompleteName+"” saved.")
	return redirect(c, "/office/categories")
}

// OfficeCategoryDelete deletes a category no product or subcategory uses;
// otherwise the edit page says why it cannot (409).
func (h *Handler) OfficeCategoryDelete(c echo.Context) error {
	cat, err := h.categoryParam(c)
	if err != nil {
		return err
	}
	err = models.DeleteCategory(c.Request().Context(), h.db, cat.ID, currentUser(c).ID)
	if models.ErrorCode(err) == models.ECONFLICT && !isHTMX(c) {
		f := views.FormState{Values: map[string]string{"name": cat.Name, "parent_id": categoryOptionalID(cat.ParentID)}, Error: models.ErrorMessage(err)}
		return h.renderCategoryEdit(c, formStatus(err), cat, f)
	}
	if err != nil {
		return err
	}
	h.flash(c, "success", "Category “"+cat.CompleteName+"” deleted.")
	return redirect(c, "/office/categories")
}

func (h *Handler) renderCategoryEdit(c echo.Context, status int, cat *models.Category, f views.FormState) error {
	ctx := c.Request().Context()
	nodes, err := models.ListCategories(ctx, h.db)
	if err != nil {
		return err
	}
	d := office.CategoryForm{Category: cat, Form: f, Nodes: nodes}
	title := "New category"
	if cat != nil {
		title = cat.CompleteName
		for i := range nodes {
			if nodes[i].ID == cat.ID {
				d.Node = &nodes[i]
			}
		}
		if d.History, err = models.History(ctx, h.db, "category", cat.ID); err != nil {
			return err
		}
	}
	return h.render(c, status, office.CategoryEdit(h.page(c, title), d))
}

func categoryInput(c echo.Context) models.CategoryInput {
	in := models.CategoryInput{Name: c.FormValue("name")}
	if id, err := strconv.ParseInt(c.FormValue("parent_id"), 10, 64); err == nil && id > 0 {
		in.ParentID = &id
	}
	return in
}

func categoryOptionalID(id *int64) string {
	if id == nil {
		return ""
	}
	return strconv.FormatInt(*id, 10)
}

// categoryParam loads the category named by the :id path parameter.
func (h *Handler) categoryParam(c echo.Context) (*models.Category, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, models.Errorf(models.ENOTFOUND, "The category was not found.")
	}
	return models.GetCategory(c.Request().Context(), h.db, id)
}
