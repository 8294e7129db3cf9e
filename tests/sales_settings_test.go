package tests

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"

	"orderflow/models"
	"orderflow/tests/browser"
	"orderflow/tests/testapp"
)

// ssSampleCarrier returns the id of the demo shipping method "Express courier".
func ssSampleCarrier(t *testing.T, app *testapp.App) int64 {
	t.Helper()
	return ssID(t, app.DB, "SELECT id FROM carriers WHERE name = 'Express courier'")
}

// ssSampleCoupon returns the id of the demo promotion code SAVE5.
func ssSampleCoupon(t *testing.T, app *testapp.App) int64 {
	t.Helper()
	return ssID(t, app.DB, "SELECT id FROM coupons WHERE code = 'SAVE5'")
}

// ssSampleWebhookEvent logs a webhook and returns its id.
func ssSampleWebhookEvent(t *testing.T, app *testapp.App) int64 {
	t.Helper()
	return ssLogWebhook(t, app.DB, models.WebhookEvent{ProviderCode: models.ProviderTestCard, EventID: "evt_sample", Status: models.WebhookProcessed,
		RemoteAddr: "127.0.0.1", Payload: `{"id":"evt_sample"}`}).ID
}

func ssLogWebhook(t *testing.T, db *bun.DB, ev models.WebhookEvent) *models.WebhookEvent {
	t.Helper()
	if _, err := db.NewInsert().Model(&ev).Returning("id, received_at").Exec(t.Context()); err != nil {
		t.Fatal(err)
	}
	return &ev
}

func ssID(t *testing.T, db *bun.DB, query string, args ...any) int64 {
	t.Helper()
	var id int64
	if err := db.NewRaw(query, args...).Scan(t.Context(), &id); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return id
}

func ssCount(t *testing.T, db *bun.DB, table string) int {
	t.Helper()
	var n int
	if err := db.NewRaw("SELECT count(*) FROM "+table).Scan(t.Context(), &n); err != nil {
		t.Fatal(err)
	}
	return n
}

