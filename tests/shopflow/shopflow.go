// Package shopflow plays a shopper over HTTP: browse, add to cart, check
// out, pay with the test card and land on the order page. The load
// generator (cmd/loadgen) and the concurrency tests drive Orderflow with it.
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
	productLink = regexp.MustCompile(`href="(/shop/product/\d+[^"]*)"`)
	variantID   = regexp.MustCompile(`name="variant_id"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="variant_id"`)
	csrfField   = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)
	csrfHeader  = regexp.MustCompile(`X-CSRF-Token&#34;:&#34;([^&]+)&#34;`)
	carrierID   = regexp.MustCompile(`name="carrier_id"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="carrier_id"`)
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

// Shopper is one browser: its cookies, its CSRF token and the time each
// of its requests took.
type Shopper struct {
	base      string
	c         *http.Client
	csrf      string
	Latencies []time.Duration
	OrderPath string // the order page the checkout ended on
}

// New returns a shopper of the shop at base with an empty cookie jar.
func New(base string) *Shopper {
	jar, _ := cookiejar.New(nil)
	return &Shopper{base: base, c: &http.Client{Jar: jar, Timeout: 60 * time.Second}}
}

func (s *Shopper) do(method, path string, form url.Values) (string, string, error) {
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
	t0 := time.Now()
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

// Buy is one shopper's whole order: one or two products opened from the
// shop's product pages and bought with provider.
func (s *Shopper) Buy(products []string, provider string) error {
	var variants []string
	for i := range 2 {
		if i == 1 && rand.IntN(2) == 0 {
			break // half the shoppers buy one product
		}
		page, _, err := s.do("GET", products[rand.IntN(len(products))], nil)
		if err != nil {
			return err
		}
		v := firstGroup(variantID, page)
		if v == "" {
			return errors.New("no variant on the product page")
		}
		variants = append(variants, v)
	}
	return s.Checkout(variants, provider)
}

// Checkout adds one unit of each variant to the cart, enters an address,
// takes the first shipping method, places the order and pays it with the
// test card (success number) when provider is TestCard. It fails unless it
// ends on the order page.
func (s *Shopper) Checkout(variants []string, provider string) error {
	if s.csrf == "" {
		if _, _, err := s.do("GET", "/cart", nil); err != nil {
			return err
		}
	}
	for _, v := range variants {
		if _, _, err := s.do("POST", "/cart/add", url.Values{"variant_id": {v}, "quantity": {"1"}}); err != nil {
			return err
		}
	}
	if _, _, err := s.do("POST", "/checkout", url.Values{
		"billing_name": {"Load Shopper"}, "billing_email": {"load@example.com"}, "billing_street": {"1 Test Street"},
		"billing_city": {"Ghent"}, "billing_zip": {"9000"}, "billing_country_code": {"BE"},
	}); err != nil {
		return err
	}
	page, _, err := s.do("GET", "/checkout/shipping", nil)
	if err != nil {
		return err
	}
	carrier := firstGroup(carrierID, page)
	if carrier == "" {
		return errors.New("no shipping method offered")
	}
	if _, _, err := s.do("POST", "/checkout/shipping", url.Values{"carrier_id": {carrier}}); err != nil {
		return err
	}
	_, path, err := s.do("POST", "/checkout/place", url.Values{"provider": {provider}})
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
