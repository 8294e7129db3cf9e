package models

import (
	"context"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"
)

// How a scan counts units on a transfer's lines: from reserved stock (pick,
// pack, ship), from outside (receipts, with the lots and serials typed at
// reception), or a whole package at once.

// overDemand is the refusal for a count beyond the demand.
func (s *scanSession) overDemand(moves []*scanMove) error {
	room := decimal.Zero
	for _, m := range moves {
		room = room.Add(decimal.Max(decimal.Zero, s.room(m)))
	}
	if !room.IsPositive() {
		total := decimal.Zero
		for _, m := range moves {
			total = total.Add(m.Demand)
		}
		return refuse("All %s × %s are already done.", total, moves[0].label())
	}
	return refuse("Only %s more %s needed.", room, moves[0].label())
}

// countFromStock counts units taken from reserved quants: on the lines at or
// under the current location (and of the lot), within their reservation;
// beyond it, it reserves free stock where the picker stands (a serial other
// than the one reserved, stock on another shelf) and gives back the
// reservation it replaces, so the move never holds more than it needs.
func (s *scanSession) countFromStock(ctx context.Context, moves []*scanMove, lotName string, qty decimal.Decimal, locID int64) (*scanLine, error) {
	m0 := moves[0]
	var lotID *int64
	if lotName != "" {
		id, err := s.lotOf(ctx, m0, lotName)
		if err != nil {
			return nil, err
		}
		lotID = &id
		if m0.Tracking == TrackingSerial {
			for _, l := range s.lines {
				if l.VariantID == m0.VariantID && l.LotID != nil && *l.LotID == id && l.Done.IsPositive() {
					return nil, refuse("Serial %s is already scanned in this transfer.", lotName)
				}
			}
		}
	}
	// Within the reservation first.
	rest := qty
	var planned []*scanLine
	var amounts []decimal.Decimal
	roomLeft := map[int64]decimal.Decimal{}
	for _, m := range moves {
		roomLeft[m.ID] = s.room(m)
	}
	for _, l := range s.lines {
		if !rest.IsPositive() {
			break
		}
		if l.VariantID != m0.VariantID || l.ResultPackageID != nil || (locID != 0 && !s.isHere(l)) {
			continue
		}
		if lotID != nil && (l.LotID == nil || *l.LotID != *lotID) {
			continue
		}
		if m0.Tracking == TrackingSerial && l.Done.IsPositive() {
			continue
		}
		take := decimal.Min(rest, l.Reserved.Sub(l.Done), roomLeft[l.MoveID])
		if !take.IsPositive() {
			continue
		}
		planned, amounts = append(planned, l), append(amounts, take)
		roomLeft[l.MoveID] = roomLeft[l.MoveID].Sub(take)
		rest = rest.Sub(take)
	}
	if rest.IsPositive() {
		// Beyond the reservation: more than the demand is refused first.
		total := decimal.Zero
		for _, m := range moves {
			total = total.Add(decimal.Max(decimal.Zero, roomLeft[m.ID]))
		}
		if total.LessThan(rest) {
			return nil, s.overDemand(moves)
		}
		if m0.Tracking == TrackingLot && lotID == nil {
			return nil, s.whereToTake(ctx, m0, nil, locID)
		}
		var target *scanMove
		for _, m := range moves {
			if m.ProcureMethod == MakeToStock && roomLeft[m.ID].GreaterThanOrEqual(rest) {
				target = m
				break
			}
		}
		if target == nil {
			// Chained steps take only what the previous step brought.
			return nil, s.whereToTake(ctx, m0, lotID, locID)
		}
		line, err := s.reserveMore(ctx, target, lotID, lotName, rest, locID)
		if err != nil {
			return nil, err
		}
		planned, amounts = append(planned, line), append(amounts, rest)
	}
	var last *scanLine
	for i, l := range planned {
		if err := s.addDone(ctx, l, amounts[i]); err != nil {
			return nil, err
		}
		last = l
	}
	if err := s.releaseExcess(ctx, moves, last); err != nil {
		return nil, err
	}
	return last, nil
}

