package models

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"
)

// What the handheld screens show: the operations to do, lists of
// transfers, and one transfer laid out in walking order.

// ScanKindLabel names an operation kind on the handheld.
func ScanKindLabel(kind string) string {
	switch kind {
	case KindReceipt:
		return "Receipts"
	case KindPick:
		return "Picks"
	case KindPack:
		return "Packs"
	case KindDelivery:
		return "Deliveries"
	case KindInternal:
		return "Internal"
	}
	return kind
}

// ScanOperation is one operation type on the handheld home with its counts.
type ScanOperation struct {
	ID            int64  `bun:"id"`
	Kind          string `bun:"kind"`
	Name          string `bun:"name"`
	WarehouseCode string `bun:"warehouse_code"`
	DeliverySteps int    `bun:"delivery_steps"`
	Ready         int    `bun:"ready"`   // assigned
	Waiting       int    `bun:"waiting"` // waiting for another step or for stock
	Late          int    `bun:"late"`    // ready or waiting, scheduled before now
}

// Label is "Picks", or "Picks · WH2" when several warehouses are shown.
func (o ScanOperation) Label() string { return ScanKindLabel(o.Kind) }

// ScanHome returns the active operation types with how many transfers are
// ready and waiting, in the warehouse's order. Pick and pack types that the
// warehouse's delivery steps do not use are left out unless they have work.
func ScanHome(ctx context.Context, db bun.IDB) ([]ScanOperation, error) {
	var rows []ScanOperation
	err := db.NewRaw(`SELECT pty.id, pty.kind, pty.name, w.code AS warehouse_code, w.delivery_steps,
			count(sp.id) FILTER (WHERE sp.state = 'assigned') AS ready,
			count(sp.id) FILTER (WHERE sp.state IN ('waiting', 'confirmed')) AS waiting,
			count(sp.id) FILTER (WHERE sp.scheduled_date < now()) AS late
		FROM picking_types pty
		JOIN warehouses w ON w.id = pty.warehouse_id AND w.active
		LEFT JOIN stock_pickings sp ON sp.picking_type_id = pty.id AND sp.state IN ('assigned', 'waiting', 'confirmed')
		WHERE pty.active
		GROUP BY pty.id, w.id
		ORDER BY w.code, pty.sequence, pty.id`).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("models: handheld home: %w", err)
	}
	out := rows[:0]
	for _, r := range rows {
		used := (r.Kind != KindPick || r.DeliverySteps >= 2) && (r.Kind != KindPack || r.DeliverySteps == 3)
		if used || r.Ready+r.Waiting > 0 {
			out = append(out, r)
		}
	}
	return out, nil
}

// ScanListFilter chooses the transfers of a handheld list.
type ScanListFilter struct {
	TypeID     int64 // transfers of an operation type (ready and waiting)
	VariantID  int64 // ready transfers needing a product
	LocationID int64 // ready transfers with something to take in a location (or under it)
}

// ScanTransferRow is one transfer in a handheld list.
type ScanTransferRow struct {
	ID                 int64           `bun:"id"`
	Name               string          `bun:"name"`
	State              string          `bun:"state"`
	PartiallyAvailable bool            `bun:"partially_available"`
	Kind               string          `bun:"kind"`
	Origin             string          `bun:"origin"`
	PartnerName        string          `bun:"partner_name"`
	ScheduledDate      time.Time       `bun:"scheduled_date"`
	Products           int             `bun:"products"`
	Demand             decimal.Decimal `bun:"demand,type:numeric"`
	Done               decimal.Decimal `bun:"done,type:numeric"`
}

// Ready says whether the transfer can be processed now.
func (r ScanTransferRow) Ready() bool { return r.State == StateAssigned }

// Late says whether its scheduled date has passed.
func (r ScanTransferRow) Late(now time.Time) bool { return r.ScheduledDate.Before(now) }

