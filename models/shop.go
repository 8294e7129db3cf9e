package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// Listing sort orders.
const (
	SortRelevance = "relevance"
	SortPriceAsc  = "price_asc"
	SortPriceDesc = "price_desc"
	SortName      = "name"
	SortNewest    = "newest"
)

// ShopSorts are the listing's sort orders with their labels, in menu order.
var ShopSorts = []struct{ Value, Label string }{
	{SortRelevance, "Relevance"},
	{SortPriceAsc, "Price: low to high"},
	{SortPriceDesc, "Price: high to low"},
	{SortName, "Name"},
	{SortNewest, "Newest"},
}

// Listing page sizes.
const (
	ShopPerPage    = 24
	shopMaxPerPage = 96
	shopMaxSearch  = 200
)

// ShopQuery is what a shopper asks the listing for.
type ShopQuery struct {
	Search     string
	CategoryID int64
	ValueIDs   []int64         // AND across attributes, OR within one
	MinPrice   decimal.Decimal // zero: no lower bound (prices as shown)
	MaxPrice   decimal.Decimal // zero: no upper bound
	Sort       string          // relevance | price_asc | price_desc | name | newest
	Page       int             // from 1
	PerPage    int

	noFacets bool // only the cards and the total (the home page)
}

// normalize trims and bounds q so that any input is safe to run.
func (q ShopQuery) normalize() ShopQuery {
	q.Search = strings.Join(strings.Fields(q.Search), " ")
	if len(q.Search) > shopMaxSearch {
		q.Search = strings.ToValidUTF8(q.Search[:shopMaxSearch], "")
	}
	if !slices.ContainsFunc(ShopSorts, func(s struct{ Value, Label string }) bool { return s.Value == q.Sort }) {
		q.Sort = SortRelevance
	}
	if q.PerPage <= 0 {
		q.PerPage = ShopPerPage
	}
	q.PerPage = min(q.PerPage, shopMaxPerPage)
	q.Page = max(1, min(q.Page, 10000))
	if q.MinPrice.IsNegative() {
		q.MinPrice = decimal.Zero
	}
	if q.MaxPrice.IsNegative() {
		q.MaxPrice = decimal.Zero
	}
	if !q.MaxPrice.IsZero() && q.MaxPrice.LessThan(q.MinPrice) {
		q.MinPrice, q.MaxPrice = q.MaxPrice, q.MinPrice
	}
	ids := slices.Clone(q.ValueIDs)
	slices.Sort(ids)
	q.ValueIDs = slices.Compact(ids)
	if len(q.ValueIDs) > 50 {
		q.ValueIDs = q.ValueIDs[:50]
	}
	return q
}

// TextPart is a piece of text, marked when it matched the shopper's search.
// Views escape Text; only the mark element is theirs.
type TextPart struct {
	Text string
	Mark bool
}

// ShopCard is one product in the listing.
type ShopCard struct {
	ID           int64
	Name         string
	NameParts    []TextPart // the name with the searched words marked
	CategoryName string
	CoverID      int64 // 0: no image
	CoverAlt     string
	Featured     bool
	Variants     int
	Price        decimal.Decimal // lowest price of its variants, as shown
	PriceFrom    bool            // variants have different prices
	Stock        StockLevel      // all variants together, in the website's warehouse
}

// CategoryFacet is a category of the tree with the number of matching products
// in it and below it.
type CategoryFacet struct {
	Category
	Depth    int
	Count    int
	Selected bool
}

// ValueFacet is an attribute value with the number of matching products.
type ValueFacet struct {
	AttributeValue
	Count    int
	Selected bool
}

// AttributeFacet groups the values of one attribute.
type AttributeFacet struct {
	Attribute
	Values []ValueFacet
}

// ShopPage is one page of the listing with what its filters need.
type ShopPage struct {
	Query       ShopQuery // as understood (normalized)
	Cards       []ShopCard
	Total       int
	Fuzzy       bool // nothing matched the words exactly: these are close matches
	Category    *Category
	Breadcrumbs []Category // root first, the selected category last
	Categories  []CategoryFacet
	Attributes  []AttributeFacet
	PriceMin    decimal.Decimal // range of the prices shown, ignoring the price filter
	PriceMax    decimal.Decimal
	Suggestions []ShopSuggestion // for an empty result
	TaxIncluded bool
	Currency    Currency
}

// ShopSuggestion is a product name close to what the shopper typed.
type ShopSuggestion struct {
	ID   int64
	Name string
}

