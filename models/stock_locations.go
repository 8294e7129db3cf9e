package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"
)

const maxLocationName = 100

// EditableLocationUsages are the usages a person may give a location; the
// customer, vendor and inventory adjustment locations are fixed system ones.
var EditableLocationUsages = []string{UsageInternal, UsageView, UsageTransit}

// LocationUsageLabel is the readable name of a location usage.
func LocationUsageLabel(u string) string {
	switch u {
	case UsageInternal:
		return "Internal"
	case UsageView:
		return "View"
	case UsageTransit:
		return "Transit"
	case UsageCustomer:
		return "Customer"
	case UsageSupplier:
		return "Vendor"
	case UsageInventory:
		return "Inventory loss"
	}
	return u
}

// AllLocationUsages lists every usage, for filters.
var AllLocationUsages = []string{UsageInternal, UsageView, UsageTransit, UsageCustomer, UsageSupplier, UsageInventory}

// LocationNode is a location as the tree list shows it.
type LocationNode struct {
	Location
	Depth         int             `bun:"depth,scanonly"`                // 0 for a root
	WarehouseCode string          `bun:"warehouse_code,scanonly"`       // "" outside warehouses
	OnHand        decimal.Decimal `bun:"on_hand,type:numeric,scanonly"` // in it and below
	ChildrenCount int             `bun:"children_count,scanonly"`
	// SystemRole says what the location is to its warehouse ("Stock",
	// "Output", ...) or "System" for customers, vendors and inventory loss;
	// "" for an ordinary location.
	SystemRole string `bun:"system_role,scanonly"`
}

// Fixed reports whether the location is a company-wide system location
// (customers, vendors, inventory adjustment and their parents) that cannot
// be edited.
func (n LocationNode) Fixed() bool { return n.SystemRole == "System" }

// LocationFilter narrows ListLocations.
type LocationFilter struct {
	WarehouseID int64
	Usage       string
	Active      string // "" active only, "inactive", "all"
	Query       string // name, full name or barcode
}

// locationSystemRoleSQL names what a location is to the system, for sl.
const locationSystemRoleSQL = `CASE
	WHEN sl.usage IN ('customer', 'supplier', 'inventory') OR (sl.warehouse_id IS NULL AND sl.parent_id IS NULL AND sl.usage = 'view'
		AND sl.complete_name IN ('Partners', 'Virtual Locations')) THEN 'System'
	WHEN EXISTS (SELECT 1 FROM warehouses w WHERE w.view_location_id = sl.id) THEN 'Warehouse'
	WHEN EXISTS (SELECT 1 FROM warehouses w WHERE w.stock_location_id = sl.id) THEN 'Stock'
	WHEN EXISTS (SELECT 1 FROM warehouses w WHERE w.pack_location_id = sl.id) THEN 'Packing Zone'
	WHEN EXISTS (SELECT 1 FROM warehouses w WHERE w.output_location_id = sl.id) THEN 'Output'
	ELSE '' END`