func ssWant(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

// ssRule adds rule row i to a shipping method form.
func ssRule(form url.Values, i int, variable, op, value, base, perUnit, factor string) {
	for col, v := range map[string]string{"variable": variable, "operator": op, "max_value": value, "base_price": base, "per_unit_price": perUnit, "factor": factor} {
		form.Set(models.CarrierRuleField(i, col), v)
	}
}

var ssRuleRow = regexp.MustCompile(`data-testid="rule-row"`)

func TestCarrierFormsOverHTTP(t *testing.T) {
	app := testapp.Start(t)
	c := app.LoginAs(t, models.RoleSales)
	list := c.Get("/office/carriers")
	if list.StatusCode != http.StatusOK {
		t.Fatalf("list: %d", list.StatusCode)
	}
	ssWant(t, "carrier list", list.Body, "Standard delivery", "€4.95", "€75.00", "Express courier", "By rules (2 rules)", "Pick up in store", "Belgium", "Everywhere")

	// Bad input: 422, each message next to its field, nothing saved.
	before, rulesBefore := ssCount(t, app.DB, "carriers"), ssCount(t, app.DB, "carrier_rules")
	bad := url.Values{"name": {" "}, "kind": {"rules"}, "free_over": {"-5"}, "tracking_url": {"https://track.example.com/parcel"}, "country_codes": {"BE", "ZZ"}, "active": {"1"}}
	ssRule(bad, 0, "weight", "<=", "two", "9.90", "", "weight")
	ssRule(bad, 1, "weight", "<=", "20", "-1", "1.23456", "weight")
	r := c.PostForm("/office/carriers", bad)
	if r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad carrier: %d, want 422", r.StatusCode)
	}
	ssWant(t, "bad carrier form", r.Body,
		`data-testid="error-name"`, "Enter a name.",
		`data-testid="error-free_over"`, "Cannot be negative.",
		`data-testid="error-tracking_url"`, "Put {ref} where the tracking number goes",
		`data-testid="error-country_codes"`, "Choose countries from the list.",
		`data-testid="error-rules.0.max_value"`, "Enter a number",
		`data-testid="error-rules.1.base_price"`, `data-testid="error-rules.1.per_unit_price"`, "Use at most 4 decimals.",
		`value="two"`, `value="1.23456"`)
	if got := len(ssRuleRow.FindAllString(r.Body, -1)); got != 2 {
		t.Errorf("the form shows %d rule rows, want the 2 typed", got)
	}
	if ssCount(t, app.DB, "carriers") != before || ssCount(t, app.DB, "carrier_rules") != rulesBefore {
		t.Fatal("an invalid shipping method was saved")
	}

	// Create with rules, countries and a tax: the form shows it back.
	tax := ssID(t, app.DB, "SELECT id FROM taxes WHERE active ORDER BY id LIMIT 1")
	good := url.Values{"name": {"Parcel <b>service</b>"}, "description": {"Two days."}, "kind": {"rules"}, "free_over": {"150"},
		"country_codes": {"NL", "BE"}, "tax_id": {itoa(tax)}, "tracking_url": {"https://parcel.example.com/t?c={ref}"}, "sequence": {"5"}, "active": {"1"}}
	ssRule(good, 0, "weight", "<=", "2", "6.50", "", "weight")
	ssRule(good, 1, "weight", "<=", "30", "6.50", "0.80", "weight")
	r = c.PostForm("/office/carriers", good)
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/office/carriers/") {
		t.Fatalf("create: %d %q\n%s", r.StatusCode, r.Header.Get("Location"), r.Body)
	}
	carrierURL := r.Header.Get("Location")
	id := mustID(t, strings.TrimPrefix(carrierURL, "/office/carriers/"))
	cr, err := models.GetCarrierWithRules(t.Context(), app.DB, id)
	if err != nil || cr.Name != "Parcel <b>service</b>" || len(cr.Rules) != 2 || strings.Join(cr.CountryCodes, ",") != "BE,NL" || cr.TaxID == nil || *cr.TaxID != tax {
		t.Fatalf("saved %+v %v", cr, err)
	}
	page := c.Get(carrierURL)
	ssWant(t, "carrier page", page.Body, "Parcel &lt;b&gt;service&lt;/b&gt;", `value="150"`, `value="0.8"`, `value="30"`,
		`value="https://parcel.example.com/t?c={ref}"`, `value="BE" checked`, `value="NL" checked`, "Shipping method created")
	if strings.Contains(page.Body, "<b>service</b>") {
		t.Fatal("the name is not escaped")
	}
	// The preview prices the example order with Carrier.Price.
	ssWant(t, "carrier page preview", page.Body, `data-testid="preview-price">€6.50`, "Rule 1 applies")

	// Edit: one rule left, a fixed "free above" removed. Bad edit first: nothing changes.
	edit := url.Values{"name": {"Parcel service"}, "kind": {"rules"}, "country_codes": {"BE"}, "tracking_url": {"ftp://x/{ref}"}, "active": {"1"}}
	ssRule(edit, 0, "quantity", "<", "10", "4", "0.5", "quantity")
	if r := c.PostForm(carrierURL, edit); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "starting with https://") {
		t.Fatalf("bad edit: %d", r.StatusCode)
	}
	if cr, _ := models.GetCarrierWithRules(t.Context(), app.DB, id); len(cr.Rules) != 2 || cr.FreeOver == nil {
		t.Fatal("a refused edit changed the method")
	}
	edit.Set("tracking_url", "")
	if r := c.PostForm(carrierURL, edit); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit: %d\n%s", r.StatusCode, r.Body)
	}
	cr, _ = models.GetCarrierWithRules(t.Context(), app.DB, id)
	if len(cr.Rules) != 1 || cr.Rules[0].Variable != models.RuleQuantity || cr.FreeOver != nil || cr.TrackingURL != "" || cr.TaxID != nil {
		t.Fatalf("after edit %+v rules %+v", cr, cr.Rules)
	}
	price, err := cr.Price(models.ShippingBasis{Quantity: decimal.NewFromInt(4), CountryCode: "BE"}, models.Currency{Code: "EUR"})
	if err != nil || price.StringFixed(2) != "6.00" {
		t.Fatalf("price after edit %s %v", price, err)
	}

	// Archive: checkout and the default list no longer show it.
	if r := c.PostForm(carrierURL+"/archive", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("archive: %d", r.StatusCode)
	}
	if l := c.Get("/office/carriers"); strings.Contains(l.Body, `data-name="Parcel service"`) {
		t.Fatal("the archived method is listed")
	}
	if l := c.Get("/office/carriers?archived=1"); !strings.Contains(l.Body, "Parcel service") || !strings.Contains(l.Body, "Archived") {
		t.Fatal("the archived method is not listed with the archived ones")
	}
	if r := c.PostForm(carrierURL+"/unarchive", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("unarchive: %d", r.StatusCode)
	}
	if cr, _ := models.GetCarrierWithRules(t.Context(), app.DB, id); !cr.Active {
		t.Fatal("not unarchived")
	}
	if h := c.Get(carrierURL); !strings.Contains(h.Body, "Shipping method archived.") || !strings.Contains(h.Body, "Shipping method unarchived.") {
		t.Fatal("history lacks the archive and unarchive")
	}

	// Other roles.
	if r := app.LoginAs(t, models.RoleWarehouse).Get("/office/carriers"); r.StatusCode != http.StatusForbidden {
		t.Fatalf("warehouse on carriers: %d", r.StatusCode)
	}
}

