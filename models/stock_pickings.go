package models

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"
)

// DemandLine is one product and quantity to move.
type DemandLine struct {
	VariantID   int64
	Quantity    decimal.Decimal
	Description string
	SaleLineID  *int64
}

// ProcurementInput asks a warehouse to deliver goods to a partner.
type ProcurementInput struct {
	WarehouseID   int64
	PartnerID     *int64
	Origin        string // the document asking, e.g. S00042
	ScheduledDate time.Time
	Lines         []DemandLine
	SaleOrderID   *int64 // the sales order asking, linked on every transfer
	CarrierID     *int64
	// DeferReservation leaves the first step confirmed: the caller reserves
	// it after its transaction commits, so that the locks on hot quants are
	// held only for the short reservation, not for the whole confirmation.
	DeferReservation bool
}

func validateDemand(ctx context.Context, db bun.IDB, lines []DemandLine) (map[int64]variantStockInfo, error) {
	p := Problems{}
	if len(lines) == 0 {
		p.Add("lines", "Add at least one product.")
	}
	ids := make([]int64, 0, len(lines))
	for i, l := range lines {
		if !l.Quantity.IsPositive() {
			p.Add(fmt.Sprintf("lines.%d.quantity", i), "The quantity must be more than zero.")
		} else if l.Quantity.Exponent() < -4 || l.Quantity.GreaterThan(decimal.NewFromInt(1_000_000)) {
			p.Add(fmt.Sprintf("lines.%d.quantity", i), "Use at most 4 decimals and less than a million.")
		}
		ids = append(ids, l.VariantID)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	info, err := loadVariantStockInfo(ctx, db, ids)
	if err != nil {
		return nil, err
	}
	for i, l := range lines {
		vi, ok := info[l.VariantID]
		switch {
		case !ok:
			p.Add(fmt.Sprintf("lines.%d.variant", i), "Choose an existing product.")
		case vi.Tracking == TrackingSerial && !l.Quantity.IsInteger():
			p.Add(fmt.Sprintf("lines.%d.quantity", i), "Serial-numbered products move in whole units.")
		}
	}
	return info, p.Err()
}

// CreateDeliveryChain is the procurement entry point: it creates the
// transfers that bring the demand from the warehouse's stock to the customer
// according to its delivery steps (1: ship; 2: pick + ship; 3: pick + pack +
// ship), chains their moves, confirms them and reserves the first step.
// Services are skipped. It returns the transfers, first step first.
func CreateDeliveryChain(ctx context.Context, db *bun.DB, in ProcurementInput, actorID int64) ([]*Picking, error) {
	var out []*Picking
	err := runStockTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		var err error
		out, err = CreateDeliveryChainTx(ctx, tx, in, actorID)
		return err
	})
	return out, wrapErr(err, "create delivery")
}