// ListLocations returns the locations matching f in tree order (each parent
// before its children, siblings by name), with their depth, what they mean
// to their warehouse and the quantity on hand in them and below.
func ListLocations(ctx context.Context, db bun.IDB, f LocationFilter) ([]LocationNode, error) {
	var out []LocationNode
	q := db.NewSelect().Model((*Location)(nil)).
		ColumnExpr("sl.*").
		ColumnExpr("coalesce(array_length(string_to_array(sl.complete_name, '/'), 1), 1) - 1 AS depth").
		ColumnExpr("coalesce(w.code, '') AS warehouse_code").
		ColumnExpr(`(SELECT coalesce(sum(q.quantity), 0) FROM stock_quants q JOIN stock_locations d ON d.id = q.location_id
			WHERE d.id = sl.id OR starts_with(d.complete_name, sl.complete_name || '/')) AS on_hand`).
		ColumnExpr("(SELECT count(*) FROM stock_locations ch WHERE ch.parent_id = sl.id) AS children_count").
		ColumnExpr(locationSystemRoleSQL + " AS system_role").
		Join("LEFT JOIN warehouses AS w ON w.id = sl.warehouse_id")
	if f.WarehouseID != 0 {
		q = q.Where("sl.warehouse_id = ?", f.WarehouseID)
	}
	if f.Usage != "" {
		q = q.Where("sl.usage = ?", f.Usage)
	}
	switch f.Active {
	case "inactive":
		q = q.Where("NOT sl.active")
	case "all":
	default:
		q = q.Where("sl.active")
	}
	if s := strings.TrimSpace(f.Query); s != "" {
		like := "%" + likeEscape(strings.ToLower(s)) + "%"
		q = q.Where("(lower(sl.complete_name) LIKE ? OR lower(sl.barcode) = lower(?))", like, s)
	}
	if err := q.OrderExpr("string_to_array(lower(sl.complete_name), '/'), sl.id").Scan(ctx, &out); err != nil {
		return nil, fmt.Errorf("models: list locations: %w", err)
	}
	return out, nil
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// GetLocation returns the location with id and what it is to the system,
// or ENOTFOUND.
func GetLocation(ctx context.Context, db bun.IDB, id int64) (*LocationNode, error) {
	var out []LocationNode
	err := db.NewSelect().Model((*Location)(nil)).
		ColumnExpr("sl.*").
		ColumnExpr("coalesce(array_length(string_to_array(sl.complete_name, '/'), 1), 1) - 1 AS depth").
		ColumnExpr("coalesce(w.code, '') AS warehouse_code").
		ColumnExpr(`(SELECT coalesce(sum(q.quantity), 0) FROM stock_quants q JOIN stock_locations d ON d.id = q.location_id
			WHERE d.id = sl.id OR starts_with(d.complete_name, sl.complete_name || '/')) AS on_hand`).
		ColumnExpr("(SELECT count(*) FROM stock_locations ch WHERE ch.parent_id = sl.id) AS children_count").
		ColumnExpr(locationSystemRoleSQL+" AS system_role").
		Join("LEFT JOIN warehouses AS w ON w.id = sl.warehouse_id").
		Where("sl.id = ?", id).Scan(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("models: get location %d: %w", id, err)
	}
	if len(out) == 0 {
		return nil, Errorf(ENOTFOUND, "The location was not found.")
	}
	return &out[0], nil
}

// LocationInput is what a person types to create or change a location.
type LocationInput struct {
	Name     string
	ParentID int64
	Usage    string // internal | view | transit
	Barcode  string // "" for none
	Active   bool   // ignored on creation
}

func validateLocation(in *LocationInput) error {
	p := Problems{}
	in.Name = strings.Join(strings.Fields(in.Name), " ")
	in.Barcode = strings.TrimSpace(in.Barcode)
	switch {
	case in.Name == "":
		p.Add("name", "Enter a name.")
	case utf8.RuneCountInString(in.Name) > maxLocationName:
		p.Add("name", fmt.Sprintf("Use at most %d characters.", maxLocationName))
	case strings.Contains(in.Name, "/"):
		p.Add("name", "A location name cannot contain “/”: it separates the levels of the full name.")
	}
	if in.ParentID < 0 {
		in.ParentID = 0
	}
	switch in.Usage {
	case UsageInternal, UsageView, UsageTransit:
	case UsageCustomer, UsageSupplier, UsageInventory:
		p.Add("usage", "Customer, vendor and inventory loss locations are fixed system locations; choose internal, view or transit.")
	default:
		p.Add("usage", "Choose internal, view or transit.")
	}
	switch {
	case utf8.RuneCountInString(in.Barcode) > 64:
		p.Add("barcode", "Use at most 64 characters.")
	case strings.ContainsFunc(in.Barcode, func(r rune) bool { return r < ' ' }):
		p.Add("barcode", "A barcode cannot contain control characters.")
	}
	return p.Err()
}

// lockLocationTree serialises every change to the location tree within the
// calling transaction, so that two concurrent moves cannot build a cycle and
// a rename cannot leave a child created meanwhile with a stale full name.
func lockLocationTree(ctx context.Context, tx bun.IDB) error {
	_, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(hashtext('orderflow:stock_locations'))")
	return err
}

// barcodeTaken returns a message when code is already the barcode of a
// location, an operation type or a product variant other than the one being
// saved (kind "location" or "picking_type", id), so that a scan always
// means one thing; "" when it is free.
func barcodeTaken(ctx context.Context, tx bun.IDB, code, kind string, id int64) (string, error) {
	if code == "" {
		return "", nil
	}
	var rows []struct {
		Kind string `bun:"kind"`
		Name string `bun:"name"`
	}
	err := tx.NewRaw(`
		SELECT 'location' AS kind, complete_name AS name FROM stock_locations WHERE lower(barcode) = lower(?) AND NOT (? = 'location' AND id = ?)
		UNION ALL
		SELECT 'picking_type', w.code || ': ' || t.name FROM picking_types t JOIN warehouses w ON w.id = t.warehouse_id
			WHERE lower(t.barcode) = lower(?) AND NOT (? = 'picking_type' AND t.id = ?)
		UNION ALL
		SELECT 'variant', coalesce(nullif(v.sku, ''), pt.name) FROM product_variants v JOIN product_templates pt ON pt.id = v.template_id
			WHERE lower(v.barcode) = lower(?)
		LIMIT 1`, code, kind, id, code, kind, id, code).Scan(ctx, &rows)
	if err != nil {
		return "", err
	}
	if len(rows) == 0 {
		return "", nil
	}
	what := map[string]string{"location": "the location", "picking_type": "the operation type", "variant": "the product"}[rows[0].Kind]
	return fmt.Sprintf("This barcode is already used by %s “%s”.", what, rows[0].Name), nil
}

// checkLocationParent loads the chosen parent, which must exist and be a
// view, internal or transit location (and be active when requireActive),
// and refuses a sibling with the same name. ParentID 0 means a root
// location, which only the warehouses' own view locations are.
func checkLocationParent(ctx context.Context, tx bun.IDB, in LocationInput, selfID int64, requireActive bool) (*Location, error) {
	var parent *Location
	if in.ParentID != 0 {
		parent = new(Location)
		if err := tx.NewSelect().Model(parent).Where("id = ?", in.ParentID).Scan(ctx); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return nil, fieldError("parent_id", "This location no longer exists; choose another.")
			}
			return nil, err
		}
		switch {
		case parent.Usage != UsageView && parent.Usage != UsageInternal && parent.Usage != UsageTransit:
			return nil, fieldError("parent_id", "Locations go under a view, internal or transit location.")
		case requireActive && !parent.Active:
			return nil, fieldError("parent_id", "“"+parent.CompleteName+"” is inactive; reactivate it first or choose another.")
		}
	}
	taken, err := tx.NewSelect().Model((*Location)(nil)).
		Where("coalesce(parent_id, 0) = ? AND lower(name) = lower(?) AND id <> ?", in.ParentID, in.Name, selfID).Exists(ctx)
	if err != nil {
		return nil, err
	}
	if taken {
		return nil, locationNameTaken(parent)
	}
	return parent, nil
}

