package models

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"
)

// Transfer list and detail, and the back-office forms that create and
// validate transfers and apply inventory counts. The stock engine itself
// (reservation, validation, counts) lives in stock_*.go; these operations
// read what the screens show and turn form input into engine calls.

// PickingKinds are the operation type kinds, in the order screens list them.
var PickingKinds = []string{KindReceipt, KindDelivery, KindPick, KindPack, KindInternal}

// PickingKindLabel names an operation type kind as Odoo does.
func PickingKindLabel(kind string) string {
	switch kind {
	case KindReceipt:
		return "Receipts"
	case KindDelivery:
		return "Delivery Orders"
	case KindPick:
		return "Pick"
	case KindPack:
		return "Pack"
	case KindInternal:
		return "Internal Transfers"
	}
	return kind
}

// Picking list filter states. Besides the stored states, "partially_available"
// is an assigned transfer with only part of its stock reserved, "todo" is
// anything not done or cancelled and "late" is todo past its scheduled date.
var PickingFilterStates = []string{"todo", "late", StateDraft, StateWaiting, StateConfirmed, StateAssigned, StatePartiallyAvailable, StateDone, StateCancel}

// PickingStateLabel is what a person reads for a transfer's state.
func PickingStateLabel(state string, partial bool) string {
	switch state {
	case StateDraft:
		return "Draft"
	case StateWaiting:
		return "Waiting another operation"
	case StateConfirmed:
		return "Waiting"
	case StateAssigned:
		if partial {
			return "Partially available"
		}
		return "Ready"
	case StatePartiallyAvailable:
		return "Partially available"
	case StateDone:
		return "Done"
	case StateCancel:
		return "Cancelled"
	case "todo":
		return "To do"
	case "late":
		return "Late"
	}
	return state
}

// PickingFilter narrows ListPickings.
type PickingFilter struct {
	Kind    string // one of PickingKinds, or "" for all
	State   string // one of PickingFilterStates, or "" for all
	Query   string // matches the number, the origin or the partner's name
	Sort    string // "scheduled" (default), "-scheduled", "name", "-name"
	Page    int    // 1-based
	PerPage int
}

// PickingRow is one transfer in the list.
type PickingRow struct {
	bun.BaseModel `bun:"table:stock_pickings,alias:sp"`

	ID                 int64      `bun:"id"`
	Name               string     `bun:"name"`
	State              string     `bun:"state"`
	PartiallyAvailable bool       `bun:"partially_available"`
	Kind               string     `bun:"kind"`
	TypeName           string     `bun:"type_name"`
	WarehouseCode      string     `bun:"warehouse_code"`
	PartnerName        string     `bun:"partner_name"`
	Origin             string     `bun:"origin"`
	SourceName         string     `bun:"source_name"`
	DestName           string     `bun:"dest_name"`
	ScheduledDate      time.Time  `bun:"scheduled_date"`
	DateDone           *time.Time `bun:"date_done"`
	BackorderOfID      *int64     `bun:"backorder_of_id"`
	BackorderOfName    string     `bun:"backorder_of_name"`
}

// Late reports whether the transfer is still to do after its scheduled date.
func (r PickingRow) Late(now time.Time) bool {
	return r.State != StateDone && r.State != StateCancel && r.ScheduledDate.Before(now)
}

// PickingKindCount is the overview of one kind of operation: how many
// transfers are ready to process, waiting, late, and backorders.
type PickingKindCount struct {
	Kind       string `bun:"kind"`
	Ready      int    `bun:"ready"`
	Waiting    int    `bun:"waiting"`
	Late       int    `bun:"late"`
	Backorders int    `bun:"backorders"`
}

// PickingPage is one page of transfers with the overview counts.
type PickingPage struct {
	Rows     []PickingRow
	Total    int
	Page     int
	PerPage  int
	Overview []PickingKindCount // one per kind, in PickingKinds order
}

// Pages is the number of pages.
func (p PickingPage) Pages() int {
	if p.PerPage == 0 {
		return 1
	}
	return max(1, (p.Total+p.PerPage-1)/p.PerPage)
}

const pickingRowColumns = `sp.id, sp.name, sp.state, sp.partially_available, pty.kind, pty.name AS type_name,
	wh.code AS warehouse_code, coalesce(c.name, '') AS partner_name, sp.origin,
	src.complete_name AS source_name, dst.complete_name AS dest_name, sp.scheduled_date, sp.date_done,
	sp.backorder_id AS backorder_of_id, coalesce(bo.name, '') AS backorder_of_name`

func pickingRowJoins(q *bun.SelectQuery) *bun.SelectQuery {
	return q.Join("JOIN picking_types AS pty ON pty.id = sp.picking_type_id").
		Join("JOIN warehouses AS wh ON wh.id = pty.warehouse_id").
		Join("JOIN stock_locations AS src ON src.id = sp.location_id").
		Join("JOIN stock_locations AS dst ON dst.id = sp.location_dest_id").
		Join("LEFT JOIN contacts AS c ON c.id = sp.partner_id").
		Join("LEFT JOIN stock_pickings AS bo ON bo.id = sp.backorder_id")
}