// lotOf finds the lot of the move's product with this name, refusing a lot
// of another product or one that does not exist.
func (s *scanSession) lotOf(ctx context.Context, m *scanMove, name string) (int64, error) {
	var rows []struct {
		ID        int64  `bun:"id"`
		VariantID int64  `bun:"variant_id"`
		Owner     string `bun:"owner"`
	}
	err := s.tx.NewRaw(`SELECT lot.id, lot.variant_id, pt.name || ' (' || v.sku || ')' AS owner
		FROM stock_lots lot JOIN product_variants v ON v.id = lot.variant_id JOIN product_templates pt ON pt.id = v.template_id
		WHERE lot.name = ? ORDER BY (lot.variant_id = ?) DESC, lot.id`, name, m.VariantID).Scan(ctx, &rows)
	if err != nil {
		return 0, fmt.Errorf("models: scan: find lot: %w", err)
	}
	if len(rows) == 0 {
		return 0, refuse("%s %s of %s is not in stock in %s.", trackingWord(m.Tracking), name, m.label(), s.h.SourceName)
	}
	if rows[0].VariantID != m.VariantID {
		return 0, refuse("Lot %s belongs to %s, not to %s.", name, rows[0].Owner, m.label())
	}
	return rows[0].ID, nil
}

// whereToTake explains why nothing more can be taken where the picker is:
// the reserved units are elsewhere, or the serial is not free.
func (s *scanSession) whereToTake(ctx context.Context, m *scanMove, lotID *int64, locID int64) error {
	if lotID != nil && m.Tracking == TrackingSerial {
		return s.serialNotFree(ctx, m, *lotID, locID)
	}
	var places []string
	seen := map[string]bool{}
	for _, l := range s.lines {
		if l.VariantID == m.VariantID && l.ResultPackageID == nil && l.Done.LessThan(l.Reserved) && !seen[l.LocationName] {
			p := l.LocationName
			if l.LotName != "" {
				p += " (" + trackingWord(m.Tracking) + " " + l.LotName + ")"
			}
			seen[l.LocationName] = true
			places = append(places, p)
		}
	}
	if len(places) > 0 {
		return refuse("Take %s from %s.", m.label(), strings.Join(places, ", "))
	}
	if m.Tracking == TrackingLot && lotID == nil {
		return refuse("Scan the lot number of %s.", m.label())
	}
	where := s.h.SourceName
	if locID != 0 {
		where = s.locationName(ctx, locID)
	}
	return refuse("No free %s in %s.", m.label(), where)
}

func (s *scanSession) locationName(ctx context.Context, id int64) string {
	var name string
	if err := s.tx.NewRaw("SELECT complete_name FROM stock_locations WHERE id = ?", id).Scan(ctx, &name); err != nil {
		return "this location"
	}
	return name
}

// serialNotFree says where a serial number is, when it cannot be taken.
func (s *scanSession) serialNotFree(ctx context.Context, m *scanMove, lotID, locID int64) error {
	tree, err := s.sourceTree(ctx)
	if err != nil {
		return err
	}
	here := tree
	if locID != 0 {
		if here, err = s.placesUnder(ctx, locID); err != nil {
			return err
		}
	}
	var rows []struct {
		LocationID int64           `bun:"location_id"`
		Name       string          `bun:"name"`
		LotName    string          `bun:"lot_name"`
		Quantity   decimal.Decimal `bun:"quantity,type:numeric"`
		Reserved   decimal.Decimal `bun:"reserved_quantity,type:numeric"`
		InPackage  bool            `bun:"in_package"`
	}
	err = s.tx.NewRaw(`SELECT q.location_id, l.complete_name AS name, lot.name AS lot_name, q.quantity, q.reserved_quantity,
			q.package_id IS NOT NULL AS in_package
		FROM stock_quants q JOIN stock_locations l ON l.id = q.location_id JOIN stock_lots lot ON lot.id = q.lot_id
		WHERE q.lot_id = ? AND q.quantity > 0 AND l.usage = 'internal' ORDER BY l.complete_name`, lotID).Scan(ctx, &rows)
	if err != nil {
		return fmt.Errorf("models: scan: where is the serial: %w", err)
	}
	for _, r := range rows {
		if !tree[r.LocationID] {
			continue
		}
		switch {
		case !here[r.LocationID]:
			return refuse("Serial %s is in %s, not in %s.", r.LotName, r.Name, s.locationName(ctx, locID))
		case r.InPackage:
			return refuse("Serial %s is in a package in %s: scan the package.", r.LotName, r.Name)
		case !r.Reserved.LessThan(r.Quantity):
			return refuse("Serial %s is reserved for another transfer.", r.LotName)
		}
	}
	var name string
	_ = s.tx.NewRaw("SELECT name FROM stock_lots WHERE id = ?", lotID).Scan(ctx, &name)
	return refuse("Serial %s of %s is not in stock in %s.", name, m.label(), s.h.SourceName)
}