func locationNameTaken(parent *Location) error {
	if parent == nil {
		return fieldError("name", "There is already a top-level location with this name.")
	}
	return fieldError("name", "There is already a location with this name in “"+parent.CompleteName+"”.")
}

func fieldError(field, msg string) error {
	return &Error{Code: EINVALID, Message: msg, Fields: map[string]string{field: msg}}
}

// CreateLocation adds a location under in.ParentID, in the parent's
// warehouse. It returns EINVALID when the name is missing, too long,
// contains "/" or is used by a sibling, when the usage is not internal, view
// or transit, or when the barcode is already used. It serialises with every
// other change to the location tree.
func CreateLocation(ctx context.Context, db *bun.DB, in LocationInput, actorID int64) (*Location, error) {
	err := validateLocation(&in)
	if in.ParentID == 0 {
		p := Problems(FieldErrors(err))
		if p == nil {
			p = Problems{}
		}
		p.Add("parent_id", "Choose where the location is.")
		err = p.Err()
	}
	if err != nil {
		return nil, err
	}
	l := &Location{Name: in.Name, ParentID: &in.ParentID, Usage: in.Usage, Active: true}
	if in.Barcode != "" {
		l.Barcode = &in.Barcode
	}
	err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := lockLocationTree(ctx, tx); err != nil {
			return err
		}
		parent, err := checkLocationParent(ctx, tx, in, 0, true)
		if err != nil {
			return err
		}
		if msg, err := barcodeTaken(ctx, tx, in.Barcode, "location", 0); err != nil {
			return err
		} else if msg != "" {
			return fieldError("barcode", msg)
		}
		l.CompleteName = parent.CompleteName + "/" + in.Name
		l.WarehouseID = parent.WarehouseID
		if _, err := tx.NewInsert().Model(l).Returning("*").Exec(ctx); err != nil {
			if isUniqueViolation(err) {
				return fieldError("name", "There is already a location with this name or barcode in “"+parent.CompleteName+"”.")
			}
			return err
		}
		return RecordHistory(ctx, tx, "location", l.ID, actorID, "Location “"+l.CompleteName+"” created.")
	})
	if err != nil {
		return nil, wrapOp(err, "create location")
	}
	return l, nil
}

