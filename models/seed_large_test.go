package models_test

import (
	"context"
	"testing"

	"orderflow/models"
	"orderflow/tests/testdb"
)

func TestSeedLargeCatalog(t *testing.T) {
	db := testdb.New(t)
	ctx := context.Background()
	if err := models.SeedLargeCatalog(ctx, db, 500); err != nil {
		t.Fatal(err)
	}
	if err := models.SeedLargeCatalog(ctx, db, 100); err != nil { // a second batch adds to the first
		t.Fatal(err)
	}
	p, err := models.ShopProducts(ctx, db, models.ShopQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if want := 600 - 600/20; p.Total != want {
		t.Errorf("%d products listed, want %d (one in twenty unpublished)", p.Total, want)
	}
	if s, _ := models.ShopProducts(ctx, db, models.ShopQuery{Search: "hoodie"}); s.Total == 0 {
		t.Errorf("no generated hoodie found")
	}
	if n, _ := db.NewSelect().Model((*models.ProductVariant)(nil)).Where("combination <> ''").Count(ctx); n != 3*120 {
		t.Errorf("%d size variants, want 3 for every fifth product", n)
	}
}