// StateLabel is the state as the handheld shows it.
func (r ScanTransferRow) StateLabel() string { return PickingStateLabel(r.State, r.PartiallyAvailable) }

// ScanList is a handheld list of transfers.
type ScanList struct {
	Title   string
	Filter  ScanListFilter
	Kind    string // the operation kind for a type list
	Ready   []ScanTransferRow
	Waiting []ScanTransferRow
	// More is set when the list stopped at ScanListLimit transfers: later
	// ones are found by scanning them (or their product or location).
	More bool
}

// ScanListLimit is the most transfers a handheld list shows, earliest first.
const ScanListLimit = 200

// ListScanTransfers returns the transfers to do of an operation type (ready
// ones, then waiting ones, each by scheduled date), or the ready transfers
// needing a product, or those with work in a location, or (no filter) all
// ready transfers. ENOTFOUND for an unknown type, product or location.
func ListScanTransfers(ctx context.Context, db bun.IDB, f ScanListFilter) (*ScanList, error) {
	out := &ScanList{Filter: f}
	q := db.NewSelect().TableExpr("stock_pickings AS sp").
		ColumnExpr("sp.id, sp.name, sp.state, sp.partially_available, pty.kind, sp.origin, coalesce(c.name, '') AS partner_name, sp.scheduled_date").
		ColumnExpr("(SELECT count(*) FROM stock_moves m WHERE m.picking_id = sp.id AND m.state NOT IN ('done', 'cancel')) AS products").
		ColumnExpr("coalesce((SELECT sum(m.demand) FROM stock_moves m WHERE m.picking_id = sp.id AND m.state NOT IN ('done', 'cancel')), 0) AS demand").
		ColumnExpr("coalesce((SELECT sum(l.quantity_done) FROM stock_move_lines l WHERE l.picking_id = sp.id AND l.state = 'open'), 0) AS done").
		Join("JOIN picking_types AS pty ON pty.id = sp.picking_type_id").
		Join("LEFT JOIN contacts AS c ON c.id = sp.partner_id").
		OrderExpr("sp.scheduled_date, sp.id").Limit(ScanListLimit)
	switch {
	case f.TypeID != 0:
		var t struct {
			Kind string `bun:"kind"`
			Code string `bun:"code"`
		}
		if err := db.NewRaw("SELECT pty.kind, w.code FROM picking_types pty JOIN warehouses w ON w.id = pty.warehouse_id WHERE pty.id = ?", f.TypeID).Scan(ctx, &t); err != nil {
			return nil, notFound(err, "The operation type")
		}
		out.Kind, out.Title = t.Kind, ScanKindLabel(t.Kind)+" · "+t.Code
		q = q.Where("sp.picking_type_id = ? AND sp.state IN ('assigned', 'waiting', 'confirmed')", f.TypeID)
	case f.VariantID != 0:
		var name string
		if err := db.NewRaw("SELECT pt.name || ' (' || v.sku || ')' FROM product_variants v JOIN product_templates pt ON pt.id = v.template_id WHERE v.id = ?", f.VariantID).Scan(ctx, &name); err != nil {
			return nil, notFound(err, "The product")
		}
		out.Title = name
		q = q.Where("sp.state = 'assigned'").
			Where("EXISTS (SELECT 1 FROM stock_moves m WHERE m.picking_id = sp.id AND m.variant_id = ? AND m.state NOT IN ('done', 'cancel'))", f.VariantID)
	case f.LocationID != 0:
		var name string
		if err := db.NewRaw("SELECT complete_name FROM stock_locations WHERE id = ?", f.LocationID).Scan(ctx, &name); err != nil {
			return nil, notFound(err, "The location")
		}
		out.Title = name
		q = q.Where("sp.state = 'assigned'").
			Where(`EXISTS (SELECT 1 FROM stock_move_lines l JOIN stock_locations ll ON ll.id = l.location_id
				WHERE l.picking_id = sp.id AND l.state = 'open' AND l.quantity_done < l.reserved_quantity
					AND (ll.id = ? OR starts_with(ll.complete_name, ? || '/')))`, f.LocationID, name)
	default:
		out.Title = "Ready transfers"
		q = q.Where("sp.state = 'assigned'")
	}
	var rows []ScanTransferRow
	if err := q.Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("models: handheld list: %w", err)
	}
	out.More = len(rows) == ScanListLimit
	for _, r := range rows {
		if r.Ready() {
			out.Ready = append(out.Ready, r)
		} else {
			out.Waiting = append(out.Waiting, r)
		}
	}
	return out, nil
}

