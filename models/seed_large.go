package models

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// SeedLargeCatalog adds n generated products, for benchmarks and load
// tests: plausible names and descriptions, prices from 5 to 205, spread
// over the leaf categories (the demo tree is created when there is none),
// VAT, one variant each and three sizes for every fifth product; one in
// twenty is unpublished and one in fifty featured. Rows are made by a few
// set-based statements, so 10,000 products take seconds.
func SeedLargeCatalog(ctx context.Context, db bun.IDB, n int) error {
	if n <= 0 {
		return nil
	}
	return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := seedLargeCatalog(ctx, tx, n); err != nil {
			return fmt.Errorf("models: seed %d products: %w", n, err)
		}
		return nil
	})
}

func seedLargeCatalog(ctx context.Context, tx bun.Tx, n int) error {
	if err := SeedTaxes(ctx, tx); err != nil {
		return err
	}
	if _, err := SeedAttributes(ctx, tx); err != nil {
		return err
	}
	if err := ensureDemoCategories(ctx, tx); err != nil {
		return err
	}
	// The triggers that keep shop_products would refresh every product
	// after each statement; refresh once at the end instead.
	if _, err := tx.ExecContext(ctx, "SELECT set_config('orderflow.shop_bulk', 'on', true)"); err != nil {
		return err
	}
	var from int64
	if err := tx.NewRaw("SELECT coalesce(max(id), 0) FROM product_templates").Scan(ctx, &from); err != nil {
		return err
	}
	steps := []string{
		// Products: names combine words so that searches find a few hundred.
		`INSERT INTO product_templates (name, default_code, description, description_html, category_id,
			list_price, cost, weight, published, featured, created_at)
		SELECT
			(ARRAY['Classic','Organic','Recycled','Vintage','Everyday','Premium','Compact','Heavy','Light','Handmade','Rustic','Modern'])[1 + i % 12] || ' ' ||
			(ARRAY['Cotton','Linen','Oak','Steel','Wool','Bamboo','Ceramic','Leather','Glass','Canvas','Brass','Cork'])[1 + (i / 12) % 12] || ' ' ||
			(ARRAY['T-shirt','Hoodie','Mug','Vase','Notebook','Lamp','Bottle','Tent','Blanket','Basket','Pen','Jacket','Cushion','Skillet','Planner','Candle'])[1 + (i / 144) % 16] ||
			' ' || i,
			'GEN-' || i,
			'A generated product for load tests, number ' || i || '. Durable, useful and good-looking.',
			'<p>A generated product for load tests, number ' || i || '. Durable, useful and good-looking.</p>',
			cats.ids[1 + i % array_length(cats.ids, 1)],
			5 + (i * 7919 % 20000) / 100.0, 2 + (i * 7919 % 20000) / 250.0, 0.1 + (i % 40) / 10.0,
			i % 20 <> 0, i % 50 = 0, now() - make_interval(days => (i % 365)::int, secs => i::float8)
		FROM generate_series(?0::bigint + 1, ?0::bigint + ?1) AS i,
			(SELECT array_agg(c.id ORDER BY c.id) AS ids FROM product_categories c
				WHERE NOT EXISTS (SELECT 1 FROM product_categories k WHERE k.parent_id = c.id)) cats`,
		// VAT: reduced rate on paper goods.
		`INSERT INTO product_template_taxes (template_id, tax_id)
		SELECT pt.id, (SELECT id FROM taxes WHERE name = CASE WHEN pt.name ~ '(Notebook|Planner)' THEN 'VAT 6%' ELSE 'VAT 21%' END)
		FROM product_templates pt WHERE pt.default_code LIKE 'GEN-%' AND pt.id > ?0`,
		// One variant, or S, M and L (L costs 2.00 more) for every fifth product.
		`INSERT INTO product_template_attribute_values (template_id, value_id)
		SELECT pt.id, v.id FROM product_templates pt
		JOIN product_attribute_values v ON v.name IN ('S', 'M', 'L')
		JOIN product_attributes a ON a.id = v.attribute_id AND a.name = 'Size'
		WHERE pt.default_code LIKE 'GEN-%' AND pt.id > ?0 AND pt.id % 5 = 0`,
		`INSERT INTO product_variants (template_id, sku, price_extra, combination)
		SELECT pt.id, pt.default_code || '-' || pt.id || coalesce('-' || v.name, ''),
			CASE WHEN v.name = 'L' THEN 2 ELSE 0 END, coalesce(v.id::text, '')
		FROM product_templates pt
		LEFT JOIN product_template_attribute_values tv ON tv.template_id = pt.id
		LEFT JOIN product_attribute_values v ON v.id = tv.value_id
		WHERE pt.default_code LIKE 'GEN-%' AND pt.id > ?0`,
		`INSERT INTO product_variant_values (variant_id, value_id)
		SELECT pv.id, pv.combination::bigint FROM product_variants pv
		WHERE pv.template_id > ?0 AND pv.combination <> ''`,
	}
	for _, q := range steps {
		if _, err := tx.ExecContext(ctx, q, from, n); err != nil {
			return err
		}
	}
	var ids []int64
	if err := tx.NewSelect().Model((*ProductTemplate)(nil)).Column("id").Where("id > ?", from).Scan(ctx, &ids); err != nil {
		return err
	}
	if err := RefreshProductSearch(ctx, tx, ids...); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "SELECT shop_products_refresh(?::bigint[]), set_config('orderflow.shop_bulk', 'off', true)", pgdialect.Array(ids)); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, "ANALYZE product_templates, product_variants, product_variant_values, product_template_taxes, shop_products")
	return err
}

// ensureDemoCategories creates the demo category tree when there are no
// categories at all.
func ensureDemoCategories(ctx context.Context, tx bun.Tx) error {
	if exists, err := tx.NewSelect().Model((*Category)(nil)).Exists(ctx); err != nil || exists {
		return err
	}
	_, err := seedDemoCategories(ctx, tx)
	return err
}