// Pages is the number of pages of the listing (at least 1).
func (p ShopPage) Pages() int {
	if p.Total == 0 || p.Query.PerPage == 0 {
		return 1
	}
	return (p.Total + p.Query.PerPage - 1) / p.Query.PerPage
}

// shopNormName is the product name in lower case without punctuation,
// with a trigram index (shop_products, migration 20261127000006).
const shopNormName = "sp.norm_name"

// Search stages: the words as typed (and as prefixes), words one swap
// away, names with similar words.
const (
	shopExact = iota
	shopSwapped
	shopSimilar
)

// shopFuzzyThreshold is how close (pg_trgm word similarity) a word must be
// to count as a typo of a name's word.
const shopFuzzyThreshold = "0.4"

// shopVisible is the condition for a template a shopper may see.
const shopVisible = `pt.published AND pt.active`

// ShopProducts returns one page of the published, active products matching q,
// with the data of the listing's filters: categories and attribute values
// with counts, and the range of prices. Prices are the lowest of each
// product's active variants, shown with or without taxes as the company
// displays them. A search runs over the full-text document (words and word
// prefixes); when nothing matches it falls back to names with similar
// words, to forgive typos, and the page says so (Fuzzy). It returns
// ENOTFOUND for an unknown category.
func ShopProducts(ctx context.Context, db bun.IDB, q ShopQuery) (ShopPage, error) {
	q = q.normalize()
	co, err := GetCompany(ctx, db)
	if err != nil {
		return ShopPage{}, err
	}
	page := ShopPage{Query: q, TaxIncluded: co.PricesIncludeTax, Currency: co.Currency()}

	cats, err := shopCategories(ctx, db)
	if err != nil {
		return page, err
	}
	var subtree []int64
	if q.CategoryID != 0 {
		byID := map[int64]Category{}
		for _, c := range cats {
			byID[c.ID] = c
		}
		c, ok := byID[q.CategoryID]
		if !ok {
			return page, Errorf(ENOTFOUND, "This category does not exist.")
		}
		page.Category = &c
		page.Breadcrumbs = categoryPathOf(byID, c.ID)
		for _, d := range cats {
			if d.ID == c.ID || strings.HasPrefix(d.CompleteName, c.CompleteName+" / ") {
				subtree = append(subtree, d.ID)
			}
		}
	}
	groups, err := shopValueGroups(ctx, db, q.ValueIDs)
	if err != nil {
		return page, err
	}

	res, err := shopQuery(ctx, db, q, co.PricesIncludeTax, subtree, groups, shopExact)
	if err != nil {
		return page, err
	}
	if res.Total == 0 && q.Search != "" && shopWords(q.Search) != nil {
		// Nothing has these words: forgive typos. First words one swap
		// away ("mgu" -> mug: the full-text index, cheap), then names with
		// similar words (trigrams, "tshrit" -> t-shirt), in a transaction
		// so that the similarity threshold applies to this query only.
		swapped, err := shopQuery(ctx, db, q, co.PricesIncludeTax, subtree, groups, shopSwapped)
		if err != nil {
			return page, err
		}
		if swapped.Total > 0 {
			res, page.Fuzzy = swapped, true
		}
		err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			if page.Fuzzy {
				return nil
			}
			if _, err := tx.ExecContext(ctx, "SELECT set_config('pg_trgm.word_similarity_threshold', ?, true)", shopFuzzyThreshold); err != nil {
				return err
			}
			similar, err := shopQuery(ctx, tx, q, co.PricesIncludeTax, subtree, groups, shopSimilar)
			if err != nil {
				return err
			}
			if similar.Total > 0 {
				res, page.Fuzzy = similar, true
				return nil
			}
			page.Suggestions, err = shopSuggestions(ctx, tx, q.Search)
			return err
		})
		if err != nil {
			return page, fmt.Errorf("models: shop fuzzy search: %w", err)
		}
	}
	page.Total = res.Total
	page.PriceMin, page.PriceMax = co.Currency().Round(res.PriceMin), co.Currency().Round(res.PriceMax)

	if err := shopPriceCards(ctx, db, co, res.Cards); err != nil {
		return page, err
	}
	if err := shopStockCards(ctx, db, co, res.Cards); err != nil {
		return page, err
	}
	words := shopWords(q.Search)
	for i := range res.Cards {
		res.Cards[i].NameParts = HighlightWords(res.Cards[i].Name, words, page.Fuzzy)
	}
	page.Cards = res.Cards

	page.Categories = categoryFacets(cats, res.CategoryCounts, q.CategoryID)
	if !q.noFacets {
		page.Attributes, err = shopAttributeFacets(ctx, db, res.ValueCounts, q.ValueIDs)
		if err != nil {
			return page, err
		}
	}
	if page.Total == 0 && page.Suggestions == nil {
		page.Suggestions, err = shopSuggestions(ctx, db, "")
		if err != nil {
			return page, err
		}
	}
	return page, nil
}

