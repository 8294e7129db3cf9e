package models

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"
)

// stockVariantLabelSQL is a variant's readable name for v (product_variants)
// and pt (its template): "T-shirt (Blue, M)".
const stockVariantLabelSQL = `pt.name || coalesce(' (' || (
	SELECT string_agg(av.name, ', ' ORDER BY a.sequence, a.id)
	FROM product_variant_values vv
	JOIN product_attribute_values av ON av.id = vv.value_id
	JOIN product_attributes a ON a.id = av.attribute_id
	WHERE vv.variant_id = v.id) || ')', '')`

// QuantSorts are the orders the stock on hand list offers: value and label.
var QuantSorts = [][2]string{
	{"product", "Product"},
	{"location", "Location"},
	{"on_hand", "On hand (most first)"},
	{"reserved", "Reserved (most first)"},
	{"free", "Free (least first)"},
	{"in_date", "Incoming date (oldest first)"},
}

var quantOrder = map[string]string{
	"product":  "lower(pt.name), v.id, lower(l.complete_name), q.id",
	"location": "lower(l.complete_name), lower(pt.name), v.id, q.id",
	"on_hand":  "q.quantity DESC, lower(pt.name), q.id",
	"reserved": "q.reserved_quantity DESC, lower(pt.name), q.id",
	"free":     "q.quantity - q.reserved_quantity, lower(pt.name), q.id",
	"in_date":  "q.in_date, q.id",
}

// QuantFilter narrows ListQuants.
type QuantFilter struct {
	WarehouseID  int64
	LocationID   int64  // this location and its sub-locations
	VariantID    int64  // one variant only
	Query        string // product name, reference, SKU or barcode
	Lot          string // lot or serial number (contains)
	OnlyStock    bool   // quantity > 0
	OnlyReserved bool   // reserved quantity > 0
	Sort         string // a key of QuantSorts; "" is product
	Page         int    // 1-based
	PerPage      int
}

// QuantRow is one quant of the stock on hand list.
type QuantRow struct {
	ID            int64           `bun:"id"`
	VariantID     int64           `bun:"variant_id"`
	TemplateID    int64           `bun:"template_id"`
	Product       string          `bun:"product"` // "T-shirt (Blue, M)"
	SKU           string          `bun:"sku"`
	LocationID    int64           `bun:"location_id"`
	Location      string          `bun:"location"`
	WarehouseCode string          `bun:"warehouse_code"`
	Lot           string          `bun:"lot"`
	Package       string          `bun:"package"`
	OnHand        decimal.Decimal `bun:"on_hand,type:numeric"`
	Reserved      decimal.Decimal `bun:"reserved,type:numeric"`
	InDate        time.Time       `bun:"in_date"`
}

// Free is what is left to reserve: on hand minus reserved.
func (r QuantRow) Free() decimal.Decimal { return r.OnHand.Sub(r.Reserved) }

// QuantPage is one page of quants with the totals of every quant matching
// the filter (not only those on the page).
type QuantPage struct {
	Rows     []QuantRow
	Total    int
	OnHand   decimal.Decimal
	Reserved decimal.Decimal
	Page     int
	PerPage  int
}

// Free is the total free quantity.
func (p QuantPage) Free() decimal.Decimal { return p.OnHand.Sub(p.Reserved) }

// Pages is the number of pages.
func (p QuantPage) Pages() int {
	if p.PerPage == 0 {
		return 1
	}
	return max(1, (p.Total+p.PerPage-1)/p.PerPage)
}

