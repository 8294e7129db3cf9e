package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

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
	stockRead     = Access{Roles: []string{models.RoleAdmin, models.RoleWarehouse, models.RoleSales}}
	stockWrite    = Access{Roles: []string{models.RoleAdmin, models.RoleWarehouse}}
	warehouseRole = Access{Roles: []string{models.RoleWarehouse, models.RoleAdmin}}
	customerRole  = Access{Roles: []string{models.RoleCustomer}}
)

func (h *Handler) registerRoutes(e *echo.Echo) {
	h.useStandard(e)

	// Machines and files: no session, no CSRF.
	e.GET("/healthz", h.Healthz)
	e.GET("/readyz", h.Readyz)
	e.POST("/webhooks/test-card", h.WebhookTestCard, middleware.BodyLimit("256K"))
	e.GET("/static/*", h.Static)

	app := e.Group("", h.dynamic()...)

	// Storefront.
	shop := h.area(app, "", public)
	shop.GET("/", h.ShopHome)
	// -- storefront catalog (listing, search, product page):
	shop.GET("/shop", h.ShopListing)
	shop.GET("/search", h.ShopListing)
	shop.GET("/shop/category/:id", h.ShopListing)
	shop.GET("/shop/product/:id", h.ShopProductPage)
	shop.GET("/images/:id/:size", h.ShopImage)

	// -- shop cart, checkout and order status (cart/checkout engineer):
	shop.GET("/cart", h.ShopCart)
	shop.GET("/cart/mini", h.ShopMiniCart)
	shop.POST("/cart/add", h.ShopCartAdd)
	shop.POST("/cart/lines/:id", h.ShopCartLineUpdate)
	shop.POST("/cart/lines/:id/remove", h.ShopCartLineRemove)
	shop.GET("/checkout", h.CheckoutAddress)
	shop.POST("/checkout", h.CheckoutAddressSave)
	shop.GET("/checkout/shipping", h.CheckoutShipping)
	shop.POST("/checkout/shipping", h.CheckoutShippingSave)
	shop.GET("/checkout/payment", h.CheckoutPayment)
	shop.POST("/checkout/coupon", couponAttempts()(h.CheckoutCouponApply))
	shop.POST("/checkout/coupon/remove", h.CheckoutCouponRemove)
	shop.POST("/checkout/place", h.CheckoutPlace)
	shop.GET("/shop/orders/:id", h.ShopOrder)
	shop.GET("/shop/orders/:id/order.pdf", h.ShopOrderPDF)
	shop.POST("/shop/orders/:id/retry", h.ShopOrderRetry)
	shop.POST("/shop/orders/:id/decline", h.ShopOrderDecline)

	// -- payments: hosted test-card page and provider webhooks (payments engineer):
	pay := h.area(app, "/pay/test", public)
	pay.GET("/:reference", h.PayTestPage)
	pay.POST("/:reference", h.PayTestCharge)
	pay.GET("/:reference/3ds", h.PayTest3DS)
	pay.POST("/:reference/3ds", h.PayTest3DSComplete)
	pay.POST("/:reference/cancel", h.PayTestCancel)

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
	settings := h.area(app, "/office/settings", adminOnly)
	settings.GET("", h.OfficeSettings)
	settings.POST("", h.OfficeSettingsSave)

	// Catalog back office (admin, sales).
	// -- categories, taxes, attributes:
	cat := h.area(app, "/office/categories", catalogRoles)
	cat.GET("", h.OfficeCategoryList)
	cat.GET("/new", h.OfficeCategoryNew)
	cat.POST("", h.OfficeCategoryCreate)
	cat.GET("/:id", h.OfficeCategoryEdit)
	cat.POST("/:id", h.OfficeCategoryUpdate)
	cat.POST("/:id/delete", h.OfficeCategoryDelete)
	taxes := h.area(app, "/office/taxes", catalogRoles)
	taxes.GET("", h.OfficeTaxList)
	taxes.GET("/new", h.OfficeTaxNew)
	taxes.POST("", h.OfficeTaxCreate)
	taxes.POST("/preview", h.OfficeTaxPreview)
	taxes.GET("/:id", h.OfficeTaxEdit)
	taxes.POST("/:id", h.OfficeTaxUpdate)
	taxes.POST("/:id/delete", h.OfficeTaxDelete)
	attrs := h.area(app, "/office/attributes", catalogRoles)
	attrs.GET("", h.OfficeAttributeList)
	attrs.GET("/new", h.OfficeAttributeNew)
	attrs.POST("", h.OfficeAttributeCreate)
	attrs.GET("/:id", h.OfficeAttributeEdit)
	attrs.POST("/:id", h.OfficeAttributeUpdate)
	// -- products and variants, CSV import/export:
	prod := h.area(app, "/office/products", catalogRoles)
	prod.GET("", h.OfficeProductList)
	prod.GET("/new", h.OfficeProductNew)
	prod.POST("", h.OfficeProductCreate)
	prod.GET("/export.csv", h.OfficeProductExport)
	prod.GET("/import", h.OfficeProductImportForm)
	prod.POST("/import", h.OfficeProductImport)
	prod.GET("/import/sample.csv", h.OfficeProductImportSample)
	prod.GET("/:id", h.OfficeProductEdit)
	prod.POST("/:id", h.OfficeProductUpdate)
	prod.POST("/:id/variants", h.OfficeProductVariantsUpdate)
	// -- product images and barcode labels:
	pimg := h.area(app, "/office/products", catalogRoles)
	pimg.GET("/labels", h.OfficeProductLabels)
	pimg.GET("/:id/labels", h.OfficeProductLabelsOne)
	pimg.GET("/:id/images", h.OfficeProductImages)
	pimg.POST("/:id/images", h.OfficeProductImagesUpload)
	pimg.POST("/:id/images/order", h.OfficeProductImagesOrder)
	pimg.POST("/:id/images/delete", h.OfficeProductImageDelete)

	// Inventory back office (read: admin, warehouse, sales; write: admin, warehouse).
	// -- warehouses, locations, operation types, stock on hand, product stock:
	whRead := h.area(app, "/office/warehouses", stockRead)
	whWrite := h.area(app, "/office/warehouses", stockWrite)
	whRead.GET("", h.OfficeWarehouseList)
	whWrite.GET("/new", h.OfficeWarehouseNew)
	whWrite.POST("", h.OfficeWarehouseCreate)
	whRead.GET("/:id", h.OfficeWarehouseShow)
	whWrite.POST("/:id", h.OfficeWarehouseUpdate)
	h.area(app, "/office/operation-types", stockRead).GET("/:id", h.OfficeOperationTypeEdit)
	h.area(app, "/office/operation-types", stockWrite).POST("/:id", h.OfficeOperationTypeUpdate)
	locRead := h.area(app, "/office/locations", stockRead)
	locWrite := h.area(app, "/office/locations", stockWrite)
	locRead.GET("", h.OfficeLocationList)
	locWrite.GET("/new", h.OfficeLocationNew)
	locWrite.POST("", h.OfficeLocationCreate)
	locRead.GET("/:id", h.OfficeLocationEdit)
	locWrite.POST("/:id", h.OfficeLocationUpdate)
	stRead := h.area(app, "/office/stock", stockRead)
	stRead.GET("", h.OfficeStockList)
	stRead.GET("/variants/:id", h.OfficeVariantStock)
	// -- transfers, receipts, deliveries, counts:
	trRead := h.area(app, "/office/transfers", stockRead)
	trWrite := h.area(app, "/office/transfers", stockWrite)
	trRead.GET("", h.OfficeTransferList)
	trWrite.GET("/new-receipt", h.OfficeTransferNewReceipt)
	trWrite.POST("/new-receipt", h.OfficeTransferCreateReceipt)
	trWrite.GET("/new-delivery", h.OfficeTransferNewDelivery)
	trWrite.POST("/new-delivery", h.OfficeTransferCreateDelivery)
	trRead.GET("/:id", h.OfficeTransferDetail)
	trWrite.POST("/:id/reserve", h.OfficeTransferReserve)
	trWrite.POST("/:id/unreserve", h.OfficeTransferUnreserve)
	trWrite.POST("/:id/validate", h.OfficeTransferValidate)
	trWrite.POST("/:id/cancel", h.OfficeTransferCancel)
	counts := h.area(app, "/office/counts", stockWrite)
	counts.GET("/new", h.OfficeCountNew)
	counts.POST("", h.OfficeCountApply)

	// Sales back office (admin, sales).
	// -- orders, quotations, abandoned carts, outgoing mail (sales engineer):
	soOrders := h.area(app, "/office/orders", catalogRoles)
	soOrders.GET("", h.OfficeOrderList)
	soOrders.GET("/:id", h.OfficeOrderDetail)
	soOrders.GET("/:id/order.pdf", h.OfficeOrderPDF)
	soOrders.POST("/:id/confirm", h.OfficeOrderConfirm)
	soOrders.POST("/:id/cancel", h.OfficeOrderCancel)
	soOrders.POST("/:id/send", h.OfficeOrderSend)
	soOrders.POST("/:id/payment-received", h.OfficeOrderPaymentReceived)
	soQuotes := h.area(app, "/office/quotations", catalogRoles)
	soQuotes.GET("", h.OfficeQuotationList)
	soQuotes.GET("/new", h.OfficeQuotationNew)
	soQuotes.POST("", h.OfficeQuotationCreate)
	soQuotes.GET("/customers", h.OfficeQuotationCustomers)
	soQuotes.GET("/products", h.OfficeQuotationProducts)
	soQuotes.GET("/:id/edit", h.OfficeQuotationEdit)
	soQuotes.POST("/:id", h.OfficeQuotationUpdate)
	h.area(app, "/office/carts", catalogRoles).GET("", h.OfficeCartList)
	soMail := h.area(app, "/office/mail", catalogRoles)
	soMail.GET("", h.OfficeMailList)
	soMail.GET("/:id", h.OfficeMailDetail)
	soMail.POST("/:id/retry", h.OfficeMailRetry)

	// -- shipping methods, promotion codes, payment providers, webhook log (sales settings engineer):
	ssCarriers := h.area(app, "/office/carriers", catalogRoles)
	ssCarriers.GET("", h.OfficeCarrierList)
	ssCarriers.GET("/new", h.OfficeCarrierNew)
	ssCarriers.POST("", h.OfficeCarrierCreate)
	ssCarriers.POST("/rules", h.OfficeCarrierRules)
	ssCarriers.POST("/preview", h.OfficeCarrierPreview)
	ssCarriers.GET("/:id", h.OfficeCarrierEdit)
	ssCarriers.POST("/:id", h.OfficeCarrierUpdate)
	ssCarriers.POST("/:id/archive", h.OfficeCarrierArchive)
	ssCarriers.POST("/:id/unarchive", h.OfficeCarrierUnarchive)
	ssCoupons := h.area(app, "/office/coupons", catalogRoles)
	ssCoupons.GET("", h.OfficeCouponList)
	ssCoupons.GET("/new", h.OfficeCouponNew)
	ssCoupons.POST("", h.OfficeCouponCreate)
	ssCoupons.GET("/:id", h.OfficeCouponEdit)
	ssCoupons.POST("/:id", h.OfficeCouponUpdate)
	ssCoupons.POST("/:id/archive", h.OfficeCouponArchive)
	ssCoupons.POST("/:id/unarchive", h.OfficeCouponUnarchive)
	ssProviders := h.area(app, "/office/payment-providers", adminOnly)
	ssProviders.GET("", h.OfficePaymentProviders)
	ssProviders.POST("/:code", h.OfficePaymentProviderUpdate)
	ssProviders.POST("/:code/rotate-secret", h.OfficePaymentProviderRotateSecret)
	ssWebhooks := h.area(app, "/office/webhooks", catalogRoles)
	ssWebhooks.GET("", h.OfficeWebhookLog)
	ssWebhooks.GET("/:id", h.OfficeWebhookEvent)

	// Handheld warehouse.
	scan := h.area(app, "/scan", warehouseRole)
	scan.GET("", h.ScanHome)
	scan.POST("/lookup", h.ScanLookup)
	// -- handheld transfers: pick, pack, ship, receive (handheld engineer):
	scan.GET("/types/:id", h.ScanTypeList)
	scan.GET("/transfers", h.ScanTransferFind)
	scanTr := h.area(app, "/scan/transfers", warehouseRole)
	scanTr.GET("/:id", h.ScanTransfer)
	scanTr.GET("/:id/lines", h.ScanTransferLines)
	scanTr.POST("/:id/scan", h.ScanTransferScan)
	scanTr.POST("/:id/line", h.ScanTransferLine)
	scanTr.POST("/:id/pack", h.ScanTransferPack)
	scanTr.POST("/:id/validate", h.ScanTransferValidate)
	scanTr.POST("/:id/tracking", h.ScanTransferTracking)

	// -- handheld count, documents (PDF), warehouse dashboard (documents engineer):
	docs := h.area(app, "/office/transfers", stockRead)
	docs.GET("/:id/picking.pdf", h.TransferPickingPDF)
	docs.GET("/:id/delivery-slip.pdf", h.TransferDeliverySlipPDF)
	docs.GET("/:id/shipping-label.pdf", h.TransferShippingLabelPDF)
	h.area(app, "/office/packages", stockRead).GET("/:id/label.pdf", h.PackageLabelPDF)
	scanDocs := h.area(app, "/scan/transfers", warehouseRole)
	scanDocs.GET("/:id/picking.pdf", h.TransferPickingPDF)
	scanDocs.GET("/:id/delivery-slip.pdf", h.TransferDeliverySlipPDF)
	scanDocs.GET("/:id/shipping-label.pdf", h.TransferShippingLabelPDF)
	h.area(app, "/scan/packages", warehouseRole).GET("/:id/label.pdf", h.PackageLabelPDF)
	h.area(app, "/office/inventory", stockRead).GET("", h.OfficeInventory)
	count := h.area(app, "/scan/count", warehouseRole)
	count.GET("", h.ScanCount)
	count.POST("/scan", h.ScanCountScan)
	count.POST("/lines", h.ScanCountLines)
	count.POST("/apply", h.ScanCountApply)
	count.POST("/discard", h.ScanCountDiscard)

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
