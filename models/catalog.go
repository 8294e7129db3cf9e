package models

import (
	"time"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"
)

// Product types, tracking modes and invoicing policies (Odoo's terms).
const (
	ProductStorable   = "storable"
	ProductConsumable = "consumable"
	ProductService    = "service"

	TrackingNone   = "none"
	TrackingLot    = "lot"
	TrackingSerial = "serial"

	InvoiceOrdered   = "ordered"
	InvoiceDelivered = "delivered"
)

// Category is a node of the product category tree.
type Category struct {
	bun.BaseModel `bun:"table:product_categories,alias:pc"`

	ID           int64     `bun:"id,pk,autoincrement"`
	Name         string    `bun:"name,notnull"`
	ParentID     *int64    `bun:"parent_id"`
	CompleteName string    `bun:"complete_name,notnull"` // "Apparel / T-shirts"
	Sequence     int       `bun:"sequence,notnull"`
	CreatedAt    time.Time `bun:"created_at,notnull,default:current_timestamp"`
	UpdatedAt    time.Time `bun:"updated_at,notnull,default:current_timestamp"`
}

// Tax is a sales tax: a percentage or a fixed amount per unit, included in
// the price or added to it.
type Tax struct {
	bun.BaseModel `bun:"table:taxes,alias:tx"`

	ID           int64           `bun:"id,pk,autoincrement"`
	Name         string          `bun:"name,notnull"`
	AmountType   string          `bun:"amount_type,notnull"` // percent | fixed
	Amount       decimal.Decimal `bun:"amount,type:numeric,notnull"`
	PriceInclude bool            `bun:"price_include,notnull"`
	Active       bool            `bun:"active,notnull"`
	Sequence     int             `bun:"sequence,notnull"`
	CreatedAt    time.Time       `bun:"created_at,notnull,default:current_timestamp"`
	UpdatedAt    time.Time       `bun:"updated_at,notnull,default:current_timestamp"`
}

// ProductTemplate is a product as people name it ("Classic T-shirt"); what is
// sold and stocked are its variants.
type ProductTemplate struct {
	bun.BaseModel `bun:"table:product_templates,alias:pt"`

	ID              int64           `bun:"id,pk,autoincrement"`
	Name            string          `bun:"name,notnull"`
	DefaultCode     string          `bun:"default_code,notnull"` // internal reference
	Description     string          `bun:"description,notnull"`  // Markdown source
	DescriptionHTML string          `bun:"description_html,notnull"`
	CategoryID      *int64          `bun:"category_id"`
	Type            string          `bun:"type,notnull"`
	Tracking        string          `bun:"tracking,notnull"`
	InvoicePolicy   string          `bun:"invoice_policy,notnull"`
	ListPrice       decimal.Decimal `bun:"list_price,type:numeric,notnull"`
	Cost            decimal.Decimal `bun:"cost,type:numeric,notnull"`
	Weight          decimal.Decimal `bun:"weight,type:numeric,notnull"` // kg
	Volume          decimal.Decimal `bun:"volume,type:numeric,notnull"` // m3
	Published       bool            `bun:"published,notnull"`
	Featured        bool            `bun:"featured,notnull"`
	Active          bool            `bun:"active,notnull"`
	CreatedAt       time.Time       `bun:"created_at,notnull,default:current_timestamp"`
	UpdatedAt       time.Time       `bun:"updated_at,notnull,default:current_timestamp"`

	Category *Category        `bun:"rel:belongs-to,join:category_id=id"`
	Taxes    []Tax            `bun:"m2m:product_template_taxes,join:Template=Tax"`
	Variants []ProductVariant `bun:"rel:has-many,join:id=template_id"`
}

// ProductTemplateTax links a product to its default sales taxes.
type ProductTemplateTax struct {
	bun.BaseModel `bun:"table:product_template_taxes"`

	TemplateID int64            `bun:"template_id,pk"`
	Template   *ProductTemplate `bun:"rel:belongs-to,join:template_id=id"`
	TaxID      int64            `bun:"tax_id,pk"`
	Tax        *Tax             `bun:"rel:belongs-to,join:tax_id=id"`
}

