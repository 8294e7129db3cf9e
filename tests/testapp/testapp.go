// Package testapp starts the real Orderflow program on a fresh database for
// a test, and gives HTTP clients that behave like a browser (cookies, CSRF
// token, no automatic redirects).
package testapp

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"orderflow/cmd/orderflow/app"
	"orderflow/models"
	"orderflow/tests/testdb"
)

// App is a running Orderflow with its own database.
type App struct {
	*app.App
	URL string
}

// Start runs Orderflow (migrated and seeded with the demo users) on a free
// local port until the test ends.
func Start(tb testing.TB) *App {
	tb.Helper()
	return StartWith(tb, nil)
}

// StartWith is Start with the configuration changed by configure first
// (an SMTP server, for instance).
func StartWith(tb testing.TB, configure func(*app.Config)) *App {
	tb.Helper()
	cfg := app.Config{
		DatabaseURL: testdb.NewSeededURL(tb), Env: "development", MaxConns: 20,
		CompanyName: "Test Shop", Currency: "EUR", MigrateOnStart: true,
	}
	if configure != nil {
		configure(&cfg)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(testWriter{tb}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.Open(ctx, cfg, log)
	if err != nil {
		cancel()
		tb.Fatalf("testapp: open: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cancel()
		tb.Fatalf("testapp: listen: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("testapp: serve: %v", err)
		}
		a.Close()
	})
	return &App{App: a, URL: "http://" + ln.Addr().String()}
}

type testWriter struct{ tb testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.tb.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// Client is a browser-like HTTP client of the app.
type Client struct {
	tb   testing.TB
	app  *App
	HTTP *http.Client
	Host string // sent as the Host header when set (a forged one, say)
	csrf string
}

// Client returns a new guest client with its own cookies.
func (a *App) Client(tb testing.TB) *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{tb: tb, app: a, HTTP: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// LoginAs returns a client signed in as the demo user of role.
func (a *App) LoginAs(tb testing.TB, role string) *Client {
	tb.Helper()
	for _, d := range models.DemoLogins {
		if d.Role == role {
			c := a.Client(tb)
			c.Login(d.Email, d.Password)
			return c
		}
	}
	tb.Fatalf("testapp: no demo user for role %q", role)
	return nil
}

// Login signs in and fails the test unless the app redirects (success).
func (c *Client) Login(email, password string) *Response {
	c.tb.Helper()
	r := c.PostForm("/login", url.Values{"email": {email}, "password": {password}})
	if r.StatusCode != http.StatusSeeOther {
		c.tb.Fatalf("login %s: status %d, want 303; body:\n%s", email, r.StatusCode, r.Body)
	}
	return r
}

// Response is a finished response with its body read.
type Response struct {
	*http.Response
	Body string
}

// Get requests path.
func (c *Client) Get(path string) *Response {
	c.tb.Helper()
	return c.Do(http.MethodGet, path, nil, nil)
}

// PostForm posts form values with the client's CSRF token (fetched from a
// page first when the client has none yet).
func (c *Client) PostForm(path string, form url.Values) *Response {
	c.tb.Helper()
	if c.csrf == "" {
		c.Get("/login")
	}
	if form == nil {
		form = url.Values{}
	}
	if form.Get("_csrf") == "" {
		form.Set("_csrf", c.csrf)
	}
	return c.PostRaw(path, form, nil)
}

// PostRaw posts form values exactly as given, with extra headers.
func (c *Client) PostRaw(path string, form url.Values, header http.Header) *Response {
	c.tb.Helper()
	if header == nil {
		header = http.Header{}
	}
	header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.Do(http.MethodPost, path, strings.NewReader(form.Encode()), header)
}

// CSRF is the token the client's last page carried.
func (c *Client) CSRF() string { return c.csrf }

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// Do sends a request and reads the whole response.
func (c *Client) Do(method, path string, body io.Reader, header http.Header) *Response {
	c.tb.Helper()
	req, err := http.NewRequest(method, c.app.URL+path, body)
	if err != nil {
		c.tb.Fatalf("%s %s: %v", method, path, err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if c.Host != "" {
		req.Host = c.Host
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		c.tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.tb.Fatalf("%s %s: read body: %v", method, path, err)
	}
	if m := csrfField.FindSubmatch(b); m != nil {
		c.csrf = string(m[1])
	}
	return &Response{Response: resp, Body: string(b)}
}