// reserveMore reserves qty more of the move's product (lot) from a free
// quant where the picker stands (or anywhere in the source when no location
// was scanned), and returns the line that holds it, with nothing done yet.
func (s *scanSession) reserveMore(ctx context.Context, m *scanMove, lotID *int64, lotName string, qty decimal.Decimal, locID int64) (*scanLine, error) {
	tree, err := s.sourceTree(ctx)
	if err != nil {
		return nil, err
	}
	locs := keysOf(tree)
	if locID != 0 {
		here, err := s.placesUnder(ctx, locID)
		if err != nil {
			return nil, err
		}
		locs = keysOf(here)
	}
	if len(locs) == 0 {
		return nil, s.whereToTake(ctx, m, lotID, locID)
	}
	if err := s.lockMove(ctx, m); err != nil {
		return nil, err
	}
	var quants []struct {
		ID         int64  `bun:"id"`
		LocationID int64  `bun:"location_id"`
		Name       string `bun:"name"`
	}
	err = s.tx.NewRaw(`SELECT q.id, q.location_id, l.complete_name AS name
		FROM stock_quants q JOIN stock_locations l ON l.id = q.location_id
		WHERE q.variant_id = ? AND q.lot_id IS NOT DISTINCT FROM ? AND q.package_id IS NULL
			AND q.location_id IN (?) AND q.quantity - q.reserved_quantity >= ?
		ORDER BY l.complete_name, q.id LIMIT 1 FOR UPDATE OF q`, m.VariantID, lotID, bun.In(locs), qty).Scan(ctx, &quants)
	if err != nil {
		return nil, fmt.Errorf("models: scan: free stock: %w", err)
	}
	if len(quants) == 0 {
		return nil, s.whereToTake(ctx, m, lotID, locID)
	}
	q := quants[0]
	if _, err := s.tx.NewRaw("UPDATE stock_quants SET reserved_quantity = reserved_quantity + ? WHERE id = ?", qty, q.ID).Exec(ctx); err != nil {
		if isCheckViolation(err, "stock_quants_reserved_within") {
			return nil, refuse("The stock changed meanwhile. Scan again.")
		}
		return nil, fmt.Errorf("models: scan: reserve: %w", err)
	}
	// The same place, lot and no package on an open line of the move: grow it.
	for _, l := range s.lines {
		if l.MoveID == m.ID && l.LocationID == q.LocationID && l.PackageID == nil && l.ResultPackageID == nil &&
			sameID(l.LotID, lotID) && (m.Tracking != TrackingSerial || l.Reserved.IsZero()) {
			l.Reserved = l.Reserved.Add(qty)
			return l, s.saveLine(ctx, l)
		}
	}
	var dest int64
	if err := s.tx.NewRaw("SELECT location_dest_id FROM stock_moves WHERE id = ?", m.ID).Scan(ctx, &dest); err != nil {
		return nil, err
	}
	ml := &MoveLine{MoveID: m.ID, PickingID: &s.h.ID, VariantID: m.VariantID, LocationID: q.LocationID, LocationDestID: dest,
		LotID: lotID, ReservedQuantity: qty, State: "open", Date: s.now}
	if _, err := s.tx.NewInsert().Model(ml).Returning("id").Exec(ctx); err != nil {
		return nil, fmt.Errorf("models: scan: new line: %w", err)
	}
	l := &scanLine{ID: ml.ID, MoveID: m.ID, VariantID: m.VariantID, LocationID: q.LocationID, LocationName: q.Name,
		LotID: lotID, LotName: lotName, Reserved: qty}
	s.lines = append(s.lines, l)
	return l, nil
}

func sameID(a, b *int64) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}

