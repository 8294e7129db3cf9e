package models

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"
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
	ID           int64           `bun:"id"`
	VariantID    int64           `bun:"variant_id"`
	LocationID   int64           `bun:"location_id"`
	LocationName string          `bun:"location_name"`
	LotID        *int64          `bun:"lot_id"`
	PackageID    *int64          `bun:"package_id"`
	Quantity     decimal.Decimal `bun:"quantity,type:numeric"`
	Reserved     decimal.Decimal `bun:"reserved_quantity,type:numeric"`
}

func (q *lockedQuant) free() decimal.Decimal { return q.Quantity.Sub(q.Reserved) }

// moveToReserve is a move with what reserving it needs to know.
type moveToReserve struct {
	Move `bun:",extend"`

	ProductType string `bun:"product_type,scanonly"`
	Tracking    string `bun:"tracking,scanonly"`
	SourceName  string `bun:"source_name,scanonly"` // complete name of the source location
	FromStock   bool   `bun:"from_stock,scanonly"`  // the source has internal locations at or under it
}

// takesFrom reports whether the quant sits at or under the move's source.
func (m *moveToReserve) takesFrom(q *lockedQuant) bool {
	return q.LocationID == m.LocationID || strings.HasPrefix(q.LocationName, m.SourceName+"/")
}

// pickingState is a transfer's state as reservation left it.
type pickingState struct {
	State   string
	Partial bool
}

// reserveMoves reserves stock for the make-to-stock moves among ids that are
// confirmed or partially available. See reserveMovesWhere.
func reserveMoves(ctx context.Context, tx bun.IDB, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := reserveMovesWhere(ctx, tx, "", ids)
	return err
}

// reservePickingMoves reserves the moves of a transfer (see
// reserveMovesWhere), through a prepared statement.
func reservePickingMoves(ctx context.Context, tx bun.IDB, pickingID int64) (map[int64]pickingState, error) {
	var moves []*moveToReserve
	if err := queryPrepared(ctx, tx, fmt.Sprintf(movesToReserveSQL, columnsOf[Move](tx, "sm"), "sm.picking_id = $1"), []any{pickingID}, &moves); err != nil || len(moves) == 0 {
		return nil, wrapErr(err, "reserve: load moves")
	}
	return reserveLoadedMoves(ctx, tx, moves)
}

// reserveNewMoves reserves moves created in the same transaction, as they
// were inserted: nothing can have reserved for them yet, so neither they
// nor what they hold is read. It returns the new states of their transfers.
func reserveNewMoves(ctx context.Context, tx bun.IDB, moves []*moveToReserve) (map[int64]pickingState, error) {
	return reserveMovesHolding(ctx, tx, moves, map[int64]decimal.Decimal{})
}

// movesToReserveSQL locks the moves matching the second %s (the first is
// the moves' columns) that wait for a
// reservation, with what reserveMovesWhere needs to know of them.
const movesToReserveSQL = `SELECT %s, t.type AS product_type, t.tracking, src.complete_name AS source_name,
		EXISTS (SELECT 1 FROM stock_locations l WHERE l.usage = 'internal' AND l.active
			AND (l.id = src.id OR starts_with(l.complete_name, src.complete_name || '/'))) AS from_stock
	FROM stock_moves AS sm JOIN product_variants AS v ON v.id = sm.variant_id
	JOIN product_templates AS t ON t.id = v.template_id
	JOIN stock_locations AS src ON src.id = sm.location_id
	WHERE %s AND sm.state IN ('confirmed', 'partially_available') AND sm.procure_method = 'make_to_stock'
	ORDER BY sm.date, sm.id FOR UPDATE OF sm`

// reserveMovesWhere reserves stock for the make-to-stock moves matching
// where (columns of stock_moves AS sm) that are confirmed or partially
// available, in four statements whatever the number of moves:
//   - the moves are locked, earliest first, with their product's type and
//     tracking and their source; then what they have reserved already is
//     read, in a statement of its own: one that waited for a move's lock
//     would not see what the transaction holding it reserved;
//   - the candidate quants of all their variants are locked in one query, in
//     one global order (variant, incoming date, location, id), so concurrent
//     reservations queue on the rows instead of deadlocking, and never see
//     more free stock than exists;
//   - quantities are allotted in memory, earliest moves first, oldest stock
//     first (FIFO), serial numbers one unit per line;
//   - quants, move lines, and moves with their transfers are written back
//     in one statement.
//
// Moves whose source is not an internal location (receipts, adjustments) or
// whose product is not stored are simply marked available. It returns the
// new states of the transfers concerned.
//
// An empty where takes the moves whose ids are args[0] ([]int64), through a
// prepared statement (the path of every web order).
func reserveMovesWhere(ctx context.Context, tx bun.IDB, where string, args ...any) (map[int64]pickingState, error) {
	var moves []*moveToReserve
	var err error
	if where == "" {
		err = queryPrepared(ctx, tx, fmt.Sprintf(movesToReserveSQL, columnsOf[Move](tx, "sm"), "sm.id = ANY($1)"), args[:1], &moves)
	} else {
		err = loadMovesToReserve(ctx, tx, &moves, where, args...)
	}
	if err != nil || len(moves) == 0 {
		return nil, wrapErr(err, "reserve: load moves")
	}
	return reserveLoadedMoves(ctx, tx, moves)
}

