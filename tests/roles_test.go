package tests

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"orderflow/handlers"
	"orderflow/models"
	"orderflow/tests/testapp"
)

// samplePath fills a route's parameters with values that exist in the demo
// data. A new parameter name fails the test until a sample is added here, so
// that every route stays covered by the matrix.
func samplePath(t *testing.T, app *testapp.App, path string) string {
	t.Helper()
	parts := strings.Split(path, "/")
	for i, p := range parts {
		if !strings.HasPrefix(p, ":") {
			continue
		}
		switch {
		case p == ":id" && strings.HasPrefix(path, "/images/"):
			_, imageID := imgPublishedWithImage(t, app.DB, true)
			parts[i] = itoa(imageID)
		case p == ":size" && strings.HasPrefix(path, "/images/"):
			parts[i] = models.ImageThumb
		case p == ":id" && strings.HasPrefix(path, "/office/products/") && (strings.HasSuffix(path, "/labels") || strings.Contains(path, "/images")):
			productID, _ := imgPublishedWithImage(t, app.DB, false)
			parts[i] = itoa(productID)
		case p == ":id" && strings.HasPrefix(path, "/office/products/"):
			parts[i] = itoa(sampleProduct(t, app))
		case p == ":id" && strings.HasPrefix(path, "/office/categories/"):
			parts[i] = itoa(setupSampleCategory(t, app.DB))
		case p == ":id" && strings.HasPrefix(path, "/office/taxes/"):
			parts[i] = itoa(setupSampleTax(t, app.DB))
		case p == ":id" && strings.HasPrefix(path, "/office/attributes/"):
			parts[i] = itoa(setupSampleAttribute(t, app.DB))
		case p == ":id" && strings.HasPrefix(path, "/shop/product/"):
			parts[i] = itoa(shopSampleID(t, app, "SELECT pt.id FROM product_templates pt WHERE pt.published AND pt.active AND EXISTS (SELECT 1 FROM product_variants v WHERE v.template_id = pt.id AND v.active) ORDER BY pt.id LIMIT 1"))
		case p == ":id" && strings.HasPrefix(path, "/shop/category/"):
			parts[i] = itoa(shopSampleID(t, app, "SELECT id FROM product_categories ORDER BY id LIMIT 1"))
		case p == ":id" && strings.HasPrefix(path, "/office/transfers/"):
			parts[i] = itoa(sampleTransfer(t, app))
		case p == ":id" && strings.HasPrefix(path, "/office/users/"):
			var id int64
			if err := app.DB.NewSelect().Model((*models.User)(nil)).Column("id").Where("email = 'warehouse@example.com'").Scan(t.Context(), &id); err != nil {
				t.Fatal(err)
			}
			parts[i] = itoa(id)
		case p == ":id" && strings.HasPrefix(path, "/office/warehouses/"):
			parts[i] = itoa(invSampleWarehouse(t, app.DB).ID)
		case p == ":id" && strings.HasPrefix(path, "/office/operation-types/"):
			parts[i] = itoa(invSampleOperationType(t, app.DB))
		case p == ":id" && strings.HasPrefix(path, "/office/locations/"):
			parts[i] = itoa(invSampleLocation(t, app.DB))
		case p == ":id" && strings.HasPrefix(path, "/office/stock/variants/"):
			parts[i] = itoa(invSampleVariant(t, app.DB))
		case p == ":reference" && strings.HasPrefix(path, "/pay/test/"):
			parts[i] = samplePaymentReference(t, app)
		case p == ":id" && (strings.HasPrefix(path, "/office/packages/") || strings.HasPrefix(path, "/scan/packages/")):
			parts[i] = itoa(samplePackage(t, app))
		case p == ":id" && strings.HasPrefix(path, "/scan/transfers/"):
			parts[i] = itoa(sampleTransfer(t, app))
		case p == ":id" && strings.HasPrefix(path, "/scan/types/"):
			parts[i] = itoa(invSampleOperationType(t, app.DB))
		case p == ":id" && strings.HasPrefix(path, "/office/carriers/"):
			parts[i] = itoa(ssSampleCarrier(t, app))
		case p == ":id" && strings.HasPrefix(path, "/office/coupons/"):
			parts[i] = itoa(ssSampleCoupon(t, app))
		case p == ":id" && strings.HasPrefix(path, "/office/webhooks/"):
			parts[i] = itoa(ssSampleWebhookEvent(t, app))
		case p == ":code" && strings.HasPrefix(path, "/office/payment-providers/"):
			parts[i] = models.ProviderTestCard
		case p == ":id" && strings.HasPrefix(path, "/shop/orders/"):
			id, token := checkoutSampleOrder(t, app)
			parts[i] = itoa(id)
			if i == len(parts)-1 || parts[len(parts)-1] == "order.pdf" {
				parts[len(parts)-1] += "?token=" + token // the order page and its PDF open with its token
			}
		case p == ":id" && strings.HasPrefix(path, "/cart/lines/"):
			parts[i] = "1" // someone else's line or none: refused as not found
		case p == ":id" && (strings.HasPrefix(path, "/office/orders/") || strings.HasPrefix(path, "/office/quotations/")):
			parts[i] = itoa(ooSampleOrder(t, app))
		case p == ":id" && strings.HasPrefix(path, "/office/mail/"):
			parts[i] = itoa(ooSampleMail(t, app))
		default:
			t.Fatalf("route %s: add a sample value for %s to samplePath", path, p)
		}
	}
	return strings.Join(parts, "/")
}