// ListPickings returns the transfers matching f (one query with joins, plus
// its count) and the overview counts per kind of operation.
func ListPickings(ctx context.Context, db bun.IDB, f PickingFilter) (PickingPage, error) {
	if f.PerPage <= 0 || f.PerPage > 200 {
		f.PerPage = 50
	}
	if f.Page < 1 {
		f.Page = 1
	}
	var rows []PickingRow
	q := pickingRowJoins(db.NewSelect().Model(&rows).ColumnExpr(pickingRowColumns))
	switch f.Kind {
	case KindReceipt, KindDelivery, KindPick, KindPack, KindInternal:
		q = q.Where("pty.kind = ?", f.Kind)
	}
	switch f.State {
	case StateDraft, StateWaiting, StateConfirmed, StateDone, StateCancel:
		q = q.Where("sp.state = ?", f.State)
	case StateAssigned:
		q = q.Where("sp.state = 'assigned' AND NOT sp.partially_available")
	case StatePartiallyAvailable:
		q = q.Where("sp.state = 'assigned' AND sp.partially_available")
	case "todo":
		q = q.Where("sp.state NOT IN ('done', 'cancel')")
	case "late":
		q = q.Where("sp.state NOT IN ('draft', 'done', 'cancel') AND sp.scheduled_date < now()")
	}
	if s := strings.TrimSpace(f.Query); s != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s) + "%"
		q = q.Where("(sp.name ILIKE ? OR sp.origin ILIKE ? OR c.name ILIKE ?)", like, like, like)
	}
	switch f.Sort {
	case "-scheduled":
		q = q.OrderExpr("sp.scheduled_date DESC, sp.id DESC")
	case "name":
		q = q.OrderExpr("sp.name, sp.id")
	case "-name":
		q = q.OrderExpr("sp.name DESC, sp.id DESC")
	default:
		f.Sort = "scheduled"
		q = q.OrderExpr("sp.scheduled_date, sp.id")
	}
	total, err := q.Limit(int64(f.PerPage)).Offset(int64((f.Page - 1) * f.PerPage)).ScanAndCount(ctx)
	if err != nil {
		return PickingPage{}, fmt.Errorf("models: list transfers: %w", err)
	}
	var counts []PickingKindCount
	err = db.NewRaw(`SELECT pty.kind,
			count(*) FILTER (WHERE sp.state = 'assigned') AS ready,
			count(*) FILTER (WHERE sp.state IN ('waiting', 'confirmed')) AS waiting,
			count(*) FILTER (WHERE sp.state NOT IN ('draft', 'done', 'cancel') AND sp.scheduled_date < now()) AS late,
			count(*) FILTER (WHERE sp.backorder_id IS NOT NULL AND sp.state NOT IN ('done', 'cancel')) AS backorders
		FROM stock_pickings sp JOIN picking_types pty ON pty.id = sp.picking_type_id
		GROUP BY pty.kind`).Scan(ctx, &counts)
	if err != nil {
		return PickingPage{}, fmt.Errorf("models: transfer overview: %w", err)
	}
	byKind := map[string]PickingKindCount{}
	for _, c := range counts {
		byKind[c.Kind] = c
	}
	overview := make([]PickingKindCount, len(PickingKinds))
	for i, k := range PickingKinds {
		overview[i] = byKind[k]
		overview[i].Kind = k
	}
	return PickingPage{Rows: rows, Total: int(total), Page: f.Page, PerPage: f.PerPage, Overview: overview}, nil
}

// variantLabelSQL is a LATERAL subquery giving the attribute values of
// variant v, like "M, Blue".
const variantLabelSQL = `SELECT string_agg(pav.name, ', ' ORDER BY pa.sequence, pa.id) AS label
	FROM product_variant_values pvv JOIN product_attribute_values pav ON pav.id = pvv.value_id
	JOIN product_attributes pa ON pa.id = pav.attribute_id WHERE pvv.variant_id = v.id`

// PickingRef links to another transfer (a chained step, a backorder).
type PickingRef struct {
	Rel                string `bun:"rel"` // previous | next | backorder
	ID                 int64  `bun:"id"`
	Name               string `bun:"name"`
	State              string `bun:"state"`
	PartiallyAvailable bool   `bun:"partially_available"`
}

// MoveDetail is a move of a transfer with its product and its lines.
type MoveDetail struct {
	ID            int64            `bun:"id"`
	VariantID     int64            `bun:"variant_id"`
	ProductName   string           `bun:"product_name"`
	SKU           string           `bun:"sku"`
	Tracking      string           `bun:"tracking"`
	ProductType   string           `bun:"product_type"`
	Description   string           `bun:"description"`
	Demand        decimal.Decimal  `bun:"demand,type:numeric"`
	Reserved      decimal.Decimal  `bun:"reserved,type:numeric"`
	QuantityDone  decimal.Decimal  `bun:"quantity_done,type:numeric"`
	State         string           `bun:"state"`
	ProcureMethod string           `bun:"procure_method"`
	Lines         []MoveLineDetail `bun:"-"`
}