func loadMovesToReserve(ctx context.Context, tx bun.IDB, moves *[]*moveToReserve, where string, args ...any) error {
	return tx.NewSelect().Model(moves).
		ColumnExpr("sm.*").
		ColumnExpr("t.type AS product_type, t.tracking, src.complete_name AS source_name").
		ColumnExpr(`EXISTS (SELECT 1 FROM stock_locations l WHERE l.usage = 'internal' AND l.active
			AND (l.id = src.id OR starts_with(l.complete_name, src.complete_name || '/'))) AS from_stock`).
		Join("JOIN product_variants AS v ON v.id = sm.variant_id").
		Join("JOIN product_templates AS t ON t.id = v.template_id").
		Join("JOIN stock_locations AS src ON src.id = sm.location_id").
		Where(where, args...).
		Where("sm.state IN (?, ?) AND sm.procure_method = ?", StateConfirmed, StatePartiallyAvailable, MakeToStock).
		OrderExpr("sm.date, sm.id").For("UPDATE OF sm").Scan(ctx)
}

func reserveLoadedMoves(ctx context.Context, tx bun.IDB, moves []*moveToReserve) (map[int64]pickingState, error) {
	moveIDs := make([]int64, len(moves))
	for i, m := range moves {
		moveIDs[i] = m.ID
	}
	reservedSoFar, err := reservedByMove(ctx, tx, moveIDs)
	if err != nil {
		return nil, err
	}
	return reserveMovesHolding(ctx, tx, moves, reservedSoFar)
}

