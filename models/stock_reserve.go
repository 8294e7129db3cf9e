package models

import (
	"context"
	"fmt"
	"slices"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// variantStockInfo is what reservation needs to know about a product variant.
type variantStockInfo struct {
	VariantID int64  `bun:"variant_id"`
	Type      string `bun:"type"`
	Tracking  string `bun:"tracking"`
}

func loadVariantStockInfo(ctx context.Context, db bun.IDB, ids []int64) (map[int64]variantStockInfo, error) {
	var rows []variantStockInfo
	if len(ids) == 0 {
		return map[int64]variantStockInfo{}, nil
	}
	err := db.NewRaw(`SELECT v.id AS variant_id, t.type, t.tracking FROM product_variants v
		JOIN product_templates t ON t.id = v.template_id WHERE v.id IN (?)`, bun.In(ids)).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("models: load variants: %w", err)
	}
	out := make(map[int64]variantStockInfo, len(rows))
	for _, r := range rows {
		out[r.VariantID] = r
	}
	return out, nil
}

// locationInfo is a location with its usage, for deciding where stock is kept.
type locationInfo struct {
	ID           int64  `bun:"id"`
	CompleteName string `bun:"complete_name"`
	Usage        string `bun:"usage"`
}

// internalSubtree returns the internal locations at or under each of roots.
func internalSubtree(ctx context.Context, db bun.IDB, roots []int64) (map[int64]map[int64]bool, error) {
	var rows []struct {
		Root int64 `bun:"root"`
		ID   int64 `bun:"id"`
	}
	err := db.NewRaw(`SELECT r.id AS root, l.id FROM stock_locations r
		JOIN stock_locations l ON (l.id = r.id OR starts_with(l.complete_name, r.complete_name || '/'))
		WHERE r.id IN (?) AND l.usage = 'internal' AND l.active`, bun.In(roots)).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("models: location subtree: %w", err)
	}
	out := map[int64]map[int64]bool{}
	for _, r := range rows {
		if out[r.Root] == nil {
			out[r.Root] = map[int64]bool{}
		}
		out[r.Root][r.ID] = true
	}
	return out, nil
}

type lockedQuant struct {
	ID         int64           `bun:"id"`
	VariantID  int64           `bun:"variant_id"`
	LocationID int64           `bun:"location_id"`
	LotID      *int64          `bun:"lot_id"`
	PackageID  *int64          `bun:"package_id"`
	Quantity   decimal.Decimal `bun:"quantity,type:numeric"`
	Reserved   decimal.Decimal `bun:"reserved_quantity,type:numeric"`
}

func (q *lockedQuant) free() decimal.Decimal { return q.Quantity.Sub(q.Reserved) }