// MoveLineDetail is a move line with the names of its places, lot and packages.
type MoveLineDetail struct {
	ID                int64           `bun:"id"`
	MoveID            int64           `bun:"move_id"`
	LocationName      string          `bun:"location_name"`
	LocationDestName  string          `bun:"location_dest_name"`
	LotID             *int64          `bun:"lot_id"`
	LotName           string          `bun:"lot_name"`
	PackageName       string          `bun:"package_name"`
	ResultPackageName string          `bun:"result_package_name"`
	ReservedQuantity  decimal.Decimal `bun:"reserved_quantity,type:numeric"`
	QuantityDone      decimal.Decimal `bun:"quantity_done,type:numeric"`
	State             string          `bun:"state"`
	DoneByName        string          `bun:"done_by_name"`
}

// Open reports whether the line is still to be done.
func (l MoveLineDetail) Open() bool { return l.State == "open" }

// PickingDetail is everything the transfer page shows.
type PickingDetail struct {
	PickingRow
	Code            string `bun:"code"` // incoming | outgoing | internal
	CarrierRef      string `bun:"carrier_tracking_ref"`
	CreatedByName   string `bun:"created_by_name"`
	ValidatedByName string `bun:"validated_by_name"`

	Moves      []MoveDetail   `bun:"-"`
	Previous   []PickingRef   `bun:"-"`
	Next       []PickingRef   `bun:"-"`
	Backorders []PickingRef   `bun:"-"`
	History    []HistoryEntry `bun:"-"`
}

// OpenLines are the lines still to be done, in move order.
func (d *PickingDetail) OpenLines() []MoveLineDetail {
	var out []MoveLineDetail
	for _, m := range d.Moves {
		for _, l := range m.Lines {
			if l.Open() {
				out = append(out, l)
			}
		}
	}
	return out
}

// Finished reports whether the transfer is done or cancelled.
func (d *PickingDetail) Finished() bool { return d.State == StateDone || d.State == StateCancel }

// CanReserve says whether "Check availability" makes sense.
func (d *PickingDetail) CanReserve() bool {
	return d.State == StateConfirmed || (d.State == StateAssigned && d.PartiallyAvailable)
}

// CanUnreserve says whether "Unreserve" makes sense: stock taken from an
// internal location is reserved.
func (d *PickingDetail) CanUnreserve() bool {
	if d.State != StateAssigned || d.Code == "incoming" {
		return false
	}
	for _, m := range d.Moves {
		if m.ProcureMethod == MakeToStock && m.Reserved.IsPositive() {
			return true
		}
	}
	return false
}

// CanValidate says whether something can be validated: open lines exist.
func (d *PickingDetail) CanValidate() bool {
	return !d.Finished() && len(d.OpenLines()) > 0
}

// GetPickingDetail returns a transfer with its moves, their lines (names of
// locations, lots, packages and products), the transfers chained before and
// after it, its backorders and its history, in a few queries. ENOTFOUND when
// there is no such transfer.
func GetPickingDetail(ctx context.Context, db bun.IDB, id int64) (*PickingDetail, error) {
	d := new(PickingDetail)
	err := pickingRowJoins(db.NewSelect().Model((*PickingRow)(nil)).ColumnExpr(pickingRowColumns).
		ColumnExpr("pty.code, sp.carrier_tracking_ref, coalesce(cu.name, '') AS created_by_name, coalesce(vu.name, '') AS validated_by_name")).
		Join("LEFT JOIN users AS cu ON cu.id = sp.created_by").
		Join("LEFT JOIN users AS vu ON vu.id = sp.validated_by").
		Where("sp.id = ?", id).Scan(ctx, d)
	if err != nil {
		return nil, notFound(err, "The transfer")
	}
	err = db.NewRaw(`SELECT sm.id, sm.variant_id, pt.name || coalesce(' (' || vals.label || ')', '') AS product_name, v.sku,
			pt.tracking, pt.type AS product_type, sm.description, sm.demand, sm.quantity_done, sm.state, sm.procure_method,
			coalesce(r.reserved, 0) AS reserved
		FROM stock_moves sm
		JOIN product_variants v ON v.id = sm.variant_id
		JOIN product_templates pt ON pt.id = v.template_id
		LEFT JOIN LATERAL (`+variantLabelSQL+`) vals ON true
		LEFT JOIN (SELECT move_id, sum(reserved_quantity) AS reserved FROM stock_move_lines
			WHERE state = 'open' GROUP BY move_id) r ON r.move_id = sm.id
		WHERE sm.picking_id = ? ORDER BY sm.id`, id).Scan(ctx, &d.Moves)
	if err != nil {
		return nil, fmt.Errorf("models: transfer moves: %w", err)
	}
	var lines []MoveLineDetail
	err = db.NewRaw(`SELECT l.id, l.move_id, src.complete_name AS location_name, dst.complete_name AS location_dest_name,
			l.lot_id, coalesce(lot.name, l.lot_name) AS lot_name, coalesce(pkg.name, '') AS package_name,
			coalesce(rpkg.name, '') AS result_package_name, l.reserved_quantity, l.quantity_done, l.state,
			coalesce(u.name, '') AS done_by_name
		FROM stock_move_lines l
		JOIN stock_locations src ON src.id = l.location_id
		JOIN stock_locations dst ON dst.id = l.location_dest_id
		LEFT JOIN stock_lots lot ON lot.id = l.lot_id
		LEFT JOIN stock_packages pkg ON pkg.id = l.package_id
		LEFT JOIN stock_packages rpkg ON rpkg.id = l.result_package_id
		LEFT JOIN users u ON u.id = l.done_by
		WHERE l.move_id IN (SELECT id FROM stock_moves WHERE picking_id = ?)
		ORDER BY l.move_id, src.complete_name, lot_name, l.id`, id).Scan(ctx, &lines)
	if err != nil {
		return nil, fmt.Errorf("models: transfer lines: %w", err)
	}
	byMove := map[int64]int{}
	for i, m := range d.Moves {
		byMove[m.ID] = i
	}
	for _, l := range lines {
		if i, ok := byMove[l.MoveID]; ok {
			d.Moves[i].Lines = append(d.Moves[i].Lines, l)
		}
	}
	var refs []PickingRef
	err = db.NewRaw(`SELECT DISTINCT 'previous' AS rel, p.id, p.name, p.state, p.partially_available
			FROM stock_moves cur JOIN stock_moves m ON m.move_dest_id = cur.id JOIN stock_pickings p ON p.id = m.picking_id
			WHERE cur.picking_id = ? AND p.id <> ?
		UNION
		SELECT DISTINCT 'next', p.id, p.name, p.state, p.partially_available
			FROM stock_moves cur JOIN stock_moves n ON n.id = cur.move_dest_id JOIN stock_pickings p ON p.id = n.picking_id
			WHERE cur.picking_id = ? AND p.id <> ?
		UNION
		SELECT 'backorder', p.id, p.name, p.state, p.partially_available FROM stock_pickings p WHERE p.backorder_id = ?
		ORDER BY 1, 2`, id, id, id, id, id).Scan(ctx, &refs)
	if err != nil {
		return nil, fmt.Errorf("models: transfer links: %w", err)
	}
	for _, r := range refs {
		switch r.Rel {
		case "previous":
			d.Previous = append(d.Previous, r)
		case "next":
			d.Next = append(d.Next, r)
		default:
			d.Backorders = append(d.Backorders, r)
		}
	}
	if d.History, err = History(ctx, db, "picking", id); err != nil {
		return nil, err
	}
	return d, nil
}