// CreateDeliveryChainTx is CreateDeliveryChain inside the caller's
// transaction (sales order confirmation runs it with the order's changes).
func CreateDeliveryChainTx(ctx context.Context, tx bun.Tx, in ProcurementInput, actorID int64) ([]*Picking, error) {
	info, err := validateDemand(ctx, tx, in.Lines)
	if err != nil {
		return nil, err
	}
	var lines []DemandLine
	for _, l := range in.Lines {
		if info[l.VariantID].Type != ProductService {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return nil, nil
	}
	wh, err := GetWarehouse(ctx, tx, in.WarehouseID)
	if err != nil {
		return nil, err
	}
	customers, err := specialLocation(ctx, tx, UsageCustomer)
	if err != nil {
		return nil, err
	}
	type step struct {
		kind      string
		src, dest int64
	}
	stock, pack, output := *wh.StockLocationID, *wh.PackLocationID, *wh.OutputLocationID
	steps := map[int][]step{
		1: {{KindDelivery, stock, customers.ID}},
		2: {{KindPick, stock, output}, {KindDelivery, output, customers.ID}},
		3: {{KindPick, stock, pack}, {KindPack, pack, output}, {KindDelivery, output, customers.ID}},
	}[wh.DeliverySteps]
	if in.ScheduledDate.IsZero() {
		in.ScheduledDate = time.Now()
	}

	// Build from the last step back, so each move knows the move it feeds.
	pickings := make([]*Picking, len(steps))
	next := make([]*int64, len(lines))
	var firstMoves []int64
	for si := len(steps) - 1; si >= 0; si-- {
		st := steps[si]
		pt, err := pickingTypeOf(ctx, tx, wh.ID, st.kind)
		if err != nil {
			return nil, err
		}
		pk, err := insertPicking(ctx, tx, pt, st.src, st.dest, in.PartnerID, in.Origin, in.ScheduledDate, actorID, nil)
		if err != nil {
			return nil, err
		}
		pk.SaleOrderID, pk.CarrierID = in.SaleOrderID, in.CarrierID
		pickings[si] = pk
		for li, l := range lines {
			m := &Move{PickingID: &pk.ID, VariantID: l.VariantID, Description: l.Description, Demand: l.Quantity,
				LocationID: st.src, LocationDestID: st.dest, State: StateConfirmed, ProcureMethod: MakeToStock,
				MoveDestID: next[li], PartnerID: in.PartnerID, Origin: in.Origin, SaleLineID: l.SaleLineID, Date: in.ScheduledDate}
			if si > 0 {
				m.State, m.ProcureMethod = StateWaiting, MakeToOrder
			}
			if _, err := tx.NewInsert().Model(m).Returning("id").Exec(ctx); err != nil {
				return nil, fmt.Errorf("models: insert move: %w", err)
			}
			next[li] = &m.ID
			if si == 0 {
				firstMoves = append(firstMoves, m.ID)
			}
		}
	}
	if !in.DeferReservation {
		if err := reserveMoves(ctx, tx, firstMoves); err != nil {
			return nil, err
		}
	}
	ids := make([]int64, len(pickings))
	for i, pk := range pickings {
		ids[i] = pk.ID
	}
	if in.SaleOrderID != nil || in.CarrierID != nil {
		if _, err := tx.NewRaw("UPDATE stock_pickings SET sale_order_id = ?, carrier_id = ? WHERE id IN (?)", in.SaleOrderID, in.CarrierID, bun.In(ids)).Exec(ctx); err != nil {
			return nil, fmt.Errorf("models: link transfers to the order: %w", err)
		}
	}
	if err := refreshPickingStates(ctx, tx, ids); err != nil {
		return nil, err
	}
	if err := nameAndRecordPickings(ctx, tx, pickings, actorID); err != nil {
		return nil, err
	}
	return pickings, nil
}

// ReceiptInput asks for goods to be received from a vendor into stock.
type ReceiptInput struct {
	WarehouseID   int64
	PartnerID     *int64
	Origin        string
	ScheduledDate time.Time
	Lines         []DemandLine
}

// CreateReceipt creates a receipt (Vendors -> WH/Stock) ready to be validated.
func CreateReceipt(ctx context.Context, db *bun.DB, in ReceiptInput, actorID int64) (*Picking, error) {
	var pk *Picking
	err := runStockTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		if _, err := validateDemand(ctx, tx, in.Lines); err != nil {
			return err
		}
		pt, err := pickingTypeOf(ctx, tx, in.WarehouseID, KindReceipt)
		if err != nil {
			return err
		}
		if in.ScheduledDate.IsZero() {
			in.ScheduledDate = time.Now()
		}
		pk, err = insertPicking(ctx, tx, pt, pt.DefaultSrcLocationID, pt.DefaultDestLocationID, in.PartnerID, in.Origin, in.ScheduledDate, actorID, nil)
		if err != nil {
			return err
		}
		var ids []int64
		for _, l := range in.Lines {
			m := &Move{PickingID: &pk.ID, VariantID: l.VariantID, Description: l.Description, Demand: l.Quantity,
				LocationID: pk.LocationID, LocationDestID: pk.LocationDestID, State: StateConfirmed, ProcureMethod: MakeToStock,
				PartnerID: in.PartnerID, Origin: in.Origin, Date: in.ScheduledDate}
			if _, err := tx.NewInsert().Model(m).Returning("id").Exec(ctx); err != nil {
				return err
			}
			ids = append(ids, m.ID)
		}
		if err := reserveMoves(ctx, tx, ids); err != nil {
			return err
		}
		return nameAndRecordPickings(ctx, tx, []*Picking{pk}, actorID)
	})
	return pk, wrapErr(err, "create receipt")
}

// insertPicking inserts a transfer under a temporary name; nameAndRecord
// gives it its number at the end of the transaction, so that the sequence
// row stays locked as briefly as possible.
func insertPicking(ctx context.Context, tx bun.IDB, pt *PickingType, src, dest int64, partnerID *int64, origin string, scheduled time.Time, actorID int64, backorderOf *int64) (*Picking, error) {
	tmp := make([]byte, 8)
	_, _ = rand.Read(tmp)
	pk := &Picking{Name: "new-" + hex.EncodeToString(tmp), PickingTypeID: pt.ID, State: StateDraft, PartnerID: partnerID,
		Origin: origin, LocationID: src, LocationDestID: dest, ScheduledDate: scheduled, BackorderID: backorderOf}
	if actorID != 0 {
		pk.CreatedBy = &actorID
	}
	pk.PickingType = pt
	if _, err := tx.NewInsert().Model(pk).Returning("*").Exec(ctx); err != nil {
		return nil, fmt.Errorf("models: insert transfer: %w", err)
	}
	if backorderOf != nil {
		// A backorder belongs to the same order and carrier.
		err := tx.NewRaw(`UPDATE stock_pickings p SET sale_order_id = b.sale_order_id, carrier_id = b.carrier_id
			FROM stock_pickings b WHERE b.id = ? AND p.id = ? RETURNING p.sale_order_id, p.carrier_id`, *backorderOf, pk.ID).
			Scan(ctx, &pk.SaleOrderID, &pk.CarrierID)
		if err != nil {
			return nil, fmt.Errorf("models: link backorder: %w", err)
		}
	}
	return pk, nil
}

