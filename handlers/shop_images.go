package handlers

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"orderflow/models"
)

// ShopImage serves a resized product image (thumb, listing or zoom), made on
// first request. Images of published products are cacheable by anyone;
// admin and sales users also see the others, privately cached.
func (h *Handler) ShopImage(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return models.Errorf(models.ENOTFOUND, "The image was not found.")
	}
	staff := currentUser(c).HasRole(models.RoleAdmin, models.RoleSales)
	r, public, err := models.GetProductImageRendition(c.Request().Context(), h.db, id, c.Param("size"), staff)
	if err != nil {
		return err
	}
	hd := c.Response().Header()
	etag := `"` + r.ETag + `"`
	hd.Set("ETag", etag)
	if public {
		hd.Set("Cache-Control", "public, max-age=86400")
		// A shared cache must be able to keep this: no per-visitor cookie on it.
		hd.Del("Set-Cookie")
	} else {
		hd.Set("Cache-Control", "private, max-age=86400")
	}
	if etagMatches(c.Request().Header.Get("If-None-Match"), etag) {
		return c.NoContent(http.StatusNotModified)
	}
	return c.Blob(http.StatusOK, r.MIME, r.Data)
}

// etagMatches reports whether an If-None-Match header names etag (weak
// comparison, as RFC 9110 asks for GET).
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}