// ListQuants returns a page of the quants matching f, with their product,
// location, lot and package, and the count and totals of all matching
// quants, in one query (window aggregates computed before the page is cut).
func ListQuants(ctx context.Context, db bun.IDB, f QuantFilter) (QuantPage, error) {
	if f.PerPage <= 0 || f.PerPage > 500 {
		f.PerPage = 50
	}
	if f.Page < 1 {
		f.Page = 1
	}
	order, ok := quantOrder[f.Sort]
	if !ok {
		order = quantOrder["product"]
	}
	var where []string
	var args []any
	if f.WarehouseID != 0 {
		where, args = append(where, "l.warehouse_id = ?"), append(args, f.WarehouseID)
	}
	if f.LocationID != 0 {
		where = append(where, `(l.id = ? OR starts_with(l.complete_name, (SELECT r.complete_name || '/' FROM stock_locations r WHERE r.id = ?)))`)
		args = append(args, f.LocationID, f.LocationID)
	}
	if f.VariantID != 0 {
		where, args = append(where, "q.variant_id = ?"), append(args, f.VariantID)
	}
	if s := strings.TrimSpace(f.Query); s != "" {
		like := "%" + likeEscape(strings.ToLower(s)) + "%"
		where = append(where, "(lower(pt.name) LIKE ? OR lower(pt.default_code) LIKE ? OR lower(v.sku) LIKE ? OR v.barcode = ?)")
		args = append(args, like, like, like, s)
	}
	if s := strings.TrimSpace(f.Lot); s != "" {
		where, args = append(where, "lower(lot.name) LIKE ?"), append(args, "%"+likeEscape(strings.ToLower(s))+"%")
	}
	if f.OnlyStock {
		where = append(where, "q.quantity > 0")
	}
	if f.OnlyReserved {
		where = append(where, "q.reserved_quantity > 0")
	}
	cond := ""
	if len(where) > 0 {
		cond = "WHERE " + strings.Join(where, " AND ")
	}
	var rows []struct {
		QuantRow
		Count         int             `bun:"total_count"`
		TotalOnHand   decimal.Decimal `bun:"total_on_hand,type:numeric"`
		TotalReserved decimal.Decimal `bun:"total_reserved,type:numeric"`
	}
	args = append(args, f.PerPage, (f.Page-1)*f.PerPage)
	err := db.NewRaw(`
		SELECT q.id, q.variant_id, v.template_id, `+stockVariantLabelSQL+` AS product, v.sku,
			q.location_id, l.complete_name AS location, coalesce(w.code, '') AS warehouse_code,
			coalesce(lot.name, '') AS lot, coalesce(pkg.name, '') AS package,
			q.quantity AS on_hand, q.reserved_quantity AS reserved, q.in_date,
			count(*) OVER () AS total_count,
			sum(q.quantity) OVER () AS total_on_hand,
			sum(q.reserved_quantity) OVER () AS total_reserved
		FROM stock_quants q
		JOIN product_variants v ON v.id = q.variant_id
		JOIN product_templates pt ON pt.id = v.template_id
		JOIN stock_locations l ON l.id = q.location_id
		LEFT JOIN warehouses w ON w.id = l.warehouse_id
		LEFT JOIN stock_lots lot ON lot.id = q.lot_id
		LEFT JOIN stock_packages pkg ON pkg.id = q.package_id
		`+cond+`
		ORDER BY `+order+`
		LIMIT ? OFFSET ?`, args...).Scan(ctx, &rows)
	if err != nil {
		return QuantPage{}, fmt.Errorf("models: list quants: %w", err)
	}
	page := QuantPage{Page: f.Page, PerPage: f.PerPage, Rows: make([]QuantRow, len(rows))}
	for i, r := range rows {
		page.Rows[i] = r.QuantRow
		page.Total, page.OnHand, page.Reserved = r.Count, r.TotalOnHand, r.TotalReserved
	}
	return page, nil
}

// MoveHistoryLine is one done move line of a variant.
type MoveHistoryLine struct {
	ID        int64           `bun:"id"`
	Date      time.Time       `bun:"date"`
	PickingID *int64          `bun:"picking_id"`
	Reference string          `bun:"reference"` // WH/OUT/00017, or "Inventory count"
	From      string          `bun:"from_name"`
	FromUsage string          `bun:"from_usage"`
	To        string          `bun:"to_name"`
	ToUsage   string          `bun:"to_usage"`
	Lot       string          `bun:"lot"`
	Quantity  decimal.Decimal `bun:"quantity,type:numeric"`
	DoneBy    string          `bun:"done_by"` // "" when the system did it
}

// Incoming reports whether the line brought stock into an internal location
// from outside one (a receipt, a positive count).
func (l MoveHistoryLine) Incoming() bool {
	return l.ToUsage == UsageInternal && l.FromUsage != UsageInternal
}

// Outgoing reports whether the line took stock out of the internal
// locations (a delivery, a negative count).
func (l MoveHistoryLine) Outgoing() bool {
	return l.FromUsage == UsageInternal && l.ToUsage != UsageInternal
}

// MoveHistoryPage is one page of a variant's moves history.
type MoveHistoryPage struct {
	Lines   []MoveHistoryLine
	Total   int
	Page    int
	PerPage int
}

// Pages is the number of pages.
func (p MoveHistoryPage) Pages() int {
	if p.PerPage == 0 {
		return 1
	}
	return max(1, (p.Total+p.PerPage-1)/p.PerPage)
}

const moveHistoryPerPage = 50

