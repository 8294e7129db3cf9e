package tests

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/shopspring/decimal"

	"orderflow/models"
	"orderflow/tests/browser"
	"orderflow/tests/testapp"
)

// dashCount reads a count of a card of the inventory overview.
func dashCount(t *testing.T, body, kind, what string) int {
	t.Helper()
	re := regexp.MustCompile(`data-testid="inventory-card-` + kind + `"[\s\S]*?data-testid="count-` + what + `" data-count="(\d+)"`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no %s count on the %s card", what, kind)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// dashDone reads today's bar of the "done per day" chart.
func dashDone(t *testing.T, body string) int {
	t.Helper()
	re := regexp.MustCompile(`data-testid="chart-day" data-day="` + time.Now().Format("2006-01-02") + `" data-count="(\d+)"`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no bar for today in the chart")
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

func dashPage(t *testing.T, c *testapp.Client) string {
	t.Helper()
	r := c.Get("/office/inventory")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("inventory overview: %d\n%s", r.StatusCode, r.Body)
	}
	return r.Body
}

func TestInventoryDashboard(t *testing.T) {
	e := newTrEnv(t)
	ctx := context.Background()
	sales := e.app.LoginAs(t, models.RoleSales) // read access is enough
	before := dashPage(t, sales)
	wantIn(t, before, `data-testid="inventory-cards"`, `data-testid="done-chart"`, "<svg")
	if n := strings.Count(before, `data-testid="chart-day"`); n != models.DashboardDays {
		t.Errorf("chart has %d days, want %d", n, models.DashboardDays)
	}
	ready0, late0, waiting0 := dashCount(t, before, "delivery", "ready"), dashCount(t, before, "delivery", "late"), dashCount(t, before, "delivery", "waiting")
	done0 := dashDone(t, before)

	mug, _ := trProduct(t, e.app, "Dashboard mug", models.TrackingNone)
	e.stock(mug, 3)
	deliver := func(qty int64, scheduled time.Time, origin string) *models.Picking {
		pks, err := models.CreateDeliveryChain(ctx, e.app.DB, models.ProcurementInput{WarehouseID: e.wh.ID, Origin: origin,
			ScheduledDate: scheduled, Lines: []models.DemandLine{{VariantID: mug, Quantity: decimal.NewFromInt(qty), Description: "Mug"}}}, 0)
		if err != nil {
			t.Fatal(err)
		}
		return pks[0]
	}
	// Late and ready: 2 mugs scheduled two days ago.
	late := deliver(2, time.Now().Add(-48*time.Hour), "LATE-1")
	// 3 mugs for tomorrow, 1 in stock: done partly today, the rest as a backorder waiting for stock.
	part := deliver(3, time.Now().Add(24*time.Hour), "PART-1")
	if _, err := models.ValidatePicking(ctx, e.app.DB, part.ID, models.ValidateInput{Backorder: models.BackorderCreate}, 0); err != nil {
		t.Fatal(err)
	}
	bo := e.backorderOf(part.ID)

	after := dashPage(t, sales)
	if got := dashCount(t, after, "delivery", "ready"); got != ready0+1 {
		t.Errorf("ready deliveries %d, want %d", got, ready0+1)
	}
	if got := dashCount(t, after, "delivery", "late"); got != late0+1 {
		t.Errorf("late deliveries %d, want %d", got, late0+1)
	}
	if got := dashCount(t, after, "delivery", "waiting"); got != waiting0+1 {
		t.Errorf("deliveries waiting for stock %d, want %d", got, waiting0+1)
	}
	if got := dashDone(t, after); got != done0+1 {
		t.Errorf("done today %d, want %d", got, done0+1)
	}
	wantIn(t, after,
		fmt.Sprintf(`data-testid="late-row" data-name="%s"`, late.Name),
		fmt.Sprintf(`data-testid="backorder-row" data-name="%s"`, bo.Name),
		`href="/office/transfers?kind=delivery&amp;state=late"`,
		`href="/office/transfers?kind=delivery&amp;state=assigned"`)
	if strings.Contains(after, fmt.Sprintf(`data-testid="late-row" data-name="%s"`, bo.Name)) {
		t.Errorf("a backorder scheduled tomorrow is listed as late")
	}

	// The counts match the transfer list they link to.
	r := sales.Get("/office/transfers?kind=delivery&state=late")
	if !strings.Contains(r.Body, fmt.Sprintf(`%d transfers`, late0+1)) {
		t.Errorf("the late list does not hold %d transfers", late0+1)
	}

	if r := e.app.LoginAs(t, models.RoleCustomer).Get("/office/inventory"); r.StatusCode != http.StatusForbidden {
		t.Errorf("customer on the inventory overview: %d", r.StatusCode)
	}
}

// backorderOf returns the backorder of a transfer.
func (e *trEnv) backorderOf(id int64) *models.Picking {
	e.t.Helper()
	pk := new(models.Picking)
	if err := e.app.DB.NewSelect().Model(pk).Where("backorder_id = ?", id).Scan(e.ctx); err != nil {
		e.t.Fatal(err)
	}
	return pk
}

// The overview and a transfer page fit a desktop and a phone.
func TestBrowserInventoryOverview(t *testing.T) {
	e := newDocEnv(t)
	if _, err := e.app.DB.NewRaw("UPDATE stock_pickings SET scheduled_date = now() - interval '3 days', carrier_tracking_ref = '1Z999AA10123456784' WHERE id = ?", e.pickingID).Exec(t.Context()); err != nil {
		t.Fatal(err)
	}
	first := browser.New(t)
	for _, size := range []struct {
		name string
		w, h int
	}{{"desktop", 1280, 900}, {"phone", 390, 844}} {
		ctx := browser.NewTab(t, first, browser.Size(size.w, size.h))
		browserLogin(t, ctx, e.app, demoLogin(t, models.RoleAdmin))
		browser.Navigate(t, ctx, e.app.URL+"/office/inventory")
		if got := browser.Text(t, ctx, `[data-testid=inventory-card-delivery] [data-testid=count-late]`); !strings.HasPrefix(strings.TrimSpace(got), "1") {
			t.Errorf("%s: late deliveries %q", size.name, got)
		}
		if w := browser.Run(t, ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > size.w {
			t.Errorf("%s: the overview is %d px wide", size.name, w)
		}
		browser.Screenshot(t, ctx, "overview-"+size.name+".png")
		browser.Navigate(t, ctx, fmt.Sprintf("%s/office/transfers/%d", e.app.URL, e.pickingID))
		browser.Text(t, ctx, `[data-testid=tracking-link]`)
		browser.Screenshot(t, ctx, "transfer-"+size.name+".png")
	}
}
