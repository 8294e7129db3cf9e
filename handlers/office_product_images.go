package handlers

import (
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"orderflow/models"
	"orderflow/views"
	"orderflow/views/office"
)

// OfficeProductImages shows a product's images with the upload form.
func (h *Handler) OfficeProductImages(c echo.Context) error {
	return h.renderProductImages(c, http.StatusOK, views.FormState{})
}

// OfficeProductImagesUpload stores the uploaded images of a product (several
// files at once); a bad file refuses the whole upload.
func (h *Handler) OfficeProductImagesUpload(c echo.Context) error {
	id, err := imageProductID(c)
	if err != nil {
		return err
	}
	uploads, err := readImageUploads(c)
	if err == nil {
		_, err = models.AddProductImages(c.Request().Context(), h.db, id, uploads, currentUser(c).ID)
	}
	if models.ErrorCode(err) == models.EINVALID {
		return h.renderProductImages(c, formStatus(err), formState(c, err, "alt"))
	}
	if err != nil {
		return err
	}
	msg := "Image added."
	if len(uploads) > 1 {
		msg = fmt.Sprintf("%d images added.", len(uploads))
	}
	h.flash(c, "success", msg)
	return redirect(c, fmt.Sprintf("/office/products/%d/images", id))
}

// readImageUploads reads the files of the "image" field, each cut at one
// byte over the size limit so that the model can tell it is too big.
func readImageUploads(c echo.Context) ([]models.ImageUpload, error) {
	form, err := c.MultipartForm()
	if err != nil {
		return nil, models.Problems{"image": "Choose at least one image file."}.Err()
	}
	alt := c.FormValue("alt")
	var out []models.ImageUpload
	for _, fh := range form.File["image"] {
		if fh.Filename == "" && fh.Size == 0 {
			continue // the browser's empty file input
		}
		f, err := fh.Open()
		if err != nil {
			return nil, fmt.Errorf("handlers: open upload: %w", err)
		}
		data, err := io.ReadAll(io.LimitReader(f, models.MaxImageBytes+1))
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("handlers: read upload: %w", err)
		}
		out = append(out, models.ImageUpload{Filename: fh.Filename, Data: data, Alt: alt})
	}
	return out, nil
}

// OfficeProductImagesOrder saves a new order of a product's images; the
// first becomes the cover.
func (h *Handler) OfficeProductImagesOrder(c echo.Context) error {
	id, err := imageProductID(c)
	if err != nil {
		return err
	}
	form, _ := c.FormParams()
	ids := make([]int64, 0, len(form["ids"]))
	for _, s := range form["ids"] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return models.Errorf(models.EINVALID, "The order of the images is not readable. Reload the page and try again.")
		}
		ids = append(ids, n)
	}
	if err := models.ReorderProductImages(c.Request().Context(), h.db, id, ids, currentUser(c).ID); err != nil {
		return err
	}
	h.flash(c, "success", "Order of the images saved.")
	return redirect(c, fmt.Sprintf("/office/products/%d/images", id))
}

// OfficeProductImageDelete deletes one image of a product.
func (h *Handler) OfficeProductImageDelete(c echo.Context) error {
	id, err := imageProductID(c)
	if err != nil {
		return err
	}
	imageID, _ := strconv.ParseInt(c.FormValue("image_id"), 10, 64)
	if err := models.DeleteProductImage(c.Request().Context(), h.db, id, imageID, currentUser(c).ID); err != nil {
		return err
	}
	h.flash(c, "success", "Image deleted.")
	return redirect(c, fmt.Sprintf("/office/products/%d/images", id))
}

func (h *Handler) renderProductImages(c echo.Context, status int, f views.FormState) error {
	id, err := imageProductID(c)
	if err != nil {
		return err
	}
	pt, imgs, err := models.GetProductImages(c.Request().Context(), h.db, id)
	if err != nil {
		return err
	}
	d := office.ProductImagesPage{Product: pt, Images: imgs, Form: f}
	return h.render(c, status, office.ProductImages(h.page(c, "Images of "+pt.Name), d))
}

// imageProductID reads the :id path parameter of the product pages.
func imageProductID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, models.Errorf(models.ENOTFOUND, "The product was not found.")
	}
	return id, nil
}
