package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"
)

// Handheld scanning on a transfer (pick, pack, ship, receive). Every scan is
// one short transaction that locks the transfer and its open move lines
// (FOR UPDATE), decides, and records the progress on the move lines
// (quantity_done, done_by, date). A wrong scan is refused from inside the
// transaction, so that nothing it might have written stays, and two pickers
// on the same transfer queue on its row: they can never count the same
// units twice or go beyond the demand.

const maxScanCode = 200

// ScanInput is one scan on a transfer screen.
type ScanInput struct {
	Code string
	// LocationID is the location scanned last on this screen (0: none yet):
	// products are then counted on the lines at or under that location.
	LocationID int64
	// ProductID is the product waiting for its lot or serial number (the
	// previous scan was a tracked product), 0 when none.
	ProductID int64
	// Quantity is how many units the scan counts; zero means 1, or the
	// quantity a GS1 code carries (AI 30/37).
	Quantity decimal.Decimal
}

// ScanResult tells the picker what a scan did. OK false means the scan was
// refused and nothing changed.
type ScanResult struct {
	OK      bool
	Prompt  bool   // accepted, and something more is expected (scan the serial number)
	Message string // the headline: "Blue mug: 2 / 3"
	Detail  string // a second line: where, which lot
	Kind    string // location | product | lot | package | transfer | operation | line
	LineID  int64  // the move line counted
	// LocationID / LocationName are the current location after the scan.
	LocationID   int64
	LocationName string
	// ProductID is the product waiting for a lot or serial after the scan.
	ProductID int64
	URL       string // open this screen instead (another transfer was scanned)
}

// scanRefusal is a wrong scan, returned as an error from inside the
// transaction so that it rolls back whatever was written.
type scanRefusal struct{ msg string }

func (r *scanRefusal) Error() string { return "scan refused: " + r.msg }

func refuse(format string, args ...any) error {
	return &scanRefusal{msg: fmt.Sprintf(format, args...)}
}

// refusalOf returns the refusal carried by err, if any.
func refusalOf(err error) (string, bool) {
	var r *scanRefusal
	if errors.As(err, &r) {
		return r.msg, true
	}
	return "", false
}

// scanHeader is the locked transfer with what scanning needs of its type and source.
type scanHeader struct {
	ID          int64  `bun:"id"`
	Name        string `bun:"name"`
	State       string `bun:"state"`
	Kind        string `bun:"kind"`
	AllowExtra  bool   `bun:"allow_extra"`
	LocationID  int64  `bun:"location_id"`
	SourceUsage string `bun:"source_usage"`
	SourceName  string `bun:"source_name"`
	// HereName is the full name of the location the picker stands at
	// (ScanInput.LocationID), "" when none.
	HereName string `bun:"here_name"`
}

type scanMove struct {
	ID            int64           `bun:"id"`
	VariantID     int64           `bun:"variant_id"`
	Demand        decimal.Decimal `bun:"demand,type:numeric"`
	ProcureMethod string          `bun:"procure_method"`
	Product       string          `bun:"product"`
	SKU           string          `bun:"sku"`
	Tracking      string          `bun:"tracking"`
	Type          string          `bun:"type"`
	done          decimal.Decimal
}

func (m *scanMove) label() string { return m.Product + " (" + m.SKU + ")" }

type scanLine struct {
	ID              int64           `bun:"id"`
	MoveID          int64           `bun:"move_id"`
	VariantID       int64           `bun:"variant_id"`
	LocationID      int64           `bun:"location_id"`
	LocationName    string          `bun:"location_name"`
	LotID           *int64          `bun:"lot_id"`
	LotName         string          `bun:"lot_name"`     // the lot's name, or the name typed at reception
	RawLotName      string          `bun:"raw_lot_name"` // stock_move_lines.lot_name
	PackageID       *int64          `bun:"package_id"`
	ResultPackageID *int64          `bun:"result_package_id"`
	Reserved        decimal.Decimal `bun:"reserved_quantity,type:numeric"`
	Done            decimal.Decimal `bun:"quantity_done,type:numeric"`
}