// ScanTransfer is one transfer as the handheld shows it.
type ScanTransfer struct {
	ID                  int64      `bun:"id"`
	Name                string     `bun:"name"`
	State               string     `bun:"state"`
	PartiallyAvailable  bool       `bun:"partially_available"`
	Origin              string     `bun:"origin"`
	ScheduledDate       time.Time  `bun:"scheduled_date"`
	DateDone            *time.Time `bun:"date_done"`
	TrackingRef         string     `bun:"carrier_tracking_ref"`
	SaleOrderID         *int64     `bun:"sale_order_id"`
	PickingTypeID       int64      `bun:"picking_type_id"`
	Kind                string     `bun:"kind"`
	TypeName            string     `bun:"type_name"`
	CreateBackorder     string     `bun:"create_backorder"`
	AllowExtra          bool       `bun:"allow_extra"`
	WarehouseCode       string     `bun:"warehouse_code"`
	SourceName          string     `bun:"source_name"`
	SourceUsage         string     `bun:"source_usage"`
	DestName            string     `bun:"dest_name"`
	PartnerName         string     `bun:"partner_name"`
	CarrierName         string     `bun:"carrier_name"`
	TrackingURLTemplate string     `bun:"tracking_url_template"`
	ValidatedByName     string     `bun:"validated_by_name"`

	Moves    []ScanMoveView `bun:"-"`
	Lines    []ScanLineView `bun:"-"`
	Previous []PickingRef   `bun:"-"`
	Next     []PickingRef   `bun:"-"`
	// Backorders are the transfers created for what this one did not do.
	Backorders []PickingRef  `bun:"-"`
	Packages   []ScanPackage `bun:"-"`
}

// ScanMoveView is a product of the transfer with its demand and progress.
type ScanMoveView struct {
	ID          int64           `bun:"id"`
	VariantID   int64           `bun:"variant_id"`
	ProductName string          `bun:"product_name"`
	SKU         string          `bun:"sku"`
	Barcode     string          `bun:"barcode"`
	Tracking    string          `bun:"tracking"`
	Demand      decimal.Decimal `bun:"demand,type:numeric"`
	Done        decimal.Decimal `bun:"done,type:numeric"`     // on its lines
	Reserved    decimal.Decimal `bun:"reserved,type:numeric"` // on its open lines
	State       string          `bun:"state"`
	Lines       []ScanLineView  `bun:"-"`
}

// Missing is the demand nothing is reserved for yet.
func (m ScanMoveView) Missing() decimal.Decimal {
	return decimal.Max(decimal.Zero, m.Demand.Sub(decimal.Max(m.Reserved, m.Done)))
}

// Complete says whether the whole demand is done.
func (m ScanMoveView) Complete() bool { return !m.Done.LessThan(m.Demand) }

// ScanLineView is a move line as the handheld shows it.
type ScanLineView struct {
	ID                int64           `bun:"id"`
	MoveID            int64           `bun:"move_id"`
	VariantID         int64           `bun:"variant_id"`
	ProductName       string          `bun:"product_name"`
	SKU               string          `bun:"sku"`
	Tracking          string          `bun:"tracking"`
	LocationID        int64           `bun:"location_id"`
	LocationName      string          `bun:"location_name"`
	LotName           string          `bun:"lot_name"`
	PackageName       string          `bun:"package_name"`
	ResultPackageID   *int64          `bun:"result_package_id"`
	ResultPackageName string          `bun:"result_package_name"`
	Reserved          decimal.Decimal `bun:"reserved_quantity,type:numeric"`
	Done              decimal.Decimal `bun:"quantity_done,type:numeric"`
	State             string          `bun:"state"`
	DoneByName        string          `bun:"done_by_name"`
}

