package tests

import (
	"context"
	"math/rand/v2"
	"testing"

	"orderflow/models"
)

// The model side of one web order: two products into a cart, address,
// shipping, placing with the test card and its successful payment (which
// confirms the order, reserves the stock, creates the delivery and queues
// the order confirmation mail). It is the database work behind the HTTP
// flow the load generator drives.
func BenchmarkWebOrderModels(b *testing.B) {
	ctx := context.Background()
	db, _, ids := benchStock(b, 200)
	carrier := &models.Carrier{Name: "Post", Kind: models.CarrierFixed, CountryCodes: []string{}, Active: true}
	if _, err := db.NewInsert().Model(carrier).Exec(ctx); err != nil {
		b.Fatal(err)
	}
	addr := models.AddressInput{Name: "Bench Shopper", Email: "bench@example.com", Street: "1 Main Street", City: "Ghent", Zip: "9000", CountryCode: "BE"}
	// Mail kept (no SMTP server), as in the load generator's runs.
	mail := models.CustomerMail{PortalURL: func(o *models.SaleOrder) string { return "http://shop.example/shop/orders/" + itoa(o.ID) }}
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			owner := models.CartOwner{}
			for range 2 {
				c, err := models.AddToCart(ctx, db, owner, ids[rand.IntN(len(ids))], "1")
				if err != nil {
					b.Error(err)
					return
				}
				owner.CartID = c.Order.ID
			}
			if _, err := models.SetCheckoutAddresses(ctx, db, owner, models.CheckoutAddresses{Billing: addr}); err != nil {
				b.Error(err)
				return
			}
			if _, err := models.SetOrderCarrier(ctx, db, owner.CartID, carrier.ID); err != nil {
				b.Error(err)
				return
			}
			pl, err := models.PlaceOrder(ctx, db, mail, owner.CartID, models.PlaceInput{Provider: models.ProviderTestCard}, 0)
			if err != nil {
				b.Error(err)
				return
			}
			t := pl.Transaction
			if _, err := models.SetTransactionState(ctx, db, mail, t.Reference, models.TransactionUpdate{State: models.TxDone, Amount: t.Amount, CurrencyCode: t.CurrencyCode}, 0); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	var sale int
	if err := db.NewRaw("SELECT count(*) FROM sale_orders WHERE state = 'sale'").Scan(ctx, &sale); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(sale)/b.Elapsed().Seconds(), "orders/s")
}