// scanSession is one transfer locked for a scan.
type scanSession struct {
	tx       bun.Tx
	h        scanHeader
	moves    []*scanMove
	moveByID map[int64]*scanMove
	lines    []*scanLine
	actorID  int64
	now      time.Time
	subtree  map[int64]bool
	here     map[int64]map[int64]bool
}

// loadScanSession locks the transfer and its open lines, in that order
// (validation, packing and every scan lock the transfer first), and reads
// its open moves; a scan that changes a move's reservation locks that move
// (lockMove) before the quants, in the reservation engine's order. hereID is
// the location the picker stands at (0: none).
func loadScanSession(ctx context.Context, tx bun.Tx, pickingID, actorID, hereID int64) (*scanSession, error) {
	s := &scanSession{tx: tx, actorID: actorID, now: time.Now(), moveByID: map[int64]*scanMove{}}
	err := tx.NewRaw(`SELECT sp.id, sp.name, sp.state, pty.kind, pty.allow_extra, sp.location_id,
			src.usage AS source_usage, src.complete_name AS source_name,
			coalesce((SELECT complete_name FROM stock_locations WHERE id = ?), '') AS here_name
		FROM stock_pickings sp
		JOIN picking_types pty ON pty.id = sp.picking_type_id
		JOIN stock_locations src ON src.id = sp.location_id
		WHERE sp.id = ? FOR UPDATE OF sp`, hereID, pickingID).Scan(ctx, &s.h)
	if err != nil {
		return nil, notFound(err, "The transfer")
	}
	err = tx.NewRaw(`SELECT sm.id, sm.variant_id, sm.demand, sm.procure_method, pt.name AS product, v.sku, pt.tracking, pt.type
		FROM stock_moves sm
		JOIN product_variants v ON v.id = sm.variant_id
		JOIN product_templates pt ON pt.id = v.template_id
		WHERE sm.picking_id = ? AND sm.state NOT IN ('done', 'cancel')
		ORDER BY sm.id`, pickingID).Scan(ctx, &s.moves)
	if err != nil {
		return nil, fmt.Errorf("models: scan: lock moves: %w", err)
	}
	for _, m := range s.moves {
		s.moveByID[m.ID] = m
	}
	var lines []*scanLine
	err = tx.NewRaw(`SELECT l.id, l.move_id, l.variant_id, l.location_id, loc.complete_name AS location_name,
			l.lot_id, coalesce(lot.name, l.lot_name) AS lot_name, l.lot_name AS raw_lot_name,
			l.package_id, l.result_package_id, l.reserved_quantity, l.quantity_done
		FROM stock_move_lines l
		JOIN stock_locations loc ON loc.id = l.location_id
		LEFT JOIN stock_lots lot ON lot.id = l.lot_id
		WHERE l.picking_id = ? AND l.state = 'open'
		ORDER BY loc.complete_name, l.id FOR UPDATE OF l`, pickingID).Scan(ctx, &lines)
	if err != nil {
		return nil, fmt.Errorf("models: scan: lock lines: %w", err)
	}
	for _, l := range lines {
		if m := s.moveByID[l.MoveID]; m != nil {
			m.done = m.done.Add(l.Done)
			s.lines = append(s.lines, l)
		}
	}
	return s, nil
}

// lockMove locks a move before its reservation changes, so that the
// scheduled "check availability" cannot reserve for it at the same time.
func (s *scanSession) lockMove(ctx context.Context, m *scanMove) error {
	_, err := s.tx.NewRaw("SELECT id FROM stock_moves WHERE id = ? FOR UPDATE", m.ID).Exec(ctx)
	return wrapErr(err, "scan: lock move")
}