// shopResult is what the listing statement returns, in one row of JSON.
type shopResult struct {
	Cards          []ShopCard
	Total          int
	CategoryCounts map[int64]int
	ValueCounts    map[int64]int
	PriceMin       decimal.Decimal
	PriceMax       decimal.Decimal
}

type shopCardRow struct {
	ID        int64           `json:"id"`
	Name      string          `json:"name"`
	Category  string          `json:"category"`
	Cover     int64           `json:"cover"`
	CoverAlt  string          `json:"cover_alt"`
	Featured  bool            `json:"featured"`
	Variants  int             `json:"variants"`
	ListPrice decimal.Decimal `json:"list_price"`
	MinExtra  decimal.Decimal `json:"min_extra"`
	MaxExtra  decimal.Decimal `json:"max_extra"`
}

type shopCount struct {
	ID int64 `json:"id"`
	N  int   `json:"n"`
}

// shopQuery runs the listing as one statement: the candidate products are
// computed once (search and visibility applied; category, attribute and
// price filters as flags), and the page, the total and every facet are
// aggregated from them. Each facet ignores its own filter, so a shopper
// sees what choosing another value would give.
func shopQuery(ctx context.Context, db bun.IDB, q ShopQuery, incl bool, subtree []int64, groups [][]int64, stage int) (shopResult, error) {
	var args []any
	// Placeholders are numbered: the pieces below appear in the statement
	// in another order than they are built.
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("?%d", len(args)-1)
	}

	// Match and rank.
	var match, rank string
	words := shopWords(q.Search)
	switch {
	case q.Search == "" || words == nil:
		match, rank = "TRUE", "0"
	case stage == shopExact:
		tsq := fmt.Sprintf("(websearch_to_tsquery('simple', %s) || to_tsquery('simple', %s))", arg(q.Search), arg(prefixTSQuery(words)))
		match = "pt.search_vector @@ " + tsq
		rank = fmt.Sprintf("ts_rank(pt.search_vector, (websearch_to_tsquery('simple', %s) || to_tsquery('simple', %s)))", arg(q.Search), arg(prefixTSQuery(words)))
	case stage == shopSwapped:
		tsq := fmt.Sprintf("to_tsquery('simple', %s)", arg(typoTSQuery(words)))
		match = "pt.search_vector @@ " + tsq
		rank = fmt.Sprintf("ts_rank(pt.search_vector, to_tsquery('simple', %s))", arg(typoTSQuery(words)))
	default:
		// Names with a word close to the shopper's (trigram index).
		norm := strings.Join(words, " ")
		match = fmt.Sprintf("sp.template_id IN (SELECT template_id FROM shop_products WHERE %s <%% norm_name)", arg(norm))
		rank = fmt.Sprintf("word_similarity(%s, %s)", arg(norm), shopNormName)
	}

	// shop_products (kept by triggers, see migration 20261127000006) has
	// what the listing needs of each product: visibility, category, the
	// lowest and highest variant price with and without taxes. The
	// product row itself is read only to search or sort by name.
	from := "shop_products sp"
	if match != "TRUE" {
		from = "shop_products sp JOIN product_templates pt ON pt.id = sp.template_id"
	}
	// Prices as shown, for sorting and the price filter; the cards' exact
	// prices are computed with ComputeTaxes.
	shown := func(col string) string {
		if incl {
			return "sp." + col + "_incl"
		}
		return "sp." + col + "_excl"
	}

	catOK := "TRUE"
	if q.CategoryID != 0 {
		catOK = fmt.Sprintf("coalesce(sp.category_id = ANY(%s::bigint[]), false)", arg(pgdialect.Array(subtree)))
	}
	valueOK, vmatch := "TRUE", ""
	if len(groups) > 0 {
		var conds []string
		for _, g := range groups {
			conds = append(conds, fmt.Sprintf("v.id IN (SELECT variant_id FROM product_variant_values WHERE value_id = ANY(%s::bigint[]))", arg(pgdialect.Array(g))))
		}
		vmatch = `vmatch AS (SELECT DISTINCT v.template_id FROM product_variants v WHERE v.active AND ` + strings.Join(conds, " AND ") + `),`
		valueOK = "sp.template_id IN (SELECT template_id FROM vmatch)"
	}
	var priceOK []string
	if q.MinPrice.IsPositive() {
		priceOK = append(priceOK, shown("price_max")+" >= "+arg(q.MinPrice))
	}
	if q.MaxPrice.IsPositive() {
		priceOK = append(priceOK, shown("price")+" <= "+arg(q.MaxPrice))
	}
	priceCond := "TRUE"
	if len(priceOK) > 0 {
		priceCond = strings.Join(priceOK, " AND ")
	}

	var order, sortName string
	switch q.Sort {
	case SortPriceAsc:
		order = "r.price, r.id"
	case SortPriceDesc:
		order = "r.price DESC, r.id DESC"
	case SortName:
		order, sortName = "r.sort_name, r.id", ", sp.sort_name"
	case SortNewest:
		order = "r.created_at DESC, r.id DESC"
	default:
		if match == "TRUE" {
			order = "r.featured DESC, r.created_at DESC, r.id DESC"
		} else {
			order = "r.rank DESC, r.featured DESC, r.id DESC"
		}
	}
	limit, offset := arg(q.PerPage), arg((q.Page-1)*q.PerPage)

	facets := `'[]'::json, '[]'::json, NULL::numeric, NULL::numeric`
	if !q.noFacets {
		facets = `
		(SELECT coalesce(json_agg(json_build_object('id', category_id, 'n', n)), '[]') FROM (
			SELECT category_id, count(*) AS n FROM base WHERE value_ok AND price_ok AND category_id IS NOT NULL
			GROUP BY category_id) c) AS categories,
		(SELECT coalesce(json_agg(json_build_object('id', value_id, 'n', n)), '[]') FROM (
			SELECT unnest(value_ids) AS value_id, count(*) AS n FROM base
			WHERE cat_ok AND price_ok GROUP BY 1) vc) AS value_counts,
		(SELECT min(price) FROM base WHERE cat_ok AND value_ok) AS price_min,
		(SELECT max(price_max) FROM base WHERE cat_ok AND value_ok) AS price_max`
	}

	// base holds one narrow row per candidate, computed once; the page's
	// rows are joined back to their product for the card.
	stmt := `WITH ` + vmatch + `
	base AS MATERIALIZED (
		SELECT sp.template_id AS id, sp.category_id, sp.featured, sp.created_at,
			sp.min_extra AS mn, sp.max_extra AS mx, sp.variants AS n, sp.value_ids,
			` + rank + ` AS rank` + sortName + `,
			` + shown("price") + ` AS price, ` + shown("price_max") + ` AS price_max,
			` + catOK + ` AS cat_ok, ` + valueOK + ` AS value_ok, ` + priceCond + ` AS price_ok
		FROM ` + from + `
		WHERE sp.visible AND ` + match + `
	),
	pg AS (SELECT * FROM base r WHERE cat_ok AND value_ok AND price_ok ORDER BY ` + order + ` LIMIT ` + limit + ` OFFSET ` + offset + `)
	SELECT
		(SELECT count(*) FROM base WHERE cat_ok AND value_ok AND price_ok) AS total,
		(SELECT coalesce(json_agg(json_build_object(
			'id', r.id, 'name', pt.name, 'featured', r.featured, 'variants', r.n,
			'list_price', pt.list_price, 'min_extra', r.mn, 'max_extra', r.mx,
			'category', coalesce((SELECT c.complete_name FROM product_categories c WHERE c.id = r.category_id), ''),
			'cover', coalesce(img.id, 0), 'cover_alt', coalesce(img.alt, '')) ORDER BY ` + order + `), '[]')
			FROM pg r
			JOIN product_templates pt ON pt.id = r.id
			LEFT JOIN LATERAL (SELECT pi.id, pi.alt FROM product_images pi WHERE pi.template_id = r.id
				ORDER BY pi.position, pi.id LIMIT 1) img ON TRUE) AS cards,
		` + facets

	var row struct {
		Total      int
		Cards      []byte
		Categories []byte
		Values     []byte
		PriceMin   decimal.NullDecimal
		PriceMax   decimal.NullDecimal
	}
	err := db.QueryRowContext(ctx, stmt, args...).Scan(&row.Total, &row.Cards, &row.Categories, &row.Values, &row.PriceMin, &row.PriceMax)
	if err != nil {
		return shopResult{}, fmt.Errorf("models: shop products: %w", err)
	}
	res := shopResult{Total: row.Total, CategoryCounts: map[int64]int{}, ValueCounts: map[int64]int{},
		PriceMin: row.PriceMin.Decimal, PriceMax: row.PriceMax.Decimal}
	var cards []shopCardRow
	var cc, vc []shopCount
	if err := errors.Join(json.Unmarshal(row.Cards, &cards), json.Unmarshal(row.Categories, &cc), json.Unmarshal(row.Values, &vc)); err != nil {
		return res, fmt.Errorf("models: shop products: decode: %w", err)
	}
	for _, c := range cc {
		res.CategoryCounts[c.ID] = c.N
	}
	for _, c := range vc {
		res.ValueCounts[c.ID] = c.N
	}
	for _, c := range cards {
		res.Cards = append(res.Cards, ShopCard{
			ID: c.ID, Name: c.Name, CategoryName: c.Category, CoverID: c.Cover, CoverAlt: c.CoverAlt,
			Featured: c.Featured, Variants: c.Variants,
			// Untaxed list prices for now; shopPriceCards applies the taxes.
			Price: c.ListPrice.Add(c.MinExtra), PriceFrom: !c.MinExtra.Equal(c.MaxExtra),
		})
	}
	return res, nil
}

