package models

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"
)

// Printed documents of transfers and packages (picking list, delivery slip,
// shipping label, package label) and the extra facts the transfer page
// shows: the sales order, the carrier's tracking link and who did what.

// PickingDocument is everything the printed documents of a transfer show.
type PickingDocument struct {
	ID            int64
	Name          string // WH/OUT/00012, printed as a Code128 barcode
	State         string
	Kind          string
	TypeName      string
	Origin        string // the document asking, e.g. the sales order number
	ScheduledDate time.Time
	DateDone      *time.Time
	SourceName    string
	DestName      string
	Company       *Company
	Partner       *Contact // the delivery address; nil when the transfer has no partner
	SaleOrderID   *int64
	SaleOrderName string // "" when the transfer is not for a sales order
	CarrierName   string
	TrackingRef   string
	TrackingURL   string // the carrier's tracking page for TrackingRef, "" without either

	PickLines []PickListLine // what to take where, sorted by source location
	Lines     []SlipLine     // one per product move, in move order
	Packages  []string       // the packages the goods were put in
}

// PickListLine is one stop of the picking list: a product (lot, package) to
// take from a location.
type PickListLine struct {
	LocationName      string
	LocationDestName  string
	ProductName       string
	SKU               string
	Barcode           *string // the product's barcode as stored
	Code              string  // what its printed barcode encodes (LabelCode: the SKU when it has no barcode)
	Symbology         string  // BarcodeEAN13, BarcodeEAN8 or BarcodeCode128
	LotName           string
	PackageName       string
	ResultPackageName string
	Quantity          decimal.Decimal
	Done              bool // the line was validated
	NotReserved       bool // the rest of a move that no stock was found for yet
}

// SlipLine is one product of a delivery slip.
type SlipLine struct {
	ProductName string
	SKU         string
	Ordered     decimal.Decimal // the move's demand
	Done        decimal.Decimal // what was picked / delivered so far
	Lots        []string        // lots and serial numbers, sorted
}

// CarrierTrackingURL puts the tracking reference, URL-escaped, where {ref}
// stands in a carrier's tracking URL template; "" when either is empty.
func CarrierTrackingURL(template, ref string) string {
	ref = strings.TrimSpace(ref)
	if template == "" || ref == "" || !strings.Contains(template, "{ref}") {
		return ""
	}
	esc := strings.ReplaceAll(url.QueryEscape(ref), "+", "%20")
	return strings.ReplaceAll(template, "{ref}", esc)
}

type docHeader struct {
	ID            int64      `bun:"id"`
	Name          string     `bun:"name"`
	State         string     `bun:"state"`
	Kind          string     `bun:"kind"`
	TypeName      string     `bun:"type_name"`
	Origin        string     `bun:"origin"`
	ScheduledDate time.Time  `bun:"scheduled_date"`
	DateDone      *time.Time `bun:"date_done"`
	SourceName    string     `bun:"source_name"`
	DestName      string     `bun:"dest_name"`
	PartnerID     *int64     `bun:"partner_id"`
	SaleOrderID   *int64     `bun:"sale_order_id"`
	SaleOrderName string     `bun:"sale_order_name"`
	CarrierName   string     `bun:"carrier_name"`
	TrackingTmpl  string     `bun:"tracking_url"`
	TrackingRef   string     `bun:"carrier_tracking_ref"`
}

const docHeaderSQL = `SELECT sp.id, sp.name, sp.state, pty.kind, pty.name AS type_name, sp.origin, sp.scheduled_date,
		sp.date_done, src.complete_name AS source_name, dst.complete_name AS dest_name, sp.partner_id,
		sp.sale_order_id, coalesce(so.name, '') AS sale_order_name, coalesce(ca.name, '') AS carrier_name,
		coalesce(ca.tracking_url, '') AS tracking_url, sp.carrier_tracking_ref
	FROM stock_pickings sp
	JOIN picking_types pty ON pty.id = sp.picking_type_id
	JOIN stock_locations src ON src.id = sp.location_id
	JOIN stock_locations dst ON dst.id = sp.location_dest_id
	LEFT JOIN sale_orders so ON so.id = sp.sale_order_id
	LEFT JOIN carriers ca ON ca.id = sp.carrier_id
	WHERE sp.id = ?`