// Attribute is a dimension products vary along (Size, Color).
type Attribute struct {
	bun.BaseModel `bun:"table:product_attributes,alias:pa"`

	ID        int64            `bun:"id,pk,autoincrement"`
	Name      string           `bun:"name,notnull"`
	Sequence  int              `bun:"sequence,notnull"`
	CreatedAt time.Time        `bun:"created_at,notnull,default:current_timestamp"`
	Values    []AttributeValue `bun:"rel:has-many,join:id=attribute_id"`
}

// AttributeValue is one value of an attribute (M, Blue).
type AttributeValue struct {
	bun.BaseModel `bun:"table:product_attribute_values,alias:pav"`

	ID          int64  `bun:"id,pk,autoincrement"`
	AttributeID int64  `bun:"attribute_id,notnull"`
	Name        string `bun:"name,notnull"`
	Sequence    int    `bun:"sequence,notnull"`
	HTMLColor   string `bun:"html_color,notnull"`
}

// ProductTemplateValue records that a product comes in an attribute value.
type ProductTemplateValue struct {
	bun.BaseModel `bun:"table:product_template_attribute_values"`

	TemplateID int64 `bun:"template_id,pk"`
	ValueID    int64 `bun:"value_id,pk"`
}

// ProductVariant is one sellable, stockable combination of a product.
type ProductVariant struct {
	bun.BaseModel `bun:"table:product_variants,alias:pv"`

	ID          int64            `bun:"id,pk,autoincrement"`
	TemplateID  int64            `bun:"template_id,notnull"`
	SKU         string           `bun:"sku,notnull"`
	Barcode     *string          `bun:"barcode"`
	PriceExtra  decimal.Decimal  `bun:"price_extra,type:numeric,notnull"`
	Weight      *decimal.Decimal `bun:"weight,type:numeric"` // nil: the template's
	Active      bool             `bun:"active,notnull"`
	Combination string           `bun:"combination,notnull"` // sorted value ids, "3,7"
	CreatedAt   time.Time        `bun:"created_at,notnull,default:current_timestamp"`
	UpdatedAt   time.Time        `bun:"updated_at,notnull,default:current_timestamp"`

	Values []AttributeValue `bun:"m2m:product_variant_values,join:Variant=Value"`
}

// ProductVariantValue links a variant to the attribute values it is made of.
type ProductVariantValue struct {
	bun.BaseModel `bun:"table:product_variant_values"`

	VariantID int64           `bun:"variant_id,pk"`
	Variant   *ProductVariant `bun:"rel:belongs-to,join:variant_id=id"`
	ValueID   int64           `bun:"value_id,pk"`
	Value     *AttributeValue `bun:"rel:belongs-to,join:value_id=id"`
}

// ProductImage is an uploaded picture of a product (position 0 is the cover).
type ProductImage struct {
	bun.BaseModel `bun:"table:product_images,alias:pi"`

	ID         int64     `bun:"id,pk,autoincrement"`
	TemplateID int64     `bun:"template_id,notnull"`
	VariantID  *int64    `bun:"variant_id"`
	Position   int       `bun:"position,notnull"`
	Alt        string    `bun:"alt,notnull"`
	MIME       string    `bun:"mime,notnull"`
	Width      int       `bun:"width,notnull"`
	Height     int       `bun:"height,notnull"`
	SHA256     string    `bun:"sha256,notnull"`
	Data       []byte    `bun:"data,notnull"`
	CreatedAt  time.Time `bun:"created_at,notnull,default:current_timestamp"`
}

// ProductImageRendition is a resized copy of an image.
type ProductImageRendition struct {
	bun.BaseModel `bun:"table:product_image_renditions"`

	ImageID int64  `bun:"image_id,pk"`
	Size    string `bun:"size,pk"` // thumb | listing | zoom
	MIME    string `bun:"mime,notnull"`
	Data    []byte `bun:"data,notnull"`
	ETag    string `bun:"etag,notnull"`
}

// RegisterModels tells Bun about the many-to-many join models; call it once
// after opening the database.
func RegisterModels(db *bun.DB) {
	db.RegisterModel((*ProductTemplateTax)(nil), (*ProductVariantValue)(nil))
}