func nameAndRecordPickings(ctx context.Context, tx bun.IDB, pickings []*Picking, actorID int64) error {
	for _, pk := range pickings {
		name, err := NextSequence(ctx, tx, pk.PickingType.SequenceCode)
		if err != nil {
			return err
		}
		pk.Name = name
		if err := tx.NewUpdate().Model(pk).Set("name = ?", name).WherePK().Returning("*").Scan(ctx); err != nil {
			return fmt.Errorf("models: name transfer: %w", err)
		}
		body := "Transfer created"
		if pk.Origin != "" {
			body += " for " + pk.Origin
		}
		if pk.BackorderID != nil {
			body = "Backorder created"
		}
		if err := RecordHistory(ctx, tx, "picking", pk.ID, actorID, body+"."); err != nil {
			return err
		}
	}
	return nil
}

// lockPicking locks a transfer row and returns it with its operation type.
func lockPicking(ctx context.Context, tx bun.IDB, id int64) (*Picking, error) {
	pk := new(Picking)
	if err := tx.NewSelect().Model(pk).Where("sp.id = ?", id).For("UPDATE OF sp").Scan(ctx); err != nil {
		return nil, notFound(err, "The transfer")
	}
	pt := new(PickingType)
	if err := tx.NewSelect().Model(pt).Where("id = ?", pk.PickingTypeID).Scan(ctx); err != nil {
		return nil, err
	}
	pk.PickingType = pt
	return pk, nil
}

// ReservePicking ("Check availability") reserves what is free for the
// transfer's waiting moves. It locks the transfer.
func ReservePicking(ctx context.Context, db *bun.DB, id, actorID int64) error {
	return runStockTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		pk, err := lockPicking(ctx, tx, id)
		if err != nil {
			return err
		}
		if pk.State == StateDone || pk.State == StateCancel {
			return Errorf(ECONFLICT, "%s is %s: nothing to reserve.", pk.Name, pk.State)
		}
		ids, err := moveIDsWhere(ctx, tx, "picking_id = ?", id)
		if err != nil {
			return err
		}
		return reserveMoves(ctx, tx, ids)
	})
}

// UnreservePicking gives back the stock reserved by the transfer's
// make-to-stock moves. It locks the transfer and the quants concerned.
func UnreservePicking(ctx context.Context, db *bun.DB, id, actorID int64) error {
	return runStockTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		pk, err := lockPicking(ctx, tx, id)
		if err != nil {
			return err
		}
		if pk.State == StateDone || pk.State == StateCancel {
			return Errorf(ECONFLICT, "%s is %s: nothing to unreserve.", pk.Name, pk.State)
		}
		ids, err := moveIDsWhere(ctx, tx, "picking_id = ? AND procure_method = ? AND state NOT IN ('done', 'cancel')", id, MakeToStock)
		if err != nil || len(ids) == 0 {
			return err
		}
		if err := releaseLines(ctx, tx, "l.move_id IN (?)", bun.In(ids)); err != nil {
			return err
		}
		if _, err := tx.NewRaw("UPDATE stock_moves SET state = 'confirmed', updated_at = now() WHERE id IN (?)", bun.In(ids)).Exec(ctx); err != nil {
			return err
		}
		if err := refreshPickingStates(ctx, tx, []int64{id}); err != nil {
			return err
		}
		return RecordHistory(ctx, tx, "picking", id, actorID, "Reservation released.")
	})
}

// CancelPicking cancels a transfer that is not done: its reservations are
// released, its moves cancelled, and the quantities they would have fed into
// the next step are cancelled there too. It locks the transfer.
func CancelPicking(ctx context.Context, db *bun.DB, id, actorID int64) error {
	return runStockTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		return cancelPickingTx(ctx, tx, id, actorID)
	})
}

func cancelPickingTx(ctx context.Context, tx bun.IDB, id, actorID int64) error {
	pk, err := lockPicking(ctx, tx, id)
	if err != nil {
		return err
	}
	switch pk.State {
	case StateCancel:
		return nil // cancelling twice changes nothing
	case StateDone:
		return Errorf(ECONFLICT, "%s is done: a done transfer cannot be cancelled.", pk.Name)
	}
	var moves []Move
	if err := tx.NewSelect().Model(&moves).Where("picking_id = ? AND state NOT IN ('done', 'cancel')", id).Order("id").Scan(ctx); err != nil {
		return err
	}
	if err := cancelMoves(ctx, tx, moves); err != nil {
		return err
	}
	if err := refreshPickingStates(ctx, tx, []int64{id}); err != nil {
		return err
	}
	return RecordHistory(ctx, tx, "picking", id, actorID, "Transfer cancelled.")
}