// open refuses scans on a transfer that is finished.
func (s *scanSession) open() error {
	switch s.h.State {
	case StateDone:
		return refuse("%s is done: nothing more to scan.", s.h.Name)
	case StateCancel:
		return refuse("%s is cancelled.", s.h.Name)
	}
	return nil
}

// fromStock says whether the transfer takes goods from internal locations
// (pick, pack, ship, internal) rather than from outside (receipts).
func (s *scanSession) fromStock() bool { return s.h.SourceUsage == UsageInternal }

// takesQuants says whether lines of m take their units from reserved quants.
func (s *scanSession) takesQuants(m *scanMove) bool {
	return s.fromStock() && m.Type == ProductStorable
}

// room is how much more of m may be done: the rest of the demand, or
// without limit when the operation type allows extra.
func (s *scanSession) room(m *scanMove) decimal.Decimal {
	if s.h.AllowExtra {
		return decimal.NewFromInt(1_000_000)
	}
	return m.Demand.Sub(m.done)
}

func (s *scanSession) movesOf(variantID int64) []*scanMove {
	var out []*scanMove
	for _, m := range s.moves {
		if m.VariantID == variantID {
			out = append(out, m)
		}
	}
	return out
}

func (s *scanSession) lineByID(id int64) *scanLine {
	for _, l := range s.lines {
		if l.ID == id {
			return l
		}
	}
	return nil
}

// sourceTree returns the internal locations at or under the transfer's source.
func (s *scanSession) sourceTree(ctx context.Context) (map[int64]bool, error) {
	if s.subtree == nil {
		trees, err := internalSubtree(ctx, s.tx, []int64{s.h.LocationID})
		if err != nil {
			return nil, err
		}
		s.subtree = trees[s.h.LocationID]
		if s.subtree == nil {
			s.subtree = map[int64]bool{}
		}
	}
	return s.subtree, nil
}

// isHere says whether a line's location is the one the picker stands at,
// or under it (by name: the lines carry their location's full name).
func (s *scanSession) isHere(l *scanLine) bool {
	return s.h.HereName != "" && (l.LocationName == s.h.HereName || strings.HasPrefix(l.LocationName, s.h.HereName+"/"))
}

// placesUnder returns the source locations at or under loc: scanning a
// zone counts as standing at each of its shelves.
func (s *scanSession) placesUnder(ctx context.Context, loc int64) (map[int64]bool, error) {
	if s.here == nil {
		s.here = map[int64]map[int64]bool{}
	}
	if p, ok := s.here[loc]; ok {
		return p, nil
	}
	// One query for both trees when the source's is not known yet.
	roots := []int64{loc}
	if s.subtree == nil {
		roots = append(roots, s.h.LocationID)
	}
	trees, err := internalSubtree(ctx, s.tx, roots)
	if err != nil {
		return nil, err
	}
	if s.subtree == nil {
		s.subtree = trees[s.h.LocationID]
		if s.subtree == nil {
			s.subtree = map[int64]bool{}
		}
	}
	p := map[int64]bool{}
	for id := range trees[loc] {
		if s.subtree[id] {
			p[id] = true
		}
	}
	s.here[loc] = p
	return p, nil
}

