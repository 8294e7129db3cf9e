package models

import (
	"context"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"
)

// The handheld inventory count: scan a location, then what is there (each
// scan counts one, or the quantity of a GS1 code), correct the quantities,
// and apply the count. The count in progress is a plain value the caller
// keeps between requests (the handheld keeps it in the session); the
// operations here return a new value and leave the given one unchanged when
// they refuse a scan.

// ScanCount is a handheld count in progress.
type ScanCount struct {
	LocationID   int64           `json:"location_id"`
	LocationName string          `json:"location_name"`
	Lines        []ScanCountLine `json:"lines"`
	// Pending is a lot- or serial-tracked product scanned without its lot:
	// the next scan is its lot or serial number.
	Pending *ScanCountProduct `json:"pending,omitempty"`
	Last    int               `json:"last"` // index of the line the last scan counted, -1 for none
}

// ScanCountProduct is a product as the count screen shows it.
type ScanCountProduct struct {
	VariantID int64  `json:"variant_id" bun:"variant_id"`
	Product   string `json:"product" bun:"product"`
	SKU       string `json:"sku" bun:"sku"`
	Type      string `json:"type" bun:"type"`
	Tracking  string `json:"tracking" bun:"tracking"`
}

// ScanCountLine is one product (lot) counted.
type ScanCountLine struct {
	ScanCountProduct
	LotName string          `json:"lot"`
	Counted decimal.Decimal `json:"counted"`
}

// Serial reports whether the line is a serial number (counted 0 or 1).
func (l ScanCountLine) Serial() bool { return l.Tracking == TrackingSerial }

// MaxScanCountLines caps the lines of one handheld count.
const MaxScanCountLines = 500

func countRefused(format string, args ...any) error {
	return fieldError("code", fmt.Sprintf(format, args...))
}

// ScanCountResult is what one scan did, for the feedback.
type ScanCountResult struct {
	Count   ScanCount
	Message string
	Prompt  bool // the scan was understood and asks for the next one (the lot of a product)
}

// CountScanCode applies one scanned code to a count: without a location
// yet, the code must be an internal location (barcode or full name); then a
// product (barcode, SKU, GS1 GTIN with its AI 10/21 lot and AI 30/37
// quantity) counts one more (or the GS1 quantity), a lot or serial number
// counts one of its product, and a lot- or serial-tracked product scanned
// alone asks for its lot. Another location starts a new count when nothing
// is counted yet. A code nothing carries, a lot of another product than the
// one waiting for its lot, a serial counted twice and a product that is not
// stored are refused (EINVALID on "code") and the count is unchanged.
func CountScanCode(ctx context.Context, db bun.IDB, c ScanCount, code string) (ScanCountResult, error) {
	code = strings.TrimSpace(code)
	switch {
	case code == "":
		return ScanCountResult{}, countRefused("Scan or type a code.")
	case len(code) > 200:
		return ScanCountResult{}, countRefused("That code is too long to be a barcode.")
	}
	parsed, err := ParseBarcode(code)
	if err != nil {
		return ScanCountResult{}, err
	}
	c = c.clone()
	if c.LocationID == 0 {
		loc, err := countLocation(ctx, db, parsed.Raw)
		if err != nil {
			return ScanCountResult{}, err
		}
		if loc == nil {
			return ScanCountResult{}, countRefused("%q is not a location: scan the location to count first.", parsed.Raw)
		}
		c = ScanCount{LocationID: loc.ID, LocationName: loc.CompleteName, Last: -1}
		return ScanCountResult{Count: c, Message: "Counting " + loc.CompleteName + ". Scan the products there."}, nil
	}

	qty := decimal.NewFromInt(1)
	if parsed.Quantity != nil {
		qty = *parsed.Quantity
	}
	if parsed.GS1 {
		if parsed.GTIN == "" {
			return ScanCountResult{}, countRefused("This GS1 code names no product (no GTIN).")
		}
		prods, err := countProducts(ctx, db, "", GTINCandidates(parsed.GTIN))
		if err != nil {
			return ScanCountResult{}, err
		}
		if len(prods) == 0 {
			return ScanCountResult{}, countRefused("No product has the GTIN %s.", parsed.GTIN)
		}
		lot := parsed.Lot
		if parsed.Serial != "" {
			lot = parsed.Serial
		}
		return c.addProduct(ctx, db, prods[0], lot, qty)
	}

	raw := parsed.Raw
	var gtins []string
	if parsed.GTIN != "" {
		gtins = GTINCandidates(parsed.GTIN)
	}
	prods, err := countProducts(ctx, db, raw, gtins)
	if err != nil {
		return ScanCountResult{}, err
	}
	if len(prods) > 0 {
		return c.addProduct(ctx, db, prods[0], "", qty)
	}
	lots, err := countLots(ctx, db, raw)
	if err != nil {
		return ScanCountResult{}, err
	}
	if len(lots) > 0 {
		prod := lots[0]
		if c.Pending != nil {
			found := false
			for _, l := range lots {
				if l.VariantID == c.Pending.VariantID {
					prod, found = l, true
				}
			}
			if !found {
				return ScanCountResult{}, countRefused("%s is a lot of %s, not of %s.", raw, lots[0].Product, c.Pending.Product)
			}
		} else if len(lots) > 1 {
			return ScanCountResult{}, countRefused("Several products have the lot %s: scan the product first, then the lot.", raw)
		}
		return c.addProduct(ctx, db, prod, raw, qty)
	}
	loc, err := countLocation(ctx, db, raw)
	if err != nil {
		return ScanCountResult{}, err
	}
	if loc != nil {
		switch {
		case loc.ID == c.LocationID:
			return ScanCountResult{Count: c, Message: "You are counting " + loc.CompleteName + "."}, nil
		case len(c.Lines) > 0:
			return ScanCountResult{}, countRefused("Apply or discard the count of %s before counting %s.", c.LocationName, loc.CompleteName)
		}
		c = ScanCount{LocationID: loc.ID, LocationName: loc.CompleteName, Last: -1}
		return ScanCountResult{Count: c, Message: "Counting " + loc.CompleteName + ". Scan the products there."}, nil
	}
	if c.Pending != nil {
		// A lot not recorded yet, found on the shelf.
		if msg := lotNameProblem(raw); msg != "" {
			return ScanCountResult{}, countRefused("%s", msg)
		}
		return c.addProduct(ctx, db, *c.Pending, raw, qty)
	}
	return ScanCountResult{}, countRefused("Nothing has the code %q: it is not a product, lot or location.", raw)
}