// ToDo is what the line is expected to take: its reservation (or what was
// done beyond it).
func (l ScanLineView) ToDo() decimal.Decimal { return decimal.Max(l.Reserved, l.Done) }

// Complete says whether nothing is left to do on the line.
func (l ScanLineView) Complete() bool { return !l.Done.LessThan(l.ToDo()) }

// Packed says whether the line went into a package here.
func (l ScanLineView) Packed() bool { return l.ResultPackageID != nil }

// ScanPackage is a package packed on the transfer.
type ScanPackage struct {
	ID    int64           `bun:"id"`
	Name  string          `bun:"name"`
	Units decimal.Decimal `bun:"units,type:numeric"`
}

// ScanGroup is the lines of one source location.
type ScanGroup struct {
	LocationID   int64
	LocationName string
	Lines        []ScanLineView
	Left         decimal.Decimal // units still to take here
}

// Finished says whether the transfer is done or cancelled.
func (t *ScanTransfer) Finished() bool { return t.State == StateDone || t.State == StateCancel }

// FromStock says whether goods are taken from internal locations (not a receipt).
func (t *ScanTransfer) FromStock() bool { return t.SourceUsage == UsageInternal }

// Ready says whether the transfer can be processed now.
func (t *ScanTransfer) Ready() bool { return t.State == StateAssigned }

// StateLabel is the state as the handheld shows it.
func (t *ScanTransfer) StateLabel() string { return PickingStateLabel(t.State, t.PartiallyAvailable) }

// Totals are the units done and the units to do.
func (t *ScanTransfer) Totals() (done, demand decimal.Decimal) {
	for _, m := range t.Moves {
		done, demand = done.Add(m.Done), demand.Add(m.Demand)
	}
	return done, demand
}

// AllDone says whether every product's demand is done.
func (t *ScanTransfer) AllDone() bool {
	for _, m := range t.Moves {
		if !m.Complete() {
			return false
		}
	}
	return len(t.Moves) > 0
}

// AnyDone says whether something was counted.
func (t *ScanTransfer) AnyDone() bool {
	for _, m := range t.Moves {
		if m.Done.IsPositive() {
			return true
		}
	}
	return false
}

// CanPack says whether "Put in pack" has something to pack.
func (t *ScanTransfer) CanPack() bool {
	if t.Finished() {
		return false
	}
	for _, l := range t.Lines {
		if l.Done.IsPositive() && !l.Packed() {
			return true
		}
	}
	return false
}

// TrackingURL is the carrier's tracking link for the tracking number.
func (t *ScanTransfer) TrackingURL() string {
	return CarrierTrackingURL(t.TrackingURLTemplate, t.TrackingRef)
}

// Groups are the lines by source location, in walking order: places with
// something left first, by name, then the places that are done.
func (t *ScanTransfer) Groups() []ScanGroup {
	idx := map[int64]int{}
	var groups []ScanGroup
	for _, l := range t.Lines {
		i, ok := idx[l.LocationID]
		if !ok {
			i = len(groups)
			idx[l.LocationID] = i
			groups = append(groups, ScanGroup{LocationID: l.LocationID, LocationName: l.LocationName})
		}
		groups[i].Lines = append(groups[i].Lines, l)
		if !l.Packed() {
			groups[i].Left = groups[i].Left.Add(decimal.Max(decimal.Zero, l.ToDo().Sub(l.Done)))
		}
	}
	for gi := range groups {
		ls := groups[gi].Lines
		sort.SliceStable(ls, func(a, b int) bool {
			if ca, cb := ls[a].Complete(), ls[b].Complete(); ca != cb {
				return cb
			}
			if ls[a].ProductName != ls[b].ProductName {
				return ls[a].ProductName < ls[b].ProductName
			}
			return ls[a].LotName < ls[b].LotName
		})
	}
	sort.SliceStable(groups, func(a, b int) bool {
		la, lb := groups[a].Left.IsPositive(), groups[b].Left.IsPositive()
		if la != lb {
			return la
		}
		return groups[a].LocationName < groups[b].LocationName
	})
	return groups
}

