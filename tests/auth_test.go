package tests

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"orderflow/models"
	"orderflow/tests/testapp"
)

func sessionCookie(c *testapp.Client, base string) string {
	u, _ := url.Parse(base)
	for _, ck := range c.HTTP.Jar.Cookies(u) {
		if ck.Name == "orderflow_session" {
			return ck.Value
		}
	}
	return ""
}

func TestLoginSendsEachRoleToItsSurface(t *testing.T) {
	app := testapp.Start(t)
	want := map[string]string{
		models.RoleAdmin: "/office", models.RoleSales: "/office", models.RoleAccountant: "/office",
		models.RoleWarehouse: "/scan", models.RoleCustomer: "/my",
	}
	for _, d := range models.DemoLogins {
		c := app.Client(t)
		r := c.Login(d.Email, d.Password)
		if got := r.Header.Get("Location"); got != want[d.Role] {
			t.Errorf("%s: redirected to %q, want %q", d.Role, got, want[d.Role])
		}
		if page := c.Get(want[d.Role]); page.StatusCode != http.StatusOK {
			t.Errorf("%s: GET %s = %d", d.Role, want[d.Role], page.StatusCode)
		}
	}
}

func TestLoginRenewsSessionAndLogoutEndsIt(t *testing.T) {
	app := testapp.Start(t)
	c := app.Client(t)
	// A guest session exists (logging out as a guest leaves a flash in it).
	c.PostForm("/logout", nil)
	guest := sessionCookie(c, app.URL)
	if guest == "" {
		t.Fatal("no guest session cookie")
	}
	c.Login("sales@example.com", models.DemoPassword)
	signedIn := sessionCookie(c, app.URL)
	if signedIn == "" || signedIn == guest {
		t.Fatalf("session token not renewed on login: %q -> %q", guest, signedIn)
	}
	if r := c.Get("/office"); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "Sam Sales") {
		t.Fatalf("/office after login: %d", r.StatusCode)
	}

	r := c.PostForm("/logout", nil)
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/" {
		t.Fatalf("logout: %d -> %q", r.StatusCode, r.Header.Get("Location"))
	}
	if after := sessionCookie(c, app.URL); after == signedIn {
		t.Fatal("session token not renewed on logout")
	}
	if r := c.Get("/office"); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login?next=%2Foffice") {
		t.Fatalf("/office after logout: %d -> %q, want the login page", r.StatusCode, r.Header.Get("Location"))
	}

	// The old token is worthless: replaying it does not sign anyone in.
	replay := app.Client(t)
	u, _ := url.Parse(app.URL)
	replay.HTTP.Jar.SetCookies(u, []*http.Cookie{{Name: "orderflow_session", Value: signedIn, Path: "/"}})
	if r := replay.Get("/office"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("replayed session after logout: %d, want redirect to login", r.StatusCode)
	}
}

func TestLoginErrorsAndNext(t *testing.T) {
	app := testapp.Start(t)
	c := app.Client(t)
	r := c.PostForm("/login", url.Values{"email": {"admin@example.com"}, "password": {"nope"}})
	if r.StatusCode != http.StatusUnauthorized || !strings.Contains(r.Body, "The email or password is not correct.") {
		t.Fatalf("bad password: %d %s", r.StatusCode, r.Body)
	}
	if !strings.Contains(r.Body, `value="admin@example.com"`) {
		t.Error("the email is not kept in the form after a failed login")
	}
	r = c.PostForm("/login", url.Values{"email": {""}, "password": {""}})
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Enter your email address.") {
		t.Fatalf("empty form: %d", r.StatusCode)
	}

	// next is honoured for local paths only.
	r = c.PostForm("/login", url.Values{"email": {"admin@example.com"}, "password": {models.DemoPassword}, "next": {"/office/users"}})
	if got := r.Header.Get("Location"); got != "/office/users" {
		t.Fatalf("next=/office/users: redirected to %q", got)
	}
	c2 := app.Client(t)
	r = c2.PostForm("/login", url.Values{"email": {"admin@example.com"}, "password": {models.DemoPassword}, "next": {"//evil.example/x"}})
	if got := r.Header.Get("Location"); got != "/office" {
		t.Fatalf("next=//evil.example: redirected to %q, want /office", got)
	}
}