// UpdateLocation renames, moves, re-barcodes, changes the usage of, or
// (de)activates a location. The full name of the location and of all its
// descendants is rebuilt in one statement, as is their warehouse when the
// location moves to another one. It refuses (EINVALID, on the field
// concerned):
//   - the fixed system locations (customers, vendors, inventory loss);
//   - moving a warehouse's own locations (view, Stock, Packing Zone,
//     Output), changing their usage or deactivating them;
//   - moving a location under itself or a descendant, or moving one whose
//     stock is reserved;
//   - leaving internal usage, or deactivating, while stock is there
//     (deactivation also deactivates the descendants, and needs them empty);
//   - reactivating a location under an inactive parent.
//
// It serialises with every other change to the location tree and locks the
// location row.
func UpdateLocation(ctx context.Context, db *bun.DB, id int64, in LocationInput, actorID int64) (*Location, error) {
	if err := validateLocation(&in); err != nil {
		return nil, err
	}
	var l Location
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := lockLocationTree(ctx, tx); err != nil {
			return err
		}
		node, err := GetLocation(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := tx.NewSelect().Model(&l).Where("id = ?", id).For("UPDATE").Scan(ctx); err != nil {
			return notFound(err, "The location")
		}
		if node.Fixed() {
			return Errorf(EINVALID, "“%s” is a fixed system location and cannot be changed.", l.CompleteName)
		}
		oldParent := int64(0)
		if l.ParentID != nil {
			oldParent = *l.ParentID
		}
		moving := oldParent != in.ParentID
		if moving && in.ParentID == 0 {
			return fieldError("parent_id", "Choose where the location is.")
		}
		if node.SystemRole != "" {
			switch {
			case moving:
				return fieldError("parent_id", fmt.Sprintf("This is the %s location of warehouse %s: it stays where it is.", node.SystemRole, node.WarehouseCode))
			case in.Usage != l.Usage:
				return fieldError("usage", fmt.Sprintf("This is the %s location of warehouse %s: its usage cannot change.", node.SystemRole, node.WarehouseCode))
			case !in.Active && l.Active:
				return fieldError("active", fmt.Sprintf("This is the %s location of warehouse %s: it cannot be deactivated.", node.SystemRole, node.WarehouseCode))
			}
		}
		var parent *Location
		if moving || in.Name != l.Name || (in.Active && !l.Active) {
			// A location that stays inactive may keep an inactive parent.
			if parent, err = checkLocationParent(ctx, tx, in, id, in.Active); err != nil {
				return err
			}
		}
		if moving {
			var cycle bool
			if err := tx.NewRaw(`SELECT EXISTS (SELECT 1 FROM stock_locations WHERE id = ? AND (id = ? OR starts_with(complete_name, ? || '/')))`,
				in.ParentID, id, l.CompleteName).Scan(ctx, &cycle); err != nil {
				return err
			}
			if cycle {
				return fieldError("parent_id", "A location cannot be moved under itself or one of its sub-locations.")
			}
			reserved, err := subtreeSum(ctx, tx, l.CompleteName, "reserved_quantity")
			if err != nil {
				return err
			}
			if reserved.IsPositive() {
				return fieldError("parent_id", fmt.Sprintf("%s reserved in “%s” or below: unreserve those transfers before moving it.", reserved, l.CompleteName))
			}
		}
		if in.Usage != l.Usage && l.Usage == UsageInternal {
			onHand, err := subtreeSum(ctx, tx, "", "quantity", l.ID)
			if err != nil {
				return err
			}
			if onHand.IsPositive() {
				return fieldError("usage", fmt.Sprintf("%s on hand in “%s”: stock is only kept in internal locations, so move or count it out first.", onHand, l.CompleteName))
			}
		}
		if !in.Active && l.Active {
			onHand, err := subtreeSum(ctx, tx, l.CompleteName, "quantity")
			if err != nil {
				return err
			}
			if onHand.IsPositive() {
				return fieldError("active", fmt.Sprintf("“%s” still holds %s on hand (with its sub-locations): move or count the stock out before deactivating it.", l.CompleteName, onHand))
			}
			var users []string
			if err := tx.NewRaw(`SELECT w.code || ': ' || t.name FROM picking_types t JOIN warehouses w ON w.id = t.warehouse_id
				JOIN stock_locations d ON d.id IN (t.default_src_location_id, t.default_dest_location_id)
				WHERE t.active AND (d.id = ? OR starts_with(d.complete_name, ? || '/')) ORDER BY 1`, l.ID, l.CompleteName).Scan(ctx, &users); err != nil {
				return err
			}
			if len(users) > 0 {
				return fieldError("active", "Operation types still use this location by default: "+strings.Join(users, ", ")+".")
			}
			var open int
			if err := tx.NewRaw(`SELECT count(*) FROM stock_moves m JOIN stock_locations d ON d.id IN (m.location_id, m.location_dest_id)
				WHERE m.state NOT IN ('done', 'cancel') AND (d.id = ? OR starts_with(d.complete_name, ? || '/'))`, l.ID, l.CompleteName).Scan(ctx, &open); err != nil {
				return err
			}
			if open > 0 {
				return fieldError("active", fmt.Sprintf("%d open moves still go from or to this location: finish or cancel them first.", open))
			}
		}
		if msg, err := barcodeTaken(ctx, tx, in.Barcode, "location", id); err != nil {
			return err
		} else if msg != "" {
			return fieldError("barcode", msg)
		}

		var changes []string
		if l.Name != in.Name {
			changes = append(changes, fmt.Sprintf("renamed “%s” → “%s”", l.Name, in.Name))
		}
		if moving {
			changes = append(changes, "moved to “"+parent.CompleteName+"”")
		}
		if l.Usage != in.Usage {
			changes = append(changes, "usage "+LocationUsageLabel(l.Usage)+" → "+LocationUsageLabel(in.Usage))
		}
		if strPtr(l.Barcode) != strPtr(nonEmpty(in.Barcode)) {
			changes = append(changes, fmt.Sprintf("barcode %s → %s", strPtr(l.Barcode), strPtr(nonEmpty(in.Barcode))))
		}
		if l.Active != in.Active {
			changes = append(changes, map[bool]string{true: "reactivated", false: "deactivated"}[in.Active])
		}
		if len(changes) == 0 {
			return nil
		}
		l.Name, l.ParentID, l.Usage, l.Barcode, l.Active = in.Name, &in.ParentID, in.Usage, nonEmpty(in.Barcode), in.Active
		if _, err := tx.NewUpdate().Model(&l).Column("name", "parent_id", "usage", "barcode", "active").Set("updated_at = now()").WherePK().Exec(ctx); err != nil {
			if isUniqueViolation(err) {
				return fieldError("name", "There is already a location with this name or barcode there.")
			}
			return err
		}
		if err := rebuildLocationPaths(ctx, tx, id); err != nil {
			return err
		}
		if !in.Active {
			if _, err := tx.NewRaw(`UPDATE stock_locations d SET active = false, updated_at = now()
				FROM stock_locations l WHERE l.id = ? AND d.active AND starts_with(d.complete_name, l.complete_name || '/')`, id).Exec(ctx); err != nil {
				return err
			}
		}
		if err := tx.NewSelect().Model(&l).WherePK().Scan(ctx); err != nil {
			return err
		}
		return RecordHistory(ctx, tx, "location", l.ID, actorID, "Location "+strings.Join(changes, "; ")+".")
	})
	if err != nil {
		return nil, wrapOp(err, "update location")
	}
	return &l, nil
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// subtreeSum sums a quant column in the location named completeName and
// below, or, with ids, in exactly those locations.
func subtreeSum(ctx context.Context, tx bun.IDB, completeName, column string, ids ...int64) (decimal.Decimal, error) {
	var sum decimal.Decimal
	var err error
	if len(ids) > 0 {
		err = tx.NewRaw("SELECT coalesce(sum(?), 0) FROM stock_quants WHERE location_id IN (?)", bun.Ident(column), bun.In(ids)).Scan(ctx, &sum)
	} else {
		err = tx.NewRaw(`SELECT coalesce(sum(q.?), 0) FROM stock_quants q JOIN stock_locations d ON d.id = q.location_id
			WHERE d.complete_name = ? OR starts_with(d.complete_name, ? || '/')`, bun.Ident(column), completeName, completeName).Scan(ctx, &sum)
	}
	return sum, err
}

