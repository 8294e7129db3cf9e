package models

import (
	"time"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"
)

// Location usages.
const (
	UsageView      = "view"
	UsageInternal  = "internal"
	UsageCustomer  = "customer"
	UsageSupplier  = "supplier"
	UsageInventory = "inventory" // inventory loss / adjustment
	UsageTransit   = "transit"
)

// Operation type kinds and their Odoo codes.
const (
	KindReceipt  = "receipt"
	KindDelivery = "delivery"
	KindPick     = "pick"
	KindPack     = "pack"
	KindInternal = "internal"
)

// Move and transfer states.
const (
	StateDraft              = "draft"
	StateWaiting            = "waiting"
	StateConfirmed          = "confirmed"
	StatePartiallyAvailable = "partially_available"
	StateAssigned           = "assigned"
	StateDone               = "done"
	StateCancel             = "cancel"
)

// Backorder policies of an operation type.
const (
	BackorderAsk    = "ask"
	BackorderAlways = "always"
	BackorderNever  = "never"
)

// Procure methods of a move.
const (
	MakeToStock = "make_to_stock"
	MakeToOrder = "make_to_order"
)

// Warehouse is a building with its locations and operation types.
type Warehouse struct {
	bun.BaseModel `bun:"table:warehouses,alias:wh"`

	ID               int64     `bun:"id,pk,autoincrement"`
	Name             string    `bun:"name,notnull"`
	Code             string    `bun:"code,notnull"`
	DeliverySteps    int       `bun:"delivery_steps,notnull"`
	ReceiptSteps     int       `bun:"receipt_steps,notnull"`
	Active           bool      `bun:"active,notnull"`
	ViewLocationID   *int64    `bun:"view_location_id"`
	StockLocationID  *int64    `bun:"stock_location_id"`
	PackLocationID   *int64    `bun:"pack_location_id"`
	OutputLocationID *int64    `bun:"output_location_id"`
	CreatedAt        time.Time `bun:"created_at,notnull,default:current_timestamp"`
	UpdatedAt        time.Time `bun:"updated_at,notnull,default:current_timestamp"`
}

// Location is a place goods can be: a shelf, a zone, or a virtual place
// (customers, vendors, inventory loss).
type Location struct {
	bun.BaseModel `bun:"table:stock_locations,alias:sl"`

	ID           int64     `bun:"id,pk,autoincrement"`
	Name         string    `bun:"name,notnull"`
	ParentID     *int64    `bun:"parent_id"`
	CompleteName string    `bun:"complete_name,notnull"`
	Usage        string    `bun:"usage,notnull"`
	WarehouseID  *int64    `bun:"warehouse_id"`
	Barcode      *string   `bun:"barcode"`
	Active       bool      `bun:"active,notnull"`
	CreatedAt    time.Time `bun:"created_at,notnull,default:current_timestamp"`
	UpdatedAt    time.Time `bun:"updated_at,notnull,default:current_timestamp"`
}

// PickingType is an operation type: Receipts, Delivery Orders, Pick, Pack,
// Internal Transfers of one warehouse.
type PickingType struct {
	bun.BaseModel `bun:"table:picking_types,alias:pty"`

	ID                    int64   `bun:"id,pk,autoincrement"`
	WarehouseID           int64   `bun:"warehouse_id,notnull"`
	Kind                  string  `bun:"kind,notnull"`
	Name                  string  `bun:"name,notnull"`
	Code                  string  `bun:"code,notnull"` // incoming | outgoing | internal
	SequenceCode          string  `bun:"sequence_code,notnull"`
	Barcode               *string `bun:"barcode"`
	DefaultSrcLocationID  int64   `bun:"default_src_location_id,notnull"`
	DefaultDestLocationID int64   `bun:"default_dest_location_id,notnull"`
	CreateBackorder       string  `bun:"create_backorder,notnull"`
	AllowExtra            bool    `bun:"allow_extra,notnull"` // scans may do more than the demand
	Active                bool    `bun:"active,notnull"`
	Sequence              int     `bun:"sequence,notnull"`
}

// Lot is a lot or serial number of a variant.
type Lot struct {
	bun.BaseModel `bun:"table:stock_lots,alias:lot"`

	ID        int64     `bun:"id,pk,autoincrement"`
	VariantID int64     `bun:"variant_id,notnull"`
	Name      string    `bun:"name,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull,default:current_timestamp"`
}

// Package is a box or pallet holding goods, with its own barcode (name).
type Package struct {
	bun.BaseModel `bun:"table:stock_packages,alias:pkg"`

	ID        int64     `bun:"id,pk,autoincrement"`
	Name      string    `bun:"name,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull,default:current_timestamp"`
}