func TestLoginThrottledWith429(t *testing.T) {
	app := testapp.Start(t)
	c := app.Client(t)
	for i := 0; i < models.LoginFailureLimit; i++ {
		if r := c.PostForm("/login", url.Values{"email": {"admin@example.com"}, "password": {"guess"}}); r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i+1, r.StatusCode)
		}
	}
	r := c.PostForm("/login", url.Values{"email": {"admin@example.com"}, "password": {models.DemoPassword}})
	if r.StatusCode != http.StatusTooManyRequests || !strings.Contains(r.Body, "Too many failed attempts") {
		t.Fatalf("after %d failures: %d, want 429 with a message", models.LoginFailureLimit, r.StatusCode)
	}
	// A spoofed X-Forwarded-For does not reset the count (no proxy is trusted).
	r = c.PostRaw("/login", url.Values{"email": {"admin@example.com"}, "password": {models.DemoPassword}, "_csrf": {c.CSRF()}},
		http.Header{"X-Forwarded-For": {"203.0.113.7"}})
	if r.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("with a forged X-Forwarded-For: %d, want 429", r.StatusCode)
	}
}

func TestRegistration(t *testing.T) {
	app := testapp.Start(t)
	c := app.Client(t)
	if r := c.Get("/register"); r.StatusCode != http.StatusOK {
		t.Fatalf("GET /register: %d", r.StatusCode)
	}
	r := c.PostForm("/register", url.Values{"name": {"Nora New"}, "email": {"bad"}, "password": {"short"}, "confirm": {"short"}})
	if r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("invalid sign-up: %d, want 422", r.StatusCode)
	}
	for _, msg := range []string{"Enter a valid email address", "Use at least 8 characters."} {
		if !strings.Contains(r.Body, msg) {
			t.Errorf("invalid sign-up page lacks %q", msg)
		}
	}
	if !strings.Contains(r.Body, `value="Nora New"`) {
		t.Error("the name is not kept after a refused sign-up")
	}

	r = c.PostForm("/register", url.Values{"name": {"Nora New"}, "email": {"nora@example.com"}, "password": {"a good password"}, "confirm": {"a good password"}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/my" {
		t.Fatalf("sign-up: %d -> %q", r.StatusCode, r.Header.Get("Location"))
	}
	home := c.Get("/my")
	if home.StatusCode != http.StatusOK || !strings.Contains(home.Body, "Hello, Nora New") || !strings.Contains(home.Body, "Your account is ready") {
		t.Fatalf("portal after sign-up: %d", home.StatusCode)
	}

	other := app.Client(t)
	r = other.PostForm("/register", url.Values{"name": {"Copy"}, "email": {"NORA@example.com"}, "password": {"a good password"}, "confirm": {"a good password"}})
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "An account with this email already exists") {
		t.Fatalf("duplicate sign-up: %d", r.StatusCode)
	}
}

func TestChangePasswordEndsOtherSessions(t *testing.T) {
	app := testapp.Start(t)
	phone := app.LoginAs(t, models.RoleCustomer)
	laptop := app.LoginAs(t, models.RoleCustomer)

	r := laptop.PostForm("/account/password", url.Values{"current": {"wrong"}, "new": {"brand-new-pass"}, "confirm": {"brand-new-pass"}})
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "The current password is not correct.") {
		t.Fatalf("wrong current password: %d", r.StatusCode)
	}
	r = laptop.PostForm("/account/password", url.Values{"current": {models.DemoPassword}, "new": {"brand-new-pass"}, "confirm": {"brand-new-pass"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("change password: %d %s", r.StatusCode, r.Body)
	}
	if r := laptop.Get("/my"); r.StatusCode != http.StatusOK {
		t.Fatalf("the session that changed the password was ended: %d", r.StatusCode)
	}
	if r := phone.Get("/my"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("the other session still works after a password change: %d", r.StatusCode)
	}
	app.Client(t).Login("customer@example.com", "brand-new-pass")
}

func TestDeactivatedUserIsLockedOut(t *testing.T) {
	app := testapp.Start(t)
	sales := app.LoginAs(t, models.RoleSales)
	admin := app.LoginAs(t, models.RoleAdmin)
	var id int64
	if err := app.DB.NewSelect().Model((*models.User)(nil)).Column("id").Where("email = 'sales@example.com'").Scan(t.Context(), &id); err != nil {
		t.Fatal(err)
	}
	path := "/office/users/" + itoa(id)
	r := admin.PostForm(path, url.Values{"name": {"Sam Sales"}, "roles": {"sales"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("deactivate: %d %s", r.StatusCode, r.Body)
	}
	r = sales.Get("/office")
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
		t.Fatalf("deactivated user's next request: %d -> %q, want the login page", r.StatusCode, r.Header.Get("Location"))
	}
	login := sales.Get(r.Header.Get("Location"))
	if !strings.Contains(login.Body, "Your session has ended") {
		t.Error("the login page does not say why the session ended")
	}
	if r := app.Client(t).PostForm("/login", url.Values{"email": {"sales@example.com"}, "password": {models.DemoPassword}}); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("deactivated user can log in: %d", r.StatusCode)
	}
}