// reserveMoves reserves stock for the make-to-stock moves among ids that are
// confirmed or partially available, in a handful of statements whatever the
// number of moves:
//   - the candidate quants of all their variants are locked in one query, in
//     one global order (variant, incoming date, location, id), so concurrent
//     reservations queue on the rows instead of deadlocking, and never see
//     more free stock than exists;
//   - quantities are allotted in memory, earliest moves first, oldest stock
//     first (FIFO), serial numbers one unit per line;
//   - quants, move lines and moves are written back in bulk.
//
// Moves whose source is not an internal location (receipts, adjustments) or
// whose product is not stored are simply marked available.
func reserveMoves(ctx context.Context, tx bun.IDB, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	var moves []Move
	err := tx.NewSelect().Model(&moves).
		Where("id IN (?) AND state IN (?, ?) AND procure_method = ?", bun.In(ids), StateConfirmed, StatePartiallyAvailable, MakeToStock).
		OrderExpr("date, id").For("UPDATE").Scan(ctx)
	if err != nil || len(moves) == 0 {
		return wrapErr(err, "reserve: load moves")
	}
	variantIDs, rootIDs := []int64{}, []int64{}
	moveIDs := make([]int64, len(moves))
	for i, m := range moves {
		moveIDs[i] = m.ID
		variantIDs = append(variantIDs, m.VariantID)
		rootIDs = append(rootIDs, m.LocationID)
	}
	info, err := loadVariantStockInfo(ctx, tx, variantIDs)
	if err != nil {
		return err
	}
	subtrees, err := internalSubtree(ctx, tx, rootIDs)
	if err != nil {
		return err
	}
	reservedSoFar, err := reservedByMove(ctx, tx, moveIDs)
	if err != nil {
		return err
	}

	// Lock the candidate quants of the stored variants, in the global order.
	var stored []int64
	var locs []int64
	for _, m := range moves {
		if info[m.VariantID].Type == ProductStorable && len(subtrees[m.LocationID]) > 0 {
			stored = append(stored, m.VariantID)
			for id := range subtrees[m.LocationID] {
				locs = append(locs, id)
			}
		}
	}
	var quants []*lockedQuant
	if len(stored) > 0 {
		err = tx.NewRaw(`SELECT q.id, q.variant_id, q.location_id, q.lot_id, q.package_id, q.quantity, q.reserved_quantity
			FROM stock_quants q JOIN stock_locations l ON l.id = q.location_id
			WHERE q.variant_id IN (?) AND q.location_id IN (?) AND q.quantity > q.reserved_quantity
			ORDER BY q.variant_id, q.in_date, l.complete_name, q.id
			FOR UPDATE OF q`, bun.In(uniq(stored)), bun.In(uniq(locs))).Scan(ctx, &quants)
		if err != nil {
			return fmt.Errorf("models: reserve: lock quants: %w", err)
		}
	}
	byVariant := map[int64][]*lockedQuant{}
	for _, q := range quants {
		byVariant[q.VariantID] = append(byVariant[q.VariantID], q)
	}

	quantAdd := map[int64]decimal.Decimal{}
	var newLines []MoveLine
	states := map[int64]string{}
	for _, m := range moves {
		need := m.Demand.Sub(reservedSoFar[m.ID])
		vi := info[m.VariantID]
		tree := subtrees[m.LocationID]
		if vi.Type != ProductStorable || len(tree) == 0 {
			// Nothing to take from stock: the goods come from outside, or are not tracked.
			if need.IsPositive() {
				newLines = append(newLines, virtualLines(m, need, vi.Tracking)...)
			}
			states[m.ID] = StateAssigned
			continue
		}
		for _, q := range byVariant[m.VariantID] {
			if !need.IsPositive() {
				break
			}
			if !tree[q.LocationID] || !q.free().IsPositive() {
				continue
			}
			take := decimal.Min(need, q.free())
			if vi.Tracking == TrackingSerial {
				take = decimal.Min(take, decimal.NewFromInt(1))
			}
			q.Reserved = q.Reserved.Add(take)
			quantAdd[q.ID] = quantAdd[q.ID].Add(take)
			need = need.Sub(take)
			newLines = append(newLines, MoveLine{MoveID: m.ID, PickingID: m.PickingID, VariantID: m.VariantID,
				LocationID: q.LocationID, LocationDestID: m.LocationDestID, LotID: q.LotID, PackageID: q.PackageID,
				ReservedQuantity: take, State: "open"})
		}
		switch {
		case !need.IsPositive():
			states[m.ID] = StateAssigned
		case need.LessThan(m.Demand):
			states[m.ID] = StatePartiallyAvailable
		default:
			states[m.ID] = StateConfirmed
		}
	}
	if err := addQuantReservations(ctx, tx, quantAdd); err != nil {
		return err
	}
	if len(newLines) > 0 {
		if _, err := tx.NewInsert().Model(&newLines).Exec(ctx); err != nil {
			return fmt.Errorf("models: reserve: insert move lines: %w", err)
		}
	}
	if err := setMoveStates(ctx, tx, states); err != nil {
		return err
	}
	return refreshPickingStates(ctx, tx, pickingIDsOf(moves))
}

