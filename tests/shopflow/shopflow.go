// Package shopflow plays a shopper over HTTP the way a browser with
// JavaScript does: open product pages, add to the cart with HTMX, enter an
// address, choose the shipping and payment methods on the one "Delivery &
// payment" page, place the order, pay with the test card and land on the
// order page. The load generator (cmd/loadgen) and the concurrency tests
// drive Orderflow with it.
//
// A shopper costs little CPU, so that a load generator on the server's
// machine measures the server rather than itself: each shopper keeps one
// connection alive that it reads and writes in its own goroutine (see
// conn), keeps its cookies in a simple jar, reuses its buffers, and scans
// pages with plain string searches.
package shopflow

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
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

var productLink = regexp.MustCompile(`href="(/shop/product/\d+[^"]*)"`)

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
	conn      *conn // kept from order to order, as a browser keeps it alive
	c         *http.Client
	csrf      string
	body      bytes.Buffer // the last page read, its memory reused by the next
	Latencies []time.Duration
	Requests  int    // HTTP requests, redirects followed included
	OrderPath string // the order page the checkout ended on
}

// New returns a shopper of the shop at base with an empty cookie jar.
func New(base string) *Shopper {
	s := &Shopper{base: base, conn: newConn(60 * time.Second)}
	// No Client.Timeout: the connection times each request out instead,
	// without a timer and a goroutine per request.
	s.c = &http.Client{Transport: s.conn, CheckRedirect: func(_ *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		s.Requests++
		return nil
	}}
	s.Reset()
	return s
}

// Reset makes s a new shopper, as New does (an empty cookie jar, no CSRF
// token, latencies, requests or order page), that keeps its connection and
// the memory it reads pages into.
func (s *Shopper) Reset() {
	s.c.Jar = &jar{}
	s.csrf = ""
	s.Latencies = s.Latencies[:0]
	s.Requests = 0
	s.OrderPath = ""
}

// Close closes the shopper's connection.
func (s *Shopper) Close() { s.conn.close() }

// htmx are the headers htmx adds to the requests it sends; boosted those
// of an hx-boost form.
var (
	htmx    = http.Header{"Hx-Request": {"true"}}
	boosted = http.Header{"Hx-Request": {"true"}, "Hx-Boosted": {"true"}}
)

// acceptGzip is the Accept-Encoding header of every request, the one
// http.Transport adds (and a browser sends): the shopper's connection
// decompresses the pages as http.Transport does.
var acceptGzip = []string{"gzip"}

// do sends the request, follows its redirects and reads the whole page it
// ends on, which it returns with its path (the one the response pushes to
// the location bar, when it does, as htmx would). The page is only valid
// until the next request.
func (s *Shopper) do(method, path string, form url.Values, header ...http.Header) ([]byte, string, error) {
	var body io.Reader
	if form != nil {
		form.Set("_csrf", s.csrf)
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, s.base+path, body)
	if err != nil {
		return nil, "", err
	}
	req.Header["Accept-Encoding"] = acceptGzip // redirects keep it
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
		return nil, "", err
	}
	s.body.Reset()
	_, err = s.body.ReadFrom(r.Body)
	r.Body.Close()
	s.Latencies = append(s.Latencies, time.Since(t0))
	if err != nil {
		return nil, "", err
	}
	if r.StatusCode >= 400 {
		return nil, "", fmt.Errorf("%s %s: %d", method, path, r.StatusCode)
	}
	page := s.body.Bytes()
	if t, ok := csrfToken(page); ok {
		s.csrf = t
	}
	if p := r.Header.Get("Hx-Push-Url"); p != "" {
		return page, p, nil
	}
	return page, r.Request.URL.Path, nil
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
// enters an address (a boosted form, as htmx sends it), which brings the
// delivery & payment page, places
// the order there with the shipping method that page selects and provider,
// and pays it with the test card (success number) when provider is
// TestCard. It fails unless it ends on the order page.
func (s *Shopper) Checkout(products []string, provider string) error {
	for _, p := range products {
		page, _, err := s.do("GET", p, nil)
		if err != nil {
			return err
		}
		v := variantID(page)
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
	}, boosted) // the address form is boosted: the next page comes back at once
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

