package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"
)

// ShopHomeData is what the storefront's front page shows.
type ShopHomeData struct {
	Categories []CategoryFacet // top-level categories with their product counts
	Featured   []ShopCard
	Newest     []ShopCard
	Currency   Currency
	TaxIncl    bool
}

// ShopHome returns the top-level categories with the number of visible
// products under each, up to 8 featured products and the 4 newest.
func ShopHome(ctx context.Context, db bun.IDB) (ShopHomeData, error) {
	featured, err := ShopProducts(ctx, db, ShopQuery{PerPage: 8})
	if err != nil {
		return ShopHomeData{}, err
	}
	d := ShopHomeData{Currency: featured.Currency, TaxIncl: featured.TaxIncluded}
	for _, c := range featured.Categories {
		if c.Depth == 0 {
			d.Categories = append(d.Categories, c)
		}
	}
	for _, c := range featured.Cards {
		if c.Featured {
			d.Featured = append(d.Featured, c)
		}
	}
	newest, err := ShopProducts(ctx, db, ShopQuery{Sort: SortNewest, PerPage: 4, noFacets: true})
	if err != nil {
		return d, err
	}
	d.Newest = newest.Cards
	return d, nil
}

// ShopVariant is a variant as the product page shows it.
type ShopVariant struct {
	ID          int64
	SKU         string
	Barcode     string
	Combination string  // sorted value ids, "3,7"
	ValueIDs    []int64 // sorted
	Values      []AttributeValue
	Price       decimal.Decimal // as shown
	ImageID     int64           // its own picture, else 0
	Stock       StockLevel      // in the website's warehouse
}

// ShopAttribute is an attribute of a product with the values its active
// variants come in.
type ShopAttribute struct {
	Attribute
	Values []AttributeValue
}

// ShopProductView is a product page: the product, its pictures, its
// attributes and its active variants.
type ShopProductView struct {
	Product     ProductTemplate
	Breadcrumbs []Category
	Images      []ProductImage // without data; the cover first
	Attributes  []ShopAttribute
	Variants    []ShopVariant
	Taxes       []Tax
	TaxIncluded bool
	Currency    Currency
}

// ShopProduct returns the product page of a published, active product with
// at least one active variant; anything else is ENOTFOUND, so that hidden
// products cannot be told apart from missing ones.
func ShopProduct(ctx context.Context, db bun.IDB, templateID int64) (*ShopProductView, error) {
	co, err := GetCompany(ctx, db)
	if err != nil {
		return nil, err
	}
	views, err := cachedByID(ctx, refProducts, []int64{templateID}, func(ids []int64) (map[int64]*ShopProductView, error) {
		v, err := loadShopProduct(ctx, db, co, ids[0])
		if err != nil {
			return nil, err
		}
		return map[int64]*ShopProductView{ids[0]: v}, nil
	})
	if err != nil {
		return nil, err
	}
	// The page is shared through the reference cache; the stock is read
	// live on every view.
	v := *views[templateID]
	v.Variants = slices.Clone(v.Variants)
	stock, err := shopFreeStock(ctx, db, co, []int64{templateID})
	if err != nil {
		return nil, err
	}
	for i := range v.Variants {
		v.Variants[i].Stock = stockLevel(stock.storable[templateID], stock.variantFree[v.Variants[i].ID], co.SellBeyondStock)
	}
	return &v, nil
}