// virtualLines are the move lines of a move that takes nothing from stock:
// one line for the whole quantity, or one per unit for serial numbers.
func virtualLines(m Move, qty decimal.Decimal, tracking string) []MoveLine {
	line := MoveLine{MoveID: m.ID, PickingID: m.PickingID, VariantID: m.VariantID, LocationID: m.LocationID,
		LocationDestID: m.LocationDestID, ReservedQuantity: qty, State: "open"}
	if tracking != TrackingSerial || !qty.IsInteger() {
		return []MoveLine{line}
	}
	n := int(qty.IntPart())
	out := make([]MoveLine, n)
	for i := range out {
		out[i] = line
		out[i].ReservedQuantity = decimal.NewFromInt(1)
	}
	return out
}

// reservedByMove sums the open reservations of each move.
func reservedByMove(ctx context.Context, db bun.IDB, moveIDs []int64) (map[int64]decimal.Decimal, error) {
	var rows []struct {
		MoveID   int64           `bun:"move_id"`
		Reserved decimal.Decimal `bun:"reserved,type:numeric"`
	}
	err := db.NewRaw(`SELECT move_id, sum(reserved_quantity) AS reserved FROM stock_move_lines
		WHERE move_id IN (?) AND state = 'open' GROUP BY move_id`, bun.In(moveIDs)).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("models: reserved by move: %w", err)
	}
	out := map[int64]decimal.Decimal{}
	for _, r := range rows {
		out[r.MoveID] = r.Reserved
	}
	return out, nil
}

