package browser

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

func TestScratchCSP(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'")
		w.Header().Set("Content-Type", "text/html")
		switch r.URL.Path {
		case "/boom.js":
			w.Header().Set("Content-Type", "text/javascript")
			w.Write([]byte(`console.log("hi", 3); console.error("bad thing"); throw new Error("kaboom");`))
		default:
			w.Write([]byte(`<!doctype html><html><head><style>p{color:red}</style><script>alert(1)</script><script src="/boom.js"></script></head><body><p style="color:blue">x</p><h1>Hi</h1></body></html>`))
		}
	}))
	defer srv.Close()
	start := time.Now()
	ctx := New(t, AllowPageErrors())
	t.Logf("started in %v", time.Since(start))
	Navigate(t, ctx, srv.URL)
	t.Log(Text(t, ctx, "h1"), Path(t, ctx), Exists(t, ctx, "h1"), Exists(t, ctx, "h2"))
	ctx2 := NewTab(t, ctx, Handheld())
	Navigate(t, ctx2, srv.URL)
	w := Run(t, ctx2, chromedp.Evaluate[int](`window.innerWidth`))
	w1 := Run(t, ctx, chromedp.Evaluate[int](`window.innerWidth`))
	t.Log(w, w1)
	Screenshot(t, ctx, "x.png")
	t.Logf("total %v", time.Since(start))
}