// Quant is how much of a variant (lot, package) sits in an internal
// location, and how much of it is reserved.
type Quant struct {
	bun.BaseModel `bun:"table:stock_quants,alias:q"`

	ID               int64           `bun:"id,pk,autoincrement"`
	VariantID        int64           `bun:"variant_id,notnull"`
	LocationID       int64           `bun:"location_id,notnull"`
	LotID            *int64          `bun:"lot_id"`
	PackageID        *int64          `bun:"package_id"`
	Quantity         decimal.Decimal `bun:"quantity,type:numeric,notnull"`
	ReservedQuantity decimal.Decimal `bun:"reserved_quantity,type:numeric,notnull"`
	InDate           time.Time       `bun:"in_date,notnull,default:current_timestamp"`
}

// Picking is a transfer: moves of one operation type from a place to another.
type Picking struct {
	bun.BaseModel `bun:"table:stock_pickings,alias:sp"`

	ID                 int64      `bun:"id,pk,autoincrement"`
	Name               string     `bun:"name,notnull"`
	PickingTypeID      int64      `bun:"picking_type_id,notnull"`
	State              string     `bun:"state,notnull"`
	PartiallyAvailable bool       `bun:"partially_available,notnull"`
	PartnerID          *int64     `bun:"partner_id"`
	Origin             string     `bun:"origin,notnull"`
	LocationID         int64      `bun:"location_id,notnull"`
	LocationDestID     int64      `bun:"location_dest_id,notnull"`
	ScheduledDate      time.Time  `bun:"scheduled_date,notnull,default:current_timestamp"`
	DateDone           *time.Time `bun:"date_done"`
	BackorderID        *int64     `bun:"backorder_id"`
	CarrierTrackingRef string     `bun:"carrier_tracking_ref,notnull"`
	SaleOrderID        *int64     `bun:"sale_order_id"`
	CarrierID          *int64     `bun:"carrier_id"`
	CreatedBy          *int64     `bun:"created_by"`
	ValidatedBy        *int64     `bun:"validated_by"`
	CreatedAt          time.Time  `bun:"created_at,notnull,default:current_timestamp"`
	UpdatedAt          time.Time  `bun:"updated_at,notnull,default:current_timestamp"`

	PickingType *PickingType `bun:"rel:belongs-to,join:picking_type_id=id"`
	Moves       []Move       `bun:"rel:has-many,join:id=picking_id"`
}

// Move is the movement of a quantity of one variant from a location to another.
type Move struct {
	bun.BaseModel `bun:"table:stock_moves,alias:sm"`

	ID             int64           `bun:"id,pk,autoincrement"`
	PickingID      *int64          `bun:"picking_id"`
	VariantID      int64           `bun:"variant_id,notnull"`
	Description    string          `bun:"description,notnull"`
	Demand         decimal.Decimal `bun:"demand,type:numeric,notnull"`
	QuantityDone   decimal.Decimal `bun:"quantity_done,type:numeric,notnull"`
	LocationID     int64           `bun:"location_id,notnull"`
	LocationDestID int64           `bun:"location_dest_id,notnull"`
	State          string          `bun:"state,notnull"`
	ProcureMethod  string          `bun:"procure_method,notnull"`
	MoveDestID     *int64          `bun:"move_dest_id"`
	PartnerID      *int64          `bun:"partner_id"`
	Origin         string          `bun:"origin,notnull"`
	SaleLineID     *int64          `bun:"sale_line_id"`
	Date           time.Time       `bun:"date,notnull,default:current_timestamp"`
	DateDone       *time.Time      `bun:"date_done"`
	CreatedAt      time.Time       `bun:"created_at,notnull,default:current_timestamp"`
	UpdatedAt      time.Time       `bun:"updated_at,notnull,default:current_timestamp"`

	Lines []MoveLine `bun:"rel:has-many,join:id=move_id"`
}

// MoveLine is what is actually taken for a move: the location, lot and
// package, the quantity reserved there and the quantity done.
type MoveLine struct {
	bun.BaseModel `bun:"table:stock_move_lines,alias:sml"`

	ID               int64           `bun:"id,pk,autoincrement"`
	MoveID           int64           `bun:"move_id,notnull"`
	PickingID        *int64          `bun:"picking_id"`
	VariantID        int64           `bun:"variant_id,notnull"`
	LocationID       int64           `bun:"location_id,notnull"`
	LocationDestID   int64           `bun:"location_dest_id,notnull"`
	LotID            *int64          `bun:"lot_id"`
	LotName          string          `bun:"lot_name,notnull"`
	PackageID        *int64          `bun:"package_id"`
	ResultPackageID  *int64          `bun:"result_package_id"`
	ReservedQuantity decimal.Decimal `bun:"reserved_quantity,type:numeric,notnull"`
	QuantityDone     decimal.Decimal `bun:"quantity_done,type:numeric,notnull"`
	State            string          `bun:"state,notnull"` // open | done | cancel
	DoneBy           *int64          `bun:"done_by"`
	Date             time.Time       `bun:"date,notnull,default:current_timestamp"`
	CreatedAt        time.Time       `bun:"created_at,notnull,default:current_timestamp"`
}