// rebuildLocationPaths recomputes complete_name (and warehouse_id, from the
// parent) for the location id and all its descendants in one statement.
func rebuildLocationPaths(ctx context.Context, tx bun.IDB, id int64) error {
	_, err := tx.NewRaw(`
WITH RECURSIVE tree AS (
	SELECT l.id, CASE WHEN p.id IS NULL THEN l.name ELSE p.complete_name || '/' || l.name END AS path,
		CASE WHEN p.id IS NULL THEN l.warehouse_id ELSE p.warehouse_id END AS warehouse_id
	FROM stock_locations l LEFT JOIN stock_locations p ON p.id = l.parent_id
	WHERE l.id = ?
	UNION ALL
	SELECT l.id, tree.path || '/' || l.name, tree.warehouse_id
	FROM stock_locations l JOIN tree ON l.parent_id = tree.id
)
UPDATE stock_locations sl SET complete_name = tree.path, warehouse_id = tree.warehouse_id, updated_at = now()
FROM tree WHERE sl.id = tree.id AND (sl.complete_name <> tree.path OR sl.warehouse_id IS DISTINCT FROM tree.warehouse_id)`, id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("rebuild location paths: %w", err)
	}
	return nil
}

// OperationType is an operation type as its warehouse's page shows it.
type OperationType struct {
	PickingType
	WarehouseCode string `bun:"warehouse_code,scanonly"`
	WarehouseName string `bun:"warehouse_name,scanonly"`
	Prefix        string `bun:"prefix,scanonly"` // WH/OUT/
	SrcName       string `bun:"src_name,scanonly"`
	DestName      string `bun:"dest_name,scanonly"`
	// InUse says why the type cannot be deactivated: the warehouse's
	// receipt or delivery steps use it ("" when they do not).
	InUse string `bun:"in_use,scanonly"`
}