// shopPriceCards turns the cards' list prices into prices as shown, with
// the products' taxes (one query for the page).
func shopPriceCards(ctx context.Context, db bun.IDB, co *Company, cards []ShopCard) error {
	if len(cards) == 0 {
		return nil
	}
	ids := make([]int64, len(cards))
	for i, c := range cards {
		ids[i] = c.ID
	}
	taxes, err := productTaxes(ctx, db, ids)
	if err != nil {
		return err
	}
	for i := range cards {
		cards[i].Price = ShownPrice(co, taxes[cards[i].ID], cards[i].Price)
	}
	return nil
}

// productTaxes returns the active sales taxes of each product, in the
// order they apply.
func productTaxes(ctx context.Context, db bun.IDB, templateIDs []int64) (map[int64][]Tax, error) {
	var links []ProductTemplateTax
	err := db.NewSelect().Model(&links).Relation("Tax").
		Where("product_template_tax.template_id IN (?)", bun.In(templateIDs)).
		Where("tax.active").
		OrderExpr("tax.sequence, tax.id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("models: product taxes: %w", err)
	}
	out := map[int64][]Tax{}
	for _, l := range links {
		out[l.TemplateID] = append(out[l.TemplateID], *l.Tax)
	}
	return out, nil
}

// ShownPrice is a unit price (as stored, which may include some taxes) the
// way the shop shows it: with every tax when the company displays prices
// tax included, else without any.
func ShownPrice(co *Company, taxes []Tax, price decimal.Decimal) decimal.Decimal {
	r := ComputeTaxes(taxes, price, decimal.NewFromInt(1), co.Currency(), false)
	if co.PricesIncludeTax {
		return r.TotalIncluded
	}
	return r.TotalExcluded
}

