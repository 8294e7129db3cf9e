package models

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
)

// RefreshProductSearch rebuilds the full-text document of the given product
// templates (all of them when none is given): name weighs most, then the
// internal reference, category path and variant SKUs/barcodes, then the
// description. Call it, inside the same transaction, after any change to
// those fields.
func RefreshProductSearch(ctx context.Context, db bun.IDB, templateIDs ...int64) error {
	q := db.NewUpdate().TableExpr("product_templates AS pt").
		Set(`search_vector =
			setweight(to_tsvector('simple', pt.name), 'A') ||
			setweight(to_tsvector('simple', pt.default_code || ' ' ||
				coalesce((SELECT c.complete_name FROM product_categories c WHERE c.id = pt.category_id), '') || ' ' ||
				coalesce((SELECT string_agg(v.sku || ' ' || coalesce(v.barcode, ''), ' ') FROM product_variants v WHERE v.template_id = pt.id), '')), 'B') ||
			setweight(to_tsvector('simple', pt.description), 'C')`)
	if len(templateIDs) > 0 {
		q = q.Where("pt.id IN (?)", bun.In(templateIDs))
	} else {
		q = q.Where("TRUE")
	}
	if _, err := q.Exec(ctx); err != nil {
		return fmt.Errorf("models: refresh product search: %w", err)
	}
	return nil
}
