package tests

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"orderflow/models"
	"orderflow/tests/testapp"
)

func TestCSRFProtection(t *testing.T) {
	app := testapp.Start(t)
	c := app.Client(t)
	c.Get("/login") // sets the CSRF cookie and token

	form := url.Values{"email": {"admin@example.com"}, "password": {models.DemoPassword}}
	if r := c.PostRaw("/login", form, nil); r.StatusCode != http.StatusForbidden || !strings.Contains(r.Body, "This form has expired") {
		t.Fatalf("POST without token: %d, want 403 with a message", r.StatusCode)
	}
	bad := url.Values{"email": form["email"], "password": form["password"], "_csrf": {"forged"}}
	if r := c.PostRaw("/login", bad, nil); r.StatusCode != http.StatusForbidden {
		t.Fatalf("POST with a forged token: %d, want 403", r.StatusCode)
	}
	// The token as a header (how HTMX sends it) passes.
	if r := c.PostRaw("/login", form, http.Header{"X-Csrf-Token": {c.CSRF()}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST with the header token: %d, want 303", r.StatusCode)
	}
	// And the hx-headers attribute on <body> carries that token.
	page := c.Get("/office")
	if !strings.Contains(page.Body, `hx-headers="{&#34;X-CSRF-Token&#34;:&#34;`+c.CSRF()) {
		t.Fatalf("<body hx-headers> does not carry the CSRF token")
	}
	// Without the token even a signed-in user changes nothing.
	before, _ := app.DB.NewSelect().Model((*models.User)(nil)).Count(t.Context())
	c.PostRaw("/office/users", url.Values{"name": {"X"}, "email": {"x@example.com"}, "password": {"abcdefgh"}, "roles": {"sales"}}, nil)
	after, _ := app.DB.NewSelect().Model((*models.User)(nil)).Count(t.Context())
	if after != before {
		t.Fatal("a POST without CSRF token created a user")
	}
}

var leaks = regexp.MustCompile(`(?i)goroutine \d|panic|\.go:\d+|SQLSTATE|pq:|pgx|runtime error`)

func TestErrorMapping(t *testing.T) {
	app := testapp.Start(t)
	admin := app.LoginAs(t, models.RoleAdmin)

	// Bad input: 422, the field's message, nothing saved.
	r := admin.PostForm("/office/users", url.Values{"name": {""}, "email": {"nope"}, "password": {"x"}})
	if r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("invalid user: %d, want 422", r.StatusCode)
	}
	for _, msg := range []string{"Enter a name.", "Enter a valid email address", "Choose at least one role."} {
		if !strings.Contains(r.Body, msg) {
			t.Errorf("422 page lacks %q", msg)
		}
	}

	for _, path := range []string{"/office/users/999999", "/office/users/abc", "/no-such-page"} {
		r := admin.Get(path)
		if r.StatusCode != http.StatusNotFound || !strings.Contains(r.Body, `data-testid="error-page"`) {
			t.Errorf("GET %s: %d, want a 404 page", path, r.StatusCode)
		}
		if leaks.MatchString(r.Body) {
			t.Errorf("GET %s leaks internals: %s", path, leaks.FindString(r.Body))
		}
	}

	// HTMX requests get a fragment aimed at the toast area.
	r = admin.Do(http.MethodGet, "/office/users/999999", nil, http.Header{"Hx-Request": {"true"}})
	if r.StatusCode != http.StatusNotFound || r.Header.Get("HX-Retarget") != "#toast" || strings.Contains(r.Body, "<html") {
		t.Fatalf("HTMX 404: %d retarget=%q", r.StatusCode, r.Header.Get("HX-Retarget"))
	}

	// Clients that want JSON get JSON.
	r = admin.Do(http.MethodGet, "/office/users/999999", nil, http.Header{"Accept": {"application/json"}})
	var body struct {
		Error struct{ Code, Message string }
	}
	if err := json.Unmarshal([]byte(r.Body), &body); err != nil || r.StatusCode != http.StatusNotFound || body.Error.Code != models.ENOTFOUND {
		t.Fatalf("JSON 404: %d %s", r.StatusCode, r.Body)
	}
}