// addQuantReservations adds (or with negative amounts, removes) reserved
// quantity on quants, in one statement.
func addQuantReservations(ctx context.Context, tx bun.IDB, add map[int64]decimal.Decimal) error {
	if len(add) == 0 {
		return nil
	}
	ids := make([]int64, 0, len(add))
	for id := range add {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	amounts := make([]string, len(ids))
	for i, id := range ids {
		amounts[i] = add[id].String()
	}
	_, err := tx.NewRaw(`UPDATE stock_quants q SET reserved_quantity = q.reserved_quantity + d.amount
		FROM unnest(?::bigint[], ?::numeric[]) AS d(id, amount) WHERE q.id = d.id`,
		pgdialect.Array(ids), pgdialect.Array(amounts)).Exec(ctx)
	if err != nil {
		if isCheckViolation(err, "stock_quants_reserved_within") {
			return Errorf(ECONFLICT, "The stock changed meanwhile: not enough is free any more. Please try again.")
		}
		return fmt.Errorf("models: update quant reservations: %w", err)
	}
	return nil
}

// setMoveStates writes the states of moves in one statement.
func setMoveStates(ctx context.Context, tx bun.IDB, states map[int64]string) error {
	if len(states) == 0 {
		return nil
	}
	ids := make([]int64, 0, len(states))
	vals := make([]string, 0, len(states))
	for id, s := range states {
		ids = append(ids, id)
		vals = append(vals, s)
	}
	_, err := tx.NewRaw(`UPDATE stock_moves m SET state = d.state, updated_at = now()
		FROM unnest(?::bigint[], ?::text[]) AS d(id, state) WHERE m.id = d.id`,
		pgdialect.Array(ids), pgdialect.Array(vals)).Exec(ctx)
	return wrapErr(err, "set move states")
}

// refreshPickingStates derives each transfer's state from its moves:
// all cancelled -> cancel; all done or cancelled -> done; everything
// available -> assigned; something available -> assigned and partially
// available; all waiting on another step -> waiting; otherwise confirmed.
func refreshPickingStates(ctx context.Context, tx bun.IDB, pickingIDs []int64) error {
	if len(pickingIDs) == 0 {
		return nil
	}
	_, err := tx.NewRaw(`UPDATE stock_pickings p SET state = s.state, partially_available = s.partial, updated_at = now()
		FROM (
			SELECT picking_id,
				CASE
					WHEN bool_and(state = 'cancel') THEN 'cancel'
					WHEN bool_and(state IN ('done', 'cancel')) THEN 'done'
					WHEN bool_and(state = 'draft') THEN 'draft'
					WHEN bool_or(state IN ('assigned', 'partially_available')) THEN 'assigned'
					WHEN bool_and(state IN ('waiting', 'done', 'cancel')) THEN 'waiting'
					ELSE 'confirmed'
				END AS state,
				NOT bool_and(state IN ('done', 'cancel'))
					AND bool_or(state IN ('assigned', 'partially_available'))
					AND NOT bool_and(state IN ('assigned', 'done', 'cancel')) AS partial
			FROM stock_moves WHERE picking_id IN (?) GROUP BY picking_id
		) s
		WHERE p.id = s.picking_id`, bun.In(uniq(pickingIDs))).Exec(ctx)
	return wrapErr(err, "refresh transfer states")
}

func pickingIDsOf(moves []Move) []int64 {
	var out []int64
	for _, m := range moves {
		if m.PickingID != nil {
			out = append(out, *m.PickingID)
		}
	}
	return out
}

func uniq(ids []int64) []int64 {
	s := slices.Clone(ids)
	slices.Sort(s)
	return slices.Compact(s)
}

func wrapErr(err error, op string) error {
	if err == nil {
		return nil
	}
	return wrapOp(err, op)
}

// releaseLines gives back the reservations of open move lines (on quants of
// stored products) and deletes those lines.
func releaseLines(ctx context.Context, tx bun.IDB, lineWhere string, args ...any) error {
	var rows []struct {
		QuantID  int64           `bun:"quant_id"`
		Reserved decimal.Decimal `bun:"reserved,type:numeric"`
	}
	err := tx.NewRaw(`SELECT q.id AS quant_id, sum(l.reserved_quantity) AS reserved
		FROM stock_move_lines l
		JOIN stock_quants q ON q.variant_id = l.variant_id AND q.location_id = l.location_id
			AND q.lot_id IS NOT DISTINCT FROM l.lot_id AND q.package_id IS NOT DISTINCT FROM l.package_id
		WHERE l.state = 'open' AND l.reserved_quantity > 0 AND `+lineWhere+`
		GROUP BY q.id ORDER BY q.id`, args...).Scan(ctx, &rows)
	if err != nil {
		return fmt.Errorf("models: release reservations: %w", err)
	}
	add := map[int64]decimal.Decimal{}
	for _, r := range rows {
		add[r.QuantID] = r.Reserved.Neg()
	}
	if err := lockQuants(ctx, tx, keysOf(add)); err != nil {
		return err
	}
	if err := addQuantReservations(ctx, tx, add); err != nil {
		return err
	}
	_, err = tx.NewRaw(`DELETE FROM stock_move_lines l WHERE l.state = 'open' AND `+lineWhere, args...).Exec(ctx)
	return wrapErr(err, "delete released lines")
}

// lockQuants locks quants by id, in id order.
func lockQuants(ctx context.Context, tx bun.IDB, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := tx.NewRaw("SELECT id FROM stock_quants WHERE id IN (?) ORDER BY id FOR UPDATE", bun.In(uniq(ids))).Exec(ctx)
	return wrapErr(err, "lock quants")
}

func keysOf[V any](m map[int64]V) []int64 {
	out := make([]int64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// moveIDsWhere lists move ids matching a condition, in id order.
func moveIDsWhere(ctx context.Context, tx bun.IDB, where string, args ...any) ([]int64, error) {
	var ids []int64
	err := tx.NewRaw("SELECT id FROM stock_moves WHERE "+where+" ORDER BY id", args...).Scan(ctx, &ids)
	return ids, wrapErr(err, "list moves")
}