func allowed(a handlers.Access, role string) bool {
	switch {
	case a.Public:
		return true
	case role == "":
		return false
	case len(a.Roles) == 0:
		return true
	}
	return slices.Contains(a.Roles, role)
}

// movedRoutes are old addresses kept so that links keep working: they only
// redirect to the new one.
var movedRoutes = map[string]string{
	"/checkout/shipping": "/checkout/payment", // shipping is chosen on the delivery & payment page
}

// Every registered route answers its roles and refuses the others: guests go
// to the login page, users without the role get 403.
func TestRoleSurfaceMatrix(t *testing.T) {
	app := testapp.Start(t)
	clients := map[string]*testapp.Client{"": app.Client(t)}
	for _, r := range models.AllRoles {
		clients[r] = app.LoginAs(t, r)
	}
	roles := append([]string{""}, models.AllRoles...)
	routes := app.Handler.Routes()
	if len(routes) < 10 {
		t.Fatalf("only %d routes registered", len(routes))
	}
	for _, rt := range routes {
		path := samplePath(t, app, rt.Path)
		for _, role := range roles {
			name := role
			if name == "" {
				name = "guest"
			}
			c := clients[role]
			var resp *testapp.Response
			switch rt.Method {
			case http.MethodGet:
				resp = c.Get(path)
			case http.MethodPost:
				if rt.Path == "/logout" || rt.Path == "/login" || rt.Path == "/register" {
					continue // these change who is signed in; covered by the auth tests
				}
				resp = c.PostForm(path, url.Values{})
			default:
				t.Fatalf("route %s %s: teach the matrix this method", rt.Method, rt.Path)
			}
			ok := allowed(rt.Access, role)
			switch {
			case !ok && role == "":
				if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
					t.Errorf("%s %s as guest: %d -> %q, want redirect to login", rt.Method, path, resp.StatusCode, resp.Header.Get("Location"))
				}
			case !ok:
				if resp.StatusCode != http.StatusForbidden {
					t.Errorf("%s %s as %s: %d, want 403", rt.Method, path, name, resp.StatusCode)
				}
			case rt.Method == http.MethodGet && movedRoutes[rt.Path] != "":
				if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != movedRoutes[rt.Path] {
					t.Errorf("GET %s as %s: %d -> %q, want a redirect to %s", path, name, resp.StatusCode, resp.Header.Get("Location"), movedRoutes[rt.Path])
				}
			case rt.Method == http.MethodGet:
				// A signed-in user visiting /login or /register is sent home.
				if resp.StatusCode != http.StatusOK && !(resp.StatusCode == http.StatusSeeOther && role != "" && (rt.Path == "/login" || rt.Path == "/register")) {
					t.Errorf("GET %s as %s: %d, want 200", path, name, resp.StatusCode)
				}
			default:
				// An empty form may be refused as invalid, never as forbidden.
				if resp.StatusCode == http.StatusForbidden || resp.StatusCode >= 500 {
					t.Errorf("POST %s as %s: %d", path, name, resp.StatusCode)
				}
			}
		}
	}
}

func TestForbiddenPageExplains(t *testing.T) {
	app := testapp.Start(t)
	r := app.LoginAs(t, models.RoleCustomer).Get("/office")
	if r.StatusCode != http.StatusForbidden {
		t.Fatalf("customer on /office: %d", r.StatusCode)
	}
	if !strings.Contains(r.Body, "This area is for Administrator or Sales or Accountant users") || !strings.Contains(r.Body, `data-testid="error-page"`) {
		t.Fatalf("403 page does not explain: %s", r.Body)
	}
}