// VariantMoveHistory returns a page (1-based) of the done move lines of a
// variant, newest first: when, the transfer (or "Inventory count"), from
// and to where, the lot, the quantity and who did it. One query.
func VariantMoveHistory(ctx context.Context, db bun.IDB, variantID int64, page int) (MoveHistoryPage, error) {
	if page < 1 {
		page = 1
	}
	var rows []struct {
		MoveHistoryLine
		Count int `bun:"total_count"`
	}
	err := db.NewRaw(`
		SELECT ml.id, coalesce(m.date_done, ml.date) AS date, ml.picking_id,
			coalesce(sp.name, nullif(m.origin, ''), 'Inventory count') AS reference,
			src.complete_name AS from_name, src.usage AS from_usage,
			dst.complete_name AS to_name, dst.usage AS to_usage,
			coalesce(lot.name, nullif(ml.lot_name, ''), '') AS lot,
			ml.quantity_done AS quantity, coalesce(u.name, '') AS done_by,
			count(*) OVER () AS total_count
		FROM stock_move_lines ml
		JOIN stock_moves m ON m.id = ml.move_id
		JOIN stock_locations src ON src.id = ml.location_id
		JOIN stock_locations dst ON dst.id = ml.location_dest_id
		LEFT JOIN stock_pickings sp ON sp.id = ml.picking_id
		LEFT JOIN stock_lots lot ON lot.id = ml.lot_id
		LEFT JOIN users u ON u.id = ml.done_by
		WHERE ml.variant_id = ? AND ml.state = 'done'
		ORDER BY coalesce(m.date_done, ml.date) DESC, ml.id DESC
		LIMIT ? OFFSET ?`, variantID, moveHistoryPerPage, (page-1)*moveHistoryPerPage).Scan(ctx, &rows)
	if err != nil {
		return MoveHistoryPage{}, fmt.Errorf("models: move history of variant %d: %w", variantID, err)
	}
	out := MoveHistoryPage{Page: page, PerPage: moveHistoryPerPage, Lines: make([]MoveHistoryLine, len(rows))}
	for i, r := range rows {
		out.Lines[i] = r.MoveHistoryLine
		out.Total = r.Count
	}
	return out, nil
}

// StockVariant is a variant as the product stock page names it.
type StockVariant struct {
	ID         int64   `bun:"id"`
	TemplateID int64   `bun:"template_id"`
	Name       string  `bun:"name"` // "T-shirt (Blue, M)"
	SKU        string  `bun:"sku"`
	Barcode    *string `bun:"barcode"`
	Type       string  `bun:"type"`
	Tracking   string  `bun:"tracking"`
	Active     bool    `bun:"active"`
}

// WarehouseFigures are a variant's stock figures in one warehouse.
type WarehouseFigures struct {
	Warehouse Warehouse
	StockFigures
}

// VariantStockPage is everything the product stock page shows.
type VariantStockPage struct {
	Variant    StockVariant
	Warehouses []WarehouseFigures
	Total      StockFigures // over every warehouse
	Quants     QuantPage
	History    MoveHistoryPage
}

// VariantStock returns a variant's stock figures per warehouse
// (Availability), its quants by location and lot, and a page of its moves
// history; ENOTFOUND when there is no such variant.
func VariantStock(ctx context.Context, db bun.IDB, variantID int64, historyPage int) (*VariantStockPage, error) {
	out := &VariantStockPage{}
	err := db.NewRaw(`SELECT v.id, v.template_id, `+stockVariantLabelSQL+` AS name, v.sku, v.barcode, pt.type, pt.tracking, v.active AND pt.active AS active
		FROM product_variants v JOIN product_templates pt ON pt.id = v.template_id WHERE v.id = ?`, variantID).Scan(ctx, &out.Variant)
	if err != nil {
		return nil, notFound(err, "The product")
	}
	whs, err := ListWarehouses(ctx, db)
	if err != nil {
		return nil, err
	}
	for _, wh := range whs {
		f, err := Availability(ctx, db, wh.ID, []int64{variantID})
		if err != nil {
			return nil, err
		}
		fig := f[variantID]
		out.Warehouses = append(out.Warehouses, WarehouseFigures{Warehouse: wh, StockFigures: fig})
		out.Total.OnHand = out.Total.OnHand.Add(fig.OnHand)
		out.Total.Reserved = out.Total.Reserved.Add(fig.Reserved)
		out.Total.Incoming = out.Total.Incoming.Add(fig.Incoming)
		out.Total.Outgoing = out.Total.Outgoing.Add(fig.Outgoing)
	}
	if out.Quants, err = ListQuants(ctx, db, QuantFilter{VariantID: variantID, OnlyStock: true, Sort: "location", PerPage: 500}); err != nil {
		return nil, err
	}
	if out.History, err = VariantMoveHistory(ctx, db, variantID, historyPage); err != nil {
		return nil, err
	}
	return out, nil
}
