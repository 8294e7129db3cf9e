package models

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"
)

// The other handheld actions on a transfer: a line's quantity, validation
// with what was scanned, the tracking number, and the home screen's lookup.

// LineAction changes the done quantity of one line from the handheld.
type LineAction struct {
	Action   string // set | all | minus | plus | clear
	Quantity string // for set
}

// SetLineDone changes the quantity done on one open line of the transfer:
// a typed quantity, all that is left, one less or one more, or none. The
// same rules as scans apply (within the demand unless the operation type
// allows extra, within what the source holds, a serial is one unit, a lot or
// serial must be known first); refusals come back with OK false and change
// nothing. It locks the transfer and its open lines, and the move and quant
// whose reservation it changes.
func SetLineDone(ctx context.Context, db *bun.DB, pickingID, lineID int64, a LineAction, actorID int64) (ScanResult, error) {
	var res ScanResult
	err := runStockTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		s, err := loadScanSession(ctx, tx, pickingID, actorID, 0)
		if err != nil {
			return err
		}
		if err := s.open(); err != nil {
			return err
		}
		res, err = s.setLine(ctx, lineID, a)
		return err
	})
	if msg, ok := refusalOf(err); ok {
		return ScanResult{Message: msg, Kind: "line", LineID: lineID}, nil
	}
	if err != nil {
		return ScanResult{}, wrapErr(err, "set line done")
	}
	return res, nil
}

func (s *scanSession) setLine(ctx context.Context, lineID int64, a LineAction) (ScanResult, error) {
	res := ScanResult{OK: true, Kind: "line", LineID: lineID}
	l := s.lineByID(lineID)
	if l == nil {
		return res, refuse("This line is no longer open on %s.", s.h.Name)
	}
	m := s.moveByID[l.MoveID]
	one := decimal.NewFromInt(1)
	var target decimal.Decimal
	switch a.Action {
	case "minus":
		target = decimal.Max(decimal.Zero, l.Done.Sub(one))
	case "plus":
		target = l.Done.Add(one)
	case "clear":
		target = decimal.Zero
	case "all":
		room := m.Demand.Sub(m.done) // "all" is the demand, even when extra is allowed
		target = l.Done.Add(decimal.Max(decimal.Zero, room))
		if s.takesQuants(m) {
			target = decimal.Min(target, decimal.Max(l.Reserved, l.Done))
		}
		if m.Tracking == TrackingSerial {
			target = decimal.Min(target, one)
		}
		if !target.GreaterThan(l.Done) {
			return res, refuse("Nothing more to do on this line: %s / %s of %s.", m.done, m.Demand, m.Product)
		}
	case "set":
		q, err := decimal.NewFromString(strings.TrimSpace(a.Quantity))
		switch {
		case err != nil:
			return res, refuse("Enter a number.")
		case q.IsNegative() || q.Exponent() < -4 || q.GreaterThan(decimal.NewFromInt(1_000_000)):
			return res, refuse("Enter a quantity of zero or more, with at most 4 decimals.")
		}
		target = q
	default:
		return res, refuse("Unknown action.")
	}
	if target.Equal(l.Done) {
		res.Message = fmt.Sprintf("%s: %s / %s", m.Product, m.done, m.Demand)
		return res, nil
	}
	switch {
	case l.ResultPackageID != nil:
		return res, refuse("This line is packed: its quantity cannot change any more.")
	case m.Tracking == TrackingSerial && target.GreaterThan(one):
		return res, refuse("A serial number is one unit.")
	case m.Tracking != TrackingNone && target.IsPositive() && l.LotID == nil && l.LotName == "":
		return res, refuse("Scan the %s number of %s first.", strings.ToLower(trackingWord(m.Tracking)), m.label())
	}
	delta := target.Sub(l.Done)
	if delta.IsPositive() {
		if delta.GreaterThan(s.room(m)) {
			return res, s.overDemand([]*scanMove{m})
		}
		if s.takesQuants(m) && target.GreaterThan(l.Reserved) {
			more := target.Sub(l.Reserved)
			if m.ProcureMethod != MakeToStock || l.PackageID != nil {
				return res, refuse("Only %s %s were brought here for this transfer.", l.Reserved, m.label())
			}
			if err := s.lockMove(ctx, m); err != nil {
				return res, err
			}
			r, err := s.tx.NewRaw(`UPDATE stock_quants SET reserved_quantity = reserved_quantity + ?
				WHERE variant_id = ? AND location_id = ? AND lot_id IS NOT DISTINCT FROM ? AND package_id IS NULL
					AND quantity - reserved_quantity >= ?`, more, l.VariantID, l.LocationID, l.LotID, more).Exec(ctx)
			if err != nil {
				return res, fmt.Errorf("models: scan: reserve more: %w", err)
			}
			if n, _ := r.RowsAffected(); n != 1 {
				return res, refuse("Only %s %s are reserved in %s and no more is free there.", l.Reserved, m.label(), l.LocationName)
			}
			l.Reserved = target
		}
	}
	if !target.IsPositive() && !s.fromStock() && l.LotID == nil {
		l.LotName, l.RawLotName = "", "" // the serial may be scanned again, on any line
	}
	if err := s.addDone(ctx, l, delta); err != nil {
		return res, err
	}
	if delta.IsPositive() {
		if err := s.releaseExcess(ctx, []*scanMove{m}, l); err != nil {
			return res, err
		}
	}
	res.Message = fmt.Sprintf("%s: %s / %s", m.Product, m.done, m.Demand)
	if l.LotName != "" {
		res.Detail = trackingWord(m.Tracking) + " " + l.LotName
	}
	return res, nil
}