func lotNameProblem(s string) string {
	if len(s) > 64 {
		return "A lot or serial number has at most 64 characters."
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return "That lot or serial number holds characters that cannot be printed."
		}
	}
	return ""
}

func (c ScanCount) clone() ScanCount {
	c.Lines = append([]ScanCountLine(nil), c.Lines...)
	if c.Pending != nil {
		p := *c.Pending
		c.Pending = &p
	}
	return c
}

// addProduct counts qty more of a product (lot) or asks for its lot.
func (c ScanCount) addProduct(ctx context.Context, db bun.IDB, p ScanCountProduct, lot string, qty decimal.Decimal) (ScanCountResult, error) {
	if p.Type != ProductStorable {
		return ScanCountResult{}, countRefused("%s is not a stored product: it is not counted.", p.Product)
	}
	if p.Tracking == TrackingNone {
		lot = ""
	} else if lot == "" {
		c.Pending = &p
		word := "lot"
		if p.Tracking == TrackingSerial {
			word = "serial number"
		}
		return ScanCountResult{Count: c, Prompt: true, Message: fmt.Sprintf("Now scan the %s of %s.", word, p.Product)}, nil
	}
	idx := -1
	for i, l := range c.Lines {
		if l.VariantID == p.VariantID && l.LotName == lot {
			idx = i
		}
	}
	if idx < 0 {
		if len(c.Lines) >= MaxScanCountLines {
			return ScanCountResult{}, countRefused("A count holds at most %d lines: apply this one first.", MaxScanCountLines)
		}
		c.Lines = append(c.Lines, ScanCountLine{ScanCountProduct: p, LotName: lot})
		idx = len(c.Lines) - 1
	}
	l := &c.Lines[idx]
	next := l.Counted.Add(qty)
	if l.Serial() && next.GreaterThan(decimal.NewFromInt(1)) {
		return ScanCountResult{}, countRefused("The serial number %s of %s is already counted.", lot, p.Product)
	}
	if next.GreaterThan(decimal.NewFromInt(1_000_000)) {
		return ScanCountResult{}, countRefused("That is more than a million: check the quantity.")
	}
	l.Counted = next
	c.Pending, c.Last = nil, idx
	what := p.Product
	if lot != "" {
		what += " · " + lot
	}
	return ScanCountResult{Count: c, Message: fmt.Sprintf("%s: %s counted.", what, l.Counted)}, nil
}