func TestCarrierRuleRowsAndPreview(t *testing.T) {
	app := testapp.Start(t)
	c := app.LoginAs(t, models.RoleAdmin)
	htmx := http.Header{"Hx-Request": {"true"}}
	form := url.Values{"name": {"Courier"}, "kind": {"rules"}, "carrier_id": {"0"}, "rules_action": {"add"}, "_csrf": {""}}
	ssRule(form, 0, "weight", "<=", "2", "9.90", "", "weight")

	// Without JavaScript the whole form comes back with one more row.
	r := c.PostForm("/office/carriers/rules", form)
	if r.StatusCode != http.StatusOK || len(ssRuleRow.FindAllString(r.Body, -1)) != 2 || !strings.Contains(r.Body, `data-testid="carrier-form"`) {
		t.Fatalf("add row: %d, %d rows", r.StatusCode, len(ssRuleRow.FindAllString(r.Body, -1)))
	}
	// With HTMX only the rules table, with what was typed.
	form.Set("_csrf", c.CSRF())
	r = c.PostRaw("/office/carriers/rules", form, htmx.Clone())
	if r.StatusCode != http.StatusOK || strings.Contains(r.Body, "<html") || !strings.Contains(r.Body, `id="carrier-rules"`) ||
		len(ssRuleRow.FindAllString(r.Body, -1)) != 2 || !strings.Contains(r.Body, `value="9.90"`) {
		t.Fatalf("htmx add row: %d\n%s", r.StatusCode, r.Body)
	}
	ssRule(form, 1, "weight", "<=", "20", "9.90", "1.50", "weight")
	form.Set("rules_action", "remove:0")
	r = c.PostRaw("/office/carriers/rules", form, htmx.Clone())
	if len(ssRuleRow.FindAllString(r.Body, -1)) != 1 || strings.Contains(r.Body, `value="2"`) || !strings.Contains(r.Body, `value="20"`) {
		t.Fatalf("remove row:\n%s", r.Body)
	}
	if n := ssCount(t, app.DB, "carriers"); n != 3 {
		t.Fatalf("adding rows saved something: %d carriers", n)
	}

	// The preview: a price, the rule that gave it, or why there is none.
	form.Del("rules_action")
	ssRule(form, 0, "weight", "<=", "2", "9.90", "", "weight")
	for _, tc := range []struct{ weight, amount, country, want string }{
		{"1", "10", "", `data-testid="preview-price">€9.90`},
		{"10", "10", "BE", `data-testid="preview-price">€24.90`},
		{"25", "10", "", "no price rule matches"},
		{"-1", "10", "", "Weight: Cannot be negative."},
	} {
		form.Set("preview_weight", tc.weight)
		form.Set("preview_amount", tc.amount)
		form.Set("preview_country", tc.country)
		r := c.PostRaw("/office/carriers/preview", form, htmx.Clone())
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, tc.want) || strings.Contains(r.Body, "<html") {
			t.Errorf("preview weight %s: %d\n%s", tc.weight, r.StatusCode, r.Body)
		}
	}
	form.Set("free_over", "100")
	form.Set("preview_weight", "10")
	form.Set("preview_amount", "100")
	if r := c.PostRaw("/office/carriers/preview", form, htmx.Clone()); r.StatusCode != http.StatusOK {
		t.Errorf("free preview: %d", r.StatusCode)
	} else {
		doc := ooDoc(t, r)
		price, explain := strings.TrimSpace(doc.Find(`[data-testid=preview-price]`).Text()), strings.TrimSpace(doc.Find(`[data-testid=preview-explain]`).Text())
		if price != "€0.00" || !strings.HasPrefix(explain, "Free:") {
			t.Errorf("free preview: price %q (%q), want €0.00 (Free: ...)\n%s", price, explain, r.Body)
		}
	}
	// The demo "Pick up in store" is Belgium only.
	pickup := ssID(t, app.DB, "SELECT id FROM carriers WHERE name = 'Pick up in store'")
	p := url.Values{"name": {"Pick up in store"}, "kind": {"fixed"}, "fixed_price": {"0"}, "country_codes": {"BE"}, "carrier_id": {itoa(pickup)}, "preview_country": {"FR"}}
	if r := c.PostForm("/office/carriers/preview", p); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "does not deliver to this country") || !strings.Contains(r.Body, fmt.Sprintf(`action="/office/carriers/%d"`, pickup)) {
		t.Errorf("pick-up preview in France:\n%s", r.Body)
	}
}

