package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// Backorder choices when less than the demand is done.
const (
	BackorderCreate = "create" // keep the rest in a new transfer
	BackorderCancel = "cancel" // the rest will not be done
)

// ValidateInput says what was done on a transfer.
type ValidateInput struct {
	// Done is the quantity done per move line id; nil means "everything
	// reserved was done".
	Done map[int64]decimal.Decimal
	// LotNames gives the lot or serial number typed for a move line (receipts).
	LotNames map[int64]string
	// Backorder answers the question asked when less than the demand is done
	// and the operation type says "ask": BackorderCreate or BackorderCancel.
	Backorder string
}

// ErrBackorderChoice is the code of the error ValidatePicking returns when it
// needs to know whether to create a backorder.
const ErrBackorderChoice = "backorder_choice"

// BackorderNeeded reports whether err asks the user to choose about a backorder.
func BackorderNeeded(err error) bool {
	f := FieldErrors(err)
	return ErrorCode(err) == ECONFLICT && f["backorder"] == ErrBackorderChoice
}

type validatingLine struct {
	MoveLine
	Done   decimal.Decimal
	Move   *Move
	Info   variantStockInfo
	InDate time.Time
	// Keep is the reservation a chained (make-to-order) line keeps for the
	// backorder: what the previous step brought and was not done here.
	Keep decimal.Decimal
}

// ValidatePicking records what was done on a transfer and moves the stock:
// quants leave the source and arrive at the destination, reservations are
// released, the next step of a chain gets exactly what this step brought,
// and what was not done goes to a backorder or is cancelled (per the
// operation type, or the caller's choice when it says "ask"). Validating a
// done transfer again changes nothing (double submits are harmless). It locks
// the transfer, its moves and the quants concerned.
func ValidatePicking(ctx context.Context, db *bun.DB, id int64, in ValidateInput, actorID int64) (*Picking, error) {
	var out *Picking
	err := runStockTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		var err error
		out, err = validatePicking(ctx, tx, id, in, actorID)
		return err
	})
	return out, wrapErr(err, "validate transfer")
}