// ScanValidation tells what ValidateScanned did.
type ScanValidation struct {
	Picking     *Picking
	AlreadyDone bool   // validated before: a retried request
	Backorder   string // the number of the backorder created, if any
	NextID      int64  // the next step of the chain, still to do (0: none)
	NextName    string
}

// ValidateScanned validates a transfer with the quantities scanned on its
// lines (ValidatePicking with Done built from quantity_done, in the same
// transaction, so a scan cannot slip in between). When the operation type
// allows extra, a move done beyond its demand first grows to what was done.
// Validating a done transfer again changes nothing and reports AlreadyDone
// (a Wi-Fi retry). BackorderNeeded(err) asks whether to create a backorder
// (backorder: BackorderCreate or BackorderCancel). It locks the transfer,
// its moves and lines and the quants concerned.
func ValidateScanned(ctx context.Context, db *bun.DB, pickingID int64, backorder string, actorID int64) (*ScanValidation, error) {
	var out *ScanValidation
	err := runStockTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		out = &ScanValidation{}
		pk, err := lockPicking(ctx, tx, pickingID)
		if err != nil {
			return err
		}
		if pk.State == StateDone {
			out.Picking, out.AlreadyDone = pk, true
			return nil
		}
		var lines []struct {
			ID   int64           `bun:"id"`
			Done decimal.Decimal `bun:"quantity_done,type:numeric"`
		}
		if err := tx.NewRaw("SELECT id, quantity_done FROM stock_move_lines WHERE picking_id = ? AND state = 'open' ORDER BY id FOR UPDATE",
			pickingID).Scan(ctx, &lines); err != nil {
			return fmt.Errorf("models: validate scanned: lines: %w", err)
		}
		done := make(map[int64]decimal.Decimal, len(lines))
		for _, l := range lines {
			done[l.ID] = l.Done
		}
		var allowExtra bool
		if err := tx.NewRaw("SELECT allow_extra FROM picking_types WHERE id = ?", pk.PickingTypeID).Scan(ctx, &allowExtra); err != nil {
			return err
		}
		if allowExtra {
			_, err := tx.NewRaw(`UPDATE stock_moves m SET demand = d.done, updated_at = now()
				FROM (SELECT move_id, sum(quantity_done) AS done FROM stock_move_lines
					WHERE picking_id = ? AND state = 'open' GROUP BY move_id) d
				WHERE m.id = d.move_id AND m.state NOT IN ('done', 'cancel') AND d.done > m.demand`, pickingID).Exec(ctx)
			if err != nil {
				return fmt.Errorf("models: validate scanned: extra: %w", err)
			}
		}
		out.Picking, err = validatePicking(ctx, tx, pickingID, ValidateInput{Done: done, Backorder: backorder}, actorID)
		if err != nil {
			return err
		}
		if err := tx.NewRaw("SELECT coalesce(max(name), '') FROM stock_pickings WHERE backorder_id = ?", pickingID).Scan(ctx, &out.Backorder); err != nil {
			return err
		}
		var next []struct {
			ID   int64  `bun:"id"`
			Name string `bun:"name"`
		}
		err = tx.NewRaw(`SELECT DISTINCT p.id, p.name FROM stock_moves cur
			JOIN stock_moves n ON n.id = cur.move_dest_id JOIN stock_pickings p ON p.id = n.picking_id
			WHERE cur.picking_id = ? AND p.state NOT IN ('done', 'cancel') ORDER BY p.id LIMIT 1`, pickingID).Scan(ctx, &next)
		if err != nil {
			return err
		}
		if len(next) > 0 {
			out.NextID, out.NextName = next[0].ID, next[0].Name
		}
		return nil
	})
	if err != nil {
		return nil, wrapErr(err, "validate scanned")
	}
	return out, nil
}

// maxTrackingRef is the longest carrier tracking number accepted.
const maxTrackingRef = 64

