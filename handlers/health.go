package handlers

import (
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v4"

	"orderflow/models"
	"orderflow/static"
)

// Healthz answers while the process runs.
func (h *Handler) Healthz(c echo.Context) error {
	return c.String(http.StatusOK, "ok")
}

// Readyz answers 200 when the database is reachable, 503 otherwise.
func (h *Handler) Readyz(c echo.Context) error {
	if err := models.Ping(c.Request().Context(), h.db); err != nil {
		h.log.Warn("not ready", "error", err)
		return c.String(http.StatusServiceUnavailable, "database unreachable")
	}
	return c.String(http.StatusOK, "ready")
}

// Static serves the embedded files. A URL carrying the file's current hash
// (static.URL) may be cached for a year; other requests revalidate by ETag.
func (h *Handler) Static(c echo.Context) error {
	name := strings.TrimPrefix(path.Clean("/"+c.Param("*")), "/")
	b, err := fs.ReadFile(static.FS, name)
	if err != nil || name == "" || strings.HasSuffix(name, ".go") {
		return echo.ErrNotFound
	}
	hash := static.Hash(name)
	hdr := c.Response().Header()
	hdr.Set("ETag", `"`+hash+`"`)
	if v := c.QueryParam("v"); v != "" && v == hash {
		hdr.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		hdr.Set("Cache-Control", "public, max-age=300, must-revalidate")
	}
	if c.Request().Header.Get("If-None-Match") == `"`+hash+`"` {
		return c.NoContent(http.StatusNotModified)
	}
	ctype := mime.TypeByExtension(path.Ext(name))
	if ctype == "" {
		ctype = http.DetectContentType(b)
	}
	return c.Blob(http.StatusOK, ctype, b)
}