// shopCategories returns the whole category tree, in tree order.
// The slice is shared through the reference cache: do not modify it.
func shopCategories(ctx context.Context, db bun.IDB) ([]Category, error) {
	return cachedRef(ctx, refCategories, func() ([]Category, error) {
		var cats []Category
		if err := db.NewSelect().Model(&cats).OrderExpr("complete_name, id").Scan(ctx); err != nil {
			return nil, fmt.Errorf("models: shop categories: %w", err)
		}
		return cats, nil
	})
}

// categoryPathOf is the chain of categories from the root to id.
func categoryPathOf(byID map[int64]Category, id int64) []Category {
	var path []Category
	for seen := 0; seen < 64; seen++ {
		c, ok := byID[id]
		if !ok {
			break
		}
		path = append([]Category{c}, path...)
		if c.ParentID == nil {
			break
		}
		id = *c.ParentID
	}
	return path
}

// categoryFacets is the tree with the counts rolled up to the ancestors;
// categories without matching products are left out (the selected one
// and its ancestors stay).
func categoryFacets(cats []Category, counts map[int64]int, selected int64) []CategoryFacet {
	byID := map[int64]Category{}
	for _, c := range cats {
		byID[c.ID] = c
	}
	total := map[int64]int{}
	for id, n := range counts {
		for _, c := range categoryPathOf(byID, id) {
			total[c.ID] += n
		}
	}
	keep := map[int64]bool{}
	if selected != 0 {
		for _, c := range categoryPathOf(byID, selected) {
			keep[c.ID] = true
		}
	}
	var out []CategoryFacet
	for _, c := range cats {
		if total[c.ID] == 0 && !keep[c.ID] {
			continue
		}
		out = append(out, CategoryFacet{Category: c, Depth: strings.Count(c.CompleteName, " / "), Count: total[c.ID], Selected: c.ID == selected})
	}
	return out
}