// releaseExcess gives back, on the moves' other lines, what is reserved
// beyond what the moves need once the picker took units elsewhere: the
// serial that was reserved when another one was scanned, the shelf that was
// not used.
func (s *scanSession) releaseExcess(ctx context.Context, moves []*scanMove, keep *scanLine) error {
	for _, m := range moves {
		if m.ProcureMethod != MakeToStock || !s.takesQuants(m) {
			continue
		}
		reserved := decimal.Zero
		for _, l := range s.lines {
			if l.MoveID == m.ID {
				reserved = reserved.Add(l.Reserved)
			}
		}
		excess := reserved.Sub(decimal.Max(m.Demand, m.done))
		for i := len(s.lines) - 1; i >= 0 && excess.IsPositive(); i-- {
			l := s.lines[i]
			if l.MoveID != m.ID || l == keep || l.ResultPackageID != nil {
				continue
			}
			free := l.Reserved.Sub(l.Done)
			if !free.IsPositive() {
				continue
			}
			give := decimal.Min(free, excess)
			r, err := s.tx.NewRaw(`UPDATE stock_quants SET reserved_quantity = reserved_quantity - ?
				WHERE variant_id = ? AND location_id = ? AND lot_id IS NOT DISTINCT FROM ? AND package_id IS NOT DISTINCT FROM ?`,
				give, l.VariantID, l.LocationID, l.LotID, l.PackageID).Exec(ctx)
			if err != nil {
				return fmt.Errorf("models: scan: release: %w", err)
			}
			if n, _ := r.RowsAffected(); n != 1 {
				return fmt.Errorf("models: scan: release line %d: %d quants", l.ID, n)
			}
			l.Reserved = l.Reserved.Sub(give)
			excess = excess.Sub(give)
			if l.Reserved.IsZero() && l.Done.IsZero() {
				if _, err := s.tx.NewRaw("DELETE FROM stock_move_lines WHERE id = ?", l.ID).Exec(ctx); err != nil {
					return err
				}
				s.lines = append(s.lines[:i], s.lines[i+1:]...)
			} else if _, err := s.tx.NewRaw("UPDATE stock_move_lines SET reserved_quantity = ? WHERE id = ?", l.Reserved, l.ID).Exec(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

// addDone counts qty more on a line, by the current user, now.
func (s *scanSession) addDone(ctx context.Context, l *scanLine, qty decimal.Decimal) error {
	l.Done = l.Done.Add(qty)
	s.moveByID[l.MoveID].done = s.moveByID[l.MoveID].done.Add(qty)
	return s.saveLine(ctx, l)
}

// saveLine writes a line's reservation, done quantity, typed lot name and
// result package, with the current user and time.
func (s *scanSession) saveLine(ctx context.Context, l *scanLine) error {
	var by *int64
	if l.Done.IsPositive() {
		by = nullableID(s.actorID)
	}
	_, err := s.tx.NewRaw(`UPDATE stock_move_lines SET reserved_quantity = ?, quantity_done = ?, lot_name = ?,
			result_package_id = ?, done_by = ?, date = ? WHERE id = ?`,
		l.Reserved, l.Done, l.RawLotName, l.ResultPackageID, by, s.now, l.ID).Exec(ctx)
	return wrapErr(err, "scan: save line")
}

// countFree counts units that come from outside stock (receipts, products
// not stored): within the demand, capturing the lot or serial name typed
// at reception on the line (one line per serial).
func (s *scanSession) countFree(ctx context.Context, moves []*scanMove, lotName string, qty decimal.Decimal) (*scanLine, error) {
	m0 := moves[0]
	var target *scanMove
	for _, m := range moves {
		if s.room(m).GreaterThanOrEqual(qty) {
			target = m
			break
		}
	}
	if target == nil {
		return nil, s.overDemand(moves)
	}
	if lotName != "" && m0.Tracking == TrackingSerial {
		for _, l := range s.lines {
			if l.VariantID == m0.VariantID && l.LotName == lotName && l.Done.IsPositive() {
				return nil, refuse("Serial %s is already scanned in this transfer.", lotName)
			}
		}
		var inStock bool
		err := s.tx.NewRaw(`SELECT EXISTS (SELECT 1 FROM stock_quants q JOIN stock_lots lot ON lot.id = q.lot_id
				JOIN stock_locations l ON l.id = q.location_id
				WHERE lot.variant_id = ? AND lot.name = ? AND q.quantity > 0 AND l.usage = 'internal')`, m0.VariantID, lotName).Scan(ctx, &inStock)
		if err != nil {
			return nil, fmt.Errorf("models: scan: serial in stock: %w", err)
		}
		if inStock && !s.fromStock() {
			return nil, refuse("Serial %s of %s is already in stock.", lotName, m0.label())
		}
	}
	var line *scanLine
	for _, pass := range []int{0, 1} {
		for _, l := range s.lines {
			if line != nil || l.VariantID != m0.VariantID || l.ResultPackageID != nil {
				continue
			}
			fits := s.room(s.moveByID[l.MoveID]).GreaterThanOrEqual(qty)
			switch {
			case m0.Tracking == TrackingNone:
				if fits {
					line = l
				}
			case pass == 0 && m0.Tracking == TrackingLot && l.LotName == lotName:
				if fits {
					line = l
				}
			case pass == 1 && fits && l.LotID == nil && l.Done.IsZero() && (l.RawLotName == "" || l.RawLotName == lotName):
				// A line without a lot yet takes this one.
				line = l
				line.LotName, line.RawLotName = lotName, lotName
			}
		}
	}
	if line == nil {
		var src, dest int64
		if err := s.tx.NewRaw("SELECT location_id, location_dest_id FROM stock_moves WHERE id = ?", target.ID).Scan(ctx, &src, &dest); err != nil {
			return nil, err
		}
		ml := &MoveLine{MoveID: target.ID, PickingID: &s.h.ID, VariantID: target.VariantID, LocationID: src, LocationDestID: dest,
			LotName: lotName, State: "open", Date: s.now}
		if _, err := s.tx.NewInsert().Model(ml).Returning("id").Exec(ctx); err != nil {
			return nil, fmt.Errorf("models: scan: new line: %w", err)
		}
		line = &scanLine{ID: ml.ID, MoveID: target.ID, VariantID: target.VariantID, LocationID: src, LotName: lotName, RawLotName: lotName}
		s.lines = append(s.lines, line)
	}
	if err := s.addDone(ctx, line, qty); err != nil {
		return nil, err
	}
	return line, nil
}

// pkg does every line of the transfer that takes goods from the package: the
// whole package moves on (its lines keep it as their result package).
func (s *scanSession) pkg(ctx context.Context, res ScanResult, p scanMatch) (ScanResult, error) {
	res.Kind = "package"
	var lines, packedHere []*scanLine
	for _, l := range s.lines {
		if l.PackageID != nil && *l.PackageID == p.ID {
			lines = append(lines, l)
		} else if l.ResultPackageID != nil && *l.ResultPackageID == p.ID {
			packedHere = append(packedHere, l)
		}
	}
	if len(lines) == 0 {
		if len(packedHere) > 0 {
			res.Message, res.Detail = p.Label, fmt.Sprintf("Packed in this transfer (%d lines).", len(packedHere))
			return res, nil
		}
		return res, refuse("Package %s is not in this transfer.", p.Label)
	}
	add := map[int64]decimal.Decimal{}
	left := false
	for _, l := range lines {
		if l.Done.LessThan(l.Reserved) || l.ResultPackageID == nil || *l.ResultPackageID != p.ID {
			left = true
		}
		add[l.MoveID] = add[l.MoveID].Add(l.Reserved.Sub(l.Done))
	}
	if !left {
		return res, refuse("Package %s is already done.", p.Label)
	}
	for moveID, q := range add {
		if m := s.moveByID[moveID]; q.GreaterThan(s.room(m)) {
			return res, refuse("Package %s holds more %s than this transfer needs.", p.Label, m.label())
		}
	}
	units := decimal.Zero
	for _, l := range lines {
		pid := p.ID
		l.ResultPackageID = &pid
		if err := s.addDone(ctx, l, l.Reserved.Sub(l.Done)); err != nil {
			return res, err
		}
		units = units.Add(l.Done)
		res.LineID = l.ID
	}
	res.Message = "Package " + p.Label
	res.Detail = fmt.Sprintf("%s units on %d lines done.", units, len(lines))
	res.ProductID = 0
	return res, nil
}