// reserveMovesHolding reserves the locked moves, which hold reservedSoFar
// already (by move id).
func reserveMovesHolding(ctx context.Context, tx bun.IDB, moves []*moveToReserve, reservedSoFar map[int64]decimal.Decimal) (map[int64]pickingState, error) {
	var err error

	// Lock the candidate quants of the stored variants, in the global order.
	var stored, roots []int64
	var rootNames []string
	for _, m := range moves {
		if m.ProductType == ProductStorable && m.FromStock {
			stored = append(stored, m.VariantID)
			roots = append(roots, m.LocationID)
			rootNames = append(rootNames, m.SourceName)
		}
	}
	var quants []*lockedQuant
	if len(stored) > 0 {
		err = queryPrepared(ctx, tx, `SELECT q.id, q.variant_id, q.location_id, l.complete_name AS location_name,
				q.lot_id, q.package_id, q.quantity, q.reserved_quantity
			FROM stock_quants q JOIN stock_locations l ON l.id = q.location_id
			WHERE q.variant_id = ANY($1) AND q.quantity > q.reserved_quantity
				AND q.quantity > 0 -- implied (reserved >= 0), and the predicate of stock_quants_free_idx
				AND l.usage = 'internal' AND l.active
				AND (l.id = ANY($2) OR EXISTS (SELECT 1 FROM unnest($3::text[]) AS r(name) WHERE starts_with(l.complete_name, r.name || '/')))
			ORDER BY q.variant_id, q.in_date, l.complete_name, q.id
			FOR UPDATE OF q`, []any{uniq(stored), uniq(roots), rootNames}, &quants)
		if err != nil {
			return nil, fmt.Errorf("models: reserve: lock quants: %w", err)
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
		if m.ProductType != ProductStorable || !m.FromStock {
			// Nothing to take from stock: the goods come from outside, or are not tracked.
			if need.IsPositive() {
				newLines = append(newLines, virtualLines(m.Move, need, m.Tracking)...)
			}
			states[m.ID] = StateAssigned
			continue
		}
		for _, q := range byVariant[m.VariantID] {
			if !need.IsPositive() {
				break
			}
			if !m.takesFrom(q) || !q.free().IsPositive() {
				continue
			}
			take := decimal.Min(need, q.free())
			if m.Tracking == TrackingSerial {
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
	var pickingIDs []int64
	for _, m := range moves {
		if m.PickingID != nil {
			pickingIDs = append(pickingIDs, *m.PickingID)
		}
	}
	return writeReservations(ctx, tx, quantAdd, newLines, states, pickingIDs)
}

// writeReservations adds reserved quantities to quants, inserts the open
// move lines holding them, writes the states of the moves and derives those
// of their transfers, in one statement, and returns the transfers' new
// states.
func writeReservations(ctx context.Context, tx bun.IDB, quantAdd map[int64]decimal.Decimal, lines []MoveLine, states map[int64]string, pickingIDs []int64) (map[int64]pickingState, error) {
	quantIDs := keysOf(quantAdd)
	amounts := make([]string, len(quantIDs))
	for i, id := range quantIDs {
		amounts[i] = quantAdd[id].String()
	}
	var l struct {
		move, variant, location, dest []int64
		picking, lot, pack            []*int64
		reserved                      []string
	}
	for _, ml := range lines {
		l.move, l.variant = append(l.move, ml.MoveID), append(l.variant, ml.VariantID)
		l.location, l.dest = append(l.location, ml.LocationID), append(l.dest, ml.LocationDestID)
		l.picking, l.lot, l.pack = append(l.picking, ml.PickingID), append(l.lot, ml.LotID), append(l.pack, ml.PackageID)
		l.reserved = append(l.reserved, ml.ReservedQuantity.String())
	}
	moveIDs := keysOf(states)
	moveStates := make([]string, len(moveIDs))
	for i, id := range moveIDs {
		moveStates[i] = states[id]
	}
	var rows []struct {
		ID      int64  `bun:"id"`
		State   string `bun:"state"`
		Partial bool   `bun:"partially_available"`
	}
	err := queryPrepared(ctx, tx, reservationWritesSQL, []any{quantIDs, amounts,
		l.move, l.picking, l.variant, l.location, l.dest, l.lot, l.pack, l.reserved,
		moveIDs, moveStates, uniq(pickingIDs)}, &rows)
	if err != nil {
		if isCheckViolation(err, "stock_quants_reserved_within") {
			return nil, Errorf(ECONFLICT, "The stock changed meanwhile: not enough is free any more. Please try again.")
		}
		return nil, fmt.Errorf("models: reserve: write reservations: %w", err)
	}
	out := make(map[int64]pickingState, len(rows))
	for _, r := range rows {
		out[r.ID] = pickingState{State: r.State, Partial: r.Partial}
	}
	return out, nil
}

// reservationWritesSQL: see writeReservations. The quants are locked
// already (in id order by the reading statement's ORDER BY per variant).
var reservationWritesSQL = `WITH quants AS (
		UPDATE stock_quants q SET reserved_quantity = q.reserved_quantity + a.amount
		FROM unnest($1::bigint[], $2::text[]::numeric[]) AS a(id, amount) WHERE q.id = a.id),
	lines AS (
		INSERT INTO stock_move_lines (move_id, picking_id, variant_id, location_id, location_dest_id, lot_id, package_id, reserved_quantity, state)
		SELECT move_id, picking_id, variant_id, location_id, location_dest_id, lot_id, package_id, reserved, 'open'
		FROM unnest($3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[], $10::text[]::numeric[])
			AS l(move_id, picking_id, variant_id, location_id, location_dest_id, lot_id, package_id, reserved)),
	d AS (SELECT * FROM unnest($11::bigint[], $12::text[]) AS d(id, state)),
	moved AS (UPDATE stock_moves m SET state = d.state, updated_at = now() FROM d WHERE m.id = d.id)
	` + fmt.Sprintf(pickingStatesSQL, `SELECT m.picking_id, coalesce(d.state, m.state) AS state
		FROM stock_moves m LEFT JOIN d ON d.id = m.id WHERE m.picking_id = ANY($13)`) + `
	RETURNING p.id, p.state, p.partially_available`

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
	err := queryPrepared(ctx, db, `SELECT move_id, sum(reserved_quantity) AS reserved FROM stock_move_lines
		WHERE move_id = ANY($1) AND state = 'open' GROUP BY move_id`, []any{moveIDs}, &rows)
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
	_, err := execPrepared(ctx, tx, `UPDATE stock_quants q SET reserved_quantity = q.reserved_quantity + d.amount
		FROM unnest($1::bigint[], $2::text[]::numeric[]) AS d(id, amount) WHERE q.id = d.id`, ids, amounts)
	if err != nil {
		if isCheckViolation(err, "stock_quants_reserved_within") {
			return Errorf(ECONFLICT, "The stock changed meanwhile: not enough is free any more. Please try again.")
		}
		return fmt.Errorf("models: update quant reservations: %w", err)
	}
	return nil
}

// pickingStatesSQL derives each transfer's state from the states of its
// moves, given as rows (picking_id, state) of the %s subquery:
// all cancelled -> cancel; all done or cancelled -> done; everything
// available -> assigned; something available -> assigned and partially
// available; all waiting on another step -> waiting; otherwise confirmed.
const pickingStatesSQL = `UPDATE stock_pickings p SET state = s.state, partially_available = s.partial, updated_at = now()
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
		FROM (%s) ms GROUP BY picking_id
	) s
	WHERE p.id = s.picking_id`

// refreshPickingStates derives each transfer's state from its moves (see
// pickingStatesSQL).
func refreshPickingStates(ctx context.Context, tx bun.IDB, pickingIDs []int64) error {
	if len(pickingIDs) == 0 {
		return nil
	}
	_, err := tx.NewRaw(fmt.Sprintf(pickingStatesSQL, "SELECT picking_id, state FROM stock_moves WHERE picking_id IN (?)"),
		bun.In(uniq(pickingIDs))).Exec(ctx)
	return wrapErr(err, "refresh transfer states")
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