// GetPickingDocument gathers what the printed documents of a transfer need:
// the company, the delivery address, the order and carrier, the lines to
// pick sorted by source location (with each product's barcode) and the
// products with their ordered and done quantities and lots. Cancelled moves
// and lines are left out. ENOTFOUND when there is no such transfer.
func GetPickingDocument(ctx context.Context, db bun.IDB, pickingID int64) (*PickingDocument, error) {
	var h docHeader
	if err := db.NewRaw(docHeaderSQL, pickingID).Scan(ctx, &h); err != nil {
		return nil, notFound(err, "The transfer")
	}
	d := &PickingDocument{ID: h.ID, Name: h.Name, State: h.State, Kind: h.Kind, TypeName: h.TypeName, Origin: h.Origin,
		ScheduledDate: h.ScheduledDate, DateDone: h.DateDone, SourceName: h.SourceName, DestName: h.DestName,
		SaleOrderID: h.SaleOrderID, SaleOrderName: h.SaleOrderName, CarrierName: h.CarrierName,
		TrackingRef: h.TrackingRef, TrackingURL: CarrierTrackingURL(h.TrackingTmpl, h.TrackingRef)}
	var err error
	if d.Company, err = GetCompany(ctx, db); err != nil {
		return nil, err
	}
	if h.PartnerID != nil {
		if d.Partner, err = GetContact(ctx, db, *h.PartnerID); err != nil {
			return nil, err
		}
	}

	type moveRow struct {
		ID          int64           `bun:"id"`
		ProductName string          `bun:"product_name"`
		SKU         string          `bun:"sku"`
		Barcode     *string         `bun:"barcode"`
		Demand      decimal.Decimal `bun:"demand"`
		State       string          `bun:"state"`
		Done        decimal.Decimal `bun:"done"`
		Reserved    decimal.Decimal `bun:"reserved"`
	}
	var moves []moveRow
	err = db.NewRaw(`SELECT sm.id, pt.name || coalesce(' (' || vals.label || ')', '') AS product_name, v.sku, v.barcode,
			sm.demand, sm.state, coalesce(l.done, 0) AS done, coalesce(l.reserved, 0) AS reserved
		FROM stock_moves sm
		JOIN product_variants v ON v.id = sm.variant_id
		JOIN product_templates pt ON pt.id = v.template_id
		LEFT JOIN LATERAL (`+variantLabelSQL+`) vals ON true
		LEFT JOIN (SELECT move_id, sum(quantity_done) AS done,
				sum(reserved_quantity) FILTER (WHERE state = 'open') AS reserved
			FROM stock_move_lines WHERE state <> 'cancel' GROUP BY move_id) l ON l.move_id = sm.id
		WHERE sm.picking_id = ? AND sm.state <> 'cancel' ORDER BY sm.id`, pickingID).Scan(ctx, &moves)
	if err != nil {
		return nil, fmt.Errorf("models: document moves: %w", err)
	}

	type lineRow struct {
		MoveID            int64           `bun:"move_id"`
		LocationName      string          `bun:"location_name"`
		LocationDestName  string          `bun:"location_dest_name"`
		LotName           string          `bun:"lot_name"`
		PackageName       string          `bun:"package_name"`
		ResultPackageName string          `bun:"result_package_name"`
		Reserved          decimal.Decimal `bun:"reserved_quantity"`
		Done              decimal.Decimal `bun:"quantity_done"`
		State             string          `bun:"state"`
	}
	var lines []lineRow
	err = db.NewRaw(`SELECT l.move_id, src.complete_name AS location_name, dst.complete_name AS location_dest_name,
			coalesce(lot.name, l.lot_name) AS lot_name, coalesce(pkg.name, '') AS package_name,
			coalesce(rpkg.name, '') AS result_package_name, l.reserved_quantity, l.quantity_done, l.state
		FROM stock_move_lines l
		JOIN stock_moves sm ON sm.id = l.move_id
		JOIN stock_locations src ON src.id = l.location_id
		JOIN stock_locations dst ON dst.id = l.location_dest_id
		LEFT JOIN stock_lots lot ON lot.id = l.lot_id
		LEFT JOIN stock_packages pkg ON pkg.id = l.package_id
		LEFT JOIN stock_packages rpkg ON rpkg.id = l.result_package_id
		WHERE sm.picking_id = ? AND sm.state <> 'cancel' AND l.state <> 'cancel'
		ORDER BY l.id`, pickingID).Scan(ctx, &lines)
	if err != nil {
		return nil, fmt.Errorf("models: document lines: %w", err)
	}

	byMove := map[int64]int{}
	lotsOf := map[int64]map[string]bool{}
	for i, m := range moves {
		byMove[m.ID] = i
		d.Lines = append(d.Lines, SlipLine{ProductName: m.ProductName, SKU: m.SKU, Ordered: m.Demand, Done: m.Done})
		lotsOf[m.ID] = map[string]bool{}
	}
	packages := map[string]bool{}
	pick := func(m moveRow) PickListLine {
		code, sym := LabelCode(m.Barcode, m.SKU)
		return PickListLine{ProductName: m.ProductName, SKU: m.SKU, Barcode: m.Barcode, Code: code, Symbology: sym}
	}
	for _, l := range lines {
		i, ok := byMove[l.MoveID]
		if !ok {
			continue
		}
		m := moves[i]
		pl := pick(m)
		pl.LocationName, pl.LocationDestName = l.LocationName, l.LocationDestName
		pl.LotName, pl.PackageName, pl.ResultPackageName = l.LotName, l.PackageName, l.ResultPackageName
		pl.Done = l.State == "done"
		pl.Quantity = l.Done
		if !pl.Done && l.Reserved.GreaterThan(l.Done) {
			pl.Quantity = l.Reserved
		}
		if !pl.Quantity.IsPositive() {
			continue
		}
		d.PickLines = append(d.PickLines, pl)
		if l.LotName != "" {
			lotsOf[m.ID][l.LotName] = true
		}
		if l.ResultPackageName != "" {
			packages[l.ResultPackageName] = true
		}
	}
	for i, m := range moves {
		for lot := range lotsOf[m.ID] {
			d.Lines[i].Lots = append(d.Lines[i].Lots, lot)
		}
		sort.Strings(d.Lines[i].Lots)
		if m.State == StateDone {
			continue
		}
		// What no line covers yet is still to be found at the transfer's source.
		if rest := m.Demand.Sub(m.Done).Sub(m.Reserved); rest.IsPositive() {
			pl := pick(m)
			pl.LocationName, pl.LocationDestName = d.SourceName, d.DestName
			pl.Quantity, pl.NotReserved = rest, true
			d.PickLines = append(d.PickLines, pl)
		}
	}
	sort.SliceStable(d.PickLines, func(i, j int) bool {
		a, b := d.PickLines[i], d.PickLines[j]
		if a.LocationName != b.LocationName {
			return a.LocationName < b.LocationName
		}
		if a.ProductName != b.ProductName {
			return a.ProductName < b.ProductName
		}
		return a.LotName < b.LotName
	})
	for p := range packages {
		d.Packages = append(d.Packages, p)
	}
	sort.Strings(d.Packages)
	return d, nil
}

