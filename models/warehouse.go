package models

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/uptrace/bun"
)

var warehouseCode = regexp.MustCompile(`^[A-Z0-9]{1,8}$`)

// WarehouseInput is the editable part of a warehouse.
type WarehouseInput struct {
	Name          string
	Code          string // only on creation
	DeliverySteps int
}

func validateWarehouse(p Problems, in *WarehouseInput, creating bool) {
	in.Name = strings.TrimSpace(in.Name)
	in.Code = strings.ToUpper(strings.TrimSpace(in.Code))
	validateName(p, "name", in.Name)
	if creating && !warehouseCode.MatchString(in.Code) {
		p.Add("code", "Use 1 to 8 capital letters or digits, like WH.")
	}
	if in.DeliverySteps < 1 || in.DeliverySteps > 3 {
		p.Add("delivery_steps", "Choose 1, 2 or 3 steps.")
	}
}

// CreateWarehouse creates a warehouse with its locations (view, Stock,
// Packing Zone, Output) and its operation types (Receipts, Delivery Orders,
// Pick, Pack, Internal Transfers) with their sequences and barcodes.
func CreateWarehouse(ctx context.Context, db *bun.DB, in WarehouseInput, actorID int64) (*Warehouse, error) {
	p := Problems{}
	validateWarehouse(p, &in, true)
	if err := p.Err(); err != nil {
		return nil, err
	}
	var wh *Warehouse
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if exists, err := tx.NewSelect().Model((*Warehouse)(nil)).Where("code = ?", in.Code).Exists(ctx); err != nil {
			return err
		} else if exists {
			return &Error{Code: EINVALID, Message: "Another warehouse has this code.", Fields: map[string]string{"code": "Another warehouse has this code."}}
		}
		var err error
		wh, err = createWarehouse(ctx, tx, in)
		if err != nil {
			return err
		}
		return RecordHistory(ctx, tx, "warehouse", wh.ID, actorID, "Warehouse created.")
	})
	if err != nil {
		return nil, wrapOp(err, "create warehouse")
	}
	return wh, nil
}

func createWarehouse(ctx context.Context, tx bun.IDB, in WarehouseInput) (*Warehouse, error) {
	wh := &Warehouse{Name: in.Name, Code: in.Code, DeliverySteps: in.DeliverySteps, ReceiptSteps: 1, Active: true}
	if _, err := tx.NewInsert().Model(wh).Returning("*").Exec(ctx); err != nil {
		return nil, err
	}
	code := wh.Code
	view, err := insertLocation(ctx, tx, &Location{Name: code, CompleteName: code, Usage: UsageView, WarehouseID: &wh.ID})
	if err != nil {
		return nil, err
	}
	child := func(name, barcode string) (*Location, error) {
		b := code + "-" + barcode
		return insertLocation(ctx, tx, &Location{Name: name, ParentID: &view.ID, CompleteName: code + "/" + name,
			Usage: UsageInternal, WarehouseID: &wh.ID, Barcode: &b})
	}
	stock, err := child("Stock", "STOCK")
	if err != nil {
		return nil, err
	}
	pack, err := child("Packing Zone", "PACKING")
	if err != nil {
		return nil, err
	}
	output, err := child("Output", "OUTPUT")
	if err != nil {
		return nil, err
	}
	wh.ViewLocationID, wh.StockLocationID, wh.PackLocationID, wh.OutputLocationID = &view.ID, &stock.ID, &pack.ID, &output.ID
	if _, err := tx.NewUpdate().Model(wh).Column("view_location_id", "stock_location_id", "pack_location_id", "output_location_id").WherePK().Exec(ctx); err != nil {
		return nil, err
	}
	customers, err := specialLocation(ctx, tx, UsageCustomer)
	if err != nil {
		return nil, err
	}
	vendors, err := specialLocation(ctx, tx, UsageSupplier)
	if err != nil {
		return nil, err
	}
	types := []struct {
		kind, name, odooCode, seq string
		src, dest                 int64
		order                     int
	}{
		{KindReceipt, "Receipts", "incoming", "IN", vendors.ID, stock.ID, 1},
		{KindDelivery, "Delivery Orders", "outgoing", "OUT", stock.ID, customers.ID, 2},
		{KindPick, "Pick", "internal", "PICK", stock.ID, output.ID, 3},
		{KindPack, "Pack", "internal", "PACK", pack.ID, output.ID, 4},
		{KindInternal, "Internal Transfers", "internal", "INT", stock.ID, stock.ID, 5},
	}
	for _, t := range types {
		seqCode := "picking." + code + "." + t.seq
		if err := ensureSequence(ctx, tx, seqCode, code+"/"+t.seq+"/", 5); err != nil {
			return nil, err
		}
		barcode := code + "-" + t.seq
		pt := &PickingType{WarehouseID: wh.ID, Kind: t.kind, Name: t.name, Code: t.odooCode, SequenceCode: seqCode, Barcode: &barcode,
			DefaultSrcLocationID: t.src, DefaultDestLocationID: t.dest, CreateBackorder: BackorderAsk, Active: true, Sequence: t.order}
		if _, err := tx.NewInsert().Model(pt).Exec(ctx); err != nil {
			return nil, err
		}
	}
	return wh, nil
}