// ValidateForm is the validation form of a transfer as submitted: the
// quantity done and the lot typed per move line, and the backorder answer.
type ValidateForm struct {
	Done      map[int64]string
	Lots      map[int64]string
	Backorder string
}

// ValidateResult tells what ValidateTransfer did.
type ValidateResult struct {
	Picking     *Picking
	AlreadyDone bool   // the transfer was validated before (a double submit)
	Backorder   string // the number of the backorder created, if any
}

// ValidateTransfer checks the submitted validation form line by line (numbers,
// more than the demand of a move, more than the source holds) so that each
// problem is reported on its line, then validates the transfer with
// ValidatePicking, which checks everything again under its locks. A transfer
// that is already done is reported as such and left unchanged. The error asks
// the backorder question when BackorderNeeded(err).
func ValidateTransfer(ctx context.Context, db *bun.DB, id int64, f ValidateForm, actorID int64) (*ValidateResult, error) {
	pk := new(Picking)
	if err := db.NewSelect().Model(pk).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, "The transfer")
	}
	if pk.State == StateDone {
		return &ValidateResult{Picking: pk, AlreadyDone: true}, nil
	}
	in := ValidateInput{Done: map[int64]decimal.Decimal{}, LotNames: map[int64]string{}, Backorder: f.Backorder}
	p := Problems{}
	for lid, s := range f.Done {
		s = strings.TrimSpace(s)
		if s == "" {
			in.Done[lid] = decimal.Zero
			continue
		}
		d, err := decimal.NewFromString(s)
		switch {
		case err != nil:
			p.Add(fmt.Sprintf("done.%d", lid), "Enter a number.")
		case d.IsNegative():
			p.Add(fmt.Sprintf("done.%d", lid), "The quantity done cannot be negative.")
		case d.Exponent() < -4 || d.GreaterThan(decimal.NewFromInt(1_000_000)):
			p.Add(fmt.Sprintf("done.%d", lid), "Use at most 4 decimals and less than a million.")
		default:
			in.Done[lid] = d
		}
	}
	for lid, s := range f.Lots {
		if s = strings.TrimSpace(s); s != "" {
			if len(s) > 100 {
				p.Add(fmt.Sprintf("lot.%d", lid), "Use at most 100 characters.")
			}
			in.LotNames[lid] = s
		}
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	if len(f.Done) == 0 {
		in.Done = nil // everything reserved was done
	} else if err := precheckValidation(ctx, db, id, in.Done); err != nil {
		return nil, err
	}
	out, err := ValidatePicking(ctx, db, id, in, actorID)
	if err != nil {
		return nil, err
	}
	res := &ValidateResult{Picking: out}
	if err := db.NewRaw("SELECT coalesce(max(name), '') FROM stock_pickings WHERE backorder_id = ?", id).Scan(ctx, &res.Backorder); err != nil {
		return nil, fmt.Errorf("models: backorder of %d: %w", id, err)
	}
	return res, nil
}