func operationTypeQuery(db bun.IDB) *bun.SelectQuery {
	return db.NewSelect().Model((*PickingType)(nil)).
		ColumnExpr("pty.*").
		ColumnExpr("w.code AS warehouse_code, w.name AS warehouse_name, s.prefix").
		ColumnExpr("src.complete_name AS src_name, dst.complete_name AS dest_name").
		ColumnExpr(`CASE
			WHEN pty.kind = 'receipt' THEN 'Receipts use it (1 step).'
			WHEN pty.kind = 'delivery' THEN 'Every delivery ends with it.'
			WHEN pty.kind = 'pick' AND w.delivery_steps >= 2 THEN 'Deliveries in 2 or 3 steps start with it.'
			WHEN pty.kind = 'pack' AND w.delivery_steps = 3 THEN 'Deliveries in 3 steps use it.'
			ELSE '' END AS in_use`).
		Join("JOIN warehouses AS w ON w.id = pty.warehouse_id").
		Join("JOIN sequences AS s ON s.code = pty.sequence_code").
		Join("JOIN stock_locations AS src ON src.id = pty.default_src_location_id").
		Join("JOIN stock_locations AS dst ON dst.id = pty.default_dest_location_id")
}

// ListOperationTypes returns a warehouse's operation types in their order.
func ListOperationTypes(ctx context.Context, db bun.IDB, warehouseID int64) ([]OperationType, error) {
	var out []OperationType
	if err := operationTypeQuery(db).Where("pty.warehouse_id = ?", warehouseID).OrderExpr("pty.sequence, pty.id").Scan(ctx, &out); err != nil {
		return nil, fmt.Errorf("models: list operation types: %w", err)
	}
	return out, nil
}

