package tests

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"orderflow/models"
	"orderflow/tests/browser"
)

// A warehouse worker opens a ready delivery in the back office, validates it
// with the prefilled quantities and sees it done.
func TestBrowserValidateDelivery(t *testing.T) {
	e := newTrEnv(t)
	mug, _ := trProduct(t, e.app, "Browser mug", models.TrackingNone)
	e.stock(mug, 4)
	out, err := models.CreateDeliveryChain(context.Background(), e.app.DB, models.ProcurementInput{WarehouseID: e.wh.ID, Origin: "S-BROWSER",
		Lines: []models.DemandLine{{VariantID: mug, Quantity: decimal.NewFromInt(3), Description: "Browser mug"}}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	ship := out[len(out)-1]
	if len(out) != 1 {
		t.Fatalf("the seeded warehouse has %d delivery steps; this test expects 1", len(out))
	}

	ctx := browser.New(t)
	browserLogin(t, ctx, e.app, demoLogin(t, models.RoleAdmin))
	browser.Navigate(t, ctx, fmt.Sprintf("%s/office/transfers/%d", e.app.URL, ship.ID))
	if got := strings.TrimSpace(browser.Text(t, ctx, `.transfer-header [data-testid=transfer-state]`)); got != "Ready" {
		t.Fatalf("state shown %q, want Ready", got)
	}
	browser.Screenshot(t, ctx, "delivery-ready.png")
	browser.ClickAndWait(t, ctx, `button[data-testid=action-validate]`)
	if got := strings.TrimSpace(browser.Text(t, ctx, `.transfer-header [data-testid=transfer-state]`)); got != "Done" {
		t.Fatalf("state shown after validation %q, want Done", got)
	}
	if got := browser.Text(t, ctx, `[data-testid=flash]`); !strings.Contains(got, ship.Name+" validated") {
		t.Errorf("flash %q", got)
	}
	if browser.Exists(t, ctx, `[data-testid=validate-form]`) {
		t.Errorf("the done delivery still offers validation")
	}
	browser.Screenshot(t, ctx, "delivery-done.png")
	if got := e.onHand(mug); !got.Equal(decimal.NewFromInt(1)) {
		t.Errorf("on hand %s, want 1", got)
	}
}