// precheckValidation reports, on the line concerned, a move done beyond its
// demand and a source that does not hold what the lines take from it.
func precheckValidation(ctx context.Context, db bun.IDB, id int64, done map[int64]decimal.Decimal) error {
	var rows []struct {
		ID        int64           `bun:"id"`
		MoveID    int64           `bun:"move_id"`
		Demand    decimal.Decimal `bun:"demand,type:numeric"`
		Product   string          `bun:"product"`
		Location  string          `bun:"location"`
		QuantKey  string          `bun:"quant_key"`
		OnHand    decimal.Decimal `bun:"on_hand,type:numeric"`
		Checkable bool            `bun:"checkable"`
	}
	err := db.NewRaw(`SELECT l.id, l.move_id, m.demand, pt.name AS product, src.complete_name AS location,
			concat_ws(':', l.variant_id, l.location_id, l.lot_id, l.package_id) AS quant_key,
			coalesce(q.quantity, 0) AS on_hand,
			(pt.type = 'storable' AND src.usage = 'internal') AS checkable
		FROM stock_move_lines l
		JOIN stock_moves m ON m.id = l.move_id
		JOIN product_variants v ON v.id = l.variant_id
		JOIN product_templates pt ON pt.id = v.template_id
		JOIN stock_locations src ON src.id = l.location_id
		LEFT JOIN stock_quants q ON q.variant_id = l.variant_id AND q.location_id = l.location_id
			AND q.lot_id IS NOT DISTINCT FROM l.lot_id AND q.package_id IS NOT DISTINCT FROM l.package_id
		WHERE l.picking_id = ? AND l.state = 'open' AND m.state NOT IN ('done', 'cancel')
		ORDER BY l.id`, id).Scan(ctx, &rows)
	if err != nil {
		return fmt.Errorf("models: check validation of %d: %w", id, err)
	}
	byMove, byQuant := map[int64]decimal.Decimal{}, map[string]decimal.Decimal{}
	for _, r := range rows {
		byMove[r.MoveID] = byMove[r.MoveID].Add(done[r.ID])
		byQuant[r.QuantKey] = byQuant[r.QuantKey].Add(done[r.ID])
	}
	p := Problems{}
	for _, r := range rows {
		if !done[r.ID].IsPositive() {
			continue
		}
		field := fmt.Sprintf("done.%d", r.ID)
		if byMove[r.MoveID].GreaterThan(r.Demand) {
			p.Add(field, fmt.Sprintf("More than the demand: %s of %s done.", byMove[r.MoveID], r.Demand))
		} else if r.Checkable && byQuant[r.QuantKey].GreaterThan(r.OnHand) {
			p.Add(field, fmt.Sprintf("Not enough stock: %s holds only %s.", r.Location, r.OnHand))
		}
	}
	return p.Err()
}

// TransferFormOptions are the choices of the new receipt / delivery forms.
type TransferFormOptions struct {
	Warehouses []Warehouse
	Partners   []Contact
	Variants   []VariantOption
}

// VariantOption is a stockable variant offered in a form.
type VariantOption struct {
	ID       int64  `bun:"id"`
	SKU      string `bun:"sku"`
	Name     string `bun:"name"`
	Tracking string `bun:"tracking"`
}

// GetTransferFormOptions returns the active warehouses, the contacts and the
// active storable and consumable variants, for the transfer forms.
func GetTransferFormOptions(ctx context.Context, db bun.IDB) (*TransferFormOptions, error) {
	o := new(TransferFormOptions)
	if err := db.NewSelect().Model(&o.Warehouses).Where("active").OrderExpr("name, id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: transfer form warehouses: %w", err)
	}
	if err := db.NewSelect().Model(&o.Partners).OrderExpr("lower(name), id").Limit(1000).Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: transfer form partners: %w", err)
	}
	vs, err := stockVariantOptions(ctx, db)
	if err != nil {
		return nil, err
	}
	o.Variants = vs
	return o, nil
}

func stockVariantOptions(ctx context.Context, db bun.IDB) ([]VariantOption, error) {
	var out []VariantOption
	err := db.NewRaw(`SELECT v.id, v.sku, pt.name || coalesce(' (' || vals.label || ')', '') AS name, pt.tracking
		FROM product_variants v JOIN product_templates pt ON pt.id = v.template_id
		LEFT JOIN LATERAL (`+variantLabelSQL+`) vals ON true
		WHERE v.active AND pt.active AND pt.type <> 'service'
		ORDER BY lower(pt.name), v.sku LIMIT 2000`).Scan(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("models: stock variants: %w", err)
	}
	return out, nil
}

// TransferForm is the new receipt / new delivery form as submitted.
type TransferForm struct {
	WarehouseID   string
	PartnerID     string
	Origin        string
	ScheduledDate string // 2006-01-02 or 2006-01-02T15:04
	Lines         []TransferFormLine
}

