package shopflow

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// The regular expressions the page scanning replaced: it must find what
// they find.
var (
	csrfFieldRE    = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)
	csrfHeaderRE   = regexp.MustCompile(`X-CSRF-Token&#34;:&#34;([^&]+)&#34;`)
	variantIDRE    = regexp.MustCompile(`name="variant_id"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="variant_id"`)
	carrierInputRE = regexp.MustCompile(`<input[^>]*name="carrier_id"[^>]*>`)
	inputValueRE   = regexp.MustCompile(`value="(\d+)"`)
)

func csrfTokenRE(page string) (string, bool) {
	if m := csrfFieldRE.FindStringSubmatch(page); m != nil {
		return m[1], true
	}
	if m := csrfHeaderRE.FindStringSubmatch(page); m != nil {
		return m[1], true
	}
	return "", false
}

func variantIDByRE(page string) string {
	m := variantIDRE.FindStringSubmatch(page)
	if m == nil {
		return ""
	}
	for _, g := range m[1:] {
		if g != "" {
			return g
		}
	}
	return ""
}

func selectedCarrierRE(page string) string {
	first := ""
	for _, tag := range carrierInputRE.FindAllString(page, -1) {
		if strings.Contains(tag, " disabled") {
			continue
		}
		m := inputValueRE.FindStringSubmatch(tag)
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

const (
	productPage = `<!doctype html><html><head><title>Classic T-shirt</title></head>` +
		`<body class="surface-shop" hx-headers="{&#34;X-CSRF-Token&#34;:&#34;hdrTOKEN42&#34;}" data-testid="surface-shop">` +
		`<form class="add-to-cart" hx-post="/cart/add" hx-target="#buy-result" hx-swap="innerHTML" data-testid="add-to-cart-form">` +
		`<input type="hidden" name="_csrf" value="aqSvqERhdzJeRwMsFYFbSjFbwmQUOQZu"> <input type="hidden" name="variant_id" value="17"> ` +
		`<input id="buy-qty" class="qty-input" type="number" name="quantity" value="1" min="1" step="1"></form></body></html>`
	paymentPage = `<body hx-headers="{&#34;X-CSRF-Token&#34;:&#34;pay-TOKEN&#34;}"><form method="post" action="/checkout/place">` +
		`<fieldset><legend>Shipping method</legend>` +
		`<label><input type="radio" name="carrier_id" value="3" disabled> Freight</label>` +
		`<label><input type="radio" name="carrier_id" value="4"> Post</label>` +
		`<label><input type="radio" name="carrier_id" value="5" checked> Courier</label>` +
		`</fieldset><input type="radio" name="provider" value="test_card" checked></form></body>`
)

func TestScanning(t *testing.T) {
	for _, c := range []struct {
		name, page, want string
		ok               bool
	}{
		{"form field first", productPage, "aqSvqERhdzJeRwMsFYFbSjFbwmQUOQZu", true},
		{"hx-headers", paymentPage, "pay-TOKEN", true},
		{"empty field, header", `<input name="_csrf" value=""><body hx-headers="{&#34;X-CSRF-Token&#34;:&#34;h1&#34;}">`, "h1", true},
		{"empty field, then a field", `<input name="_csrf" value=""><input name="_csrf" value="f2">`, "f2", true},
		{"none", `<html><body>no token</body></html>`, "", false},
	} {
		if got, ok := csrfToken([]byte(c.page)); got != c.want || ok != c.ok {
			t.Errorf("csrfToken %s: %q %v, want %q %v", c.name, got, ok, c.want, c.ok)
		}
	}

	for _, c := range []struct{ name, page, want string }{
		{"name then value", productPage, "17"},
		{"value then name", `<form><input type="hidden" value="23" name="variant_id"><input name="quantity" value="1"></form>`, "23"},
		{"value before, after the form's", `<form id="f" data-value="x"><input value="8" type="hidden" name="variant_id" value="9"></form>`, "8"},
		{"the last value after the name", `<input name="variant_id" value="8" data-x value="9">`, "9"},
		{"select without a value: an input later", `<select name="variant_id"><option value="5">S</option></select><input name="variant_id" value="6">`, "6"},
		{"not a number", `<input name="variant_id" value="abc">`, ""},
		{"none", `<p>Sold out</p>`, ""},
	} {
		if got := variantID([]byte(c.page)); got != c.want {
			t.Errorf("variantID %s: %q, want %q", c.name, got, c.want)
		}
	}

	for _, c := range []struct{ name, page, want string }{
		{"checked", paymentPage, "5"},
		{"first enabled", strings.Replace(paymentPage, " checked> Courier", "> Courier", 1), "4"},
		{"checked but disabled", `<input type="radio" name="carrier_id" value="1" checked disabled><input type="radio" name="carrier_id" value="2">`, "2"},
		{"all disabled", `<input type="radio" name="carrier_id" value="1" disabled>`, ""},
		{"hidden", `<input type="hidden" name="carrier_id" value="12">`, "12"},
		{"none", `<p>No shipping method delivers to this address.</p>`, ""},
	} {
		if got := selectedCarrier([]byte(c.page)); got != c.want {
			t.Errorf("selectedCarrier %s: %q, want %q", c.name, got, c.want)
		}
	}
}

// TestScanningAsRegexps compares the scanning with the regular expressions
// it replaced on pages made of pieces of markup in random order.
func TestScanningAsRegexps(t *testing.T) {
	pieces := []string{
		`<input `, `<input type="radio" `, `<input type="hidden" `, `<select `, `<option `, `>`, `> `, ` `, `<p>text</p>`,
		`name="variant_id" `, `name="carrier_id" `, `name="_csrf" `, `name="quantity" `,
		`value="12" `, `value="3"`, `value="" `, `value="x1" `, `value="TOKEN" `, `value="`, `"`, `7`,
		`<input type="radio" name="carrier_id" `, `value="5">`, `<input name="variant_id" `,
		` checked`, ` disabled`, ` data-disabled="no"`,
		`hx-headers="{&#34;X-CSRF-Token&#34;:&#34;`, `hdr`, `&#34;}" `, `&amp;`, `&`,
	}
	r := rand.New(rand.NewPCG(1, 2))
	var tokens, variants, carriers int
	for range 200000 {
		var b strings.Builder
		for range 1 + r.IntN(14) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		page := b.String()
		gotT, gotOK := csrfToken([]byte(page))
		wantT, wantOK := csrfTokenRE(page)
		if gotT != wantT || gotOK != wantOK {
			t.Fatalf("csrfToken(%q) = %q %v, regexps %q %v", page, gotT, gotOK, wantT, wantOK)
		}
		if gotOK {
			tokens++
		}
		if got, want := variantID([]byte(page)), variantIDByRE(page); got != want {
			t.Fatalf("variantID(%q) = %q, regexp %q", page, got, want)
		} else if got != "" {
			variants++
		}
		if got, want := selectedCarrier([]byte(page)), selectedCarrierRE(page); got != want {
			t.Fatalf("selectedCarrier(%q) = %q, regexps %q", page, got, want)
		} else if got != "" {
			carriers++
		}
	}
	t.Logf("found %d tokens, %d variants, %d carriers", tokens, variants, carriers)
	if tokens < 1000 || variants < 1000 || carriers < 1000 {
		t.Fatal("too few pages with something to find")
	}
}