// cancelMoves releases and cancels moves, and takes their remaining demand
// off the moves they feed (cancelling those that keep nothing).
func cancelMoves(ctx context.Context, tx bun.IDB, moves []Move) error {
	if len(moves) == 0 {
		return nil
	}
	ids := make([]int64, len(moves))
	for i, m := range moves {
		ids[i] = m.ID
	}
	if err := releaseLines(ctx, tx, "l.move_id IN (?)", bun.In(ids)); err != nil {
		return err
	}
	if _, err := tx.NewRaw("UPDATE stock_moves SET state = 'cancel', updated_at = now() WHERE id IN (?)", bun.In(ids)).Exec(ctx); err != nil {
		return err
	}
	// Moves that fed these ones now deliver to their own destination only.
	if _, err := tx.NewRaw("UPDATE stock_moves SET move_dest_id = NULL WHERE move_dest_id IN (?) AND state NOT IN ('done', 'cancel')", bun.In(ids)).Exec(ctx); err != nil {
		return err
	}
	for _, m := range moves {
		if m.MoveDestID != nil {
			if err := reduceDemand(ctx, tx, *m.MoveDestID, m.Demand.Sub(m.QuantityDone)); err != nil {
				return err
			}
		}
	}
	return nil
}

// reduceDemand takes qty off a chained move's demand because what was to feed
// it will not come; a move left with nothing is cancelled in turn.
func reduceDemand(ctx context.Context, tx bun.IDB, moveID int64, qty decimal.Decimal) error {
	if !qty.IsPositive() {
		return nil
	}
	m := new(Move)
	if err := tx.NewSelect().Model(m).Where("id = ?", moveID).For("UPDATE").Scan(ctx); err != nil {
		return err
	}
	if m.State == StateDone || m.State == StateCancel {
		return nil
	}
	if !m.Demand.GreaterThan(qty) {
		if err := cancelMoves(ctx, tx, []Move{*m}); err != nil {
			return err
		}
	} else {
		if _, err := tx.NewRaw("UPDATE stock_moves SET demand = demand - ?, updated_at = now() WHERE id = ?", qty, moveID).Exec(ctx); err != nil {
			return err
		}
		if err := refreshChainedMoveStates(ctx, tx, []int64{moveID}); err != nil {
			return err
		}
	}
	if m.PickingID != nil {
		return refreshPickingStates(ctx, tx, []int64{*m.PickingID})
	}
	return nil
}

// refreshChainedMoveStates sets make-to-order moves to assigned, partially
// available or waiting from what the previous step has reserved for them.
func refreshChainedMoveStates(ctx context.Context, tx bun.IDB, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := tx.NewRaw(`UPDATE stock_moves m SET state = CASE
			WHEN coalesce(r.reserved, 0) >= m.demand THEN 'assigned'
			WHEN coalesce(r.reserved, 0) > 0 THEN 'partially_available'
			WHEN m.procure_method = 'make_to_order' THEN 'waiting'
			ELSE 'confirmed' END, updated_at = now()
		FROM stock_moves m2 LEFT JOIN (
			SELECT move_id, sum(reserved_quantity) AS reserved FROM stock_move_lines
			WHERE state = 'open' GROUP BY move_id) r ON r.move_id = m2.id
		WHERE m.id = m2.id AND m.id IN (?) AND m.state NOT IN ('done', 'cancel')`, bun.In(ids)).Exec(ctx)
	return wrapErr(err, "refresh chained moves")
}

// CheckAvailability reserves, earliest first, every make-to-stock move still
// waiting for stock — for the given variants, or all of them. The scheduler
// runs it periodically; receipts and counts run it for what they brought.
func CheckAvailability(ctx context.Context, db *bun.DB, variantIDs ...int64) error {
	return runStockTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		return reserveWaiting(ctx, tx, variantIDs)
	})
}

func reserveWaiting(ctx context.Context, tx bun.IDB, variantIDs []int64) error {
	where := "state IN ('confirmed', 'partially_available') AND procure_method = 'make_to_stock' AND picking_id IS NOT NULL"
	args := []any{}
	if len(variantIDs) > 0 {
		where += " AND variant_id IN (?)"
		args = append(args, bun.In(variantIDs))
	}
	ids, err := moveIDsWhere(ctx, tx, where, args...)
	if err != nil {
		return err
	}
	return reserveMoves(ctx, tx, ids)
}