func validatePicking(ctx context.Context, tx bun.Tx, id int64, in ValidateInput, actorID int64) (*Picking, error) {
	pk, err := lockPicking(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	switch pk.State {
	case StateDone:
		return pk, nil
	case StateCancel:
		return nil, Errorf(ECONFLICT, "%s is cancelled and cannot be validated.", pk.Name)
	}
	var moves []Move
	if err := tx.NewSelect().Model(&moves).Where("picking_id = ? AND state NOT IN ('done', 'cancel')", id).Order("id").For("UPDATE").Scan(ctx); err != nil {
		return nil, err
	}
	var lines []MoveLine
	if err := tx.NewSelect().Model(&lines).Where("picking_id = ? AND state = 'open'", id).
		OrderExpr("variant_id, location_id, lot_id NULLS FIRST, id").Scan(ctx); err != nil {
		return nil, err
	}
	byMove := map[int64]*Move{}
	var variantIDs []int64
	for i := range moves {
		byMove[moves[i].ID] = &moves[i]
		variantIDs = append(variantIDs, moves[i].VariantID)
	}
	info, err := loadVariantStockInfo(ctx, tx, variantIDs)
	if err != nil {
		return nil, err
	}

	// What was done, checked before anything is written.
	p := Problems{}
	for lid := range in.Done {
		if !containsLine(lines, lid) {
			p.Add(fmt.Sprintf("done.%d", lid), "This line is not part of the transfer.")
		}
	}
	work := make([]*validatingLine, 0, len(lines))
	doneByMove := map[int64]decimal.Decimal{}
	total := decimal.Zero
	for _, l := range lines {
		m := byMove[l.MoveID]
		if m == nil {
			continue
		}
		vl := &validatingLine{MoveLine: l, Move: m, Info: info[l.VariantID], Done: l.ReservedQuantity}
		if in.Done != nil {
			vl.Done = in.Done[l.ID]
		}
		field := fmt.Sprintf("done.%d", l.ID)
		switch {
		case vl.Done.IsNegative():
			p.Add(field, "The quantity done cannot be negative.")
		case vl.Info.Tracking == TrackingSerial && vl.Done.GreaterThan(decimal.NewFromInt(1)):
			p.Add(field, "A serial number is one unit.")
		}
		if name := strings.TrimSpace(in.LotNames[l.ID]); name != "" {
			vl.LotName = name
		}
		if vl.Done.IsPositive() && vl.Info.Tracking != TrackingNone && vl.LotID == nil && vl.LotName == "" {
			p.Add(fmt.Sprintf("lot.%d", l.ID), "Enter the lot or serial number.")
		}
		doneByMove[m.ID] = doneByMove[m.ID].Add(vl.Done)
		total = total.Add(vl.Done)
		work = append(work, vl)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	if !total.IsPositive() {
		return nil, &Error{Code: EINVALID, Message: "Nothing was done: enter the quantities you picked.", Fields: map[string]string{"done": "Enter the quantities done."}}
	}
	short := false
	for _, m := range moves {
		d := doneByMove[m.ID]
		if d.GreaterThan(m.Demand) {
			return nil, Errorf(EINVALID, "More than the demand of %s is done (%s of %s).", m.Description, d, m.Demand)
		}
		if d.LessThan(m.Demand) {
			short = true
		}
	}
	createBackorder := false
	if short {
		switch pk.PickingType.CreateBackorder {
		case BackorderAlways:
			createBackorder = true
		case BackorderNever:
		default:
			switch in.Backorder {
			case BackorderCreate:
				createBackorder = true
			case BackorderCancel:
			default:
				return nil, &Error{Code: ECONFLICT, Message: "Less than the demand is done. Create a backorder for the rest, or cancel the rest?",
					Fields: map[string]string{"backorder": ErrBackorderChoice}}
			}
		}
	}

	if createBackorder {
		for _, vl := range work {
			if vl.Move.ProcureMethod == MakeToOrder && vl.ReservedQuantity.GreaterThan(vl.Done) {
				vl.Keep = vl.ReservedQuantity.Sub(vl.Done)
			}
		}
	}

	now := time.Now()
	usages, err := locationUsages(ctx, tx, work)
	if err != nil {
		return nil, err
	}
	if err := resolveLots(ctx, tx, work, usages); err != nil {
		return nil, err
	}
	if err := takeFromSource(ctx, tx, work, usages); err != nil {
		return nil, err
	}
	if err := putAtDestination(ctx, tx, work, usages, now); err != nil {
		return nil, err
	}

	// Lines: done ones are kept as the record; the others go (their
	// reservation was given back above), except on chained moves that keep
	// what the previous step brought for a backorder.
	var backorderMoves []*Move
	var cancelled []Move
	var chainedDests []int64
	if err := markLinesDone(ctx, tx, work, actorID, now); err != nil {
		return nil, err
	}
	kept, err := keepChainedReservations(ctx, tx, work)
	if err != nil {
		return nil, err
	}
	keptIDs := []int64{0}
	for _, ls := range kept {
		keptIDs = append(keptIDs, ls...)
	}
	if _, err := tx.NewRaw("DELETE FROM stock_move_lines WHERE picking_id = ? AND state = 'open' AND id NOT IN (?)", id, bun.In(keptIDs)).Exec(ctx); err != nil {
		return nil, err
	}
	backorderMoveOf := map[int64]int64{}
	var fullyDone []int64
	var fullyDoneQty []string
	for i := range moves {
		m := &moves[i]
		done := doneByMove[m.ID]
		rest := m.Demand.Sub(done)
		if m.MoveDestID != nil && done.IsPositive() {
			chainedDests = append(chainedDests, *m.MoveDestID)
		}
		switch {
		case !rest.IsPositive():
			fullyDone = append(fullyDone, m.ID)
			fullyDoneQty = append(fullyDoneQty, done.String())
		case done.IsZero():
			if createBackorder {
				backorderMoves = append(backorderMoves, m)
				backorderMoveOf[m.ID] = m.ID
			} else {
				cancelled = append(cancelled, *m)
			}
		default:
			// Split: this move keeps what was done, the rest becomes its own move.
			if _, err := tx.NewRaw("UPDATE stock_moves SET state = 'done', demand = ?, quantity_done = ?, date_done = ?, updated_at = now() WHERE id = ?", done, done, now, m.ID).Exec(ctx); err != nil {
				return nil, err
			}
			restMove := *m
			restMove.ID, restMove.Demand, restMove.QuantityDone = 0, rest, decimal.Zero
			restMove.State = StateConfirmed
			if m.ProcureMethod == MakeToOrder {
				restMove.State = StateWaiting
			}
			if _, err := tx.NewInsert().Model(&restMove).Returning("id").Exec(ctx); err != nil {
				return nil, err
			}
			if createBackorder {
				backorderMoves = append(backorderMoves, &restMove)
				backorderMoveOf[m.ID] = restMove.ID
			} else {
				cancelled = append(cancelled, restMove)
			}
		}
	}
	if len(fullyDone) > 0 {
		if _, err := tx.NewRaw(`UPDATE stock_moves m SET state = 'done', quantity_done = d.done, date_done = ?, updated_at = now()
			FROM unnest(?::bigint[], ?::numeric[]) AS d(id, done) WHERE m.id = d.id`,
			now, pgdialect.Array(fullyDone), pgdialect.Array(fullyDoneQty)).Exec(ctx); err != nil {
			return nil, err
		}
	}
	if err := cancelMoves(ctx, tx, cancelled); err != nil {
		return nil, err
	}
	if err := feedNextStep(ctx, tx, work); err != nil {
		return nil, err
	}

	var backorder *Picking
	if len(backorderMoves) > 0 {
		backorder, err = insertPicking(ctx, tx, pk.PickingType, pk.LocationID, pk.LocationDestID, pk.PartnerID, pk.Origin, pk.ScheduledDate, actorID, &pk.ID)
		if err != nil {
			return nil, err
		}
		ids := make([]int64, len(backorderMoves))
		for i, m := range backorderMoves {
			ids[i] = m.ID
			state := StateConfirmed
			if m.ProcureMethod == MakeToOrder {
				state = StateWaiting
			}
			if _, err := tx.NewRaw("UPDATE stock_moves SET picking_id = ?, state = ?, updated_at = now() WHERE id = ?", backorder.ID, state, m.ID).Exec(ctx); err != nil {
				return nil, err
			}
		}
		// Chained moves keep what their previous step already brought them.
		for oldMove, lines := range kept {
			if _, err := tx.NewRaw("UPDATE stock_move_lines SET move_id = ?, picking_id = ? WHERE id IN (?)",
				backorderMoveOf[oldMove], backorder.ID, bun.In(lines)).Exec(ctx); err != nil {
				return nil, err
			}
		}
		if err := refreshChainedMoveStates(ctx, tx, ids); err != nil {
			return nil, err
		}
		if err := refreshPickingStates(ctx, tx, []int64{backorder.ID}); err != nil {
			return nil, err
		}
		if err := nameAndRecordPickings(ctx, tx, []*Picking{backorder}, actorID); err != nil {
			return nil, err
		}
	}

	if _, err := tx.NewRaw("UPDATE stock_pickings SET date_done = ?, validated_by = ? WHERE id = ?", now, nullableID(actorID), id).Exec(ctx); err != nil {
		return nil, err
	}
	if err := refreshPickingStates(ctx, tx, []int64{id}); err != nil {
		return nil, err
	}
	if len(chainedDests) > 0 {
		if err := refreshChainedMoveStates(ctx, tx, chainedDests); err != nil {
			return nil, err
		}
		var destPickings []int64
		if err := tx.NewRaw("SELECT DISTINCT picking_id FROM stock_moves WHERE id IN (?) AND picking_id IS NOT NULL", bun.In(chainedDests)).Scan(ctx, &destPickings); err != nil {
			return nil, err
		}
		if err := refreshPickingStates(ctx, tx, destPickings); err != nil {
			return nil, err
		}
	}
	// Stock that arrived in an internal location may be waited for elsewhere.
	if arrived := arrivedVariants(work, usages); len(arrived) > 0 {
		if err := reserveWaiting(ctx, tx, arrived); err != nil {
			return nil, err
		}
	}
	msg := "Validated."
	if backorder != nil {
		msg = "Validated; backorder " + backorder.Name + " created for the rest."
	} else if short {
		msg = "Validated; the rest was cancelled (no backorder)."
	}
	if err := RecordHistory(ctx, tx, "picking", id, actorID, msg); err != nil {
		return nil, err
	}
	if err := UpdateOrderDeliveries(ctx, tx, []int64{id}); err != nil {
		return nil, err
	}
	return lockPicking(ctx, tx, id)
}

func containsLine(lines []MoveLine, id int64) bool {
	for _, l := range lines {
		if l.ID == id {
			return true
		}
	}
	return false
}

func nullableID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// resolveLots finds or creates the lots typed on lines, and refuses a serial
// number that is already in stock.
func resolveLots(ctx context.Context, tx bun.IDB, work []*validatingLine, usages map[int64]string) error {
	p := Problems{}
	seen := map[string]int64{}
	for _, vl := range work {
		if !vl.Done.IsPositive() || vl.Info.Tracking == TrackingNone || vl.LotID != nil {
			continue
		}
		key := fmt.Sprint(vl.VariantID, "\x00", vl.LotName)
		if vl.Info.Tracking == TrackingSerial {
			if _, dup := seen[key]; dup {
				p.Add(fmt.Sprintf("lot.%d", vl.ID), fmt.Sprintf("Serial number %s is entered twice.", vl.LotName))
				continue
			}
		}
		seen[key] = vl.ID
		var lotID int64
		err := tx.NewRaw(`INSERT INTO stock_lots (variant_id, name) VALUES (?, ?)
			ON CONFLICT (variant_id, name) DO UPDATE SET name = EXCLUDED.name RETURNING id`, vl.VariantID, vl.LotName).Scan(ctx, &lotID)
		if err != nil {
			return fmt.Errorf("models: create lot: %w", err)
		}
		vl.LotID = &lotID
		if vl.Info.Tracking == TrackingSerial && usages[vl.LocationID] != UsageInternal {
			var n int
			err := tx.NewRaw(`SELECT count(*) FROM stock_quants q JOIN stock_locations l ON l.id = q.location_id
				WHERE q.lot_id = ? AND q.quantity > 0 AND l.usage = 'internal'`, lotID).Scan(ctx, &n)
			if err != nil {
				return err
			}
			if n > 0 {
				p.Add(fmt.Sprintf("lot.%d", vl.ID), fmt.Sprintf("Serial number %s is already in stock.", vl.LotName))
			}
		}
	}
	return p.Err()
}

// locationUsages returns the usage of each location the lines touch.
func locationUsages(ctx context.Context, tx bun.IDB, work []*validatingLine) (map[int64]string, error) {
	var ids []int64
	for _, vl := range work {
		ids = append(ids, vl.LocationID, vl.LocationDestID)
	}
	out := map[int64]string{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []locationInfo
	if err := tx.NewRaw("SELECT id, complete_name, usage FROM stock_locations WHERE id IN (?)", bun.In(uniq(ids))).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("models: location usages: %w", err)
	}
	for _, r := range rows {
		out[r.ID] = r.Usage
	}
	return out, nil
}

// quantKey identifies a quant; 0 stands for "no lot" / "no package".
type quantKey struct {
	variant, location, lot, pkg int64
}

func idOrZero(id *int64) int64 {
	if id == nil {
		return 0
	}
	return *id
}

// quantArrays turns keyed amounts into the parallel arrays unnest() takes.
func quantArrays(keys []quantKey) (variants, locations, lots, pkgs []int64) {
	for _, k := range keys {
		variants = append(variants, k.variant)
		locations = append(locations, k.location)
		lots = append(lots, k.lot)
		pkgs = append(pkgs, k.pkg)
	}
	return
}

// keepChainedReservations leaves an open line, per chained line with a
// reservation to keep, holding that reservation for the backorder: the
// line itself when nothing was done on it, else a new line beside the done
// one. It returns the kept line ids per move.
func keepChainedReservations(ctx context.Context, tx bun.IDB, work []*validatingLine) (map[int64][]int64, error) {
	kept := map[int64][]int64{}
	for _, vl := range work {
		if !vl.Keep.IsPositive() {
			continue
		}
		lineID := vl.ID
		if vl.Done.IsPositive() {
			rest := vl.MoveLine
			rest.ID, rest.ReservedQuantity, rest.QuantityDone, rest.State, rest.DoneBy = 0, vl.Keep, decimal.Zero, "open", nil
			if _, err := tx.NewInsert().Model(&rest).Returning("id").Exec(ctx); err != nil {
				return nil, fmt.Errorf("models: keep chained reservation: %w", err)
			}
			lineID = rest.ID
		} else if _, err := tx.NewRaw("UPDATE stock_move_lines SET reserved_quantity = ? WHERE id = ?", vl.Keep, vl.ID).Exec(ctx); err != nil {
			return nil, err
		}
		kept[vl.MoveID] = append(kept[vl.MoveID], lineID)
	}
	return kept, nil
}

// markLinesDone records the done quantity, lot and author of the lines that
// were done, in one statement. A line scanned on the handheld keeps who
// scanned it and when; the others get the validating user and time.
func markLinesDone(ctx context.Context, tx bun.IDB, work []*validatingLine, actorID int64, now time.Time) error {
	var ids, lots []int64
	var done, names []string
	for _, vl := range work {
		if vl.Done.IsPositive() {
			ids = append(ids, vl.ID)
			done = append(done, vl.Done.String())
			lots = append(lots, idOrZero(vl.LotID))
			names = append(names, vl.LotName)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	_, err := tx.NewRaw(`UPDATE stock_move_lines l SET quantity_done = d.done, reserved_quantity = 0, state = 'done',
			lot_id = NULLIF(d.lot_id, 0), lot_name = d.lot_name,
			done_by = coalesce(l.done_by, ?), date = CASE WHEN l.done_by IS NULL THEN ? ELSE l.date END
		FROM unnest(?::bigint[], ?::numeric[], ?::bigint[], ?::text[]) AS d(id, done, lot_id, lot_name) WHERE l.id = d.id`,
		nullableID(actorID), now, pgdialect.Array(ids), pgdialect.Array(done), pgdialect.Array(lots), pgdialect.Array(names)).Exec(ctx)
	return wrapErr(err, "mark lines done")
}

// takeFromSource lowers the source quants of stored products by what was
// done and gives back the lines' reservations, in one statement after
// locking the quants in the reservation engine's order. A source that lacks
// the stock is refused (the quant CHECKs make overselling impossible here).
func takeFromSource(ctx context.Context, tx bun.IDB, work []*validatingLine, usages map[int64]string) error {
	done := map[quantKey]decimal.Decimal{}
	reserved := map[quantKey]decimal.Decimal{}
	var keys []quantKey
	for _, vl := range work {
		if vl.Info.Type != ProductStorable || usages[vl.LocationID] != UsageInternal {
			continue
		}
		release := vl.ReservedQuantity.Sub(vl.Keep)
		if !vl.Done.IsPositive() && !release.IsPositive() {
			continue
		}
		k := quantKey{vl.VariantID, vl.LocationID, idOrZero(vl.LotID), idOrZero(vl.PackageID)}
		if _, seen := done[k]; !seen {
			keys = append(keys, k)
		}
		done[k] = done[k].Add(vl.Done)
		reserved[k] = reserved[k].Add(release)
	}
	if len(keys) == 0 {
		return nil
	}
	variants, locations, lots, pkgs := quantArrays(keys)
	doneArr, resArr := make([]string, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		doneArr[i], resArr[i] = done[k].String(), reserved[k].String()
	}
	const match = `FROM unnest(?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::numeric[], ?::numeric[])
			AS d(variant_id, location_id, lot_id, package_id, done, reserved)
		WHERE q.variant_id = d.variant_id AND q.location_id = d.location_id
			AND q.lot_id IS NOT DISTINCT FROM NULLIF(d.lot_id, 0) AND q.package_id IS NOT DISTINCT FROM NULLIF(d.package_id, 0)`
	args := []any{pgdialect.Array(variants), pgdialect.Array(locations), pgdialect.Array(lots), pgdialect.Array(pkgs),
		pgdialect.Array(doneArr), pgdialect.Array(resArr)}
	if _, err := tx.NewRaw(`SELECT q.id FROM stock_quants q, stock_locations l, `+match[len("FROM "):]+
		` AND l.id = q.location_id ORDER BY q.variant_id, q.in_date, l.complete_name, q.id FOR UPDATE OF q`, args...).Exec(ctx); err != nil {
		return fmt.Errorf("models: lock source quants: %w", err)
	}
	var taken []struct {
		VariantID  int64     `bun:"variant_id"`
		LocationID int64     `bun:"location_id"`
		LotID      int64     `bun:"lot_id"`
		PackageID  int64     `bun:"package_id"`
		InDate     time.Time `bun:"in_date"`
	}
	err := tx.NewRaw(`UPDATE stock_quants q SET quantity = q.quantity - d.done, reserved_quantity = q.reserved_quantity - d.reserved
		`+match+` RETURNING q.variant_id, q.location_id, coalesce(q.lot_id, 0) AS lot_id, coalesce(q.package_id, 0) AS package_id, q.in_date`,
		args...).Scan(ctx, &taken)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		if isCheckViolation(err, "stock_quants_not_negative") || isCheckViolation(err, "stock_quants_reserved_within") {
			return Errorf(EINVALID, "Some products are no longer in the source location in the quantities done. Check availability, then try again.")
		}
		return fmt.Errorf("models: take from source: %w", err)
	}
	if len(taken) != len(keys) {
		return Errorf(EINVALID, "Some products done are not in stock at the source location. Check availability, then try again.")
	}
	inDates := map[quantKey]time.Time{}
	for _, t := range taken {
		inDates[quantKey{t.VariantID, t.LocationID, t.LotID, t.PackageID}] = t.InDate
	}
	for _, vl := range work {
		vl.InDate = inDates[quantKey{vl.VariantID, vl.LocationID, idOrZero(vl.LotID), idOrZero(vl.PackageID)}]
	}
	return nil
}

// putAtDestination adds what was done to the destination quants (internal
// destinations only) in one statement, keeping the incoming date of the
// stock for FIFO.
func putAtDestination(ctx context.Context, tx bun.IDB, work []*validatingLine, usages map[int64]string, now time.Time) error {
	done := map[quantKey]decimal.Decimal{}
	inDate := map[quantKey]time.Time{}
	var keys []quantKey
	for _, vl := range work {
		if vl.Info.Type != ProductStorable || !vl.Done.IsPositive() || usages[vl.LocationDestID] != UsageInternal {
			continue
		}
		k := quantKey{vl.VariantID, vl.LocationDestID, idOrZero(vl.LotID), idOrZero(vl.ResultPackageID)}
		d := vl.InDate
		if d.IsZero() {
			d = now
		}
		if _, seen := done[k]; !seen {
			keys = append(keys, k)
			inDate[k] = d
		} else if d.Before(inDate[k]) {
			inDate[k] = d
		}
		done[k] = done[k].Add(vl.Done)
	}
	if len(keys) == 0 {
		return nil
	}
	variants, locations, lots, pkgs := quantArrays(keys)
	doneArr, dates := make([]string, len(keys)), make([]time.Time, len(keys))
	for i, k := range keys {
		doneArr[i], dates[i] = done[k].String(), inDate[k]
	}
	_, err := tx.NewRaw(`INSERT INTO stock_quants AS q (variant_id, location_id, lot_id, package_id, quantity, in_date)
		SELECT d.variant_id, d.location_id, NULLIF(d.lot_id, 0), NULLIF(d.package_id, 0), d.done, d.in_date
		FROM unnest(?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::numeric[], ?::timestamptz[])
			AS d(variant_id, location_id, lot_id, package_id, done, in_date)
		ORDER BY d.variant_id, d.location_id
		ON CONFLICT (variant_id, location_id, lot_id, package_id) DO UPDATE SET quantity = q.quantity + EXCLUDED.quantity`,
		pgdialect.Array(variants), pgdialect.Array(locations), pgdialect.Array(lots), pgdialect.Array(pkgs),
		pgdialect.Array(doneArr), pgdialect.Array(dates)).Exec(ctx)
	if err != nil {
		return fmt.Errorf("models: put at destination: %w", err)
	}
	return nil
}

// feedNextStep reserves, for the move each done line feeds, exactly the
// quantity this line brought, on the quant it brought it to.
func feedNextStep(ctx context.Context, tx bun.IDB, work []*validatingLine) error {
	for _, vl := range work {
		if !vl.Done.IsPositive() || vl.Move.MoveDestID == nil {
			continue
		}
		dest := new(Move)
		if err := tx.NewSelect().Model(dest).Where("id = ?", *vl.Move.MoveDestID).For("UPDATE").Scan(ctx); err != nil {
			return err
		}
		if dest.State == StateDone || dest.State == StateCancel {
			continue
		}
		if vl.Info.Type == ProductStorable {
			_, err := tx.NewRaw(`UPDATE stock_quants SET reserved_quantity = reserved_quantity + ?
				WHERE variant_id = ? AND location_id = ? AND lot_id IS NOT DISTINCT FROM ? AND package_id IS NOT DISTINCT FROM ?`,
				vl.Done, vl.VariantID, vl.LocationDestID, vl.LotID, vl.ResultPackageID).Exec(ctx)
			if err != nil {
				return fmt.Errorf("models: reserve for next step: %w", err)
			}
		}
		line := &MoveLine{MoveID: dest.ID, PickingID: dest.PickingID, VariantID: dest.VariantID, LocationID: vl.LocationDestID,
			LocationDestID: dest.LocationDestID, LotID: vl.LotID, LotName: vl.LotName, PackageID: vl.ResultPackageID,
			ReservedQuantity: vl.Done, State: "open"}
		if _, err := tx.NewInsert().Model(line).Exec(ctx); err != nil {
			return fmt.Errorf("models: line for next step: %w", err)
		}
	}
	return nil
}

// arrivedVariants lists the stored variants that arrived in an internal location.
func arrivedVariants(work []*validatingLine, usages map[int64]string) []int64 {
	var out []int64
	for _, vl := range work {
		if vl.Done.IsPositive() && vl.Info.Type == ProductStorable && vl.Move.MoveDestID == nil &&
			usages[vl.LocationDestID] == UsageInternal && usages[vl.LocationID] != UsageInternal {
			out = append(out, vl.VariantID)
		}
	}
	return uniq(out)
}
