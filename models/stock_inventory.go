package models

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"
)

// CountLine is what was counted of one variant (and lot) in a location.
type CountLine struct {
	VariantID int64
	LotName   string
	Counted   decimal.Decimal
}

// CountInput is an inventory count of one internal location.
type CountInput struct {
	LocationID int64
	Lines      []CountLine
}

// CountResult is the adjustment a count produced, per line.
type CountResult struct {
	Adjusted []CountAdjustment
}

// CountAdjustment is the difference found for one line.
type CountAdjustment struct {
	VariantID  int64
	Before     decimal.Decimal
	Counted    decimal.Decimal
	Difference decimal.Decimal
	MoveID     int64 // the done move recording it, 0 when nothing differed
}

// ApplyInventoryCount sets the on-hand quantity of each counted variant (lot)
// in the location to what was counted. Each difference becomes a done move
// from or to the inventory adjustment location, recorded with who and when.
// Reservations that no longer fit are released and tried again elsewhere.
// It locks the quants concerned.
func ApplyInventoryCount(ctx context.Context, db *bun.DB, in CountInput, actorID int64) (*CountResult, error) {
	p := Problems{}
	if len(in.Lines) == 0 {
		p.Add("lines", "Count at least one product.")
	}
	for i, l := range in.Lines {
		if l.Counted.IsNegative() || l.Counted.Exponent() < -4 {
			p.Add(fmt.Sprintf("lines.%d.counted", i), "Enter a quantity of zero or more, with at most 4 decimals.")
		}
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	res := &CountResult{}
	err := runStockTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		res.Adjusted = nil
		loc := new(Location)
		if err := tx.NewSelect().Model(loc).Where("id = ?", in.LocationID).Scan(ctx); err != nil {
			return notFound(err, "The location")
		}
		if loc.Usage != UsageInternal {
			return &Error{Code: EINVALID, Message: "Stock is only counted in internal locations.", Fields: map[string]string{"location": "Choose an internal location."}}
		}
		loss, err := specialLocation(ctx, tx, UsageInventory)
		if err != nil {
			return err
		}
		ids := make([]int64, len(in.Lines))
		for i, l := range in.Lines {
			ids[i] = l.VariantID
		}
		info, err := loadVariantStockInfo(ctx, tx, ids)
		if err != nil {
			return err
		}
		var rereserve []int64
		now := time.Now()
		for i, l := range in.Lines {
			vi, ok := info[l.VariantID]
			field := fmt.Sprintf("lines.%d", i)
			switch {
			case !ok:
				p.Add(field+".variant", "Choose an existing product.")
				continue
			case vi.Type != ProductStorable:
				p.Add(field+".variant", "Only storable products are counted.")
				continue
			case vi.Tracking != TrackingNone && strings.TrimSpace(l.LotName) == "":
				p.Add(field+".lot", "Enter the lot or serial number.")
				continue
			case vi.Tracking == TrackingSerial && l.Counted.GreaterThan(decimal.NewFromInt(1)):
				p.Add(field+".counted", "A serial number counts 0 or 1.")
				continue
			}
			var lotID *int64
			if name := strings.TrimSpace(l.LotName); name != "" {
				var id int64
				if err := tx.NewRaw(`INSERT INTO stock_lots (variant_id, name) VALUES (?, ?)
					ON CONFLICT (variant_id, name) DO UPDATE SET name = EXCLUDED.name RETURNING id`, l.VariantID, name).Scan(ctx, &id); err != nil {
					return err
				}
				lotID = &id
			}
			q := new(Quant)
			err := tx.NewSelect().Model(q).
				Where("variant_id = ? AND location_id = ? AND lot_id IS NOT DISTINCT FROM ? AND package_id IS NULL", l.VariantID, loc.ID, lotID).
				For("UPDATE").Scan(ctx)
			if err != nil && !isNoRows(err) {
				return err
			}
			before := q.Quantity
			diff := l.Counted.Sub(before)
			adj := CountAdjustment{VariantID: l.VariantID, Before: before, Counted: l.Counted, Difference: diff}
			if diff.IsZero() {
				res.Adjusted = append(res.Adjusted, adj)
				continue
			}
			if l.Counted.LessThan(q.ReservedQuantity) {
				// Fewer units than reserved: give the reservations back, and
				// try them again once the count is applied.
				moves, err := moveIDsWhere(ctx, tx, `id IN (SELECT move_id FROM stock_move_lines WHERE state = 'open'
					AND variant_id = ? AND location_id = ? AND lot_id IS NOT DISTINCT FROM ? AND package_id IS NULL)`, l.VariantID, loc.ID, lotID)
				if err != nil {
					return err
				}
				if err := releaseLines(ctx, tx, "l.variant_id = ? AND l.location_id = ? AND l.lot_id IS NOT DISTINCT FROM ? AND l.package_id IS NULL", l.VariantID, loc.ID, lotID); err != nil {
					return err
				}
				if _, err := tx.NewRaw("UPDATE stock_moves SET state = 'confirmed' WHERE id IN (?) AND procure_method = 'make_to_stock'", bun.In(moves)).Exec(ctx); err != nil {
					return err
				}
				rereserve = append(rereserve, moves...)
			}
			src, dest := loss.ID, loc.ID
			if diff.IsNegative() {
				src, dest = loc.ID, loss.ID
			}
			m := &Move{VariantID: l.VariantID, Description: "Inventory count", Demand: diff.Abs(), QuantityDone: diff.Abs(),
				LocationID: src, LocationDestID: dest, State: StateDone, ProcureMethod: MakeToStock, Origin: "Inventory count", DateDone: &now}
			if _, err := tx.NewInsert().Model(m).Returning("id").Exec(ctx); err != nil {
				return err
			}
			ml := &MoveLine{MoveID: m.ID, VariantID: l.VariantID, LocationID: src, LocationDestID: dest, LotID: lotID, LotName: l.LotName,
				QuantityDone: diff.Abs(), State: "done", DoneBy: nullableID(actorID), Date: now}
			if _, err := tx.NewInsert().Model(ml).Exec(ctx); err != nil {
				return err
			}
			_, err = tx.NewRaw(`INSERT INTO stock_quants AS q (variant_id, location_id, lot_id, package_id, quantity, in_date)
				VALUES (?, ?, ?, NULL, ?, ?)
				ON CONFLICT (variant_id, location_id, lot_id, package_id) DO UPDATE SET quantity = EXCLUDED.quantity`,
				l.VariantID, loc.ID, lotID, l.Counted, now).Exec(ctx)
			if err != nil {
				return fmt.Errorf("models: apply count: %w", err)
			}
			adj.MoveID = m.ID
			res.Adjusted = append(res.Adjusted, adj)
			if err := RecordHistory(ctx, tx, "location", loc.ID, actorID,
				fmt.Sprintf("Counted variant %d: %s → %s.", l.VariantID, before, l.Counted)); err != nil {
				return err
			}
		}
		if err := p.Err(); err != nil {
			return err
		}
		if err := reserveMoves(ctx, tx, rereserve); err != nil {
			return err
		}
		return reserveWaiting(ctx, tx, ids)
	})
	if err != nil {
		return nil, wrapErr(err, "apply inventory count")
	}
	return res, nil
}

