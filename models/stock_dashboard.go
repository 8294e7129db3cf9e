package models

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// InventoryDashboard is the warehouse overview: what is to do per operation
// type, what is late, the backorders waiting for stock and the transfers
// done per day.
type InventoryDashboard struct {
	Cards      []DashboardCard // one per operation kind, in PickingKinds order
	Late       []PickingRow    // to do after their scheduled date, most overdue first
	LateTotal  int
	Backorders []PickingRow // backorders still waiting for (part of) their stock, oldest first
	Backlog    int
	DonePerDay []DayCount // the last DashboardDays days, oldest first, today last
	MaxPerDay  int        // the highest DonePerDay count (at least 1)
}

// DashboardCard counts the transfers to do of one operation kind by state;
// each count matches a filter of the transfer list.
type DashboardCard struct {
	Kind      string `bun:"kind"`
	Ready     int    `bun:"ready"`      // state=assigned: all reserved
	Partial   int    `bun:"partial"`    // state=partially_available
	Waiting   int    `bun:"waiting"`    // state=confirmed: waiting for stock
	WaitOther int    `bun:"wait_other"` // state=waiting: waiting for another operation
	Late      int    `bun:"late"`       // state=late
	Todo      int    `bun:"todo"`       // state=todo
}

// DayCount is the number of transfers done on a day.
type DayCount struct {
	Day   time.Time `bun:"day"`
	Count int       `bun:"n"`
}

// DashboardDays is how many days the "done per day" chart covers.
const DashboardDays = 14

// dashboardListLimit caps the late and backorder lists.
const dashboardListLimit = 20

// GetInventoryDashboard gathers the warehouse overview in four queries.
func GetInventoryDashboard(ctx context.Context, db bun.IDB) (*InventoryDashboard, error) {
	d := &InventoryDashboard{}
	var cards []DashboardCard
	err := db.NewRaw(`SELECT pty.kind,
			count(*) FILTER (WHERE sp.state = 'assigned' AND NOT sp.partially_available) AS ready,
			count(*) FILTER (WHERE sp.state = 'assigned' AND sp.partially_available) AS partial,
			count(*) FILTER (WHERE sp.state = 'confirmed') AS waiting,
			count(*) FILTER (WHERE sp.state = 'waiting') AS wait_other,
			count(*) FILTER (WHERE sp.state <> 'draft' AND sp.scheduled_date < now()) AS late,
			count(*) AS todo
		FROM stock_pickings sp JOIN picking_types pty ON pty.id = sp.picking_type_id
		WHERE sp.state NOT IN ('done', 'cancel')
		GROUP BY pty.kind`).Scan(ctx, &cards)
	if err != nil {
		return nil, fmt.Errorf("models: dashboard counts: %w", err)
	}
	byKind := map[string]DashboardCard{}
	for _, c := range cards {
		byKind[c.Kind] = c
	}
	for _, k := range PickingKinds {
		c := byKind[k]
		c.Kind = k
		d.Cards = append(d.Cards, c)
	}

	total, err := pickingRowJoins(db.NewSelect().Model(&d.Late).ColumnExpr(pickingRowColumns)).
		Where("sp.state NOT IN ('draft', 'done', 'cancel') AND sp.scheduled_date < now()").
		OrderExpr("sp.scheduled_date, sp.id").Limit(dashboardListLimit).ScanAndCount(ctx)
	if err != nil {
		return nil, fmt.Errorf("models: late transfers: %w", err)
	}
	d.LateTotal = int(total)

	total, err = pickingRowJoins(db.NewSelect().Model(&d.Backorders).ColumnExpr(pickingRowColumns)).
		Where("sp.backorder_id IS NOT NULL AND sp.state NOT IN ('draft', 'done', 'cancel')").
		Where("(sp.state <> 'assigned' OR sp.partially_available)").
		OrderExpr("sp.scheduled_date, sp.id").Limit(dashboardListLimit).ScanAndCount(ctx)
	if err != nil {
		return nil, fmt.Errorf("models: waiting backorders: %w", err)
	}
	d.Backlog = int(total)

	err = db.NewRaw(`SELECT days.day::timestamptz AS day, count(sp.id) AS n
		FROM generate_series(current_date - ?::int, current_date, interval '1 day') AS days(day)
		LEFT JOIN stock_pickings sp ON sp.state = 'done' AND sp.date_done >= days.day AND sp.date_done < days.day + interval '1 day'
		GROUP BY days.day ORDER BY days.day`, DashboardDays-1).Scan(ctx, &d.DonePerDay)
	if err != nil {
		return nil, fmt.Errorf("models: transfers done per day: %w", err)
	}
	d.MaxPerDay = 1
	for _, c := range d.DonePerDay {
		d.MaxPerDay = max(d.MaxPerDay, c.Count)
	}
	return d, nil
}
