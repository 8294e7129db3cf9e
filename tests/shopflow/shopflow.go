// Package shopflow plays a shopper over HTTP the way a browser with
// JavaScript does: open product pages, add to the cart with HTMX, enter an
// address, choose the shipping and payment methods on the one "Delivery &
// payment" page, place the order, pay with the test card and land on the
// order page. The load generator (cmd/loadgen) and the concurrency tests
// drive Orderflow with it.
package shopflow

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Payment providers a shopper can choose.
const (
	TestCard = "test_card"
	Wire     = "wire"
	COD      = "cod"
)

var (
	productLink  = regexp.MustCompile(`href="(/shop/product/\d+[^"]*)"`)
	variantID    = regexp.MustCompile(`name="variant_id"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="variant_id"`)
	csrfField    = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)
	csrfHeader   = regexp.MustCompile(`X-CSRF-Token&#34;:&#34;([^&]+)&#34;`)
	carrierInput = regexp.MustCompile(`<input[^>]*name="carrier_id"[^>]*>`)
	inputValue   = regexp.MustCompile(`value="(\d+)"`)
)

// Discover lists the product pages of the shop's first listing pages.
func Discover(base string) ([]string, error) {
	var out []string
	for page := 1; page <= 3; page++ {
		r, err := http.Get(fmt.Sprintf("%s/shop?page=%d", base, page))
		if err != nil {
			return nil, err
		}
		b, _ := io.ReadAll(r.Body)
		r.Body.Close()
		for _, m := range productLink.FindAllStringSubmatch(string(b), -1) {
			if !slices.Contains(out, m[1]) {
				out = append(out, m[1])
			}
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no products found on /shop")
	}
	return out, nil
}

// Shopper is one browser: its cookies, its CSRF token, the time each of its
// steps took (a step follows redirects) and the HTTP requests it sent.
type Shopper struct {
	base      string
	c         *http.Client
	csrf      string
	Latencies []time.Duration
	Requests  int    // HTTP requests, redirects followed included
	OrderPath string // the order page the checkout ended on
}

// New returns a shopper of the shop at base with an empty cookie jar.
func New(base string) *Shopper {
	jar, _ := cookiejar.New(nil)
	s := &Shopper{base: base}
	s.c = &http.Client{Jar: jar, Timeout: 60 * time.Second, CheckRedirect: func(_ *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		s.Requests++
		return nil
	}}
	return s
}

// htmx are the headers htmx adds to the requests it sends.
var htmx = http.Header{"Hx-Request": {"true"}}

func (s *Shopper) do(method, path string, form url.Values, header ...http.Header) (string, string, error) {
	var body io.Reader
	if form != nil {
		form.Set("_csrf", s.csrf)
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, s.base+path, body)
	if err != nil {
		return "", "", err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, h := range header {
		for k, v := range h {
			req.Header[k] = v
		}
	}
	if len(header) > 0 {
		req.Header.Set("X-CSRF-Token", s.csrf) // hx-headers on the page's body
	}
	t0 := time.Now()
	s.Requests++
	r, err := s.c.Do(req)
	if err != nil {
		return "", "", err
	}
	b, err := io.ReadAll(r.Body)
	r.Body.Close()
	s.Latencies = append(s.Latencies, time.Since(t0))
	if err != nil {
		return "", "", err
	}
	if r.StatusCode >= 400 {
		return "", "", fmt.Errorf("%s %s: %d", method, path, r.StatusCode)
	}
	page := string(b)
	if m := csrfField.FindStringSubmatch(page); m != nil {
		s.csrf = m[1]
	} else if m := csrfHeader.FindStringSubmatch(page); m != nil {
		s.csrf = m[1]
	}
	return page, r.Request.URL.Path, nil
}

func firstGroup(re *regexp.Regexp, page string) string {
	m := re.FindStringSubmatch(page)
	for _, g := range m[1:] {
		if g != "" {
			return g
		}
	}
	return ""
}

// Buy is one shopper's whole order: one or two products picked among the
// shop's product pages and bought with provider.
func (s *Shopper) Buy(products []string, provider string) error {
	pages := []string{products[rand.IntN(len(products))]}
	if rand.IntN(2) == 0 { // half the shoppers buy two products
		pages = append(pages, products[rand.IntN(len(products))])
	}
	return s.Checkout(pages, provider)
}

// Checkout opens each product page and adds one unit of its product to the
// cart (an HTMX post, as the page's button does), opens the checkout,
// enters an address, which leads to the delivery & payment page, places
// the order there with the shipping method that page selects and provider,
// and pays it with the test card (success number) when provider is
// TestCard. It fails unless it ends on the order page.
func (s *Shopper) Checkout(products []string, provider string) error {
	for _, p := range products {
		page, _, err := s.do("GET", p, nil)
		if err != nil {
			return err
		}
		v := firstGroup(variantID, page)
		if v == "" {
			return fmt.Errorf("no variant on the product page %s", p)
		}
		if _, _, err := s.do("POST", "/cart/add", url.Values{"variant_id": {v}, "quantity": {"1"}}, htmx); err != nil {
			return err
		}
	}
	if _, _, err := s.do("GET", "/checkout", nil); err != nil {
		return err
	}
	page, path, err := s.do("POST", "/checkout", url.Values{
		"billing_name": {"Load Shopper"}, "billing_email": {"load@example.com"}, "billing_street": {"1 Test Street"},
		"billing_city": {"Ghent"}, "billing_zip": {"9000"}, "billing_country_code": {"BE"},
	})
	if err != nil {
		return err
	}
	if path != "/checkout/payment" {
		return fmt.Errorf("the address led to %s, not the delivery & payment page", path)
	}
	carrier := selectedCarrier(page)
	if carrier == "" {
		return errors.New("no shipping method offered")
	}
	_, path, err = s.do("POST", "/checkout/place", url.Values{"carrier_id": {carrier}, "provider": {provider}})
	if err != nil {
		return err
	}
	if provider == TestCard {
		if !strings.HasPrefix(path, "/pay/test/") {
			return fmt.Errorf("placing did not lead to the payment page but to %s", path)
		}
		if _, path, err = s.do("POST", path, url.Values{"card_number": {"4242 4242 4242 4242"}, "expiry": {"12/34"}, "cvc": {"123"}, "card_name": {"Load Shopper"}}); err != nil {
			return err
		}
	}
	if !strings.HasPrefix(path, "/shop/orders/") {
		return fmt.Errorf("ended on %s, not the order page", path)
	}
	s.OrderPath = path
	return nil
}

// selectedCarrier is the shipping method the page has checked, else the
// first one that is not disabled ("" when none).
func selectedCarrier(page string) string {
	first := ""
	for _, tag := range carrierInput.FindAllString(page, -1) {
		if strings.Contains(tag, " disabled") {
			continue
		}
		m := inputValue.FindStringSubmatch(tag)
		if m == nil {
			continue
		}
		if strings.Contains(tag, " checked") {
			return m[1]
		}
		if first == "" {
			first = m[1]
		}
	}
	return first
}