// TransferFormLine is one product row: a SKU or barcode, and a quantity.
type TransferFormLine struct {
	Product  string
	Quantity string
}

// parseTransferForm checks the header fields and turns the non-empty rows
// into demand lines; rows[i] is the form row of line i.
func parseTransferForm(ctx context.Context, db bun.IDB, f TransferForm) (hdr ProcurementInput, rows []int, err error) {
	p := Problems{}
	wid, perr := strconv.ParseInt(strings.TrimSpace(f.WarehouseID), 10, 64)
	if perr != nil || wid <= 0 {
		p.Add("warehouse", "Choose a warehouse.")
	} else if ok, err := db.NewSelect().Model((*Warehouse)(nil)).Where("id = ? AND active", wid).Exists(ctx); err != nil {
		return hdr, nil, err
	} else if !ok {
		p.Add("warehouse", "Choose a warehouse.")
	}
	hdr.WarehouseID = wid
	if s := strings.TrimSpace(f.PartnerID); s != "" {
		pid, perr := strconv.ParseInt(s, 10, 64)
		if perr != nil {
			p.Add("partner", "Choose a contact from the list.")
		} else if ok, err := db.NewSelect().Model((*Contact)(nil)).Where("id = ?", pid).Exists(ctx); err != nil {
			return hdr, nil, err
		} else if !ok {
			p.Add("partner", "Choose a contact from the list.")
		} else {
			hdr.PartnerID = &pid
		}
	}
	hdr.Origin = strings.TrimSpace(f.Origin)
	if len(hdr.Origin) > 100 {
		p.Add("origin", "Use at most 100 characters.")
	}
	if s := strings.TrimSpace(f.ScheduledDate); s != "" {
		var t time.Time
		var terr error
		for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02"} {
			if t, terr = time.ParseInLocation(layout, s, time.Local); terr == nil {
				break
			}
		}
		if terr != nil || t.Year() < 2000 || t.Year() > 2200 {
			p.Add("scheduled_date", "Enter a date like 2026-12-01.")
		}
		hdr.ScheduledDate = t
	}
	var skus []string
	for _, l := range f.Lines {
		if s := strings.TrimSpace(l.Product); s != "" {
			skus = append(skus, s)
		}
	}
	variants := map[string]VariantOption{}
	if len(skus) > 0 {
		var found []struct {
			VariantOption
			Barcode string `bun:"barcode"`
		}
		err := db.NewRaw(`SELECT v.id, v.sku, coalesce(v.barcode, '') AS barcode, pt.name, pt.tracking
			FROM product_variants v JOIN product_templates pt ON pt.id = v.template_id
			WHERE v.active AND pt.type <> 'service' AND (lower(v.sku) IN (?) OR v.barcode IN (?))`,
			bun.In(lowerAll(skus)), bun.In(skus)).Scan(ctx, &found)
		if err != nil {
			return hdr, nil, fmt.Errorf("models: find variants: %w", err)
		}
		for _, v := range found {
			variants[strings.ToLower(v.SKU)] = v.VariantOption
			if v.Barcode != "" {
				variants[v.Barcode] = v.VariantOption
			}
		}
	}
	for i, l := range f.Lines {
		prod, qty := strings.TrimSpace(l.Product), strings.TrimSpace(l.Quantity)
		if prod == "" && qty == "" {
			continue
		}
		field := fmt.Sprintf("lines.%d", i)
		v, ok := variants[strings.ToLower(prod)]
		if !ok {
			v, ok = variants[prod]
		}
		switch {
		case prod == "":
			p.Add(field+".product", "Enter a SKU or barcode.")
		case !ok:
			p.Add(field+".product", "No stockable product has this SKU or barcode.")
		}
		d, derr := decimal.NewFromString(qty)
		switch {
		case qty == "":
			p.Add(field+".quantity", "Enter a quantity.")
		case derr != nil:
			p.Add(field+".quantity", "Enter a number.")
		case !d.IsPositive():
			p.Add(field+".quantity", "The quantity must be more than zero.")
		}
		hdr.Lines = append(hdr.Lines, DemandLine{VariantID: v.ID, Quantity: d, Description: v.Name})
		rows = append(rows, i)
	}
	if len(hdr.Lines) == 0 {
		p.Add("lines", "Add at least one product.")
	}
	return hdr, rows, p.Err()
}

func lowerAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.ToLower(s)
	}
	return out
}

// remapLineErrors renames the engine's "lines.<i>.x" problems (i indexes the
// demand lines) to the form rows they came from.
func remapLineErrors(err error, rows []int) error {
	fields := FieldErrors(err)
	if ErrorCode(err) != EINVALID || len(fields) == 0 {
		return err
	}
	out := Problems{}
	for k, v := range fields {
		var i int
		var rest string
		if n, _ := fmt.Sscanf(k, "lines.%d.%s", &i, &rest); n == 2 && i >= 0 && i < len(rows) {
			k = fmt.Sprintf("lines.%d.%s", rows[i], rest)
		}
		out.Add(k, v)
	}
	return out.Err()
}