// ScanInTransfer applies one scan to a transfer: a location (the place the
// picker stands), a product (EAN-13, UPC-A, Code128 text, SKU, or a GS1
// string that may carry the lot or serial and the quantity), a lot or serial
// number, a package (the whole package is done), or another transfer (its
// screen opens). Refused scans (product not in the transfer, location outside
// its source, more than the demand unless the operation type allows extra,
// a serial already scanned or not in stock, a lot of another product) come
// back with OK false and change nothing. It locks the transfer and its open
// lines, and the move and quants whose reservation it changes. ENOTFOUND when
// there is no such transfer.
func ScanInTransfer(ctx context.Context, db *bun.DB, pickingID int64, in ScanInput, actorID int64) (ScanResult, error) {
	keep := ScanResult{LocationID: in.LocationID, ProductID: in.ProductID}
	code := strings.TrimSpace(in.Code)
	switch {
	case code == "":
		keep.Message = "Scan or type a code."
		return keep, nil
	case len(code) > maxScanCode:
		keep.Message = "That code is too long to be a barcode."
		return keep, nil
	case in.Quantity.IsNegative() || in.Quantity.Exponent() < -4 || in.Quantity.GreaterThan(decimal.NewFromInt(1_000_000)):
		keep.Message = "The quantity must be a positive number with at most 4 decimals."
		return keep, nil
	}
	parsed, perr := ParseBarcode(code)
	if parsed.Raw == "" {
		parsed.Raw = code
	}
	var res ScanResult
	err := runStockTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		s, err := loadScanSession(ctx, tx, pickingID, actorID, in.LocationID)
		if err != nil {
			return err
		}
		res, err = s.scan(ctx, in, parsed, perr)
		return err
	})
	if msg, ok := refusalOf(err); ok {
		keep.Message = msg
		return keep, nil
	}
	if err != nil {
		return ScanResult{}, wrapErr(err, "scan")
	}
	return res, nil
}

func (s *scanSession) scan(ctx context.Context, in ScanInput, parsed ParsedBarcode, perr error) (ScanResult, error) {
	res := ScanResult{OK: true, LocationID: in.LocationID}
	qty := in.Quantity
	if qty.IsZero() {
		qty = decimal.NewFromInt(1)
	}
	// A pending product must be a tracked product of this transfer.
	pending := (*scanMove)(nil)
	if in.ProductID != 0 {
		if ms := s.movesOf(in.ProductID); len(ms) > 0 && ms[0].Tracking != TrackingNone {
			pending = ms[0]
		}
	}

	// GS1: product, lot or serial and quantity in one scan.
	if parsed.GS1 && parsed.GTIN != "" {
		if err := s.open(); err != nil {
			return res, err
		}
		matches, err := resolveScanCode(ctx, s.tx, "", GTINCandidates(parsed.GTIN))
		if err != nil {
			return res, err
		}
		v := pickProduct(s, matches)
		if v == nil {
			return res, refuse("No product has the GTIN %s.", parsed.GTIN)
		}
		if parsed.Quantity != nil {
			qty = *parsed.Quantity
		}
		lot := parsed.Serial
		if lot == "" {
			lot = parsed.Lot
		}
		return s.product(ctx, res, v.VariantID, v.Label, lot, qty)
	}

	var gtins []string
	if parsed.GTIN != "" {
		gtins = GTINCandidates(parsed.GTIN)
	}
	matches, err := resolveScanCode(ctx, s.tx, parsed.Raw, gtins)
	if err != nil {
		return res, err
	}
	byKind := map[string][]scanMatch{}
	for _, m := range matches {
		byKind[m.Kind] = append(byKind[m.Kind], m)
	}

	// Another transfer: open its screen.
	if t := byKind["transfer"]; len(t) > 0 {
		res.Kind = "transfer"
		if t[0].ID == s.h.ID {
			res.Message = "This is " + s.h.Name + "."
			return res, nil
		}
		res.Message, res.URL = "Opening "+t[0].Label+".", fmt.Sprintf("/scan/transfers/%d", t[0].ID)
		return res, nil
	}
	if err := s.open(); err != nil {
		return res, err
	}
	if p := byKind["package"]; len(p) > 0 {
		return s.pkg(ctx, res, p[0])
	}
	if l := byKind["location"]; len(l) > 0 {
		return s.location(ctx, res, l[0])
	}
	if v := pickProduct(s, byKind["product"]); v != nil {
		return s.product(ctx, res, v.VariantID, v.Label, "", qty)
	}
	if lots := byKind["lot"]; len(lots) > 0 {
		// The pending product's own lot first, then a lot of a product of
		// this transfer.
		if pending != nil {
			for _, l := range lots {
				if l.VariantID == pending.VariantID {
					return s.product(ctx, res, pending.VariantID, pending.label(), l.Label, qty)
				}
			}
			if !s.fromStock() {
				// At reception the name is new for this product.
				return s.product(ctx, res, pending.VariantID, pending.label(), parsed.Raw, qty)
			}
		}
		for _, l := range lots {
			if ms := s.movesOf(l.VariantID); len(ms) > 0 {
				return s.product(ctx, res, l.VariantID, ms[0].label(), l.Label, qty)
			}
		}
		if pending != nil {
			return res, refuse("Lot %s belongs to %s, not to %s.", lots[0].Label, lots[0].Owner, pending.label())
		}
		return res, refuse("Lot %s is of %s, which is not in this transfer.", lots[0].Label, lots[0].Owner)
	}
	if o := byKind["operation"]; len(o) > 0 {
		res.Kind, res.Message, res.URL = "operation", "Opening "+o[0].Label+".", fmt.Sprintf("/scan/types/%d", o[0].ID)
		return res, nil
	}
	if pending != nil {
		if !s.fromStock() {
			return s.product(ctx, res, pending.VariantID, pending.label(), parsed.Raw, qty)
		}
		return res, refuse("%s %s of %s is not in stock in %s.", trackingWord(pending.Tracking), parsed.Raw, pending.label(), s.h.SourceName)
	}
	if perr != nil {
		return res, refuse("%s", ErrorMessage(perr))
	}
	return res, refuse("Unknown barcode %q: no product, location, package or lot of this warehouse has it.", parsed.Raw)
}