func TestCouponFormsOverHTTP(t *testing.T) {
	app := testapp.Start(t)
	c := app.LoginAs(t, models.RoleSales)
	list := c.Get("/office/coupons")
	if list.StatusCode != http.StatusOK {
		t.Fatalf("list: %d", list.StatusCode)
	}
	ssWant(t, "coupon list", list.Body, "WELCOME10", "10% off", "SAVE5", "€5.00 off", "€30.00", `data-testid="coupon-usage">0 / 100`, "0 / no limit", "Active")

	before := ssCount(t, app.DB, "coupons")
	bad := url.Values{"code": {"two words"}, "name": {""}, "kind": {"percent"}, "amount": {"150"}, "valid_from": {"2026-06-10"}, "valid_until": {"2026-06-01"}, "usage_limit": {"0"}, "active": {"1"}}
	r := c.PostForm("/office/coupons", bad)
	if r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad coupon: %d", r.StatusCode)
	}
	ssWant(t, "bad coupon form", r.Body, `data-testid="error-code"`, "Use only letters", `data-testid="error-name"`, `data-testid="error-amount"`, "A percentage is at most 100.",
		`data-testid="error-valid_until"`, "cannot be before the start date", `data-testid="error-usage_limit"`, `value="two words"`)
	r = c.PostForm("/office/coupons", url.Values{"code": {"save5"}, "name": {"Copy"}, "kind": {"fixed"}, "amount": {"5"}, "active": {"1"}})
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "There is already a promotion code SAVE5.") {
		t.Fatalf("duplicate code: %d", r.StatusCode)
	}
	if ssCount(t, app.DB, "coupons") != before {
		t.Fatal("an invalid promotion code was saved")
	}

	good := url.Values{"code": {" summer-25 "}, "name": {"Summer sale"}, "kind": {"percent"}, "amount": {"25"}, "min_amount": {"40"},
		"valid_from": {"2026-06-01"}, "valid_until": {"2026-08-31"}, "usage_limit": {"500"}, "active": {"1"}}
	r = c.PostForm("/office/coupons", good)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", r.StatusCode, r.Body)
	}
	couponURL := r.Header.Get("Location")
	page := c.Get(couponURL)
	ssWant(t, "coupon page", page.Body, `value="SUMMER-25"`, `value="Summer sale"`, `value="25"`, `value="40"`, `value="2026-06-01"`, `value="2026-08-31"`,
		`value="500"`, `data-testid="coupon-usage">0 / 500`, "Promotion code created")
	good.Set("usage_limit", "")
	good.Set("kind", "fixed")
	good.Set("amount", "12.50")
	if r := c.PostForm(couponURL, good); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit: %d\n%s", r.StatusCode, r.Body)
	}
	cp, err := models.GetCoupon(t.Context(), app.DB, mustID(t, strings.TrimPrefix(couponURL, "/office/coupons/")))
	if err != nil || cp.Code != "SUMMER-25" || cp.Kind != models.CouponFixed || cp.Amount.StringFixed(2) != "12.50" || cp.UsageLimit != nil || models.CouponDate(cp.ValidUntil) != "2026-08-31" {
		t.Fatalf("after edit %+v %v", cp, err)
	}
	if l := c.Get("/office/coupons"); !strings.Contains(l.Body, "SUMMER-25") || !strings.Contains(l.Body, "2026-06-01 – 2026-08-31") {
		t.Fatal("the list does not show the new code and its dates")
	}
	if r := c.PostForm(couponURL+"/archive", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("archive: %d", r.StatusCode)
	}
	if l := c.Get("/office/coupons"); strings.Contains(l.Body, `data-code="SUMMER-25"`) {
		t.Fatal("the archived code is listed")
	}
	if r := app.LoginAs(t, models.RoleAccountant).Get("/office/coupons"); r.StatusCode != http.StatusForbidden {
		t.Fatalf("accountant on coupons: %d", r.StatusCode)
	}
}

