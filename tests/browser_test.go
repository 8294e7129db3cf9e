package tests

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"orderflow/models"
	"orderflow/tests/browser"
	"orderflow/tests/testapp"
)

// browserDemoNames are the names the seed gives the demo users.
var browserDemoNames = map[string]string{
	models.RoleAdmin:      "Ada Admin",
	models.RoleSales:      "Sam Sales",
	models.RoleAccountant: "Alex Accountant",
	models.RoleWarehouse:  "Wes Warehouse",
	models.RoleCustomer:   "Carla Customer",
}

// browserLogin signs in through the login form, as a person would, and
// waits for the page the app sends the user to.
func browserLogin(t *testing.T, ctx context.Context, app *testapp.App, d models.DemoLogin) {
	t.Helper()
	const form = `form[data-testid=login-form]`
	browser.Navigate(t, ctx, app.URL+"/login")
	browser.Do(t, ctx,
		chromedp.SendKeys(chromedp.CSS(form+` input[name=email]`), d.Email),
		chromedp.SendKeys(chromedp.CSS(form+` input[name=password]`), d.Password),
	)
	browser.ClickAndWait(t, ctx, form+` button[type=submit]`)
}

// demoLogin is the demo user of role.
func demoLogin(t *testing.T, role string) models.DemoLogin {
	t.Helper()
	for _, d := range models.DemoLogins {
		if d.Role == role {
			return d
		}
	}
	t.Fatalf("no demo login for the role %q", role)
	return models.DemoLogin{}
}

func TestBrowserLoginLandsOnRoleSurface(t *testing.T) {
	app := testapp.Start(t)
	first := browser.New(t) // only the browser; each user gets a fresh tab

	want := map[string]struct{ path, surface string }{
		models.RoleAdmin:      {"/office", "office"},
		models.RoleSales:      {"/office", "office"},
		models.RoleAccountant: {"/office", "office"},
		models.RoleWarehouse:  {"/scan", "scan"},
		models.RoleCustomer:   {"/my", "portal"},
	}
	for _, d := range models.DemoLogins {
		t.Run(d.Role, func(t *testing.T) {
			t.Parallel()
			w, ok := want[d.Role]
			if !ok {
				t.Fatalf("no expected surface for the demo role %q", d.Role)
			}
			name := browserDemoNames[d.Role]
			ctx := browser.NewTab(t, first) // a fresh browser context: no cookies

			browserLogin(t, ctx, app, d)
			browser.Screenshot(t, ctx, "surface.png")
			if got := browser.Path(t, ctx); got != w.path {
				t.Fatalf("after login as %s the browser is on %s, want %s", d.Email, got, w.path)
			}
			if sel := `body[data-testid=surface-` + w.surface + `]`; !browser.Exists(t, ctx, sel) {
				t.Errorf("%s: no %s on the page", w.path, sel)
			}
			if w.surface == "portal" {
				got := browser.Text(t, ctx, `h1[data-testid=portal-home]`)
				if !strings.Contains(got, "Hello, "+name) {
					t.Errorf("portal heading is %q, want it to contain %q", got, "Hello, "+name)
				}
			} else {
				if got := browser.Text(t, ctx, `[data-testid=user-name]`); strings.TrimSpace(got) != name {
					t.Errorf("signed-in user shown as %q, want %q", got, name)
				}
			}

			browser.ClickAndWait(t, ctx, `button[data-testid=logout]`)
			if got := browser.Path(t, ctx); got != "/" {
				t.Errorf("after logout the browser is on %s, want /", got)
			}
			if !browser.Exists(t, ctx, `body[data-testid=surface-shop]`) {
				t.Errorf("after logout: no body[data-testid=surface-shop] on the page")
			}
		})
	}
}

// TestBrowserScanInputTakesWedgeScanner types a code the way a keyboard-wedge
// scanner does, into the page while the scan field does not have the focus,
// and expects the code to reach the server through the scan field.
func TestBrowserScanInputTakesWedgeScanner(t *testing.T) {
	app := testapp.Start(t)
	ctx := browser.New(t, browser.Handheld())
	browserLogin(t, ctx, app, demoLogin(t, models.RoleWarehouse))
	if got := browser.Path(t, ctx); got != "/scan" {
		t.Fatalf("the warehouse user is on %s, want /scan", got)
	}
	// scan.js must be loaded and have focused the field (it has autofocus too)
	browser.WaitFor(t, ctx, 5*time.Second, "window.orderflowScan",
		`window.orderflowScan && document.activeElement === document.getElementById("scan-input")`)

	// The worker tapped elsewhere: the field loses the focus.
	browser.Do(t, ctx, chromedp.Click(chromedp.CSS(`header [data-testid=user-name]`), chromedp.NodeVisible))
	if browser.Run(t, ctx, chromedp.Evaluate[bool](`document.activeElement === document.getElementById("scan-input")`)) {
		t.Fatalf("the scan field still has the focus after a click on the header; the test cannot check the wedge capture")
	}

	// The scanner types the code and Enter into whatever has the focus, as a
	// hardware keyboard does (chromedp.KeyEvent would not do: see
	// browser.TypeKeys).
	const code = "UNKNOWN-123"
	browser.Do(t, ctx, browser.TypeKeys(code+kb.Enter))

	browser.WaitFor(t, ctx, 5*time.Second, "an error result in #scan-feedback",
		`document.querySelector("#scan-feedback [data-scan-result=error]")`)
	msg := browser.Text(t, ctx, `#scan-feedback [data-scan-result=error]`)
	// the code exactly as scanned: no character lost, doubled or left over
	if !regexp.MustCompile(`(^|[^\w-])` + regexp.QuoteMeta(code) + `($|[^\w-])`).MatchString(msg) {
		t.Errorf("scan feedback is %q, want it to mention the code %s exactly", msg, code)
	}
	if n := browser.Run(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("#scan-feedback [data-scan-result]").length`)); n != 1 {
		t.Errorf("#scan-feedback holds %d results, want 1: %q", n,
			browser.Run(t, ctx, chromedp.Evaluate[string](`document.getElementById("scan-feedback").innerText`)))
	}
	browser.WaitFor(t, ctx, 2*time.Second, "the scan field focused and empty for the next scan",
		`document.activeElement === document.getElementById("scan-input") && document.getElementById("scan-input").value === ""`)
	browser.Screenshot(t, ctx, "unknown-code.png")
}
