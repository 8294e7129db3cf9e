package models

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
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

	// variants, when set, holds the type and tracking of every line's
	// variant, which the caller has already read.
	variants map[int64]variantStockInfo
	// history, when set, collects the transfers' history entries for the
	// caller to record with its own, instead of recording them here.
	history *[]HistoryEntry
	// reserve, when set, leaves the first step confirmed and collects it,
	// with its moves, for the caller to reserve last in its transaction
	// (or after it), so that the locks on hot quants are held as briefly
	// as possible.
	reserve *reservations
}

// validateDemand checks the lines and returns their variants' stock info,
// read from the database unless known is given.
func validateDemand(ctx context.Context, db bun.IDB, lines []DemandLine, known map[int64]variantStockInfo) (map[int64]variantStockInfo, error) {
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
	info := known
	if info == nil {
		var err error
		if info, err = loadVariantStockInfo(ctx, db, ids); err != nil {
			return nil, err
		}
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
// Each transfer is inserted named, linked and in its final state, and each
// step's moves in one statement.
func CreateDeliveryChainTx(ctx context.Context, tx bun.Tx, in ProcurementInput, actorID int64) ([]*Picking, error) {
	info, err := validateDemand(ctx, tx, in.Lines, in.variants)
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
	plan, err := loadDeliveryPlan(ctx, tx, in.WarehouseID)
	if err != nil {
		return nil, err
	}
	if in.ScheduledDate.IsZero() {
		in.ScheduledDate = time.Now()
	}

	head := &Picking{PartnerID: in.PartnerID, Origin: in.Origin, ScheduledDate: in.ScheduledDate,
		SaleOrderID: in.SaleOrderID, CarrierID: in.CarrierID, CreatedBy: nullableID(actorID)}
	// Inserted last step first, as the moves are: a chain's transfers are
	// numbered (ids) from the customer back.
	news := make([]newPicking, len(plan))
	for i, st := range plan {
		// Only the first step takes from stock; the others wait for it.
		np := newPicking{Type: st.Type, State: StateWaiting, Src: st.Src, Dest: st.Dest}
		if i == 0 {
			np.State = StateConfirmed
		}
		news[len(plan)-1-i] = np
	}
	pickings, err := insertPickings(ctx, tx, head, news)
	if err != nil {
		return nil, err
	}
	slices.Reverse(pickings) // first step first

	// Insert from the last step back, so each move knows the move it feeds.
	next := make([]*int64, len(lines))
	var first []*moveToReserve // the first step's moves, as inserted, to reserve
	for si := len(plan) - 1; si >= 0; si-- {
		st, pk := plan[si], pickings[si]
		moves := make([]*Move, len(lines))
		for li, l := range lines {
			moves[li] = &Move{PickingID: &pk.ID, VariantID: l.VariantID, Description: l.Description, Demand: l.Quantity,
				LocationID: st.Src, LocationDestID: st.Dest, State: StateConfirmed, ProcureMethod: MakeToStock,
				MoveDestID: next[li], PartnerID: in.PartnerID, Origin: in.Origin, SaleLineID: l.SaleLineID, Date: in.ScheduledDate}
			if si > 0 {
				moves[li].State, moves[li].ProcureMethod = StateWaiting, MakeToOrder
			}
		}
		if err := insertPrepared(ctx, tx, &moves); err != nil {
			return nil, fmt.Errorf("models: insert moves: %w", err)
		}
		for li, m := range moves {
			next[li] = &m.ID
			if si == 0 {
				vi := info[m.VariantID]
				first = append(first, &moveToReserve{Move: *m, ProductType: vi.Type, Tracking: vi.Tracking,
					SourceName: st.SrcName, FromStock: st.FromStock})
			}
		}
	}
	if in.reserve != nil {
		in.reserve.ids = append(in.reserve.ids, pickings[0].ID)
		in.reserve.moves = append(in.reserve.moves, first...)
	} else {
		states, err := reserveNewMoves(ctx, tx, first)
		if err != nil {
			return nil, err
		}
		applyPickingStates(pickings, states)
	}
	entries := pickingHistory(pickings, actorID)
	if in.history != nil {
		*in.history = append(*in.history, entries...)
		return pickings, nil
	}
	if err := RecordHistories(ctx, tx, entries); err != nil {
		return nil, err
	}
	return pickings, nil
}

// deliveryStep is one transfer of a delivery chain: its operation type and
// where it moves the goods. Steps taking from the warehouse's stock also
// know its complete name and whether it has active internal locations
// (what reserving their moves needs).
type deliveryStep struct {
	Type      *PickingType
	Src, Dest int64
	SrcName   string
	FromStock bool
}

// deliveryPlanRow is an operation type of a warehouse, with what a delivery
// chain needs to know about the warehouse.
type deliveryPlanRow struct {
	PickingType `bun:",extend"`

	DeliverySteps      int    `bun:"delivery_steps,scanonly"`
	StockLocationID    *int64 `bun:"stock_location_id,scanonly"`
	PackLocationID     *int64 `bun:"pack_location_id,scanonly"`
	OutputLocationID   *int64 `bun:"output_location_id,scanonly"`
	CustomerLocationID *int64 `bun:"customer_location_id,scanonly"`
	StockName          string `bun:"stock_name,scanonly"`       // the stock location's complete name
	StockFromStock     bool   `bun:"stock_from_stock,scanonly"` // internal locations at or under it
}

// loadDeliveryPlan reads, in one query, the warehouse's delivery steps with
// their operation types and locations (1: ship; 2: pick + ship; 3: pick +
// pack + ship), first step first.
// The rows come through the reference cache: they are shared, read only.
func loadDeliveryPlan(ctx context.Context, db bun.IDB, warehouseID int64) ([]deliveryStep, error) {
	plans, err := cachedByID(ctx, refDeliveryPlans, []int64{warehouseID}, func(ids []int64) (map[int64][]deliveryPlanRow, error) {
		var rows []deliveryPlanRow
		err := queryPrepared(ctx, db, "SELECT "+columnsOf[PickingType](db, "pty")+`, wh.delivery_steps, wh.stock_location_id, wh.pack_location_id, wh.output_location_id,
				(SELECT c.id FROM stock_locations c WHERE c.usage = $2 AND c.warehouse_id IS NULL ORDER BY c.id LIMIT 1) AS customer_location_id,
				coalesce(sl.complete_name, '') AS stock_name,
				EXISTS (SELECT 1 FROM stock_locations l WHERE l.usage = 'internal' AND l.active
					AND (l.id = sl.id OR starts_with(l.complete_name, sl.complete_name || '/'))) AS stock_from_stock
			FROM picking_types AS pty JOIN warehouses AS wh ON wh.id = pty.warehouse_id
			LEFT JOIN stock_locations AS sl ON sl.id = wh.stock_location_id
			WHERE pty.warehouse_id = $1 AND pty.kind = ANY($3)`,
			[]any{ids[0], UsageCustomer, []string{KindPick, KindPack, KindDelivery}}, &rows)
		return map[int64][]deliveryPlanRow{ids[0]: rows}, err
	})
	if err != nil {
		return nil, fmt.Errorf("models: delivery plan: %w", err)
	}
	rows := plans[warehouseID]
	if len(rows) == 0 {
		return nil, Errorf(ENOTFOUND, "The warehouse was not found.")
	}
	w := rows[0]
	if w.CustomerLocationID == nil {
		return nil, fmt.Errorf("models: %s location: %w", UsageCustomer, sql.ErrNoRows)
	}
	types := map[string]*PickingType{}
	for i := range rows {
		types[rows[i].Kind] = &rows[i].PickingType
	}
	stock, pack, output, customers := *w.StockLocationID, *w.PackLocationID, *w.OutputLocationID, *w.CustomerLocationID
	steps := map[int][]struct {
		kind      string
		src, dest int64
	}{
		1: {{KindDelivery, stock, customers}},
		2: {{KindPick, stock, output}, {KindDelivery, output, customers}},
		3: {{KindPick, stock, pack}, {KindPack, pack, output}, {KindDelivery, output, customers}},
	}[w.DeliverySteps]
	out := make([]deliveryStep, len(steps))
	for i, st := range steps {
		pt := types[st.kind]
		if pt == nil {
			return nil, Errorf(ENOTFOUND, "The operation type was not found.")
		}
		out[i] = deliveryStep{Type: pt, Src: st.src, Dest: st.dest}
		if st.src == stock {
			out[i].SrcName, out[i].FromStock = w.StockName, w.StockFromStock
		}
	}
	return out, nil
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
		if _, err := validateDemand(ctx, tx, in.Lines, nil); err != nil {
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
		moves := make([]*Move, len(in.Lines))
		for i, l := range in.Lines {
			moves[i] = &Move{PickingID: &pk.ID, VariantID: l.VariantID, Description: l.Description, Demand: l.Quantity,
				LocationID: pk.LocationID, LocationDestID: pk.LocationDestID, State: StateConfirmed, ProcureMethod: MakeToStock,
				PartnerID: in.PartnerID, Origin: in.Origin, Date: in.ScheduledDate}
		}
		if _, err := tx.NewInsert().Model(&moves).Returning("id").Exec(ctx); err != nil {
			return fmt.Errorf("models: insert moves: %w", err)
		}
		states, err := reservePickingMoves(ctx, tx, pk.ID)
		if err != nil {
			return err
		}
		applyPickingStates([]*Picking{pk}, states)
		return nameAndRecordPickings(ctx, tx, []*Picking{pk}, actorID)
	})
	return pk, wrapErr(err, "create receipt")
}

// newPicking is a transfer to insert: its operation type, state and route.
type newPicking struct {
	Type      *PickingType
	State     string
	Src, Dest int64
}

// insertPickings inserts transfers sharing head's partner, origin, date,
// order, carrier, creator and backorder link, in one statement. Each is
// named at once from its operation type's sequence (a fast sequence takes
// no lock). A backorder belongs to the same order and carrier as the
// transfer it continues, unless head says otherwise.
func insertPickings(ctx context.Context, tx bun.IDB, head *Picking, news []newPicking) ([]*Picking, error) {
	n := len(news)
	typeIDs, codes, states, srcs, dests := make([]int64, n), make([]string, n), make([]string, n), make([]int64, n), make([]int64, n)
	for i, np := range news {
		typeIDs[i], codes[i], states[i], srcs[i], dests[i] = np.Type.ID, np.Type.SequenceCode, np.State, np.Src, np.Dest
	}
	var rows []*Picking
	err := queryPrepared(ctx, tx, `INSERT INTO stock_pickings (name, picking_type_id, state, location_id, location_dest_id,
			partner_id, origin, scheduled_date, backorder_id, sale_order_id, carrier_id, created_by)
		SELECT next_sequence_name(s.code), s.type_id, s.state, s.src, s.dest,
			$1::bigint, $2::text, $3::timestamptz, $4::bigint, coalesce($5::bigint, b.sale_order_id), coalesce($6::bigint, b.carrier_id), $7::bigint
		FROM unnest($8::bigint[], $9::text[], $10::text[], $11::bigint[], $12::bigint[]) WITH ORDINALITY AS s(type_id, code, state, src, dest, n)
		LEFT JOIN stock_pickings b ON b.id = $4::bigint
		ORDER BY s.n
		RETURNING `+columnsOf[Picking](tx, ""),
		[]any{head.PartnerID, head.Origin, head.ScheduledDate, head.BackorderID, head.SaleOrderID, head.CarrierID, head.CreatedBy,
			typeIDs, codes, states, srcs, dests}, &rows)
	if err != nil {
		return nil, fmt.Errorf("models: insert transfers: %w", err)
	}
	// Match the rows to the requests by operation type, in order.
	byType := map[int64][]*Picking{}
	for _, pk := range rows {
		byType[pk.PickingTypeID] = append(byType[pk.PickingTypeID], pk)
	}
	out := make([]*Picking, n)
	for i, np := range news {
		if len(byType[np.Type.ID]) == 0 {
			return nil, fmt.Errorf("models: insert transfers: %d rows for %d transfers", len(rows), n)
		}
		out[i], byType[np.Type.ID] = byType[np.Type.ID][0], byType[np.Type.ID][1:]
		out[i].PickingType = np.Type
	}
	return out, nil
}

// insertPicking inserts a draft transfer, already named; a backorder
// belongs to the same order and carrier as the transfer it continues.
func insertPicking(ctx context.Context, tx bun.IDB, pt *PickingType, src, dest int64, partnerID *int64, origin string, scheduled time.Time, actorID int64, backorderOf *int64) (*Picking, error) {
	head := &Picking{PartnerID: partnerID, Origin: origin, ScheduledDate: scheduled, BackorderID: backorderOf, CreatedBy: nullableID(actorID)}
	out, err := insertPickings(ctx, tx, head, []newPicking{{Type: pt, State: StateDraft, Src: src, Dest: dest}})
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// applyPickingStates copies the states reservation gave transfers.
func applyPickingStates(pickings []*Picking, states map[int64]pickingState) {
	for _, pk := range pickings {
		if st, ok := states[pk.ID]; ok {
			pk.State, pk.PartiallyAvailable = st.State, st.Partial
		}
	}
}

// pickingHistory is the history line of each new transfer.
func pickingHistory(pickings []*Picking, actorID int64) []HistoryEntry {
	out := make([]HistoryEntry, len(pickings))
	for i, pk := range pickings {
		body := "Transfer created"
		if pk.Origin != "" {
			body += " for " + pk.Origin
		}
		if pk.BackorderID != nil {
			body = "Backorder created"
		}
		out[i] = historyEntry("picking", pk.ID, actorID, body+".")
	}
	return out
}

// nameAndRecordPickings records the creation of transfers in their history
// (they are named when inserted, see insertPickings).
func nameAndRecordPickings(ctx context.Context, tx bun.IDB, pickings []*Picking, actorID int64) error {
	return RecordHistories(ctx, tx, pickingHistory(pickings, actorID))
}

// lockPicking locks a transfer row and returns it with its operation type.
func lockPicking(ctx context.Context, tx bun.IDB, id int64) (*Picking, error) {
	pk := new(Picking)
	if err := tx.NewSelect().Model(pk).Relation("PickingType").Where("sp.id = ?", id).For("UPDATE OF sp").Scan(ctx); err != nil {
		return nil, notFound(err, "The transfer")
	}
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
		_, err = reservePickingMoves(ctx, tx, id)
		return err
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
	where, args := "sm.picking_id IS NOT NULL", []any(nil)
	if len(variantIDs) > 0 {
		where += " AND sm.variant_id IN (?)"
		args = append(args, bun.In(variantIDs))
	}
	_, err := reserveMovesWhere(ctx, tx, where, args...)
	return err
}