func TestPaymentProvidersAdminOnly(t *testing.T) {
	app := testapp.Start(t)
	sales := app.LoginAs(t, models.RoleSales)
	if r := sales.Get("/office/payment-providers"); r.StatusCode != http.StatusForbidden {
		t.Fatalf("sales on payment providers: %d", r.StatusCode)
	}
	if r := sales.PostForm("/office/payment-providers/wire", url.Values{"name": {"Wire"}, "state": {"disabled"}}); r.StatusCode != http.StatusForbidden {
		t.Fatalf("sales saving a provider: %d", r.StatusCode)
	}
	admin := app.LoginAs(t, models.RoleAdmin)
	tc, err := models.GetPaymentProvider(t.Context(), app.DB, models.ProviderTestCard)
	if err != nil {
		t.Fatal(err)
	}
	page := admin.Get("/office/payment-providers")
	if page.StatusCode != http.StatusOK {
		t.Fatalf("page: %d", page.StatusCode)
	}
	ssWant(t, "providers page", page.Body, "Card (test)", "Wire transfer", "Cash on delivery", "BE71 0961 2345 6769",
		`data-testid="webhook-url">`+app.URL+"/webhooks/test-card", `data-testid="webhook-secret">••••••••••••`+tc.WebhookSecret[len(tc.WebhookSecret)-4:])

	// Rename the wire transfer and disable it, then cash on delivery.
	r := admin.PostForm("/office/payment-providers/wire", url.Values{"name": {"Bank transfer"}, "state": {"disabled"}, "instructions": {"IBAN BE00 0000 0000 0000"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save wire: %d\n%s", r.StatusCode, r.Body)
	}
	if r := admin.PostForm("/office/payment-providers/cod", url.Values{"name": {"Cash on delivery"}, "state": {"disabled"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable cod: %d", r.StatusCode)
	}
	// The last enabled one cannot be disabled.
	r = admin.PostForm("/office/payment-providers/test_card", url.Values{"name": {"Card"}, "state": {"disabled"}, "instructions": {"x"}})
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "At least one payment method must stay enabled") || !strings.Contains(r.Body, `data-testid="error-state"`) {
		t.Fatalf("disable the last provider: %d", r.StatusCode)
	}
	enabled, err := models.ListPaymentProviders(t.Context(), app.DB, true)
	if err != nil || len(enabled) != 1 || enabled[0].Code != models.ProviderTestCard || enabled[0].Name != "Card (test)" {
		t.Fatalf("enabled providers %+v %v", enabled, err)
	}
	wire, _ := models.GetPaymentProvider(t.Context(), app.DB, models.ProviderWire)
	if wire.Name != "Bank transfer" || wire.State != models.ProviderDisabled || wire.Instructions != "IBAN BE00 0000 0000 0000" {
		t.Fatalf("wire %+v", wire)
	}
	if r := admin.PostForm("/office/payment-providers/wire", url.Values{"name": {""}, "state": {"on"}}); r.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, "Enter the name shoppers see.") || !strings.Contains(r.Body, "Choose enabled or disabled.") {
		t.Fatalf("bad provider form: %d", r.StatusCode)
	}
	if r := admin.PostForm("/office/payment-providers/paypal", url.Values{"name": {"PayPal"}, "state": {"enabled"}}); r.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown provider: %d", r.StatusCode)
	}

	// Rotating the secret gives a new random 32-byte hex secret.
	if r := admin.PostForm("/office/payment-providers/test_card/rotate-secret", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("rotate: %d", r.StatusCode)
	}
	rotated, _ := models.GetPaymentProvider(t.Context(), app.DB, models.ProviderTestCard)
	if rotated.WebhookSecret == tc.WebhookSecret || !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(rotated.WebhookSecret) {
		t.Fatalf("secret %q after rotation (was %q)", rotated.WebhookSecret, tc.WebhookSecret)
	}
	if r := admin.PostForm("/office/payment-providers/wire/rotate-secret", nil); r.StatusCode != http.StatusConflict {
		t.Fatalf("rotate a provider without webhooks: %d", r.StatusCode)
	}
	if p := admin.Get("/office/payment-providers"); !strings.Contains(p.Body, "Webhook secret rotated.") || !strings.Contains(p.Body, rotated.WebhookSecret[60:]) {
		t.Fatal("the page does not show the rotation")
	}
}

func TestWebhookLogOverHTTP(t *testing.T) {
	app := testapp.Start(t)
	base := time.Now().Add(-time.Hour)
	for i := range 52 {
		ssLogWebhook(t, app.DB, models.WebhookEvent{ProviderCode: models.ProviderTestCard, EventID: fmt.Sprintf("evt_old_%02d", i), Status: models.WebhookProcessed,
			RemoteAddr: "10.0.0.1", Payload: "{}", ReceivedAt: base.Add(time.Duration(i) * time.Second)})
	}
	rejected := ssLogWebhook(t, app.DB, models.WebhookEvent{ProviderCode: models.ProviderTestCard, EventID: "evt_bad", Status: models.WebhookRejected,
		Message: "signature mismatch", RemoteAddr: "203.0.113.9", Payload: `{"id":"evt_bad","note":"<script>alert(1)</script>"}`, ReceivedAt: base.Add(10 * time.Minute)})
	ssLogWebhook(t, app.DB, models.WebhookEvent{ProviderCode: "other", EventID: "evt_dup", Status: models.WebhookDuplicate, Message: "already processed",
		RemoteAddr: "198.51.100.7", Payload: "not json <b>", ReceivedAt: base.Add(20 * time.Minute)})

	c := app.LoginAs(t, models.RoleSales)
	r := c.Get("/office/webhooks")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("log: %d", r.StatusCode)
	}
	ssWant(t, "webhook log", r.Body, "54 webhooks", "Page 1 of 2", "evt_dup", "Duplicate", "already processed", "198.51.100.7", "evt_bad", "Rejected", "signature mismatch")
	if strings.Index(r.Body, "evt_dup") > strings.Index(r.Body, "evt_bad") || strings.Index(r.Body, "evt_bad") > strings.Index(r.Body, "evt_old_51") {
		t.Fatal("the log is not newest first")
	}
	if strings.Contains(r.Body, "evt_old_03") || !strings.Contains(r.Body, "evt_old_04") {
		t.Fatal("page 1 does not end with the 50th newest event")
	}
	// 54 events, 50 a page: page 2 holds the four oldest.
	if p2 := c.Get("/office/webhooks?page=2"); !strings.Contains(p2.Body, "evt_old_00") || !strings.Contains(p2.Body, "evt_old_03") || strings.Contains(p2.Body, "evt_old_04") {
		t.Fatal("page 2 does not hold the four oldest events")
	}
	f := c.Get("/office/webhooks?status=rejected")
	if len(regexp.MustCompile(`data-testid="webhook-row"`).FindAllString(f.Body, -1)) != 1 || !strings.Contains(f.Body, "evt_bad") || !strings.Contains(f.Body, "1 webhook") {
		t.Fatal("the status filter does not keep only the rejected event")
	}
	if f := c.Get("/office/webhooks?provider=other"); !strings.Contains(f.Body, "evt_dup") || strings.Contains(f.Body, "evt_bad") {
		t.Fatal("the provider filter does not work")
	}
	if f := c.Get("/office/webhooks?status=failed"); !strings.Contains(f.Body, "No webhook matches these filters.") {
		t.Fatal("no empty state")
	}
	frag := c.Do(http.MethodGet, "/office/webhooks?status=duplicate", nil, http.Header{"Hx-Request": {"true"}})
	if frag.StatusCode != http.StatusOK || !strings.Contains(frag.Body, "evt_dup") {
		t.Fatalf("htmx filter: %d", frag.StatusCode)
	}

	d := c.Get(fmt.Sprintf("/office/webhooks/%d", rejected.ID))
	if d.StatusCode != http.StatusOK {
		t.Fatalf("detail: %d", d.StatusCode)
	}
	ssWant(t, "webhook detail", d.Body, "signature mismatch", "203.0.113.9", "&#34;note&#34;: &#34;&lt;script&gt;alert(1)&lt;/script&gt;&#34;")
	if strings.Contains(d.Body, "<script>alert(1)") {
		t.Fatal("the payload is not escaped")
	}
	if r := c.Get("/office/webhooks/999999"); r.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown event: %d", r.StatusCode)
	}
	if r := app.LoginAs(t, models.RoleWarehouse).Get("/office/webhooks"); r.StatusCode != http.StatusForbidden {
		t.Fatalf("warehouse on the webhook log: %d", r.StatusCode)
	}
}