// pickProduct chooses among product matches the one in the transfer (or the
// first one).
func pickProduct(s *scanSession, matches []scanMatch) *scanMatch {
	var first *scanMatch
	for i := range matches {
		m := &matches[i]
		if m.Kind != "product" {
			continue
		}
		if len(s.movesOf(m.VariantID)) > 0 {
			return m
		}
		if first == nil {
			first = m
		}
	}
	return first
}

func trackingWord(tracking string) string {
	if tracking == TrackingSerial {
		return "Serial"
	}
	return "Lot"
}

// location makes a location the current one: it must be inside the transfer's source.
func (s *scanSession) location(ctx context.Context, res ScanResult, loc scanMatch) (ScanResult, error) {
	res.Kind = "location"
	if !s.fromStock() {
		return res, refuse("%s: the goods of this receipt come from %s. Scan the products.", loc.Label, s.h.SourceName)
	}
	here, err := s.placesUnder(ctx, loc.ID) // also loads the source's tree
	if err != nil {
		return res, err
	}
	if !s.subtree[loc.ID] {
		return res, refuse("%s is outside %s, where this transfer takes goods from.", loc.Label, s.h.SourceName)
	}
	res.LocationID, res.LocationName, res.ProductID = loc.ID, loc.Label, 0
	n := 0
	for _, l := range s.lines {
		if here[l.LocationID] && l.Done.LessThan(l.Reserved) && l.ResultPackageID == nil {
			n++
		}
	}
	res.Message = loc.Label
	switch n {
	case 0:
		res.Detail = "Nothing left to take here."
	case 1:
		res.Detail = "1 line to take here."
	default:
		res.Detail = fmt.Sprintf("%d lines to take here.", n)
	}
	return res, nil
}