// SetTrackingRef stores the carrier's tracking number on a delivery order
// (scanned or typed on the ship step, before or after validation) and
// records it in the transfer's history. Letters, digits and - _ . / are
// accepted; an empty ref removes it. EINVALID (field carrier_tracking_ref)
// for a bad number or a transfer that is not a delivery, ECONFLICT for a
// cancelled one. It locks the transfer.
func SetTrackingRef(ctx context.Context, db *bun.DB, pickingID int64, ref string, actorID int64) (*Picking, error) {
	ref = strings.TrimSpace(ref)
	p := Problems{}
	switch {
	case utf8.RuneCountInString(ref) > maxTrackingRef:
		p.Add("carrier_tracking_ref", fmt.Sprintf("Use at most %d characters.", maxTrackingRef))
	case strings.IndexFunc(ref, func(r rune) bool { return !trackingRune(r) }) >= 0:
		p.Add("carrier_tracking_ref", "Use letters, digits and - _ . / only.")
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	var pk *Picking
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		pk, err = lockPicking(ctx, tx, pickingID)
		if err != nil {
			return err
		}
		switch {
		case pk.PickingType.Kind != KindDelivery:
			return fieldError("carrier_tracking_ref", "Tracking numbers go on delivery orders.")
		case pk.State == StateCancel:
			return Errorf(ECONFLICT, "%s is cancelled.", pk.Name)
		case pk.CarrierTrackingRef == ref:
			return nil
		}
		if _, err := tx.NewRaw("UPDATE stock_pickings SET carrier_tracking_ref = ?, updated_at = now() WHERE id = ?", ref, pk.ID).Exec(ctx); err != nil {
			return err
		}
		pk.CarrierTrackingRef = ref
		msg := "Tracking number set to " + ref + "."
		if ref == "" {
			msg = "Tracking number removed."
		}
		return RecordHistory(ctx, tx, "picking", pk.ID, actorID, msg)
	})
	if err != nil {
		return nil, wrapErr(err, "set tracking number")
	}
	return pk, nil
}

func trackingRune(r rune) bool {
	return (r >= 'A' && r <= 'Z') || (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '-' || r == '_' || r == '.' || r == '/'
}

// ScanLookup is where a code scanned on the handheld home screen leads.
type ScanLookup struct {
	Kind    string
	Message string
	URL     string // the screen to open; "" when the message is all there is
}

// LookupScanCode finds what a code scanned on the handheld home screen is
// and which screen to open: a transfer (its screen), an operation type (its
// transfers), a package (the transfer moving it, else what it holds and
// where), a location (the transfers with work in it), a product or a lot
// (the ready transfers needing the product). EINVALID for an empty or
// oversized code or a malformed GS1 string, ENOTFOUND when nothing carries it.
func LookupScanCode(ctx context.Context, db bun.IDB, code string) (ScanLookup, error) {
	code = strings.TrimSpace(code)
	switch {
	case code == "":
		return ScanLookup{}, fieldError("code", "Scan or type a code.")
	case len(code) > maxScanCode:
		return ScanLookup{}, fieldError("code", "That code is too long to be a barcode.")
	}
	parsed, perr := ParseBarcode(code)
	if parsed.Raw == "" {
		parsed.Raw = code
	}
	var gtins []string
	if parsed.GTIN != "" {
		gtins = GTINCandidates(parsed.GTIN)
	}
	raw := parsed.Raw
	if parsed.GS1 {
		raw = "" // only the GTIN is looked up
	}
	matches, err := resolveScanCode(ctx, db, raw, gtins)
	if err != nil {
		return ScanLookup{}, err
	}
	first := map[string]*scanMatch{}
	for i := range matches {
		if first[matches[i].Kind] == nil {
			first[matches[i].Kind] = &matches[i]
		}
	}
	if m := first["transfer"]; m != nil {
		return ScanLookup{Kind: "transfer", Message: m.Label, URL: fmt.Sprintf("/scan/transfers/%d", m.ID)}, nil
	}
	if m := first["operation"]; m != nil {
		return ScanLookup{Kind: "operation", Message: m.Label, URL: fmt.Sprintf("/scan/types/%d", m.ID)}, nil
	}
	if m := first["package"]; m != nil {
		return lookupPackage(ctx, db, m)
	}
	if m := first["location"]; m != nil {
		return ScanLookup{Kind: "location", Message: m.Label, URL: fmt.Sprintf("/scan/transfers?location=%d", m.ID)}, nil
	}
	if m := first["product"]; m != nil {
		return ScanLookup{Kind: "product", Message: m.Label, URL: fmt.Sprintf("/scan/transfers?product=%d", m.VariantID)}, nil
	}
	if m := first["lot"]; m != nil {
		return ScanLookup{Kind: "lot", Message: m.Label + " · " + m.Owner, URL: fmt.Sprintf("/scan/transfers?product=%d", m.VariantID)}, nil
	}
	if perr != nil {
		return ScanLookup{}, perr
	}
	return ScanLookup{}, Errorf(ENOTFOUND, "Nothing in the warehouse has the code %q.", code)
}
