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
	for _, vl := range work {
		if vl.Done.IsPositive() {
			if _, err := tx.NewRaw(`UPDATE stock_move_lines SET quantity_done = ?, reserved_quantity = 0, state = 'done',
				lot_id = ?, lot_name = ?, done_by = ?, date = ? WHERE id = ?`, vl.Done, vl.LotID, vl.LotName, nullableID(actorID), now, vl.ID).Exec(ctx); err != nil {
				return nil, err
			}
		}
	}
	if _, err := tx.NewRaw("DELETE FROM stock_move_lines WHERE picking_id = ? AND state = 'open'", id).Exec(ctx); err != nil {
		return nil, err
	}
	for i := range moves {
		m := &moves[i]
		done := doneByMove[m.ID]
		rest := m.Demand.Sub(done)
		if m.MoveDestID != nil && done.IsPositive() {
			chainedDests = append(chainedDests, *m.MoveDestID)
		}
		switch {
		case !rest.IsPositive():
			if _, err := tx.NewRaw("UPDATE stock_moves SET state = 'done', quantity_done = ?, date_done = ?, updated_at = now() WHERE id = ?", done, now, m.ID).Exec(ctx); err != nil {
				return nil, err
			}
		case done.IsZero():
			if createBackorder {
				backorderMoves = append(backorderMoves, m)
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
			} else {
				cancelled = append(cancelled, restMove)
			}
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

// takeFromSource lowers the source quants of stored products by what was
// done and gives back the lines' reservations. A source that lacks the stock
// is refused (the quant CHECK makes overselling impossible here too).
func takeFromSource(ctx context.Context, tx bun.IDB, work []*validatingLine, usages map[int64]string) error {
	for _, vl := range work {
		if vl.Info.Type != ProductStorable || usages[vl.LocationID] != UsageInternal {
			continue
		}
		if !vl.Done.IsPositive() && !vl.ReservedQuantity.IsPositive() {
			continue
		}
		var inDate time.Time
		err := tx.NewRaw(`UPDATE stock_quants SET quantity = quantity - ?, reserved_quantity = reserved_quantity - ?
			WHERE variant_id = ? AND location_id = ? AND lot_id IS NOT DISTINCT FROM ? AND package_id IS NOT DISTINCT FROM ?
			RETURNING in_date`, vl.Done, vl.ReservedQuantity, vl.VariantID, vl.LocationID, vl.LotID, vl.PackageID).Scan(ctx, &inDate)
		if err != nil {
			if isCheckViolation(err, "stock_quants_not_negative") || isCheckViolation(err, "stock_quants_reserved_within") || errors.Is(err, sql.ErrNoRows) {
				return Errorf(EINVALID, "Not enough stock of %s in the source location to do %s.", vl.Move.Description, vl.Done)
			}
			return fmt.Errorf("models: take from source: %w", err)
		}
		vl.InDate = inDate
	}
	return nil
}

// putAtDestination adds what was done to the destination quants (internal
// destinations only), keeping the incoming date of the stock for FIFO.
func putAtDestination(ctx context.Context, tx bun.IDB, work []*validatingLine, usages map[int64]string, now time.Time) error {
	for _, vl := range work {
		if vl.Info.Type != ProductStorable || !vl.Done.IsPositive() || usages[vl.LocationDestID] != UsageInternal {
			continue
		}
		inDate := vl.InDate
		if inDate.IsZero() {
			inDate = now
		}
		_, err := tx.NewRaw(`INSERT INTO stock_quants AS q (variant_id, location_id, lot_id, package_id, quantity, in_date)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (variant_id, location_id, lot_id, package_id) DO UPDATE SET quantity = q.quantity + EXCLUDED.quantity`,
			vl.VariantID, vl.LocationDestID, vl.LotID, vl.ResultPackageID, vl.Done, inDate).Exec(ctx)
		if err != nil {
			return fmt.Errorf("models: put at destination: %w", err)
		}
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