// NextLocation is the first place with something left to take ("" when none).
func (t *ScanTransfer) NextLocation() string {
	for _, g := range t.Groups() {
		if g.Left.IsPositive() {
			return g.LocationName
		}
	}
	return ""
}

// GetScanTransfer returns a transfer with its products, lines (location,
// lot, packages), packages packed on it and the transfers chained to it, in
// a few queries. ENOTFOUND when there is no such transfer.
func GetScanTransfer(ctx context.Context, db bun.IDB, id int64) (*ScanTransfer, error) {
	t := new(ScanTransfer)
	err := db.NewRaw(`SELECT sp.id, sp.name, sp.state, sp.partially_available, sp.origin, sp.scheduled_date, sp.date_done,
			sp.carrier_tracking_ref, sp.sale_order_id, sp.picking_type_id,
			pty.kind, pty.name AS type_name, pty.create_backorder, pty.allow_extra, w.code AS warehouse_code,
			src.complete_name AS source_name, src.usage AS source_usage, dst.complete_name AS dest_name,
			coalesce(c.name, '') AS partner_name, coalesce(ca.name, '') AS carrier_name,
			coalesce(ca.tracking_url, '') AS tracking_url_template, coalesce(vu.name, '') AS validated_by_name
		FROM stock_pickings sp
		JOIN picking_types pty ON pty.id = sp.picking_type_id
		JOIN warehouses w ON w.id = pty.warehouse_id
		JOIN stock_locations src ON src.id = sp.location_id
		JOIN stock_locations dst ON dst.id = sp.location_dest_id
		LEFT JOIN contacts c ON c.id = sp.partner_id
		LEFT JOIN carriers ca ON ca.id = sp.carrier_id
		LEFT JOIN users vu ON vu.id = sp.validated_by
		WHERE sp.id = ?`, id).Scan(ctx, t)
	if err != nil {
		return nil, notFound(err, "The transfer")
	}
	const product = `pt.name || coalesce(' (' || vals.label || ')', '') AS product_name, v.sku, pt.tracking`
	err = db.NewRaw(`SELECT sm.id, sm.variant_id, `+product+`, coalesce(v.barcode, '') AS barcode, sm.demand, sm.state,
			coalesce(r.done, 0) AS done, coalesce(r.reserved, 0) AS reserved
		FROM stock_moves sm
		JOIN product_variants v ON v.id = sm.variant_id
		JOIN product_templates pt ON pt.id = v.template_id
		LEFT JOIN LATERAL (`+variantLabelSQL+`) vals ON true
		LEFT JOIN LATERAL (SELECT sum(l.quantity_done) AS done, sum(l.reserved_quantity) FILTER (WHERE l.state = 'open') AS reserved
			FROM stock_move_lines l WHERE l.move_id = sm.id AND l.state <> 'cancel') r ON true
		WHERE sm.picking_id = ? AND sm.state <> 'cancel'
		ORDER BY product_name, sm.id`, id).Scan(ctx, &t.Moves)
	if err != nil {
		return nil, fmt.Errorf("models: handheld transfer moves: %w", err)
	}
	err = db.NewRaw(`SELECT l.id, l.move_id, l.variant_id, l.location_id, src.complete_name AS location_name,
			coalesce(lot.name, l.lot_name) AS lot_name, coalesce(pkg.name, '') AS package_name,
			l.result_package_id, coalesce(rpkg.name, '') AS result_package_name,
			l.reserved_quantity, l.quantity_done, l.state, coalesce(u.name, '') AS done_by_name
		FROM stock_move_lines l
		JOIN stock_locations src ON src.id = l.location_id
		LEFT JOIN stock_lots lot ON lot.id = l.lot_id
		LEFT JOIN stock_packages pkg ON pkg.id = l.package_id
		LEFT JOIN stock_packages rpkg ON rpkg.id = l.result_package_id
		LEFT JOIN users u ON u.id = l.done_by
		WHERE l.picking_id = ? AND l.state <> 'cancel'
		ORDER BY src.complete_name, lot_name, l.id`, id).Scan(ctx, &t.Lines)
	if err != nil {
		return nil, fmt.Errorf("models: handheld transfer lines: %w", err)
	}
	byMove := map[int64]int{}
	for i, m := range t.Moves {
		byMove[m.ID] = i
	}
	lines := t.Lines[:0]
	for _, l := range t.Lines {
		i, ok := byMove[l.MoveID]
		if !ok {
			continue // a line of a cancelled move
		}
		m := &t.Moves[i]
		l.ProductName, l.SKU, l.Tracking = m.ProductName, m.SKU, m.Tracking
		m.Lines = append(m.Lines, l)
		lines = append(lines, l)
	}
	t.Lines = lines
	// Packages packed here, from the lines.
	pkgAt := map[int64]int{}
	for _, l := range t.Lines {
		if l.ResultPackageID == nil {
			continue
		}
		i, ok := pkgAt[*l.ResultPackageID]
		if !ok {
			i = len(t.Packages)
			pkgAt[*l.ResultPackageID] = i
			t.Packages = append(t.Packages, ScanPackage{ID: *l.ResultPackageID, Name: l.ResultPackageName})
		}
		t.Packages[i].Units = t.Packages[i].Units.Add(l.Done)
	}
	sort.Slice(t.Packages, func(a, b int) bool { return t.Packages[a].Name < t.Packages[b].Name })
	if t.State == StateAssigned {
		return t, nil // the chained and backorder transfers show once it is waiting or done
	}
	var refs []PickingRef
	err = db.NewRaw(`SELECT DISTINCT 'previous' AS rel, p.id, p.name, p.state, p.partially_available
			FROM stock_moves cur JOIN stock_moves m ON m.move_dest_id = cur.id JOIN stock_pickings p ON p.id = m.picking_id
			WHERE cur.picking_id = ?0 AND p.id <> ?0
		UNION
		SELECT DISTINCT 'next', p.id, p.name, p.state, p.partially_available
			FROM stock_moves cur JOIN stock_moves n ON n.id = cur.move_dest_id JOIN stock_pickings p ON p.id = n.picking_id
			WHERE cur.picking_id = ?0 AND p.id <> ?0
		UNION
		SELECT 'backorder', p.id, p.name, p.state, p.partially_available FROM stock_pickings p WHERE p.backorder_id = ?0
		ORDER BY 1, 2`, id).Scan(ctx, &refs)
	if err != nil {
		return nil, fmt.Errorf("models: handheld transfer links: %w", err)
	}
	for _, r := range refs {
		switch r.Rel {
		case "previous":
			t.Previous = append(t.Previous, r)
		case "next":
			t.Next = append(t.Next, r)
		default:
			t.Backorders = append(t.Backorders, r)
		}
	}
	return t, nil
}

// ScanLocationName returns a location's full name, or "" when there is none
// (for showing the current location on the handheld).
func ScanLocationName(ctx context.Context, db bun.IDB, id int64) string {
	if id == 0 {
		return ""
	}
	var name string
	if err := db.NewRaw("SELECT complete_name FROM stock_locations WHERE id = ?", id).Scan(ctx, &name); err != nil {
		return ""
	}
	return strings.TrimSpace(name)
}