// shopValueGroups groups the chosen attribute values by attribute; unknown
// ids are dropped.
func shopValueGroups(ctx context.Context, db bun.IDB, ids []int64) ([][]int64, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var vals []AttributeValue
	if err := db.NewSelect().Model(&vals).Where("id IN (?)", bun.In(ids)).OrderExpr("attribute_id, id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: shop values: %w", err)
	}
	var groups [][]int64
	for i, v := range vals {
		if i == 0 || vals[i-1].AttributeID != v.AttributeID {
			groups = append(groups, nil)
		}
		groups[len(groups)-1] = append(groups[len(groups)-1], v.ID)
	}
	return groups, nil
}

// shopAttributeFacets lists the attributes whose values appear in the
// results (or are chosen), with their counts.
func shopAttributeFacets(ctx context.Context, db bun.IDB, counts map[int64]int, selected []int64) ([]AttributeFacet, error) {
	ids := slices.Clone(selected)
	for id := range counts {
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	var attrs []Attribute
	err := db.NewSelect().Model(&attrs).
		Relation("Values", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("pav.id IN (?)", bun.In(ids)).OrderExpr("pav.sequence, pav.id")
		}).
		Where("pa.id IN (SELECT attribute_id FROM product_attribute_values WHERE id IN (?))", bun.In(ids)).
		OrderExpr("pa.sequence, pa.id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("models: shop attribute facets: %w", err)
	}
	out := make([]AttributeFacet, 0, len(attrs))
	for _, a := range attrs {
		f := AttributeFacet{Attribute: a}
		for _, v := range a.Values {
			f.Values = append(f.Values, ValueFacet{AttributeValue: v, Count: counts[v.ID], Selected: slices.Contains(selected, v.ID)})
		}
		f.Values = slices.DeleteFunc(f.Values, func(v ValueFacet) bool { return v.Count == 0 && !v.Selected })
		f.Attribute.Values = nil
		if len(f.Values) > 0 {
			out = append(out, f)
		}
	}
	return out, nil
}

// shopSuggestions proposes the names closest to words that found nothing
// (db must be a transaction: it lowers the similarity threshold for the
// trigram index), else the newest featured products.
func shopSuggestions(ctx context.Context, db bun.IDB, search string) ([]ShopSuggestion, error) {
	var out []ShopSuggestion
	if norm := strings.Join(shopWords(search), " "); norm != "" {
		if _, err := db.ExecContext(ctx, "SELECT set_config('pg_trgm.word_similarity_threshold', '0.3', true)"); err != nil {
			return nil, fmt.Errorf("models: shop suggestions: %w", err)
		}
		err := db.NewSelect().TableExpr("product_templates AS pt").ColumnExpr("pt.id, pt.name").
			Join("JOIN shop_products AS sp ON sp.template_id = pt.id AND sp.visible").
			Where("sp.template_id IN (SELECT template_id FROM shop_products WHERE ? <% norm_name)", norm).
			OrderExpr("word_similarity(?, "+shopNormName+") DESC, pt.id", norm).Limit(4).Scan(ctx, &out)
		if err != nil {
			return nil, fmt.Errorf("models: shop suggestions: %w", err)
		}
		if len(out) > 0 {
			return out, nil
		}
	}
	err := db.NewSelect().TableExpr("product_templates AS pt").ColumnExpr("pt.id, pt.name").
		Join("JOIN shop_products AS sp ON sp.template_id = pt.id AND sp.visible AND sp.featured").
		OrderExpr("sp.created_at DESC, pt.id DESC").Limit(4).Scan(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("models: shop suggestions: %w", err)
	}
	return out, nil
}