// CreateTransferFromForm checks a new receipt or delivery form and creates
// it: kind KindReceipt calls CreateReceipt, KindDelivery CreateDeliveryChain
// (one to three chained transfers by the warehouse's delivery steps). It
// returns the transfers created, first step first; EINVALID with problems
// keyed by the form's field names, nothing saved.
func CreateTransferFromForm(ctx context.Context, db *bun.DB, kind string, f TransferForm, actorID int64) ([]*Picking, error) {
	hdr, rows, err := parseTransferForm(ctx, db, f)
	if err != nil {
		return nil, err
	}
	switch kind {
	case KindReceipt:
		pk, err := CreateReceipt(ctx, db, ReceiptInput{WarehouseID: hdr.WarehouseID, PartnerID: hdr.PartnerID, Origin: hdr.Origin,
			ScheduledDate: hdr.ScheduledDate, Lines: hdr.Lines}, actorID)
		if err != nil {
			return nil, remapLineErrors(err, rows)
		}
		return []*Picking{pk}, nil
	case KindDelivery:
		pks, err := CreateDeliveryChain(ctx, db, hdr, actorID)
		if err != nil {
			return nil, remapLineErrors(err, rows)
		}
		if len(pks) == 0 {
			return nil, Problems{"lines": "Nothing to deliver: services are not stocked."}.Err()
		}
		return pks, nil
	}
	return nil, Errorf(EINVALID, "Unknown kind of transfer %q.", kind)
}

// CountLocation is an internal location that can be counted.
type CountLocation struct {
	ID           int64  `bun:"id"`
	CompleteName string `bun:"complete_name"`
}

// CountSheetLine is one product (and lot) of an inventory count.
type CountSheetLine struct {
	VariantID   int64           `bun:"variant_id"`
	SKU         string          `bun:"sku"`
	ProductName string          `bun:"product_name"`
	Tracking    string          `bun:"tracking"`
	LotName     string          `bun:"lot_name"`
	Theoretical decimal.Decimal `bun:"on_hand,type:numeric"`
	Counted     string          `bun:"-"` // as typed (prefilled with the theoretical quantity)
	// Difference is counted - theoretical, when Counted is a number.
	Difference *decimal.Decimal `bun:"-"`
	Existing   bool             `bun:"-"` // prefilled from the location's stock
}

// CountSheet is an inventory count of one location being prepared.
type CountSheet struct {
	Locations []CountLocation
	Location  *CountLocation // nil until one is chosen
	Lines     []CountSheetLine
	Variants  []VariantOption
}

// CountForm is the inventory count form as submitted.
type CountForm struct {
	LocationID string
	Lines      []CountFormLine
}

// CountFormLine is one row: a variant (id for the rows prefilled from the
// stock, SKU or barcode for added rows), a lot or serial, the counted quantity.
type CountFormLine struct {
	VariantID string
	Product   string
	Lot       string
	Counted   string
}

// GetCountSheet returns the internal locations and, when locationID is not
// 0, the products now in that location with their on-hand quantity
// ("theoretical"), prefilled as counted. With a submitted form, the rows are
// those of the form and the differences are computed (a preview: nothing is
// saved).
func GetCountSheet(ctx context.Context, db bun.IDB, locationID int64, form *CountForm) (*CountSheet, error) {
	s := new(CountSheet)
	if err := db.NewRaw(`SELECT id, complete_name FROM stock_locations WHERE usage = 'internal' AND active
		ORDER BY complete_name`).Scan(ctx, &s.Locations); err != nil {
		return nil, fmt.Errorf("models: count locations: %w", err)
	}
	for i := range s.Locations {
		if s.Locations[i].ID == locationID {
			s.Location = &s.Locations[i]
		}
	}
	if locationID != 0 && s.Location == nil {
		return nil, Errorf(ENOTFOUND, "The location was not found or is not an internal location.")
	}
	var err error
	if s.Variants, err = stockVariantOptions(ctx, db); err != nil {
		return nil, err
	}
	if s.Location == nil {
		return s, nil
	}
	var current []CountSheetLine
	err = db.NewRaw(`SELECT q.variant_id, v.sku, pt.name || coalesce(' (' || vals.label || ')', '') AS product_name, pt.tracking,
			coalesce(lot.name, '') AS lot_name, sum(q.quantity) AS on_hand
		FROM stock_quants q JOIN product_variants v ON v.id = q.variant_id JOIN product_templates pt ON pt.id = v.template_id
		LEFT JOIN LATERAL (`+variantLabelSQL+`) vals ON true
		LEFT JOIN stock_lots lot ON lot.id = q.lot_id
		WHERE q.location_id = ? AND q.package_id IS NULL AND q.quantity <> 0
		GROUP BY q.variant_id, v.sku, pt.name, vals.label, pt.tracking, lot.name ORDER BY lower(pt.name), v.sku, lot_name`, locationID).Scan(ctx, &current)
	if err != nil {
		return nil, fmt.Errorf("models: count sheet: %w", err)
	}
	if form == nil {
		for _, l := range current {
			l.Counted, l.Existing = l.Theoretical.String(), true
			zero := decimal.Zero
			l.Difference = &zero
			s.Lines = append(s.Lines, l)
		}
		return s, nil
	}
	// A preview: the rows as submitted, with the differences.
	type key struct {
		v   int64
		lot string
	}
	onHand := map[key]CountSheetLine{}
	for _, l := range current {
		onHand[key{l.VariantID, l.LotName}] = l
	}
	bySKU := map[string]VariantOption{}
	byID := map[int64]VariantOption{}
	for _, v := range s.Variants {
		bySKU[strings.ToLower(v.SKU)] = v
		byID[v.ID] = v
	}
	for _, fl := range form.Lines {
		var v VariantOption
		var ok bool
		existing := false
		if id, err := strconv.ParseInt(fl.VariantID, 10, 64); err == nil {
			v, ok = byID[id]
			existing = true
		} else if p := strings.TrimSpace(fl.Product); p != "" {
			v, ok = bySKU[strings.ToLower(p)]
		}
		line := CountSheetLine{Counted: fl.Counted, LotName: strings.TrimSpace(fl.Lot), Existing: existing}
		if ok {
			line.VariantID, line.SKU, line.ProductName, line.Tracking = v.ID, v.SKU, v.Name, v.Tracking
			line.Theoretical = onHand[key{v.ID, line.LotName}].Theoretical
		} else {
			line.SKU = strings.TrimSpace(fl.Product)
		}
		if c, err := decimal.NewFromString(strings.TrimSpace(fl.Counted)); err == nil && ok {
			d := c.Sub(line.Theoretical)
			line.Difference = &d
		}
		// Empty rows stay, so that each row keeps its index (and its problems).
		s.Lines = append(s.Lines, line)
	}
	return s, nil
}