// product counts qty units of a variant (of lot when given) on the transfer.
func (s *scanSession) product(ctx context.Context, res ScanResult, variantID int64, label, lot string, qty decimal.Decimal) (ScanResult, error) {
	res.Kind = "product"
	moves := s.movesOf(variantID)
	if len(moves) == 0 {
		return res, refuse("%s is not in this transfer.", label)
	}
	m := moves[0]
	lot = strings.TrimSpace(lot)
	if len(lot) > 100 {
		return res, refuse("That lot or serial number is too long.")
	}
	switch {
	case m.Tracking == TrackingSerial && lot == "":
		res.Prompt, res.ProductID = true, variantID
		res.Message = "Scan the serial number of " + m.label() + "."
		return res, nil
	case m.Tracking == TrackingLot && lot == "" && !s.fromStock():
		res.Prompt, res.ProductID = true, variantID
		res.Message = "Scan the lot number of " + m.label() + "."
		return res, nil
	case m.Tracking == TrackingSerial && !qty.Equal(decimal.NewFromInt(1)):
		return res, refuse("A serial number is one unit.")
	case m.Tracking == TrackingNone:
		lot = "" // a GS1 lot on a product without lots
	}
	if m.Tracking != TrackingNone {
		res.Kind = "lot"
		res.ProductID = variantID // the next scan may be another serial of it
	}
	var line *scanLine
	var err error
	if s.takesQuants(m) {
		line, err = s.countFromStock(ctx, moves, lot, qty, res.LocationID)
	} else {
		line, err = s.countFree(ctx, moves, lot, qty)
	}
	if err != nil {
		return res, err
	}
	lm := s.moveByID[line.MoveID]
	res.LineID = line.ID
	res.Message = fmt.Sprintf("%s: %s / %s", lm.Product, lm.done, lm.Demand)
	var detail []string
	if s.fromStock() {
		detail = append(detail, line.LocationName)
	}
	if line.LotName != "" {
		detail = append(detail, trackingWord(lm.Tracking)+" "+line.LotName)
	}
	if !lm.done.LessThan(lm.Demand) {
		detail = append(detail, "complete")
	}
	res.Detail = strings.Join(detail, " · ")
	return res, nil
}

// scanMatch is something a scanned code stands for.
type scanMatch struct {
	Kind      string `bun:"kind"` // package | location | product | lot | transfer | operation
	ID        int64  `bun:"id"`
	VariantID int64  `bun:"variant_id"`
	Label     string `bun:"label"`
	Owner     string `bun:"owner"` // lots: their product
}

// resolveScanCode finds, in one query, everything carrying code: packages,
// locations (barcode or full name), products (SKU or barcode, or one of the
// GTIN forms given), lots and serial numbers, transfers and operation types.
func resolveScanCode(ctx context.Context, db bun.IDB, code string, gtins []string) ([]scanMatch, error) {
	barcodes := append([]string{code}, gtins...)
	var out []scanMatch
	err := db.NewRaw(`
		SELECT 'package' AS kind, id, 0 AS variant_id, name AS label, '' AS owner FROM stock_packages WHERE name = ?0
		UNION ALL
		SELECT 'location', id, 0, complete_name, '' FROM stock_locations WHERE active AND (barcode = ?0 OR complete_name = ?0)
		UNION ALL
		SELECT 'product', v.id, v.id, pt.name || ' (' || v.sku || ')', '' FROM product_variants v
			JOIN product_templates pt ON pt.id = v.template_id WHERE v.sku = ?0 OR v.barcode IN (?1)
		UNION ALL
		SELECT 'lot', lot.id, lot.variant_id, lot.name, pt.name || ' (' || v.sku || ')' FROM stock_lots lot
			JOIN product_variants v ON v.id = lot.variant_id JOIN product_templates pt ON pt.id = v.template_id WHERE lot.name = ?0
		UNION ALL
		SELECT 'transfer', id, 0, name, '' FROM stock_pickings WHERE name = ?0 OR name = upper(?0)
		UNION ALL
		SELECT 'operation', pty.id, 0, pty.name || ' (' || w.code || ')', '' FROM picking_types pty
			JOIN warehouses w ON w.id = pty.warehouse_id WHERE pty.active AND pty.barcode = ?0`,
		code, bun.In(barcodes)).Scan(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("models: resolve scan code: %w", err)
	}
	return out, nil
}
