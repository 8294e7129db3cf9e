package shopflow

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"testing"
	"time"
)

// The jar keeps and sends back the cookies net/http/cookiejar would, on
// random sequences of cookies set and deleted with various paths, domains
// and lifetimes.
func TestJarAsCookiejar(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	urls := []string{"http://shop.test/", "http://shop.test/cart/add", "http://shop.test/checkout", "http://shop.test/checkout/payment",
		"http://shop.test/checkoutx", "http://shop.test", "http://Shop.Test:8080/shop/orders/12", "https://shop.test/pay/test/1",
		"http://other.test/", "http://a.shop.test/x/y", "http://127.0.0.1:8097/shop", "http://localhost/", "http://[::1]:80/a"}
	paths := []string{"", "/", "/checkout", "/checkout/", "/shop/orders", "x", "/cart"}
	domains := []string{"", "", "", "shop.test", ".shop.test", "other.test", "a.shop.test", "127.0.0.1", ".127.0.0.1", "localhost", "..shop.test", "SHOP.test"}
	now := time.Now()
	for round := range 2000 {
		std, _ := cookiejar.New(nil)
		ours := &jar{}
		for step := range 12 {
			u, _ := url.Parse(urls[r.IntN(len(urls))])
			var cs []*http.Cookie
			for range 1 + r.IntN(2) {
				c := &http.Cookie{Name: fmt.Sprint("c", r.IntN(3)), Value: fmt.Sprint("v", round, step), Path: paths[r.IntN(len(paths))],
					Domain: domains[r.IntN(len(domains))], Secure: r.IntN(6) == 0, Quoted: r.IntN(8) == 0}
				switch r.IntN(6) {
				case 0:
					c.MaxAge = -1
				case 1:
					c.MaxAge = 3600
				case 2:
					c.Expires = now.Add(-time.Hour)
				case 3:
					c.Expires = now.Add(720 * time.Hour)
				}
				cs = append(cs, c)
			}
			std.SetCookies(u, cs)
			ours.SetCookies(u, cs)
			for _, s := range urls {
				q, _ := url.Parse(s)
				if got, want := fmt.Sprint(ours.Cookies(q)), fmt.Sprint(std.Cookies(q)); got != want {
					t.Fatalf("round %d step %d: after setting %v on %s, cookies for %s: %s, cookiejar %s", round, step, cs, u, q, got, want)
				}
			}
		}
	}
}