// loadShopProduct reads a product page's product, variants, taxes,
// pictures, attributes and breadcrumbs — everything but the stock.
func loadShopProduct(ctx context.Context, db bun.IDB, co *Company, templateID int64) (*ShopProductView, error) {
	v := &ShopProductView{TaxIncluded: co.PricesIncludeTax, Currency: co.Currency()}
	var err error
	err = db.NewSelect().Model(&v.Product).Relation("Category").
		Where("pt.id = ?", templateID).Where(shopVisible).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, Errorf(ENOTFOUND, "This product is not available.")
	}
	if err != nil {
		return nil, fmt.Errorf("models: shop product %d: %w", templateID, err)
	}

	var variants []ProductVariant
	err = db.NewSelect().Model(&variants).Relation("Values").
		Where("pv.template_id = ?", templateID).Where("pv.active").OrderExpr("pv.id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("models: shop product %d variants: %w", templateID, err)
	}
	if len(variants) == 0 {
		return nil, Errorf(ENOTFOUND, "This product is not available.")
	}
	taxes, err := productTaxes(ctx, db, []int64{templateID})
	if err != nil {
		return nil, err
	}
	v.Taxes = taxes[templateID]

	err = db.NewSelect().Model(&v.Images).ExcludeColumn("data").
		Where("template_id = ?", templateID).OrderExpr("position, id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("models: shop product %d images: %w", templateID, err)
	}
	imageOf := map[int64]int64{}
	for _, img := range v.Images {
		if img.VariantID != nil {
			if _, ok := imageOf[*img.VariantID]; !ok {
				imageOf[*img.VariantID] = img.ID
			}
		}
	}

	// Attributes and values present on active variants, in their order.
	attrIDs := []int64{}
	seenValue := map[int64]bool{}
	for _, pv := range variants {
		sv := ShopVariant{ID: pv.ID, SKU: pv.SKU, Combination: pv.Combination,
			Price: ShownPrice(co, v.Taxes, v.Product.ListPrice.Add(pv.PriceExtra)), ImageID: imageOf[pv.ID]}
		if pv.Barcode != nil {
			sv.Barcode = *pv.Barcode
		}
		for _, val := range pv.Values {
			sv.ValueIDs = append(sv.ValueIDs, val.ID)
			if !seenValue[val.ID] {
				seenValue[val.ID] = true
				if !slices.Contains(attrIDs, val.AttributeID) {
					attrIDs = append(attrIDs, val.AttributeID)
				}
			}
		}
		slices.Sort(sv.ValueIDs)
		v.Variants = append(v.Variants, sv)
	}
	if len(attrIDs) > 0 {
		var attrs []Attribute
		err = db.NewSelect().Model(&attrs).Relation("Values", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.OrderExpr("pav.sequence, pav.id")
		}).Where("pa.id IN (?)", bun.In(attrIDs)).OrderExpr("pa.sequence, pa.id").Scan(ctx)
		if err != nil {
			return nil, fmt.Errorf("models: shop product %d attributes: %w", templateID, err)
		}
		for _, a := range attrs {
			sa := ShopAttribute{Attribute: a}
			for _, val := range a.Values {
				if seenValue[val.ID] {
					sa.Values = append(sa.Values, val)
				}
			}
			sa.Attribute.Values = nil
			v.Attributes = append(v.Attributes, sa)
		}
		valueByID := map[int64]AttributeValue{}
		for _, a := range v.Attributes {
			for _, val := range a.Values {
				valueByID[val.ID] = val
			}
		}
		// Each variant's values in the order of the attributes.
		for i := range v.Variants {
			v.Variants[i].Values = nil
			for _, a := range v.Attributes {
				for _, val := range a.Values {
					if slices.Contains(v.Variants[i].ValueIDs, val.ID) {
						v.Variants[i].Values = append(v.Variants[i].Values, valueByID[val.ID])
					}
				}
			}
		}
	}

	// A variant without a picture of its own shows the picture of the
	// variant it has most values in common with (the same colour in
	// another size), else the cover.
	for i := range v.Variants {
		if v.Variants[i].ImageID != 0 {
			continue
		}
		best := 0
		for _, o := range v.Variants {
			if imageOf[o.ID] == 0 {
				continue
			}
			if n := sharedValues(v.Variants[i].ValueIDs, o.ValueIDs); n > best {
				best, v.Variants[i].ImageID = n, imageOf[o.ID]
			}
		}
	}

	if v.Product.CategoryID != nil {
		cats, err := shopCategories(ctx, db)
		if err != nil {
			return nil, err
		}
		byID := map[int64]Category{}
		for _, c := range cats {
			byID[c.ID] = c
		}
		v.Breadcrumbs = categoryPathOf(byID, *v.Product.CategoryID)
	}
	return v, nil
}

func sharedValues(a, b []int64) int {
	n := 0
	for _, x := range a {
		if slices.Contains(b, x) {
			n++
		}
	}
	return n
}

// Choice is the value chosen for each attribute (attribute id -> value id).
type Choice map[int64]int64

// Choose reads the chosen values (any order; values the product does not
// come in are ignored) and completes the choice for the attributes left
// open from the first variant having the chosen values (else the first
// variant), so that every attribute has a value.
func (v *ShopProductView) Choose(valueIDs []int64) Choice {
	ch := Choice{}
	for _, a := range v.Attributes {
		for _, val := range a.Values {
			if slices.Contains(valueIDs, val.ID) {
				ch[a.ID] = val.ID
			}
		}
	}
	if len(v.Variants) == 0 {
		return ch
	}
	fill := &v.Variants[0]
	for i := range v.Variants {
		ok := true
		for _, id := range ch {
			if !slices.Contains(v.Variants[i].ValueIDs, id) {
				ok = false
				break
			}
		}
		if ok {
			fill = &v.Variants[i]
			break
		}
	}
	for _, val := range fill.Values {
		if _, ok := ch[val.AttributeID]; !ok {
			ch[val.AttributeID] = val.ID
		}
	}
	return ch
}

// shopCombinationKey is the variant combination key of a choice: "3,7".
func shopCombinationKey(ids []int64) string {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ",")
}

// Resolve returns the active variant made of exactly the chosen values, or
// nil when that combination does not exist (or is not sold).
func (v *ShopProductView) Resolve(ch Choice) *ShopVariant {
	ids := make([]int64, 0, len(ch))
	for _, id := range ch {
		ids = append(ids, id)
	}
	key := shopCombinationKey(ids)
	for i := range v.Variants {
		if v.Variants[i].Combination == key {
			return &v.Variants[i]
		}
	}
	return nil
}

// Possible reports whether choosing valueID for its attribute, keeping the
// other choices, gives a variant that exists.
func (v *ShopProductView) Possible(ch Choice, attrID, valueID int64) bool {
	alt := Choice{}
	for k, val := range ch {
		alt[k] = val
	}
	alt[attrID] = valueID
	return v.Resolve(alt) != nil
}

// CoverID is the picture to show for a variant: its own, else the cover.
func (v *ShopProductView) CoverID(sv *ShopVariant) int64 {
	if sv != nil && sv.ImageID != 0 {
		return sv.ImageID
	}
	if len(v.Images) > 0 {
		return v.Images[0].ID
	}
	return 0
}