// GetOperationType returns the operation type with id, or ENOTFOUND.
func GetOperationType(ctx context.Context, db bun.IDB, id int64) (*OperationType, error) {
	var out []OperationType
	if err := operationTypeQuery(db).Where("pty.id = ?", id).Scan(ctx, &out); err != nil {
		return nil, fmt.Errorf("models: get operation type %d: %w", id, err)
	}
	if len(out) == 0 {
		return nil, Errorf(ENOTFOUND, "The operation type was not found.")
	}
	return &out[0], nil
}

// PickingTypeInput is the editable part of an operation type.
type PickingTypeInput struct {
	Barcode         string // "" for none
	CreateBackorder string // ask | always | never
	AllowExtra      bool   // handheld scans may do more than the demand
	Active          bool
}

// BackorderPolicies lists the backorder policies with what each does.
var BackorderPolicies = [][2]string{
	{BackorderAsk, "Ask: when less than the demand is done, ask whether to create a backorder"},
	{BackorderAlways, "Always: create a backorder for the rest"},
	{BackorderNever, "Never: cancel the rest"},
}

// UpdatePickingType changes an operation type's barcode, backorder policy,
// whether scans may do more than the demand, and active flag. It returns EINVALID when the barcode is used elsewhere
// (location, operation type or product), the policy is unknown, or when
// deactivating a type the warehouse's receipt or delivery steps use.
func UpdatePickingType(ctx context.Context, db *bun.DB, id int64, in PickingTypeInput, actorID int64) (*PickingType, error) {
	p := Problems{}
	in.Barcode = strings.TrimSpace(in.Barcode)
	if utf8.RuneCountInString(in.Barcode) > 64 {
		p.Add("barcode", "Use at most 64 characters.")
	}
	if in.CreateBackorder != BackorderAsk && in.CreateBackorder != BackorderAlways && in.CreateBackorder != BackorderNever {
		p.Add("create_backorder", "Choose ask, always or never.")
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	pt := new(PickingType)
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewSelect().Model(pt).Where("id = ?", id).For("UPDATE").Scan(ctx); err != nil {
			return notFound(err, "The operation type")
		}
		// Lock the warehouse so that its delivery steps cannot change while
		// we decide whether this type may be deactivated.
		var steps int
		if err := tx.NewRaw("SELECT delivery_steps FROM warehouses WHERE id = ? FOR UPDATE", pt.WarehouseID).Scan(ctx, &steps); err != nil {
			return err
		}
		if !in.Active && pt.Active {
			var inUse string
			switch {
			case pt.Kind == KindReceipt:
				inUse = "Receipts use this operation type: it cannot be deactivated."
			case pt.Kind == KindDelivery:
				inUse = "Every delivery ends with this operation type: it cannot be deactivated."
			case pt.Kind == KindPick && steps >= 2:
				inUse = "Deliveries in 2 or 3 steps start with picking: set the warehouse to 1 step first."
			case pt.Kind == KindPack && steps == 3:
				inUse = "Deliveries in 3 steps use packing: set the warehouse to 1 or 2 steps first."
			}
			if inUse != "" {
				return fieldError("active", inUse)
			}
		}
		if msg, err := barcodeTaken(ctx, tx, in.Barcode, "picking_type", id); err != nil {
			return err
		} else if msg != "" {
			return fieldError("barcode", msg)
		}
		var changes []string
		if strPtr(pt.Barcode) != strPtr(nonEmpty(in.Barcode)) {
			changes = append(changes, fmt.Sprintf("barcode %s → %s", strPtr(pt.Barcode), strPtr(nonEmpty(in.Barcode))))
		}
		if pt.CreateBackorder != in.CreateBackorder {
			changes = append(changes, fmt.Sprintf("backorders %s → %s", pt.CreateBackorder, in.CreateBackorder))
		}
		if pt.AllowExtra != in.AllowExtra {
			changes = append(changes, map[bool]string{true: "more than the demand allowed", false: "no more than the demand"}[in.AllowExtra])
		}
		if pt.Active != in.Active {
			changes = append(changes, map[bool]string{true: "reactivated", false: "deactivated"}[in.Active])
		}
		if len(changes) == 0 {
			return nil
		}
		pt.Barcode, pt.CreateBackorder, pt.AllowExtra, pt.Active = nonEmpty(in.Barcode), in.CreateBackorder, in.AllowExtra, in.Active
		if _, err := tx.NewUpdate().Model(pt).Column("barcode", "create_backorder", "allow_extra", "active").WherePK().Exec(ctx); err != nil {
			if isUniqueViolation(err) {
				return fieldError("barcode", "This barcode is already used by another operation type.")
			}
			return err
		}
		return RecordHistory(ctx, tx, "warehouse", pt.WarehouseID, actorID, "Operation type “"+pt.Name+"”: "+strings.Join(changes, "; ")+".")
	})
	if err != nil {
		return nil, wrapOp(err, "update operation type")
	}
	return pt, nil
}

