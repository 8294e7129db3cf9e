package shopflow

import (
	"compress/gzip"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// A shopper's connection asks for gzip and decompresses it, follows
// redirects, keeps the connection open from request to request and sends a
// request again on a new connection when the server closed the idle one.
func TestConn(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/go" {
			http.Redirect(w, r, "/page", http.StatusSeeOther)
			return
		}
		if err := r.ParseForm(); err != nil {
			t.Error(err)
		}
		page := fmt.Sprintf(`<html><body hx-headers="{&#34;X-CSRF-Token&#34;:&#34;tok%d&#34;}">%s %s %s %s</body></html>`,
			conns.Load(), r.Method, r.URL.Path, r.Form.Get("x"), strings.Repeat("filler ", 1000))
		if r.Header.Get("Accept-Encoding") != "gzip" {
			t.Errorf("%s %s: Accept-Encoding %q", r.Method, r.URL.Path, r.Header.Get("Accept-Encoding"))
		}
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		io.WriteString(zw, page)
		zw.Close()
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()

	s := New(srv.URL)
	defer s.Close()
	check := func(method, path string, form map[string][]string, wantPath, want string, wantConns int32) {
		t.Helper()
		page, got, err := s.do(method, path, form)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		if got != wantPath || !strings.Contains(string(page), want) || !strings.HasSuffix(string(page), "filler </body></html>") {
			t.Fatalf("%s %s: ended on %s with %.80q, want %s with %q", method, path, got, page, wantPath, want)
		}
		if n := conns.Load(); n != wantConns {
			t.Fatalf("%s %s: %d connections, want %d", method, path, n, wantConns)
		}
		if s.csrf != fmt.Sprint("tok", wantConns) {
			t.Fatalf("%s %s: CSRF token %q", method, path, s.csrf)
		}
	}
	check("GET", "/a", nil, "/a", "GET /a", 1)
	check("POST", "/b", map[string][]string{"x": {"y"}}, "/b", "POST /b y", 1)
	check("POST", "/go", map[string][]string{"x": {"y"}}, "/page", "GET /page", 1)
	if s.Requests != 4 || len(s.Latencies) != 3 {
		t.Fatalf("%d requests, %d latencies; want 4 and 3", s.Requests, len(s.Latencies))
	}

	srv.CloseClientConnections() // as the server does to idle connections
	check("POST", "/c", map[string][]string{"x": {"z"}}, "/c", "POST /c z", 2)
	srv.CloseClientConnections()
	check("GET", "/d", nil, "/d", "GET /d", 3)

	s.Reset()
	if s.Requests != 0 || len(s.Latencies) != 0 || s.csrf != "" {
		t.Fatal("Reset kept the shopper's state")
	}
	check("GET", "/e", nil, "/e", "GET /e", 3) // the connection is kept
}
