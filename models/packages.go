package models

import (
	"context"
	"fmt"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"
)

// Packages: "Put in pack" on a transfer puts what was done and not packed
// yet into a new package (PACK0000001). Its lines carry it as their result
// package, so validation stores the goods in the package at the destination
// and the next step of the chain takes them from it (its lines get
// package_id): scanning the package there does all of them at once.

// PutInPack puts the quantities done on the transfer and not packed yet
// into a new package and returns it. A line done in part is split first:
// the done part goes in the package, the rest stays to do. EINVALID when
// nothing is done and unpacked, ECONFLICT on a finished transfer. It locks
// the transfer and its open lines.
func PutInPack(ctx context.Context, db *bun.DB, pickingID, actorID int64) (*Package, error) {
	var pkg *Package
	err := runStockTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		s, err := loadScanSession(ctx, tx, pickingID, actorID, 0)
		if err != nil {
			return err
		}
		if s.h.State == StateDone || s.h.State == StateCancel {
			return Errorf(ECONFLICT, "%s is %s: nothing can be packed.", s.h.Name, s.h.State)
		}
		var packing []*scanLine
		for _, l := range s.lines {
			if l.Done.IsPositive() && l.ResultPackageID == nil {
				packing = append(packing, l)
			}
		}
		if len(packing) == 0 {
			return Errorf(EINVALID, "Nothing to put in a pack: scan the products first.")
		}
		pkg = new(Package)
		if err := tx.NewRaw(`INSERT INTO stock_packages (name) SELECT 'PACK' || lpad(n::text, greatest(7, length(n::text)), '0') FROM nextval('stock_package_seq') AS n
			RETURNING id, name, created_at`).Scan(ctx, pkg); err != nil {
			return fmt.Errorf("models: new package: %w", err)
		}
		units := decimal.Zero
		ids := make([]int64, 0, len(packing))
		for _, l := range packing {
			if rest := l.Reserved.Sub(l.Done); rest.IsPositive() {
				// The rest stays to do on a line of its own, on the same quant.
				_, err := tx.NewRaw(`INSERT INTO stock_move_lines (move_id, picking_id, variant_id, location_id, location_dest_id,
						lot_id, lot_name, package_id, reserved_quantity, quantity_done, state, date)
					SELECT move_id, picking_id, variant_id, location_id, location_dest_id, lot_id, lot_name, package_id, ?, 0, 'open', now()
					FROM stock_move_lines WHERE id = ?`, rest, l.ID).Exec(ctx)
				if err != nil {
					return fmt.Errorf("models: split line for packing: %w", err)
				}
				if _, err := tx.NewRaw("UPDATE stock_move_lines SET reserved_quantity = ? WHERE id = ?", l.Done, l.ID).Exec(ctx); err != nil {
					return err
				}
			}
			units = units.Add(l.Done)
			ids = append(ids, l.ID)
		}
		if _, err := tx.NewRaw("UPDATE stock_move_lines SET result_package_id = ? WHERE id IN (?)", pkg.ID, bun.In(ids)).Exec(ctx); err != nil {
			return fmt.Errorf("models: pack lines: %w", err)
		}
		return RecordHistory(ctx, tx, "picking", pickingID, actorID, fmt.Sprintf("Put %s units in package %s.", units, pkg.Name))
	})
	if err != nil {
		return nil, wrapErr(err, "put in pack")
	}
	return pkg, nil
}

// packageItem is one product (lot) in a package.
type packageItem struct {
	VariantID int64           `bun:"variant_id"`
	Product   string          `bun:"product_name"`
	SKU       string          `bun:"sku"`
	LotName   string          `bun:"lot_name"`
	Quantity  decimal.Decimal `bun:"quantity,type:numeric"`
}

// packageInfo is a package with where it is and what it holds: the stock
// in it, or, while it is being packed, the lines packing it.
type packageInfo struct {
	Package
	LocationName string // where its stock is, "" when none yet
	PickingID    int64  // the open transfer moving or packing it, 0 when none
	PickingName  string
	Contents     []packageItem
}

