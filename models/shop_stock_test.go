package models_test

import (
	"testing"

	"orderflow/models"
)

func TestShopShowsStockOfTheWebsiteWarehouse(t *testing.T) {
	e := newStockEnv(t, 1)
	if _, err := e.db.NewRaw("UPDATE companies SET website_warehouse_id = ?", e.wh.ID).Exec(e.ctx); err != nil {
		t.Fatal(err)
	}
	plenty, few, none := e.product("Plenty", models.TrackingNone), e.product("Few", models.TrackingNone), e.product("None", models.TrackingNone)
	e.count(plenty, *e.wh.StockLocationID, 40, "")
	e.count(few, *e.wh.StockLocationID, 7, "")
	e.deliver(demand(few, 4)) // reserved: 3 stay free

	want := map[string]string{"Plenty": models.StockIn, "Few": models.StockLow, "None": models.StockOut}
	page, err := models.ShopProducts(e.ctx, e.db, models.ShopQuery{})
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, c := range page.Cards {
		if w, ok := want[c.Name]; ok {
			seen++
			if c.Stock.Status != w {
				t.Errorf("%s: stock %s, want %s", c.Name, c.Stock.Status, w)
			}
			if c.Name == "Few" && !c.Stock.Free.Equal(dd(3)) {
				t.Errorf("Few: %s free shown, want 3 (7 on hand - 4 reserved)", c.Stock.Free)
			}
			if c.Name == "None" && c.Stock.Orderable {
				t.Error("None is orderable although the shop does not sell beyond stock")
			}
		}
	}
	if seen != 3 {
		t.Fatalf("%d of the 3 products listed", seen)
	}

	// Selling beyond stock makes the sold-out product orderable.
	if _, err := e.db.NewRaw("UPDATE companies SET sell_beyond_stock = true").Exec(e.ctx); err != nil {
		t.Fatal(err)
	}
	var tmplID int64
	if err := e.db.NewRaw("SELECT template_id FROM product_variants WHERE id = ?", none).Scan(e.ctx, &tmplID); err != nil {
		t.Fatal(err)
	}
	v, err := models.ShopProduct(e.ctx, e.db, tmplID)
	if err != nil {
		t.Fatal(err)
	}
	if s := v.Variants[0].Stock; s.Status != models.StockOut || !s.Orderable {
		t.Fatalf("sold-out variant with selling beyond stock: %+v, want out and orderable", s)
	}
}