// WarehouseSummary is a warehouse as the warehouses list shows it.
type WarehouseSummary struct {
	Warehouse
	LocationCount int    `bun:"location_count,scanonly"` // active locations under it
	StockName     string `bun:"stock_name,scanonly"`     // WH/Stock
}

// ListWarehouseSummaries returns the warehouses by name with how many
// active locations each has.
func ListWarehouseSummaries(ctx context.Context, db bun.IDB) ([]WarehouseSummary, error) {
	var out []WarehouseSummary
	err := db.NewSelect().Model((*Warehouse)(nil)).
		ColumnExpr("wh.*").
		ColumnExpr("(SELECT count(*) FROM stock_locations l WHERE l.warehouse_id = wh.id AND l.active) AS location_count").
		ColumnExpr("coalesce((SELECT l.complete_name FROM stock_locations l WHERE l.id = wh.stock_location_id), '') AS stock_name").
		OrderExpr("lower(wh.name), wh.id").Scan(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("models: list warehouses: %w", err)
	}
	return out, nil
}

// WarehouseDetail is a warehouse with its operation types and history.
type WarehouseDetail struct {
	Warehouse      Warehouse
	OperationTypes []OperationType
	History        []HistoryEntry
}

// GetWarehouseDetail returns the warehouse with id, its operation types
// and its history, or ENOTFOUND.
func GetWarehouseDetail(ctx context.Context, db bun.IDB, id int64) (*WarehouseDetail, error) {
	wh, err := GetWarehouse(ctx, db, id)
	if err != nil {
		return nil, err
	}
	d := &WarehouseDetail{Warehouse: *wh}
	if d.OperationTypes, err = ListOperationTypes(ctx, db, id); err != nil {
		return nil, err
	}
	if d.History, err = History(ctx, db, "warehouse", id); err != nil {
		return nil, err
	}
	return d, nil
}
