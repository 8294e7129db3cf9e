package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"orderflow/models"
)

// Access says who may use a route: everyone, any signed-in user, or the
// holders of some roles.
type Access struct {
	Public bool
	Roles  []string // empty and not Public: any signed-in user
}

// RouteInfo is one registered route, for the role matrix test and docs.
type RouteInfo struct {
	Method string
	Path   string
	Access Access
}

var (
	public        = Access{Public: true}
	signedIn      = Access{}
	officeRoles   = Access{Roles: []string{models.RoleAdmin, models.RoleSales, models.RoleAccountant}}
	adminOnly     = Access{Roles: []string{models.RoleAdmin}}
	catalogRoles  = Access{Roles: []string{models.RoleAdmin, models.RoleSales}}
	warehouseRole = Access{Roles: []string{models.RoleWarehouse, models.RoleAdmin}}
	customerRole  = Access{Roles: []string{models.RoleCustomer}}
)

func (h *Handler) registerRoutes(e *echo.Echo) {
	h.useStandard(e)

	// Machines and files: no session, no CSRF.
	e.GET("/healthz", h.Healthz)
	e.GET("/readyz", h.Readyz)
	e.GET("/static/*", h.Static)

	app := e.Group("", h.dynamic()...)

	// Storefront.
	shop := h.area(app, "", public)
	shop.GET("/", h.ShopHome)
	shop.GET("/search", h.ShopSearch)
	shop.GET("/cart", h.ShopCart)
	// -- storefront catalog (listing, search, product page):

	// Accounts.
	shop.GET("/login", h.LoginForm)
	shop.POST("/login", h.Login)
	shop.POST("/logout", h.Logout)
	shop.GET("/register", h.RegisterForm)
	shop.POST("/register", h.Register)
	account := h.area(app, "/account", signedIn)
	account.GET("/password", h.PasswordForm)
	account.POST("/password", h.ChangePassword)

	// Back office.
	office := h.area(app, "/office", officeRoles)
	office.GET("", h.OfficeDashboard)
	users := h.area(app, "/office/users", adminOnly)
	users.GET("", h.OfficeUserList)
	users.GET("/new", h.OfficeUserNew)
	users.POST("", h.OfficeUserCreate)
	users.GET("/:id", h.OfficeUserEdit)
	users.POST("/:id", h.OfficeUserUpdate)

	// Catalog back office (admin, sales).
	// -- categories, taxes, attributes:
	// -- products and variants, CSV import/export:
	// -- product images and barcode labels:

	// Handheld warehouse.
	scan := h.area(app, "/scan", warehouseRole)
	scan.GET("", h.ScanHome)
	scan.POST("/lookup", h.ScanLookup)

	// Customer portal.
	portal := h.area(app, "/my", customerRole)
	portal.GET("", h.PortalHome)
}

// area registers routes under prefix, guarded by access, and records them.
type area struct {
	h      *Handler
	g      *echo.Group
	prefix string
	access Access
}

func (h *Handler) area(parent *echo.Group, prefix string, access Access) area {
	var g *echo.Group
	if access.Public {
		g = parent.Group(prefix)
	} else {
		g = parent.Group(prefix, h.requireAccess(access))
	}
	return area{h: h, g: g, prefix: prefix, access: access}
}

func (a area) GET(path string, fn echo.HandlerFunc)  { a.add(http.MethodGet, path, fn) }
func (a area) POST(path string, fn echo.HandlerFunc) { a.add(http.MethodPost, path, fn) }

func (a area) add(method, path string, fn echo.HandlerFunc) {
	a.g.Add(method, path, fn)
	full := a.prefix + path
	if full == "" {
		full = "/"
	}
	a.h.routes = append(a.h.routes, RouteInfo{Method: method, Path: full, Access: a.access})
}