// StockFigures are the quantities of a variant in a warehouse (or location).
type StockFigures struct {
	VariantID int64           `bun:"variant_id"`
	OnHand    decimal.Decimal `bun:"on_hand,type:numeric"`
	Reserved  decimal.Decimal `bun:"reserved,type:numeric"`
	Incoming  decimal.Decimal `bun:"incoming,type:numeric"`
	Outgoing  decimal.Decimal `bun:"outgoing,type:numeric"`
}

// Free is what can still be promised: on hand minus reserved.
func (f StockFigures) Free() decimal.Decimal { return f.OnHand.Sub(f.Reserved) }

// Forecast is on hand plus incoming minus outgoing.
func (f StockFigures) Forecast() decimal.Decimal { return f.OnHand.Add(f.Incoming).Sub(f.Outgoing) }

// Availability returns the stock figures of many variants in one warehouse
// (all internal locations under its view location), in one query. Variants
// without stock or moves get zero figures.
func Availability(ctx context.Context, db bun.IDB, warehouseID int64, variantIDs []int64) (map[int64]StockFigures, error) {
	out := make(map[int64]StockFigures, len(variantIDs))
	if len(variantIDs) == 0 {
		return out, nil
	}
	var rows []StockFigures
	err := db.NewRaw(`
		WITH locs AS (
			SELECT l.id, l.usage FROM stock_locations l JOIN warehouses w ON w.id = ?
			JOIN stock_locations v ON v.id = w.view_location_id
			WHERE l.complete_name = v.complete_name OR starts_with(l.complete_name, v.complete_name || '/')
		), v AS (SELECT unnest(?::bigint[]) AS variant_id)
		SELECT v.variant_id,
			coalesce(q.on_hand, 0) AS on_hand, coalesce(q.reserved, 0) AS reserved,
			coalesce(m.incoming, 0) AS incoming, coalesce(m.outgoing, 0) AS outgoing
		FROM v
		LEFT JOIN (
			SELECT variant_id, sum(quantity) AS on_hand, sum(reserved_quantity) AS reserved
			FROM stock_quants WHERE location_id IN (SELECT id FROM locs WHERE usage = 'internal') AND variant_id = ANY(?::bigint[])
			GROUP BY variant_id
		) q ON q.variant_id = v.variant_id
		LEFT JOIN (
			SELECT sm.variant_id,
				sum(sm.demand - sm.quantity_done) FILTER (WHERE sm.location_dest_id IN (SELECT id FROM locs)
					AND sm.location_id NOT IN (SELECT id FROM locs)) AS incoming,
				sum(sm.demand - sm.quantity_done) FILTER (WHERE sm.location_id IN (SELECT id FROM locs)
					AND sm.location_dest_id NOT IN (SELECT id FROM locs)) AS outgoing
			FROM stock_moves sm
			WHERE sm.variant_id = ANY(?::bigint[]) AND sm.state NOT IN ('draft', 'done', 'cancel')
			GROUP BY sm.variant_id
		) m ON m.variant_id = v.variant_id`,
		warehouseID, pgArray(variantIDs), pgArray(variantIDs), pgArray(variantIDs)).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("models: availability: %w", err)
	}
	for _, r := range rows {
		out[r.VariantID] = r
	}
	return out, nil
}
