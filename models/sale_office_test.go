package models_test

import (
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"orderflow/models"
)

// officeCustomer creates a customer contact with an email address.
func (e *saleEnv) officeCustomer(name, email string) int64 {
	e.t.Helper()
	c := &models.Contact{Name: name, Email: email, Street: "3 Quay", City: "Antwerp", Zip: "2000", CountryCode: "BE"}
	if _, err := e.db.NewInsert().Model(c).Exec(e.ctx); err != nil {
		e.t.Fatal(err)
	}
	return c.ID
}

// quotation creates a quotation for the customer with qty of each variant
// at the catalog price, shipped with the env's carrier.
func (e *saleEnv) quotation(partnerID int64, lines map[int64]string) *models.SaleOrder {
	e.t.Helper()
	in := models.QuotationInput{PartnerID: partnerID, CarrierID: e.carrier.ID}
	for v, q := range lines {
		in.Lines = append(in.Lines, models.QuotationLineInput{VariantID: v, Quantity: q})
	}
	o, err := models.CreateQuotation(e.ctx, e.db, in, 0)
	if err != nil {
		e.t.Fatalf("create quotation: %v", err)
	}
	return o
}

func (e *saleEnv) countRows(table, where string, args ...any) int {
	e.t.Helper()
	n, err := e.db.NewSelect().TableExpr(table).Where(where, args...).Count(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	return int(n)
}

func (e *saleEnv) detail(id int64) *models.OrderDetail {
	e.t.Helper()
	d, err := models.GetOrderDetail(e.ctx, e.db, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return d
}

func TestQuotationValidationSavesNothing(t *testing.T) {
	e := newSaleEnv(t, 1)
	v := e.product("Desk", models.TrackingNone)
	cases := []struct {
		name   string
		in     models.QuotationInput
		fields []string
	}{
		{"empty", models.QuotationInput{}, []string{"partner_id", "lines"}},
		{"bad lines", models.QuotationInput{PartnerID: e.officeCustomer("Bob", "bob@example.com"), Lines: []models.QuotationLineInput{
			{VariantID: v, Quantity: "0"},
		}}, []string{"lines.0.quantity"}},
		{"five decimals, discount, price", models.QuotationInput{PartnerID: e.officeCustomer("Cy", "cy@example.com"), Lines: []models.QuotationLineInput{
			{VariantID: v, Quantity: "1.23456", Discount: "101", PriceUnit: "-1"},
		}}, []string{"lines.0.quantity", "lines.0.discount", "lines.0.price_unit"}},
		{"words", models.QuotationInput{PartnerID: e.officeCustomer("Di", "di@example.com"), Lines: []models.QuotationLineInput{
			{VariantID: v, Quantity: "two"}, {VariantID: 999999, Quantity: "1"},
		}}, []string{"lines.0.quantity", "lines.1.variant_id"}},
		{"duplicate product", models.QuotationInput{PartnerID: e.officeCustomer("Ed", "ed@example.com"), Lines: []models.QuotationLineInput{
			{VariantID: v, Quantity: "1"}, {VariantID: v, Quantity: "2"},
		}}, []string{"lines.1.variant_id"}},
		{"new customer without email", models.QuotationInput{NewCustomer: true, Customer: models.AddressInput{Name: "Flo", Street: "1 Way"},
			Lines: []models.QuotationLineInput{{VariantID: v, Quantity: "1"}}}, []string{"customer_email", "customer_city", "customer_zip", "customer_country_code"}},
		{"existing email", models.QuotationInput{NewCustomer: true, Customer: models.AddressInput{Name: "Bob again", Email: "BOB@example.com"},
			Lines: []models.QuotationLineInput{{VariantID: v, Quantity: "1"}}}, []string{"customer_email"}},
		{"past validity, unknown carrier", models.QuotationInput{PartnerID: e.officeCustomer("Gil", "gil@example.com"), CarrierID: 999999, ValidityDate: "2001-01-01",
			Lines: []models.QuotationLineInput{{VariantID: v, Quantity: "1"}}}, []string{"carrier_id", "validity_date"}},
	}
	for _, c := range cases {
		_, err := models.CreateQuotation(e.ctx, e.db, c.in, 0)
		if models.ErrorCode(err) != models.EINVALID {
			t.Fatalf("%s: %v, want invalid", c.name, err)
		}
		fields := models.FieldErrors(err)
		for _, f := range c.fields {
			if fields[f] == "" {
				t.Errorf("%s: no problem on %s (got %v)", c.name, f, fields)
			}
		}
	}
	if n := e.countRows("sale_orders", "true"); n != 0 {
		t.Fatalf("%d orders saved after invalid quotations", n)
	}
	if n := e.countRows("contacts", "name IN ('Flo', 'Bob again')"); n != 0 {
		t.Fatalf("%d customers created by invalid quotations", n)
	}
}

func TestQuotationCreateAndUpdate(t *testing.T) {
	e := newSaleEnv(t, 1)
	desk := e.product("Desk", models.TrackingNone)
	lamp := e.product("Lamp", models.TrackingNone)

	// A phone customer typed on the spot; the rep gives a price and a discount.
	in := models.QuotationInput{NewCustomer: true, Customer: models.AddressInput{Name: "Phone Customer", Email: "Phone@Example.com", Phone: "+32 3 123 45 67"},
		CarrierID: e.carrier.ID, ValidityDate: "2099-12-31", Note: "Delivery at the back door.",
		Lines: []models.QuotationLineInput{{VariantID: desk, Quantity: "2", PriceUnit: "8.50", Discount: "10"}, {VariantID: lamp, Quantity: "1.5"}}}
	o, err := models.CreateQuotation(e.ctx, e.db, in, 0)
	if err != nil {
		t.Fatal(err)
	}
	if o.Name == nil || !strings.HasPrefix(*o.Name, "S") || o.State != models.OrderDraft || o.Origin != models.OriginOffice {
		t.Fatalf("quotation %v %s %s, want a numbered office draft", o.Name, o.State, o.Origin)
	}
	// 2 x 8.50 - 10% = 15.30; 1.5 x 10 = 15; shipping 5 (no taxes).
	got := e.order(o.ID)
	if !got.AmountTotal.Equal(decimal.RequireFromString("35.30")) {
		t.Fatalf("total %s, want 35.30", got.AmountTotal)
	}
	if n := len(got.Lines); n != 3 || got.Lines[2].Kind != models.LineShipping {
		t.Fatalf("%d lines, want 2 products and shipping", n)
	}
	c, err := models.GetContact(e.ctx, e.db, *got.PartnerID)
	if err != nil || c.Email != "phone@example.com" || c.Phone != "+32 3 123 45 67" {
		t.Fatalf("customer %+v %v", c, err)
	}
	if got.ValidityDate == nil || got.ValidityDate.Format("2006-01-02") != "2099-12-31" || got.Note != "Delivery at the back door." {
		t.Fatalf("validity %v note %q", got.ValidityDate, got.Note)
	}

	// Update: the lamp goes, three desks at the catalog price.
	up := models.QuotationInput{PartnerID: *got.PartnerID, ValidityDate: "2099-12-31", Lines: []models.QuotationLineInput{{VariantID: desk, Quantity: "3"}}}
	if _, err := models.UpdateQuotation(e.ctx, e.db, o.ID, up, 0); err != nil {
		t.Fatal(err)
	}
	got = e.order(o.ID)
	if !got.AmountTotal.Equal(dd(30)) || len(got.Lines) != 1 || got.CarrierID != nil {
		t.Fatalf("after update: total %s, %d lines, carrier %v", got.AmountTotal, len(got.Lines), got.CarrierID)
	}
	// An invalid update changes nothing.
	bad := up
	bad.Lines = []models.QuotationLineInput{{VariantID: desk, Quantity: "-1"}}
	if _, err := models.UpdateQuotation(e.ctx, e.db, o.ID, bad, 0); models.FieldErrors(err)["lines.0.quantity"] == "" {
		t.Fatalf("negative quantity: %v", err)
	}
	if got := e.order(o.ID); !got.AmountTotal.Equal(dd(30)) || !got.Lines[0].Quantity.Equal(dd(3)) {
		t.Fatalf("invalid update changed the quotation: %s", got.AmountTotal)
	}
	h, err := models.History(e.ctx, e.db, "sale_order", o.ID)
	if err != nil || len(h) != 2 || !strings.HasPrefix(h[1].Body, "Quotation created") || !strings.HasPrefix(h[0].Body, "Quotation updated") {
		t.Fatalf("history %+v %v", h, err)
	}

	// The form preview computes the amounts without saving anything.
	before := e.countRows("sale_orders", "true")
	f, err := models.QuotationFormFor(e.ctx, e.db, o.ID, &models.QuotationInput{PartnerID: *got.PartnerID,
		Lines: []models.QuotationLineInput{{VariantID: desk, Quantity: "4"}, {VariantID: lamp, Quantity: "1", PriceUnit: ""}}}, models.QuotationSearch{})
	if err != nil {
		t.Fatal(err)
	}
	if f.Preview == nil || !f.Preview.AmountTotal.Equal(dd(50)) || f.Input.Lines[1].PriceUnit != "10.00" {
		t.Fatalf("preview %+v, price %q", f.Preview, f.Input.Lines[1].PriceUnit)
	}
	if after := e.countRows("sale_orders", "true"); after != before {
		t.Fatalf("the preview saved an order (%d -> %d)", before, after)
	}

	// Once confirmed it is no longer a quotation.
	if _, err := models.ConfirmOrder(e.ctx, e.db, models.NoCustomerMail, o.ID, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := models.UpdateQuotation(e.ctx, e.db, o.ID, up, 0); models.ErrorCode(err) != models.ECONFLICT {
		t.Fatalf("update a confirmed order: %v, want conflict", err)
	}
}

func TestQuotationCarrierThatCannotShipIsAFieldProblem(t *testing.T) {
	e := newSaleEnv(t, 1)
	v := e.product("Desk", models.TrackingNone)
	nl := &models.Carrier{Name: "Dutch post", Kind: models.CarrierFixed, FixedPrice: dd(3), CountryCodes: []string{"NL"}, Active: true}
	if _, err := e.db.NewInsert().Model(nl).Exec(e.ctx); err != nil {
		t.Fatal(err)
	}
	_, err := models.CreateQuotation(e.ctx, e.db, models.QuotationInput{PartnerID: e.officeCustomer("Bea", "bea@example.com"), CarrierID: nl.ID,
		Lines: []models.QuotationLineInput{{VariantID: v, Quantity: "1"}}}, 0)
	if msg := models.FieldErrors(err)["carrier_id"]; !strings.Contains(msg, "does not deliver") {
		t.Fatalf("carrier to another country: %v", err)
	}
	if n := e.countRows("sale_orders", "true"); n != 0 {
		t.Fatalf("%d orders saved", n)
	}
}

func TestConfirmQuotationReservesAndLinksDelivery(t *testing.T) {
	e := newSaleEnv(t, 1)
	v := e.product("Chair", models.TrackingNone)
	e.count(v, *e.wh.StockLocationID, 10, "")
	customer := e.officeCustomer("Bob", "bob@example.com")

	o := e.quotation(customer, map[int64]string{v: "4"})
	if _, err := models.ConfirmOrder(e.ctx, e.db, models.NoCustomerMail, o.ID, 0); err != nil {
		t.Fatal(err)
	}
	d := e.detail(o.ID)
	if d.Order.State != models.OrderSale || d.Order.DeliveryStatus != models.DeliveryPending {
		t.Fatalf("confirmed: %s / %s", d.Order.State, d.Order.DeliveryStatus)
	}
	if len(d.Transfers) != 1 || d.Transfers[0].Kind != models.KindDelivery || !d.Transfers[0].Reserved.Equal(dd(4)) || d.Transfers[0].Shortage() {
		t.Fatalf("transfers %+v, want one delivery with 4 reserved", d.Transfers)
	}
	if f := e.figures(v); !f.Reserved.Equal(dd(4)) {
		t.Fatalf("reserved %s, want 4", f.Reserved)
	}

	// More than the stock left: the order is recorded, the shortage visible.
	big := e.quotation(e.officeCustomer("Cy", "cy@example.com"), map[int64]string{v: "9"})
	if _, err := models.ConfirmOrder(e.ctx, e.db, models.NoCustomerMail, big.ID, 0); err != nil {
		t.Fatal(err)
	}
	s := e.detail(big.ID).Shortages()
	if len(s) != 1 || s[0].ShortageMessage() != "Only 6 of 9 reserved — stock ran out." {
		t.Fatalf("shortages %+v", s)
	}
	page, err := models.ListOrders(e.ctx, e.db, models.OrderFilter{DeliveryStatus: "shortage"})
	if err != nil || page.Total != 1 || page.Rows[0].ID != big.ID || !page.Rows[0].Shortage {
		t.Fatalf("shortage filter: %+v %v", page.Rows, err)
	}

	// Cancelling releases the stock and cancels the transfers.
	if _, err := models.CancelOrder(e.ctx, e.db, models.NoCustomerMail, big.ID, 0); err != nil {
		t.Fatal(err)
	}
	d = e.detail(big.ID)
	if d.Order.State != models.OrderCancel || d.Transfers[0].State != models.StateCancel {
		t.Fatalf("cancelled: %s, transfer %s", d.Order.State, d.Transfers[0].State)
	}
	if f := e.figures(v); !f.Reserved.Equal(dd(4)) {
		t.Fatalf("reserved after cancel %s, want 4 (the first order's)", f.Reserved)
	}

	// A delivered order cannot be cancelled.
	if _, err := models.ValidatePicking(e.ctx, e.db, e.detail(o.ID).Transfers[0].ID, models.ValidateInput{}, 0); err != nil {
		t.Fatal(err)
	}
	_, err = models.CancelOrder(e.ctx, e.db, models.NoCustomerMail, o.ID, 0)
	if models.ErrorCode(err) != models.ECONFLICT || !strings.Contains(models.ErrorMessage(err), "done transfer") {
		t.Fatalf("cancel a delivered order: %v", err)
	}
	if d := e.detail(o.ID); d.Order.State != models.OrderSale || d.Order.DeliveryStatus != models.DeliveryFull || !d.Lines[0].QtyDelivered.Equal(dd(4)) {
		t.Fatalf("delivered order: %s %s %s", d.Order.State, d.Order.DeliveryStatus, d.Lines[0].QtyDelivered)
	}
}

func TestWirePaymentMarkedReceivedConfirms(t *testing.T) {
	e := newSaleEnv(t, 1)
	v := e.product("Mug", models.TrackingNone)
	e.count(v, *e.wh.StockLocationID, 10, "")

	pl := e.checkout(models.ProviderWire, map[int64]int{v: 2})
	if pl.Transaction.State != models.TxPending || e.order(pl.Order.ID).State != models.OrderSent {
		t.Fatalf("wire order: tx %s", pl.Transaction.State)
	}
	if !e.detail(pl.Order.ID).CanMarkReceived(*pl.Transaction) {
		t.Fatal("a pending wire transfer cannot be marked received")
	}
	other := e.checkout(models.ProviderTestCard, map[int64]int{v: 1})
	if _, err := models.MarkPaymentReceived(e.ctx, e.db, models.NoCustomerMail, pl.Order.ID, other.Transaction.Reference, 0); models.ErrorCode(err) != models.ECONFLICT {
		t.Fatalf("another order's payment: %v", err)
	}
	if _, err := models.MarkPaymentReceived(e.ctx, e.db, models.NoCustomerMail, other.Order.ID, other.Transaction.Reference, 0); models.ErrorCode(err) != models.ECONFLICT {
		t.Fatalf("a card payment marked as a wire: %v", err)
	}

	tx, err := models.MarkPaymentReceived(e.ctx, e.db, models.NoCustomerMail, pl.Order.ID, pl.Transaction.Reference, 0)
	if err != nil || tx.State != models.TxDone {
		t.Fatalf("mark received: %v", err)
	}
	got := e.order(pl.Order.ID)
	if got.State != models.OrderSale || got.PaymentStatus != models.PaymentPaid || !got.AmountPaid.Equal(got.AmountTotal) {
		t.Fatalf("after the wire: %s / %s paid %s of %s", got.State, got.PaymentStatus, got.AmountPaid, got.AmountTotal)
	}
	if f := e.figures(v); !f.Reserved.Equal(dd(2)) {
		t.Fatalf("reserved %s, want 2", f.Reserved)
	}
	// Twice is harmless. A paid order that has not shipped may be cancelled
	// (as in Odoo): the stock is released, the payment stays recorded and
	// the history says to refund it.
	if _, err := models.MarkPaymentReceived(e.ctx, e.db, models.NoCustomerMail, pl.Order.ID, pl.Transaction.Reference, 0); models.ErrorCode(err) != models.ECONFLICT {
		t.Fatalf("mark received twice: %v", err)
	}
	if _, err := models.CancelOrder(e.ctx, e.db, models.NoCustomerMail, pl.Order.ID, 0); err != nil {
		t.Fatalf("cancel a paid order: %v", err)
	}
	got = e.order(pl.Order.ID)
	if got.State != models.OrderCancel || got.PaymentStatus != models.PaymentPaid || !got.AmountPaid.Equal(got.AmountTotal) {
		t.Fatalf("the cancelled paid order: %s / %s paid %s", got.State, got.PaymentStatus, got.AmountPaid)
	}
	if f := e.figures(v); !f.Reserved.IsZero() {
		t.Fatalf("reserved %s after cancelling, want 0", f.Reserved)
	}
	if !e.historyHas(pl.Order.ID, "The customer paid €"+got.AmountPaid.StringFixed(2)+": refund it through the payment provider.") {
		t.Fatal("the history does not say to refund the payment")
	}
}

// Cash on delivery: the order is confirmed at once and its payment waits;
// the back office marks it received when the courier brings the money. A
// cancelled order's open payment is cancelled and its payment status says
// so (it said "pending").
func TestCashOnDeliveryReceivedAndCancelled(t *testing.T) {
	e := newSaleEnv(t, 1)
	v := e.product("Mug", models.TrackingNone)
	e.count(v, *e.wh.StockLocationID, 10, "")
	pl := e.checkout(models.ProviderCOD, map[int64]int{v: 1})
	if o := e.order(pl.Order.ID); o.State != models.OrderSale || o.PaymentStatus != models.PaymentPending {
		t.Fatalf("cash on delivery: %s / %s", o.State, o.PaymentStatus)
	}
	if !e.detail(pl.Order.ID).CanMarkReceived(*pl.Transaction) {
		t.Fatal("cash on delivery cannot be marked received")
	}
	if _, err := models.MarkPaymentReceived(e.ctx, e.db, models.NoCustomerMail, pl.Order.ID, pl.Transaction.Reference, 0); err != nil {
		t.Fatal(err)
	}
	if o := e.order(pl.Order.ID); o.PaymentStatus != models.PaymentPaid || !o.AmountPaid.Equal(o.AmountTotal) {
		t.Fatalf("after the courier's cash: %s paid %s of %s", o.PaymentStatus, o.AmountPaid, o.AmountTotal)
	}

	other := e.checkout(models.ProviderCOD, map[int64]int{v: 1})
	if _, err := models.CancelOrder(e.ctx, e.db, models.NoCustomerMail, other.Order.ID, 0); err != nil {
		t.Fatal(err)
	}
	if o := e.order(other.Order.ID); o.State != models.OrderCancel || o.PaymentStatus != models.PaymentNotPaid {
		t.Fatalf("cancelled cash-on-delivery order: %s / %s, want cancel / not paid", o.State, o.PaymentStatus)
	}
}

func TestPartialPaymentNeverConfirms(t *testing.T) {
	e := newSaleEnv(t, 1)
	v := e.product("Mug", models.TrackingNone)
	e.count(v, *e.wh.StockLocationID, 10, "")
	pl := e.checkout(models.ProviderWire, map[int64]int{v: 3}) // 35.00
	wire, err := models.GetPaymentProvider(e.ctx, e.db, models.ProviderWire)
	if err != nil {
		t.Fatal(err)
	}
	// The customer wires a part only: the transaction covers 20.
	part := &models.PaymentTransaction{Reference: *pl.Order.Name + "-part", OrderID: pl.Order.ID, ProviderID: wire.ID, Amount: dd(20),
		CurrencyCode: "EUR", State: models.TxPending}
	if _, err := e.db.NewInsert().Model(part).Exec(e.ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := models.MarkPaymentReceived(e.ctx, e.db, models.NoCustomerMail, pl.Order.ID, part.Reference, 0); err != nil {
		t.Fatal(err)
	}
	got := e.order(pl.Order.ID)
	if got.State != models.OrderSent || got.PaymentStatus != models.PaymentPartial || !got.AmountPaid.Equal(dd(20)) {
		t.Fatalf("partly paid: %s / %s paid %s", got.State, got.PaymentStatus, got.AmountPaid)
	}
	if n := e.countRows("stock_pickings", "sale_order_id = ?", pl.Order.ID); n != 0 {
		t.Fatalf("%d transfers for a partly paid order", n)
	}
}

func TestSendQuotationMailsTheLink(t *testing.T) {
	e := newSaleEnv(t, 1)
	v := e.product("Desk", models.TrackingNone)
	o := e.quotation(e.officeCustomer("Bob Buyer", "bob@example.com"), map[int64]string{v: "2"})
	co, err := models.GetCompany(e.ctx, e.db)
	if err != nil {
		t.Fatal(err)
	}
	link := func(o *models.SaleOrder) string { return "https://shop.example/shop/orders/1?token=" + o.AccessToken }
	m, err := models.SendQuotation(e.ctx, e.db, nil, o.ID, link, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := e.order(o.ID)
	if got.State != models.OrderSent {
		t.Fatalf("state %s after sending, want sent", got.State)
	}
	if m.To != "bob@example.com" || m.Subject != "Quotation "+*o.Name+" from "+co.Name || m.State != models.MailKept {
		t.Fatalf("mail to %s subject %q state %s", m.To, m.Subject, m.State)
	}
	for _, want := range []string{"Hello Bob Buyer", link(got), "Total: €25.00", "2 × Desk"} {
		if !strings.Contains(m.Body, want) {
			t.Errorf("mail body lacks %q:\n%s", want, m.Body)
		}
	}
	d := e.detail(o.ID)
	if len(d.Mails) != 1 || d.Mails[0].ID != m.ID || d.Mails[0].DocumentName != *o.Name {
		t.Fatalf("order mails %+v", d.Mails)
	}
	list, err := models.ListMail(e.ctx, e.db, models.MailFilter{Query: "bob@"})
	if err != nil || list.Total != 1 || list.Rows[0].DocumentURL() == "" {
		t.Fatalf("mail list %+v %v", list, err)
	}

	// A customer without an email address, and a web order, cannot be sent.
	noMail := e.quotation(e.officeCustomer("No Mail", ""), map[int64]string{v: "1"})
	if _, err := models.SendQuotation(e.ctx, e.db, nil, noMail.ID, link, 0); models.ErrorCode(err) != models.ECONFLICT {
		t.Fatalf("send without email: %v", err)
	}
	e.count(v, *e.wh.StockLocationID, 5, "")
	web := e.checkout(models.ProviderWire, map[int64]int{v: 1})
	if _, err := models.SendQuotation(e.ctx, e.db, nil, web.Order.ID, link, 0); models.ErrorCode(err) != models.ECONFLICT {
		t.Fatalf("send a web order: %v", err)
	}
}

func TestListOrdersFiltersAndCarts(t *testing.T) {
	e := newSaleEnv(t, 1)
	v := e.product("Desk", models.TrackingNone)
	e.count(v, *e.wh.StockLocationID, 50, "")
	q := e.quotation(e.officeCustomer("Quinn Office", "quinn@example.com"), map[int64]string{v: "1"})
	web := e.checkout(models.ProviderWire, map[int64]int{v: 1}) // Ada Shopper, sent, payment pending
	confirmed := e.quotation(e.officeCustomer("Cleo Confirmed", "cleo@example.com"), map[int64]string{v: "2"})
	if _, err := models.ConfirmOrder(e.ctx, e.db, models.NoCustomerMail, confirmed.ID, 0); err != nil {
		t.Fatal(err)
	}
	cart, err := models.AddToCart(e.ctx, e.db, models.CartOwner{}, v, "3")
	if err != nil {
		t.Fatal(err)
	}

	ids := func(f models.OrderFilter) []int64 {
		t.Helper()
		p, err := models.ListOrders(e.ctx, e.db, f)
		if err != nil {
			t.Fatal(err)
		}
		out := []int64{}
		for _, r := range p.Rows {
			out = append(out, r.ID)
		}
		return out
	}
	same := func(what string, got []int64, want ...int64) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s: %v, want %v", what, got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("%s: %v, want %v", what, got, want)
			}
		}
	}
	same("all orders, newest first, no cart", ids(models.OrderFilter{}), confirmed.ID, web.Order.ID, q.ID)
	same("quotations", ids(models.OrderFilter{View: models.OrderViewQuotations}), web.Order.ID, q.ID)
	same("office quotations", ids(models.OrderFilter{View: models.OrderViewQuotations, Origin: models.OriginOffice}), q.ID)
	same("confirmed", ids(models.OrderFilter{State: models.OrderSale}), confirmed.ID)
	same("payment pending", ids(models.OrderFilter{PaymentStatus: models.PaymentPending}), web.Order.ID)
	same("delivery pending", ids(models.OrderFilter{DeliveryStatus: models.DeliveryPending}), confirmed.ID)
	same("customer by email", ids(models.OrderFilter{Customer: "QUINN@"}), q.ID)
	same("customer by name", ids(models.OrderFilter{Customer: "ada shop"}), web.Order.ID)
	same("number", ids(models.OrderFilter{Query: *confirmed.Name}), confirmed.ID)
	same("from a future date", ids(models.OrderFilter{DateFrom: "2999-01-01"}))
	same("until a future date", ids(models.OrderFilter{DateTo: "2999-01-01", Origin: models.OriginWebsite}), web.Order.ID)

	p, err := models.ListOrders(e.ctx, e.db, models.OrderFilter{State: models.OrderSale})
	if err != nil || p.AllCount != 3 || p.StateCounts[models.OrderDraft] != 1 || p.StateCounts[models.OrderSent] != 1 || p.StateCounts[models.OrderSale] != 1 {
		t.Fatalf("counts %v all %d", p.StateCounts, p.AllCount)
	}

	carts, err := models.ListAbandonedCarts(e.ctx, e.db, 1, 0)
	if err != nil || carts.Total != 1 || carts.Rows[0].ID != cart.Order.ID || !carts.Rows[0].Items.Equal(dd(3)) || carts.Rows[0].CustomerName != "" {
		t.Fatalf("carts %+v %v", carts, err)
	}
	if !carts.Rows[0].AmountTotal.Equal(dd(30)) || carts.ExpiryHours <= 0 || !carts.Rows[0].ExpiresAt.After(carts.Rows[0].UpdatedAt) {
		t.Fatalf("cart row %+v, expiry %d", carts.Rows[0], carts.ExpiryHours)
	}
	if d := e.detail(cart.Order.ID); !d.IsCart() || d.CanConfirm() || d.CanCancel() || d.CartExpiresAt == nil {
		t.Fatalf("cart detail offers actions: %+v", d)
	}
}