// CountOutcome is an applied count with what each line changed.
type CountOutcome struct {
	Location CountLocation
	Lines    []CountOutcomeLine
}

// CountOutcomeLine is one adjustment of an applied count.
type CountOutcomeLine struct {
	CountAdjustment
	SKU         string
	ProductName string
	LotName     string
}

// ApplyCountForm checks an inventory count form and applies it with
// ApplyInventoryCount. Rows without a product and a quantity are ignored.
// EINVALID with problems keyed by the form's field names ("lines.3.counted"),
// nothing saved.
func ApplyCountForm(ctx context.Context, db *bun.DB, f CountForm, actorID int64) (*CountOutcome, error) {
	p := Problems{}
	locID, err := strconv.ParseInt(strings.TrimSpace(f.LocationID), 10, 64)
	if err != nil || locID <= 0 {
		return nil, Problems{"location": "Choose an internal location."}.Err()
	}
	s, err := GetCountSheet(ctx, db, locID, nil)
	if err != nil {
		return nil, err
	}
	bySKU := map[string]VariantOption{}
	byID := map[int64]VariantOption{}
	for _, v := range s.Variants {
		bySKU[strings.ToLower(v.SKU)] = v
		byID[v.ID] = v
	}
	in := CountInput{LocationID: locID}
	var rows []int
	var names []VariantOption
	for i, fl := range f.Lines {
		field := fmt.Sprintf("lines.%d", i)
		prod, counted := strings.TrimSpace(fl.Product), strings.TrimSpace(fl.Counted)
		var v VariantOption
		var ok bool
		if id, err := strconv.ParseInt(strings.TrimSpace(fl.VariantID), 10, 64); err == nil {
			v, ok = byID[id]
			if !ok {
				p.Add(field+".product", "This product cannot be counted.")
			}
		} else if prod != "" {
			if v, ok = bySKU[strings.ToLower(prod)]; !ok {
				p.Add(field+".product", "No stockable product has this SKU.")
			}
		} else {
			if counted != "" || strings.TrimSpace(fl.Lot) != "" {
				p.Add(field+".product", "Enter a SKU.")
			}
			continue
		}
		if counted == "" {
			if fl.VariantID == "" {
				p.Add(field+".counted", "Enter the counted quantity.")
			}
			continue // a prefilled row left empty is not counted
		}
		c, err := decimal.NewFromString(counted)
		switch {
		case err != nil:
			p.Add(field+".counted", "Enter a number.")
		case c.IsNegative() || c.Exponent() < -4 || c.GreaterThan(decimal.NewFromInt(1_000_000)):
			p.Add(field+".counted", "Enter a quantity of zero or more, with at most 4 decimals.")
		}
		in.Lines = append(in.Lines, CountLine{VariantID: v.ID, LotName: strings.TrimSpace(fl.Lot), Counted: c})
		rows = append(rows, i)
		names = append(names, v)
	}
	if len(in.Lines) == 0 {
		p.Add("lines", "Count at least one product.")
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	res, err := ApplyInventoryCount(ctx, db, in, actorID)
	if err != nil {
		return nil, remapLineErrors(err, rows)
	}
	out := &CountOutcome{Location: *s.Location}
	for i, a := range res.Adjusted {
		ol := CountOutcomeLine{CountAdjustment: a}
		if i < len(names) {
			ol.SKU, ol.ProductName, ol.LotName = names[i].SKU, names[i].Name, in.Lines[i].LotName
		}
		out.Lines = append(out.Lines, ol)
	}
	return out, nil
}