func TestScanLookupValidation(t *testing.T) {
	app := testapp.Start(t)
	c := app.LoginAs(t, models.RoleWarehouse)
	r := c.PostForm("/scan/lookup", url.Values{"code": {"  "}})
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Scan or type a code.") {
		t.Fatalf("empty scan: %d", r.StatusCode)
	}
	r = c.Do(http.MethodPost, "/scan/lookup", strings.NewReader(url.Values{"code": {"<b>X1</b>"}, "_csrf": {c.CSRF()}}.Encode()),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Hx-Request": {"true"}})
	if r.StatusCode != http.StatusNotFound || !strings.Contains(r.Body, `data-scan-result="error"`) || strings.Contains(r.Body, "<b>X1") || strings.Contains(r.Body, "<html") {
		t.Fatalf("unknown code over HTMX: %d %s", r.StatusCode, r.Body)
	}
}

func TestSecurityHeadersStaticAndHealth(t *testing.T) {
	app := testapp.Start(t)
	c := app.Client(t)
	r := c.Get("/")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("GET /: %d", r.StatusCode)
	}
	for h, want := range map[string]string{
		"Content-Security-Policy": "script-src 'self'",
		"X-Frame-Options":         "DENY",
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "strict-origin-when-cross-origin",
		"X-Request-Id":            "",
	} {
		if got := r.Header.Get(h); got == "" || !strings.Contains(got, want) {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}

	css := regexp.MustCompile(`href="(/static/css/app\.css\?v=[0-9a-f]+)"`).FindStringSubmatch(r.Body)
	if css == nil {
		t.Fatal("no versioned stylesheet link on the home page")
	}
	s := c.Get(css[1])
	if s.StatusCode != http.StatusOK || !strings.Contains(s.Header.Get("Cache-Control"), "immutable") || !strings.HasPrefix(s.Header.Get("Content-Type"), "text/css") {
		t.Fatalf("versioned CSS: %d cache=%q type=%q", s.StatusCode, s.Header.Get("Cache-Control"), s.Header.Get("Content-Type"))
	}
	if r := c.Get("/static/js/htmx.min.js"); r.StatusCode != http.StatusOK || strings.Contains(r.Header.Get("Cache-Control"), "immutable") {
		t.Fatalf("unversioned JS: %d cache=%q", r.StatusCode, r.Header.Get("Cache-Control"))
	}
	if r := c.Get("/static/static.go"); r.StatusCode != http.StatusNotFound {
		t.Fatalf("source file served: %d", r.StatusCode)
	}

	// Compression when the client accepts it.
	req, _ := http.NewRequest(http.MethodGet, app.URL+css[1], nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("CSS not gzipped: %q", resp.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(zr); len(b) != len(s.Body) {
		t.Fatalf("gzipped CSS is %d bytes unpacked, want %d", len(b), len(s.Body))
	}

	if r := c.Get("/healthz"); r.StatusCode != http.StatusOK {
		t.Fatalf("/healthz: %d", r.StatusCode)
	}
	if r := c.Get("/readyz"); r.StatusCode != http.StatusOK {
		t.Fatalf("/readyz: %d", r.StatusCode)
	}
}

func TestStorefrontEscapesSearch(t *testing.T) {
	app := testapp.Start(t)
	r := app.Client(t).Get("/search?q=" + url.QueryEscape(`<script>alert(1)</script>`))
	if r.StatusCode != http.StatusOK || strings.Contains(r.Body, "<script>alert(1)") || !strings.Contains(r.Body, "&lt;script&gt;alert(1)") {
		t.Fatalf("search term not escaped: %d", r.StatusCode)
	}
}

func TestAdminManagesUsers(t *testing.T) {
	app := testapp.Start(t)
	admin := app.LoginAs(t, models.RoleAdmin)
	r := admin.PostForm("/office/users", url.Values{"name": {"Paula Picker"}, "email": {"paula@example.com"}, "password": {"pick-pick-pick"}, "roles": {"warehouse"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d %s", r.StatusCode, r.Body)
	}
	list := admin.Get("/office/users?q=paula")
	if !strings.Contains(list.Body, "paula@example.com") || strings.Count(list.Body, `data-testid="user-row"`) != 1 {
		t.Fatalf("the new user is not listed alone for q=paula")
	}
	paula := app.Client(t)
	if loc := paula.Login("paula@example.com", "pick-pick-pick").Header.Get("Location"); loc != "/scan" {
		t.Fatalf("new warehouse user lands on %q", loc)
	}
	// Filtering via HTMX keeps the same list markup.
	frag := admin.Do(http.MethodGet, "/office/users?role=warehouse", nil, http.Header{"Hx-Request": {"true"}})
	if frag.StatusCode != http.StatusOK || strings.Count(frag.Body, `data-testid="user-row"`) != 2 {
		t.Fatalf("role filter: %d, %d rows, want 2", frag.StatusCode, strings.Count(frag.Body, `data-testid="user-row"`))
	}
}