// The pages are scanned with plain string searches rather than regular
// expressions, which cost more than the rest of a shopper's work on pages
// of tens of kilobytes. Each finds what the regular expression in its
// comment finds.
var (
	csrfFieldAttr  = []byte(`name="_csrf" value="`)
	csrfHeaderAttr = []byte(`X-CSRF-Token&#34;:&#34;`)
	variantName    = []byte(`name="variant_id"`)
	carrierName    = []byte(`name="carrier_id"`)
	inputTag       = []byte(`<input`)
	valueAttr      = []byte(`value="`)
	disabledAttr   = []byte(" disabled")
	checkedAttr    = []byte(" checked")
)

// csrfToken is the page's CSRF token: the value of its first _csrf form
// field (`name="_csrf" value="([^"]+)"`), else the X-CSRF-Token of its
// hx-headers attribute (`X-CSRF-Token&#34;:&#34;([^&]+)&#34;`).
func csrfToken(page []byte) (string, bool) {
	if t, ok := delimited(page, csrfFieldAttr, '"', `"`); ok {
		return t, true
	}
	return delimited(page, csrfHeaderAttr, '&', "&#34;")
}

// delimited is what follows the first occurrence of prefix that is followed
// by one or more bytes other than stop and then by end.
func delimited(page, prefix []byte, stop byte, end string) (string, bool) {
	for i := 0; ; {
		j := bytes.Index(page[i:], prefix)
		if j < 0 {
			return "", false
		}
		i += j + len(prefix)
		k := bytes.IndexByte(page[i:], stop)
		if k < 0 {
			return "", false // nor after any later prefix
		}
		if k > 0 && bytes.HasPrefix(page[i+k:], []byte(end)) {
			return string(page[i : i+k]), true
		}
	}
}

// variantID is the value of the page's first variant_id input, whichever
// of its name and value attributes comes first
// (`name="variant_id"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="variant_id"`), "" when none.
func variantID(page []byte) string {
	for i := 0; ; {
		j := bytes.Index(page[i:], variantName)
		if j < 0 {
			return ""
		}
		n := i + j
		// A value before the name in the same tag: the first one.
		tag := bytes.LastIndexByte(page[:n], '>') + 1
		if v, ok := numberValue(page[tag:n], false); ok {
			return v
		}
		// Else one after the name in the same tag: the last one.
		after := page[n+len(variantName):]
		if end := bytes.IndexByte(after, '>'); end >= 0 {
			after = after[:end]
		}
		if v, ok := numberValue(after, true); ok {
			return v
		}
		i = n + 1
	}
}

// numberValue is the number of the first (else the last) value="digits"
// in b.
func numberValue(b []byte, last bool) (string, bool) {
	for i, end := 0, len(b); ; {
		var j int
		if last {
			j = bytes.LastIndex(b[:end], valueAttr)
		} else if j = bytes.Index(b[i:], valueAttr); j >= 0 {
			j += i
		}
		if j < 0 {
			return "", false
		}
		d := j + len(valueAttr)
		k := d
		for k < len(b) && '0' <= b[k] && b[k] <= '9' {
			k++
		}
		if k > d && k < len(b) && b[k] == '"' {
			return string(b[d:k]), true
		}
		i, end = j+1, j
	}
}

// selectedCarrier is the shipping method the page has checked, else the
// first one that is not disabled ("" when none), among the carrier_id
// inputs (`<input[^>]*name="carrier_id"[^>]*>`) with a number value
// (`value="(\d+)"`).
func selectedCarrier(page []byte) string {
	first := ""
	for i := 0; ; {
		j := bytes.Index(page[i:], inputTag)
		if j < 0 {
			return first
		}
		p := i + j
		end := bytes.IndexByte(page[p:], '>')
		if end < 0 {
			return first
		}
		tag := page[p : p+end+1]
		if !bytes.Contains(tag, carrierName) {
			i = p + 1
			continue
		}
		i = p + end + 1
		if bytes.Contains(tag, disabledAttr) {
			continue
		}
		v, ok := numberValue(tag, false)
		if !ok {
			continue
		}
		if bytes.Contains(tag, checkedAttr) {
			return v
		}
		if first == "" {
			first = v
		}
	}
}