// PickListGroup is the lines of a picking list at one source location.
type PickListGroup struct {
	LocationName string
	Lines        []PickListLine
}

// PickListGroups groups the (sorted) picking list lines by source location,
// in walking order.
func (d *PickingDocument) PickListGroups() []PickListGroup {
	var out []PickListGroup
	for _, l := range d.PickLines {
		if n := len(out); n == 0 || out[n-1].LocationName != l.LocationName {
			out = append(out, PickListGroup{LocationName: l.LocationName})
		}
		out[len(out)-1].Lines = append(out[len(out)-1].Lines, l)
	}
	return out
}

// AddressLines is a contact's postal address, one line each, without empty
// lines: name, street, street2, zip and city, country.
func AddressLines(c *Contact) []string {
	if c == nil {
		return nil
	}
	var out []string
	add := func(s string) {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	add(c.Name)
	add(c.Street)
	add(c.Street2)
	add(strings.TrimSpace(c.Zip + " " + c.City))
	if name, ok := Countries[c.CountryCode]; ok {
		add(name)
	} else {
		add(c.CountryCode)
	}
	return out
}

// PackageDocument is what a package label shows.
type PackageDocument struct {
	ID           int64
	Name         string // printed as a Code128 barcode
	CreatedAt    time.Time
	LocationName string // where the package is now, "" when it is not in stock
	PickingName  string // the last transfer that packed or moved it
	Origin       string
	PartnerName  string
	Contents     []PackageContent
}

// PackageContent is one product (lot) in a package.
type PackageContent struct {
	ProductName string          `bun:"product_name"`
	SKU         string          `bun:"sku"`
	LotName     string          `bun:"lot_name"`
	Quantity    decimal.Decimal `bun:"quantity"`
}

// GetPackageDocument returns a package with its contents: what its quants
// hold in stock, or, when it holds nothing in stock (packed but not yet
// validated, or shipped), what the last transfer that packed it put in it.
// ENOTFOUND when there is no such package.
func GetPackageDocument(ctx context.Context, db bun.IDB, packageID int64) (*PackageDocument, error) {
	pkg := new(Package)
	if err := db.NewSelect().Model(pkg).Where("id = ?", packageID).Scan(ctx); err != nil {
		return nil, notFound(err, "The package")
	}
	d := &PackageDocument{ID: pkg.ID, Name: pkg.Name, CreatedAt: pkg.CreatedAt}
	err := db.NewRaw(`SELECT pt.name || coalesce(' (' || vals.label || ')', '') AS product_name, v.sku,
			coalesce(lot.name, '') AS lot_name, q.quantity
		FROM stock_quants q
		JOIN product_variants v ON v.id = q.variant_id
		JOIN product_templates pt ON pt.id = v.template_id
		LEFT JOIN LATERAL (`+variantLabelSQL+`) vals ON true
		LEFT JOIN stock_lots lot ON lot.id = q.lot_id
		WHERE q.package_id = ? AND q.quantity > 0
		ORDER BY product_name, lot_name`, packageID).Scan(ctx, &d.Contents)
	if err != nil {
		return nil, fmt.Errorf("models: package contents: %w", err)
	}
	if len(d.Contents) > 0 {
		if err := db.NewRaw(`SELECT sl.complete_name FROM stock_quants q JOIN stock_locations sl ON sl.id = q.location_id
			WHERE q.package_id = ? AND q.quantity > 0 ORDER BY q.id LIMIT 1`, packageID).Scan(ctx, &d.LocationName); err != nil {
			return nil, fmt.Errorf("models: package location: %w", err)
		}
	}
	// The last transfer that put goods in it (or moved it whole).
	var last struct {
		PickingID   int64  `bun:"picking_id"`
		Name        string `bun:"name"`
		Origin      string `bun:"origin"`
		PartnerName string `bun:"partner_name"`
	}
	err = db.NewRaw(`SELECT sp.id AS picking_id, sp.name, sp.origin, coalesce(c.name, '') AS partner_name
		FROM stock_move_lines l
		JOIN stock_moves sm ON sm.id = l.move_id
		JOIN stock_pickings sp ON sp.id = sm.picking_id
		LEFT JOIN contacts c ON c.id = sp.partner_id
		WHERE (l.result_package_id = ? OR l.package_id = ?) AND l.state <> 'cancel'
		ORDER BY l.id DESC LIMIT 1`, packageID, packageID).Scan(ctx, &last)
	if err != nil && !isNoRows(err) {
		return nil, fmt.Errorf("models: package transfer: %w", err)
	}
	d.PickingName, d.Origin, d.PartnerName = last.Name, last.Origin, last.PartnerName
	if len(d.Contents) == 0 && last.PickingID != 0 {
		err = db.NewRaw(`SELECT pt.name || coalesce(' (' || vals.label || ')', '') AS product_name, v.sku,
				coalesce(lot.name, l.lot_name) AS lot_name,
				sum(CASE WHEN l.state = 'done' THEN l.quantity_done ELSE greatest(l.quantity_done, l.reserved_quantity) END) AS quantity
			FROM stock_move_lines l
			JOIN stock_moves sm ON sm.id = l.move_id
			JOIN product_variants v ON v.id = l.variant_id
			JOIN product_templates pt ON pt.id = v.template_id
			LEFT JOIN LATERAL (`+variantLabelSQL+`) vals ON true
			LEFT JOIN stock_lots lot ON lot.id = l.lot_id
			WHERE sm.picking_id = ? AND (l.result_package_id = ? OR l.package_id = ?) AND l.state <> 'cancel'
			GROUP BY 1, 2, 3 ORDER BY 1, 3`, last.PickingID, packageID, packageID).Scan(ctx, &d.Contents)
		if err != nil {
			return nil, fmt.Errorf("models: packed contents: %w", err)
		}
	}
	return d, nil
}

// PickingExtras are the facts of a transfer the back-office page shows
// besides its detail: the sales order, the carrier with the tracking link,
// and who did each line when.
type PickingExtras struct {
	SaleOrderID   *int64
	SaleOrderName string
	CarrierName   string
	TrackingRef   string
	TrackingURL   string
	Activity      []LineActivity          // newest first
	ByLine        map[int64]*LineActivity // the same, by move line id
	Packages      []PackageRef            // the packages the transfer moves or fills
}

// PackageRef names a package.
type PackageRef struct {
	ID   int64  `bun:"id"`
	Name string `bun:"name"`
}

// LineActivity is a move line someone scanned or validated.
type LineActivity struct {
	LineID       int64           `bun:"id"`
	UserName     string          `bun:"user_name"`
	Date         time.Time       `bun:"date"`
	ProductName  string          `bun:"product_name"`
	LotName      string          `bun:"lot_name"`
	LocationName string          `bun:"location_name"`
	DestName     string          `bun:"dest_name"`
	PackageName  string          `bun:"package_name"`
	Quantity     decimal.Decimal `bun:"quantity_done"`
	State        string          `bun:"state"`
}

// GetPickingExtras returns the sales order, carrier, tracking link and the
// activity (lines with who did them and when) of a transfer. ENOTFOUND when
// there is no such transfer.
func GetPickingExtras(ctx context.Context, db bun.IDB, pickingID int64) (*PickingExtras, error) {
	var h docHeader
	if err := db.NewRaw(docHeaderSQL, pickingID).Scan(ctx, &h); err != nil {
		return nil, notFound(err, "The transfer")
	}
	x := &PickingExtras{SaleOrderID: h.SaleOrderID, SaleOrderName: h.SaleOrderName, CarrierName: h.CarrierName,
		TrackingRef: h.TrackingRef, TrackingURL: CarrierTrackingURL(h.TrackingTmpl, h.TrackingRef), ByLine: map[int64]*LineActivity{}}
	err := db.NewRaw(`SELECT l.id, u.name AS user_name, l.date,
			pt.name || coalesce(' (' || vals.label || ')', '') AS product_name,
			coalesce(lot.name, l.lot_name) AS lot_name, src.complete_name AS location_name, dst.complete_name AS dest_name,
			coalesce(rpkg.name, '') AS package_name, l.quantity_done, l.state
		FROM stock_move_lines l
		JOIN stock_moves sm ON sm.id = l.move_id
		JOIN users u ON u.id = l.done_by
		JOIN product_variants v ON v.id = l.variant_id
		JOIN product_templates pt ON pt.id = v.template_id
		LEFT JOIN LATERAL (`+variantLabelSQL+`) vals ON true
		LEFT JOIN stock_lots lot ON lot.id = l.lot_id
		JOIN stock_locations src ON src.id = l.location_id
		JOIN stock_locations dst ON dst.id = l.location_dest_id
		LEFT JOIN stock_packages rpkg ON rpkg.id = l.result_package_id
		WHERE sm.picking_id = ? AND l.state <> 'cancel'
		ORDER BY l.date DESC, l.id DESC`, pickingID).Scan(ctx, &x.Activity)
	if err != nil {
		return nil, fmt.Errorf("models: transfer activity: %w", err)
	}
	for i := range x.Activity {
		x.ByLine[x.Activity[i].LineID] = &x.Activity[i]
	}
	err = db.NewRaw(`SELECT DISTINCT pkg.id, pkg.name FROM stock_move_lines l
		JOIN stock_moves sm ON sm.id = l.move_id
		JOIN stock_packages pkg ON pkg.id = l.result_package_id OR pkg.id = l.package_id
		WHERE sm.picking_id = ? AND l.state <> 'cancel' ORDER BY pkg.name`, pickingID).Scan(ctx, &x.Packages)
	if err != nil {
		return nil, fmt.Errorf("models: transfer packages: %w", err)
	}
	return x, nil
}