// getPackageInfo returns a package with its location, contents and the open
// transfer that moves or packs it. ENOTFOUND when there is no such package.
func getPackageInfo(ctx context.Context, db bun.IDB, id int64) (*packageInfo, error) {
	out := new(packageInfo)
	if err := db.NewSelect().Model(&out.Package).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, "The package")
	}
	err := db.NewRaw(`SELECT coalesce(max(l.complete_name), '') FROM stock_quants q JOIN stock_locations l ON l.id = q.location_id
		WHERE q.package_id = ? AND q.quantity > 0`, id).Scan(ctx, &out.LocationName)
	if err != nil {
		return nil, fmt.Errorf("models: package location: %w", err)
	}
	var pk []struct {
		ID   int64  `bun:"id"`
		Name string `bun:"name"`
	}
	err = db.NewRaw(`SELECT p.id, p.name FROM stock_move_lines l JOIN stock_pickings p ON p.id = l.picking_id
		WHERE (l.package_id = ?0 OR l.result_package_id = ?0) AND l.state = 'open' AND p.state NOT IN ('done', 'cancel')
		ORDER BY (l.package_id = ?0) DESC, p.id LIMIT 1`, id).Scan(ctx, &pk)
	if err != nil {
		return nil, fmt.Errorf("models: package transfer: %w", err)
	}
	if len(pk) > 0 {
		out.PickingID, out.PickingName = pk[0].ID, pk[0].Name
	}
	const product = `pt.name || coalesce(' (' || vals.label || ')', '') AS product_name, v.sku`
	err = db.NewRaw(`SELECT q.variant_id, `+product+`, coalesce(lot.name, '') AS lot_name, sum(q.quantity) AS quantity
		FROM stock_quants q
		JOIN product_variants v ON v.id = q.variant_id JOIN product_templates pt ON pt.id = v.template_id
		LEFT JOIN LATERAL (`+variantLabelSQL+`) vals ON true
		LEFT JOIN stock_lots lot ON lot.id = q.lot_id
		WHERE q.package_id = ? AND q.quantity > 0
		GROUP BY 1, 2, 3, 4 ORDER BY 2, 4`, id).Scan(ctx, &out.Contents)
	if err != nil {
		return nil, fmt.Errorf("models: package contents: %w", err)
	}
	if len(out.Contents) == 0 {
		err = db.NewRaw(`SELECT l.variant_id, `+product+`, coalesce(lot.name, l.lot_name) AS lot_name, sum(l.quantity_done) AS quantity
			FROM stock_move_lines l
			JOIN product_variants v ON v.id = l.variant_id JOIN product_templates pt ON pt.id = v.template_id
			LEFT JOIN LATERAL (`+variantLabelSQL+`) vals ON true
			LEFT JOIN stock_lots lot ON lot.id = l.lot_id
			WHERE l.result_package_id = ? AND l.state = 'open'
			GROUP BY 1, 2, 3, 4 ORDER BY 2, 4`, id).Scan(ctx, &out.Contents)
		if err != nil {
			return nil, fmt.Errorf("models: package contents: %w", err)
		}
	}
	return out, nil
}

// lookupPackage is where a package scanned on the handheld home leads: the
// open transfer moving or packing it, else what it holds and where.
func lookupPackage(ctx context.Context, db bun.IDB, m *scanMatch) (ScanLookup, error) {
	info, err := getPackageInfo(ctx, db, m.ID)
	if err != nil {
		return ScanLookup{}, err
	}
	if info.PickingID != 0 {
		return ScanLookup{Kind: "package", Message: info.Name + " · " + info.PickingName, URL: fmt.Sprintf("/scan/transfers/%d", info.PickingID)}, nil
	}
	msg := info.Name
	if info.LocationName != "" {
		units := decimal.Zero
		for _, c := range info.Contents {
			units = units.Add(c.Quantity)
		}
		msg += fmt.Sprintf(": %s units of %d products in %s.", units, len(info.Contents), info.LocationName)
	} else {
		msg += ": empty (delivered, or not packed yet)."
	}
	return ScanLookup{Kind: "package", Message: msg}, nil
}