func insertLocation(ctx context.Context, tx bun.IDB, l *Location) (*Location, error) {
	l.Active = true
	if _, err := tx.NewInsert().Model(l).Returning("*").Exec(ctx); err != nil {
		return nil, err
	}
	return l, nil
}

// specialLocation returns the company-wide virtual location of a usage:
// customers, vendors (supplier) or inventory adjustment.
func specialLocation(ctx context.Context, db bun.IDB, usage string) (*Location, error) {
	l := new(Location)
	err := db.NewSelect().Model(l).Where("usage = ? AND warehouse_id IS NULL", usage).OrderExpr("id").Limit(1).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("models: %s location: %w", usage, err)
	}
	return l, nil
}

// GetWarehouse returns the warehouse with id, or ENOTFOUND.
func GetWarehouse(ctx context.Context, db bun.IDB, id int64) (*Warehouse, error) {
	wh := new(Warehouse)
	if err := db.NewSelect().Model(wh).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, "The warehouse")
	}
	return wh, nil
}

// ListWarehouses returns the warehouses by name.
func ListWarehouses(ctx context.Context, db bun.IDB) ([]Warehouse, error) {
	var out []Warehouse
	if err := db.NewSelect().Model(&out).OrderExpr("name, id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: list warehouses: %w", err)
	}
	return out, nil
}

// UpdateWarehouse changes a warehouse's name and delivery steps; the steps
// apply to deliveries created afterwards.
func UpdateWarehouse(ctx context.Context, db *bun.DB, id int64, in WarehouseInput, actorID int64) (*Warehouse, error) {
	p := Problems{}
	validateWarehouse(p, &in, false)
	if err := p.Err(); err != nil {
		return nil, err
	}
	wh := new(Warehouse)
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewSelect().Model(wh).Where("id = ?", id).For("UPDATE").Scan(ctx); err != nil {
			return notFound(err, "The warehouse")
		}
		var changes []string
		if wh.Name != in.Name {
			changes = append(changes, fmt.Sprintf("name %q → %q", wh.Name, in.Name))
		}
		if wh.DeliverySteps != in.DeliverySteps {
			changes = append(changes, fmt.Sprintf("delivery steps %d → %d", wh.DeliverySteps, in.DeliverySteps))
		}
		if len(changes) == 0 {
			return nil
		}
		wh.Name, wh.DeliverySteps = in.Name, in.DeliverySteps
		if _, err := tx.NewUpdate().Model(wh).Column("name", "delivery_steps").Set("updated_at = now()").WherePK().Exec(ctx); err != nil {
			return err
		}
		return RecordHistory(ctx, tx, "warehouse", wh.ID, actorID, "Warehouse "+strings.Join(changes, "; ")+".")
	})
	if err != nil {
		return nil, wrapOp(err, "update warehouse")
	}
	return wh, nil
}

// pickingTypeOf returns the warehouse's operation type of kind.
func pickingTypeOf(ctx context.Context, db bun.IDB, warehouseID int64, kind string) (*PickingType, error) {
	pt := new(PickingType)
	if err := db.NewSelect().Model(pt).Where("warehouse_id = ? AND kind = ?", warehouseID, kind).Scan(ctx); err != nil {
		return nil, notFound(err, "The operation type")
	}
	return pt, nil
}

// SeedWarehouse creates the main warehouse "WH" when the company has none and
// makes it the website's warehouse. Idempotent.
func SeedWarehouse(ctx context.Context, db bun.IDB) (*Warehouse, error) {
	wh := new(Warehouse)
	err := db.NewSelect().Model(wh).OrderExpr("id").Limit(1).Scan(ctx)
	if err != nil {
		if wh, err = createWarehouse(ctx, db, WarehouseInput{Name: "Main Warehouse", Code: "WH", DeliverySteps: 1}); err != nil {
			return nil, fmt.Errorf("models: seed warehouse: %w", err)
		}
	}
	if _, err := db.NewRaw("UPDATE companies SET website_warehouse_id = ? WHERE website_warehouse_id IS NULL", wh.ID).Exec(ctx); err != nil {
		return nil, fmt.Errorf("models: seed warehouse: %w", err)
	}
	return wh, nil
}