// An admin edits the express courier in the browser: a rule row is added
// and the price preview follows what is typed, through HTMX, without a
// page load; the settings pages render at desktop and phone sizes.
func TestBrowserSalesSettings(t *testing.T) {
	app := testapp.Start(t)
	express := ssSampleCarrier(t, app)
	save5 := ssSampleCoupon(t, app)
	ev := ssLogWebhook(t, app.DB, models.WebhookEvent{ProviderCode: models.ProviderTestCard, EventID: "evt_3f9c2a", Status: models.WebhookProcessed,
		RemoteAddr: "127.0.0.1", Payload: `{"id":"evt_3f9c2a","type":"payment.succeeded","reference":"S00012-1","amount":"54.85","currency":"EUR"}`})
	ssLogWebhook(t, app.DB, models.WebhookEvent{ProviderCode: models.ProviderTestCard, EventID: "evt_3f9c2a", Status: models.WebhookDuplicate,
		Message: "Event already processed.", RemoteAddr: "127.0.0.1", Payload: `{"id":"evt_3f9c2a"}`})
	ssLogWebhook(t, app.DB, models.WebhookEvent{ProviderCode: models.ProviderTestCard, EventID: "evt_91d0", Status: models.WebhookRejected,
		Message: "Signature mismatch.", RemoteAddr: "203.0.113.9", Payload: `{"id":"evt_91d0"}`})
	var admin models.DemoLogin
	for _, d := range models.DemoLogins {
		if d.Role == models.RoleAdmin {
			admin = d
		}
	}
	first := browser.New(t)
	for _, size := range []struct {
		name          string
		width, height int
	}{{"desktop", browser.DesktopWidth, browser.DesktopHeight}, {"phone", 390, 844}} {
		t.Run(size.name, func(t *testing.T) {
			ctx := browser.NewTab(t, first, browser.Size(size.width, size.height))
			browserLogin(t, ctx, app, admin)

			browser.Navigate(t, ctx, app.URL+"/office/carriers")
			browser.Screenshot(t, ctx, "carriers-"+size.name+".png")

			browser.Navigate(t, ctx, fmt.Sprintf("%s/office/carriers/%d", app.URL, express))
			browser.Run(t, ctx, chromedp.Evaluate[bool](`window.ssMarker = true`))
			if got := browser.Text(t, ctx, `[data-testid=preview-price]`); got != "€9.90" {
				t.Fatalf("preview for 1 kg: %q, want €9.90", got)
			}
			// Add a rule "weight <= 50 (100 on the second run) -> 45 (80)" and price 30 kg (70 kg) with it.
			n := browser.Run(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("[data-testid=rule-row]").length`))
			limit, price, weight, want := "50", "45", "30", "€45.00"
			if n > 2 {
				limit, price, weight, want = "100", "80", "70", "€80.00"
			}
			browser.Do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=rule-add]`), chromedp.NodeVisible))
			browser.WaitFor(t, ctx, 5*time.Second, "one more rule row", fmt.Sprintf(`document.querySelectorAll("[data-testid=rule-row]").length === %d`, n+1))
			browser.Do(t, ctx,
				chromedp.SendKeys(chromedp.CSS(fmt.Sprintf(`#f-rules-%d-max_value`, n)), limit),
				chromedp.SendKeys(chromedp.CSS(fmt.Sprintf(`#f-rules-%d-base_price`, n)), price),
			)
			ssRetype(t, ctx, "#f-preview_weight", weight)
			browser.WaitFor(t, ctx, 5*time.Second, "the preview by the new rule",
				fmt.Sprintf(`document.querySelector("[data-testid=preview-price]") && document.querySelector("[data-testid=preview-price]").textContent === %q`, want))
			if !browser.Run(t, ctx, chromedp.Evaluate[bool](`window.ssMarker === true`)) {
				t.Fatal("adding a rule or previewing reloaded the page")
			}
			browser.Screenshot(t, ctx, "carrier-edit-"+size.name+".png")
			ssRetype(t, ctx, "#f-preview_weight", "500")
			browser.WaitFor(t, ctx, 5*time.Second, "no rule for 500 kg", `document.querySelector("[data-testid=preview-problem]") !== null`)
			if size.name == "desktop" {
				browser.ClickAndWait(t, ctx, `[data-testid=save]`)
				cr, err := models.GetCarrierWithRules(t.Context(), app.DB, express)
				if err != nil || len(cr.Rules) != n+1 {
					t.Fatalf("saved express courier: %d rules, %v", len(cr.Rules), err)
				}
			}
			browser.Screenshot(t, ctx, "carrier-no-rule-"+size.name+".png")

			browser.Navigate(t, ctx, app.URL+"/office/carriers/new")
			browser.Do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=kind-rules]`), chromedp.NodeVisible))
			browser.Screenshot(t, ctx, "carrier-new-rules-"+size.name+".png")
			browser.Do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=kind-fixed]`), chromedp.NodeVisible))
			browser.Do(t, ctx, chromedp.SendKeys(chromedp.CSS(`#f-name`), " "), chromedp.SendKeys(chromedp.CSS(`#f-fixed_price`), "-2"))
			browser.ClickAndWait(t, ctx, `[data-testid=save]`)
			if !browser.Exists(t, ctx, `[data-testid=error-name]`) || !browser.Exists(t, ctx, `[data-testid=error-fixed_price]`) {
				t.Fatal("the refused form does not show its problems")
			}
			browser.Screenshot(t, ctx, "carrier-new-invalid-"+size.name+".png")

			browser.Navigate(t, ctx, app.URL+"/office/coupons")
			browser.Screenshot(t, ctx, "coupons-"+size.name+".png")
			browser.Navigate(t, ctx, fmt.Sprintf("%s/office/coupons/%d", app.URL, save5))
			browser.Screenshot(t, ctx, "coupon-edit-"+size.name+".png")
			browser.Navigate(t, ctx, app.URL+"/office/payment-providers")
			browser.Screenshot(t, ctx, "payment-providers-"+size.name+".png")
			browser.Navigate(t, ctx, app.URL+"/office/webhooks")
			browser.Screenshot(t, ctx, "webhooks-"+size.name+".png")
			browser.Navigate(t, ctx, fmt.Sprintf("%s/office/webhooks/%d", app.URL, ev.ID))
			browser.Screenshot(t, ctx, "webhook-"+size.name+".png")
			browser.Navigate(t, ctx, app.URL+"/office/settings")
			browser.Screenshot(t, ctx, "settings-"+size.name+".png")
		})
	}
}

// ssRetype empties an input and types text into it, as a person would.
func ssRetype(t *testing.T, ctx context.Context, css, text string) {
	t.Helper()
	browser.Run(t, ctx, chromedp.Evaluate[bool](fmt.Sprintf(`(document.querySelector(%q).value = "") === ""`, css)))
	browser.Do(t, ctx, chromedp.SendKeys(chromedp.CSS(css), text))
}