// SetScanCountLine sets the counted quantity of line i (a number of zero or
// more, with at most 4 decimals; 0 or 1 for a serial number). EINVALID on
// the field "qty.<i>" otherwise.
func SetScanCountLine(c ScanCount, i int, qty string) (ScanCount, error) {
	if i < 0 || i >= len(c.Lines) {
		return c, Errorf(ENOTFOUND, "That line is no longer in the count.")
	}
	field := fmt.Sprintf("qty.%d", i)
	q, err := decimal.NewFromString(strings.TrimSpace(strings.ReplaceAll(qty, ",", ".")))
	switch {
	case err != nil || q.IsNegative():
		return c, fieldError(field, "Enter a quantity of zero or more.")
	case q.Exponent() < -4 || q.GreaterThan(decimal.NewFromInt(1_000_000)):
		return c, fieldError(field, "Use at most 4 decimals and less than a million.")
	case c.Lines[i].Serial() && q.GreaterThan(decimal.NewFromInt(1)):
		return c, fieldError(field, "A serial number counts 0 or 1.")
	}
	c = c.clone()
	c.Lines[i].Counted = q
	c.Last = i
	return c, nil
}

// RemoveScanCountLine takes line i out of the count (it is then not counted
// at all: its stock stays as it is).
func RemoveScanCountLine(c ScanCount, i int) ScanCount {
	if i < 0 || i >= len(c.Lines) {
		return c
	}
	c = c.clone()
	c.Lines = append(c.Lines[:i], c.Lines[i+1:]...)
	c.Last = -1
	return c
}

// ApplyScanCount applies a handheld count with ApplyInventoryCount: the
// on-hand quantity of each counted product (lot) in the location becomes
// what was counted; products not scanned are left as they are.
func ApplyScanCount(ctx context.Context, db *bun.DB, c ScanCount, actorID int64) (*CountResult, error) {
	if c.LocationID == 0 {
		return nil, fieldError("code", "Scan the location to count first.")
	}
	if len(c.Lines) == 0 {
		return nil, fieldError("code", "Scan at least one product before applying the count.")
	}
	in := CountInput{LocationID: c.LocationID}
	for _, l := range c.Lines {
		in.Lines = append(in.Lines, CountLine{VariantID: l.VariantID, LotName: l.LotName, Counted: l.Counted})
	}
	res, err := ApplyInventoryCount(ctx, db, in, actorID)
	if ErrorCode(err) == EINVALID {
		// Name the line, not the form field of the office count form.
		msg := ErrorMessage(err)
		for k, v := range FieldErrors(err) {
			var i int
			if _, serr := fmt.Sscanf(k, "lines.%d.", &i); serr == nil && i >= 0 && i < len(c.Lines) {
				msg = c.Lines[i].Product + ": " + v
				break
			}
		}
		return nil, fieldError("code", msg)
	}
	return res, err
}

// countLocation finds the internal, active location with this barcode or
// full name (case-insensitive), or nil.
func countLocation(ctx context.Context, db bun.IDB, code string) (*Location, error) {
	var locs []Location
	err := db.NewSelect().Model(&locs).
		Where("sl.active AND sl.usage = ? AND (sl.barcode = ? OR lower(sl.complete_name) = lower(?))", UsageInternal, code, code).
		OrderExpr("sl.barcode = ? DESC, sl.id", code).Limit(1).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("models: count location: %w", err)
	}
	if len(locs) == 0 {
		return nil, nil
	}
	return &locs[0], nil
}

const countProductColumns = `v.id AS variant_id, pt.name || coalesce(' (' || vals.label || ')', '') AS product, v.sku,
	pt.type, pt.tracking`

// countProducts finds the active variants with this SKU (any case) or with
// one of these barcodes.
func countProducts(ctx context.Context, db bun.IDB, code string, barcodes []string) ([]ScanCountProduct, error) {
	if code != "" {
		barcodes = append(barcodes, code)
	}
	if len(barcodes) == 0 {
		return nil, nil
	}
	var out []ScanCountProduct
	err := db.NewRaw(`SELECT `+countProductColumns+` FROM product_variants v
		JOIN product_templates pt ON pt.id = v.template_id
		LEFT JOIN LATERAL (`+variantLabelSQL+`) vals ON true
		WHERE v.active AND (v.barcode IN (?) OR (? <> '' AND lower(v.sku) = lower(?)))
		ORDER BY v.barcode = ? DESC, v.id LIMIT 5`, bun.In(barcodes), code, code, code).Scan(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("models: count products: %w", err)
	}
	return out, nil
}

// countLots finds the products having a lot or serial number with this name.
func countLots(ctx context.Context, db bun.IDB, name string) ([]ScanCountProduct, error) {
	var out []ScanCountProduct
	err := db.NewRaw(`SELECT `+countProductColumns+` FROM stock_lots lot
		JOIN product_variants v ON v.id = lot.variant_id
		JOIN product_templates pt ON pt.id = v.template_id
		LEFT JOIN LATERAL (`+variantLabelSQL+`) vals ON true
		WHERE lot.name = ? ORDER BY v.id LIMIT 20`, name).Scan(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("models: count lots: %w", err)
	}
	return out, nil
}
