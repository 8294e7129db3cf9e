package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun"
)

const maxCategoryName = 100

// CategoryNode is a category as the tree list shows it.
type CategoryNode struct {
	Category
	Depth         int `bun:"depth,scanonly"`          // 0 for a root
	ProductCount  int `bun:"product_count,scanonly"`  // products directly in it
	SubtreeCount  int `bun:"subtree_count,scanonly"`  // products in it and below
	ChildrenCount int `bun:"children_count,scanonly"` // direct subcategories
}

// CategoryInput is what a person types to create, rename or move a category.
type CategoryInput struct {
	Name     string
	ParentID *int64 // nil: a root category
}

// lockCategoryTree serialises every change to the category tree within the
// calling transaction, so that two concurrent moves cannot build a cycle and
// a rename cannot leave a child created meanwhile with a stale path.
func lockCategoryTree(ctx context.Context, tx bun.IDB) error {
	_, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(hashtext('orderflow:product_categories'))")
	return err
}

// ListCategories returns every category in tree order (each parent before
// its children, siblings by sequence and name), with its depth and how many
// products use it directly and with its subcategories.
func ListCategories(ctx context.Context, db bun.IDB) ([]CategoryNode, error) {
	var out []CategoryNode
	err := db.NewRaw(`
WITH RECURSIVE tree AS (
	SELECT c.id, 0 AS depth, ARRAY[lpad(c.sequence::text, 10, '0') || ' ' || lower(c.name) || ' ' || c.id::text] AS sort_path, ARRAY[c.id] AS id_path
	FROM product_categories c WHERE c.parent_id IS NULL
	UNION ALL
	SELECT c.id, t.depth + 1, t.sort_path || (lpad(c.sequence::text, 10, '0') || ' ' || lower(c.name) || ' ' || c.id::text), t.id_path || c.id
	FROM product_categories c JOIN tree t ON c.parent_id = t.id
),
direct AS (
	SELECT category_id, count(*) AS n FROM product_templates WHERE category_id IS NOT NULL GROUP BY category_id
)
SELECT pc.*, t.depth,
	coalesce(d.n, 0) AS product_count,
	(SELECT coalesce(sum(d2.n), 0) FROM tree t2 JOIN direct d2 ON d2.category_id = t2.id WHERE pc.id = ANY (t2.id_path)) AS subtree_count,
	(SELECT count(*) FROM product_categories ch WHERE ch.parent_id = pc.id) AS children_count
FROM tree t
JOIN product_categories pc ON pc.id = t.id
LEFT JOIN direct d ON d.category_id = pc.id
ORDER BY t.sort_path`).Scan(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("models: list categories: %w", err)
	}
	return out, nil
}

// GetCategory returns the category with id, or ENOTFOUND.
func GetCategory(ctx context.Context, db bun.IDB, id int64) (*Category, error) {
	c := new(Category)
	if err := db.NewSelect().Model(c).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, "The category")
	}
	return c, nil
}

// CategoryPath returns the category with id and its ancestors, root first
// (for breadcrumbs), or ENOTFOUND.
func CategoryPath(ctx context.Context, db bun.IDB, id int64) ([]Category, error) {
	var out []Category
	err := db.NewRaw(`
WITH RECURSIVE up AS (
	SELECT c.*, 0 AS level FROM product_categories c WHERE c.id = ?
	UNION ALL
	SELECT p.*, up.level + 1 FROM product_categories p JOIN up ON p.id = up.parent_id
)
SELECT id, name, parent_id, complete_name, sequence, created_at, updated_at FROM up ORDER BY level DESC`, id).Scan(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("models: category path %d: %w", id, err)
	}
	if len(out) == 0 {
		return nil, Errorf(ENOTFOUND, "The category was not found.")
	}
	return out, nil
}

func validateCategory(in *CategoryInput) error {
	p := Problems{}
	in.Name = strings.Join(strings.Fields(in.Name), " ")
	switch {
	case in.Name == "":
		p.Add("name", "Enter a name.")
	case utf8.RuneCountInString(in.Name) > maxCategoryName:
		p.Add("name", fmt.Sprintf("Use at most %d characters.", maxCategoryName))
	case strings.Contains(in.Name, "/"):
		p.Add("name", "A category name cannot contain “/”: it separates the levels of the path.")
	}
	if in.ParentID != nil && *in.ParentID <= 0 {
		in.ParentID = nil
	}
	return p.Err()
}

// checkCategoryParent loads the chosen parent (or returns a field problem
// when it is gone) and refuses a sibling with the same name.
func checkCategoryParent(ctx context.Context, tx bun.IDB, in CategoryInput, selfID int64) (*Category, error) {
	var parent *Category
	if in.ParentID != nil {
		parent = new(Category)
		if err := tx.NewSelect().Model(parent).Where("id = ?", *in.ParentID).Scan(ctx); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return nil, &Error{Code: EINVALID, Message: "The chosen parent category no longer exists.", Fields: map[string]string{"parent_id": "This category no longer exists; choose another."}}
			}
			return nil, err
		}
	}
	taken, err := tx.NewSelect().Model((*Category)(nil)).
		Where("coalesce(parent_id, 0) = ?", categoryParentKey(in.ParentID)).
		Where("lower(name) = lower(?)", in.Name).
		Where("id <> ?", selfID).
		Exists(ctx)
	if err != nil {
		return nil, err
	}
	if taken {
		return nil, siblingNameTaken(parent)
	}
	return parent, nil
}

func siblingNameTaken(parent *Category) error {
	where := "at the top level"
	if parent != nil {
		where = "in “" + parent.CompleteName + "”"
	}
	msg := "There is already a category with this name " + where + "."
	return &Error{Code: EINVALID, Message: msg, Fields: map[string]string{"name": msg}}
}

func categoryParentKey(id *int64) int64 {
	if id == nil {
		return 0
	}
	return *id
}

func joinCategoryPath(parent *Category, name string) string {
	if parent == nil {
		return name
	}
	return parent.CompleteName + " / " + name
}

// CreateCategory adds a category under in.ParentID (or at the top). It
// returns EINVALID when the name is missing, too long, contains "/" or is
// already used by a sibling (case-insensitive).
func CreateCategory(ctx context.Context, db *bun.DB, in CategoryInput, actorID int64) (*Category, error) {
	if err := validateCategory(&in); err != nil {
		return nil, err
	}
	c := &Category{Name: in.Name, ParentID: in.ParentID, Sequence: 10}
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := lockCategoryTree(ctx, tx); err != nil {
			return err
		}
		parent, err := checkCategoryParent(ctx, tx, in, 0)
		if err != nil {
			return err
		}
		c.CompleteName = joinCategoryPath(parent, in.Name)
		if _, err := tx.NewInsert().Model(c).Returning("*").Exec(ctx); err != nil {
			if isUniqueViolation(err) {
				return siblingNameTaken(parent)
			}
			return err
		}
		return RecordHistory(ctx, tx, "category", c.ID, actorID, "Category “"+c.CompleteName+"” created.")
	})
	if err != nil {
		return nil, wrapOp(err, "create category")
	}
	return c, nil
}

// UpdateCategory renames and/or moves a category. Moving a category under
// itself or one of its descendants is refused (EINVALID on parent_id). The
// complete name of the category and of all its descendants is rebuilt, and
// the search document of their products refreshed, in the same transaction.
// It serialises with every other category tree change.
func UpdateCategory(ctx context.Context, db *bun.DB, id int64, in CategoryInput, actorID int64) (*Category, error) {
	if err := validateCategory(&in); err != nil {
		return nil, err
	}
	var c Category
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := lockCategoryTree(ctx, tx); err != nil {
			return err
		}
		if err := tx.NewSelect().Model(&c).Where("id = ?", id).For("UPDATE").Scan(ctx); err != nil {
			return notFound(err, "The category")
		}
		if in.ParentID != nil && categoryParentKey(in.ParentID) != categoryParentKey(c.ParentID) {
			var cycle bool
			err := tx.NewRaw(`
WITH RECURSIVE sub AS (
	SELECT id FROM product_categories WHERE id = ?
	UNION ALL
	SELECT c.id FROM product_categories c JOIN sub ON c.parent_id = sub.id
)
SELECT EXISTS (SELECT 1 FROM sub WHERE id = ?)`, id, *in.ParentID).Scan(ctx, &cycle)
			if err != nil {
				return err
			}
			if cycle {
				msg := "A category cannot be moved under itself or one of its subcategories."
				return &Error{Code: EINVALID, Message: msg, Fields: map[string]string{"parent_id": msg}}
			}
		}
		parent, err := checkCategoryParent(ctx, tx, in, id)
		if err != nil {
			return err
		}
		var changes []string
		if c.Name != in.Name {
			changes = append(changes, fmt.Sprintf("renamed “%s” → “%s”", c.Name, in.Name))
		}
		if categoryParentKey(c.ParentID) != categoryParentKey(in.ParentID) {
			to := "the top level"
			if parent != nil {
				to = "“" + parent.CompleteName + "”"
			}
			changes = append(changes, "moved to "+to)
		}
		if len(changes) == 0 {
			return nil
		}
		c.Name, c.ParentID, c.UpdatedAt = in.Name, in.ParentID, time.Now()
		if _, err := tx.NewUpdate().Model(&c).Column("name", "parent_id", "updated_at").WherePK().Exec(ctx); err != nil {
			if isUniqueViolation(err) {
				return siblingNameTaken(parent)
			}
			return err
		}
		if err := rebuildCategoryPaths(ctx, tx, id); err != nil {
			return err
		}
		if err := tx.NewSelect().Model(&c).WherePK().Scan(ctx); err != nil {
			return err
		}
		return RecordHistory(ctx, tx, "category", c.ID, actorID, "Category "+strings.Join(changes, "; ")+".")
	})
	if err != nil {
		return nil, wrapOp(err, "update category")
	}
	return &c, nil
}

// rebuildCategoryPaths recomputes complete_name for the category id and all
// its descendants in one statement, then refreshes the search document of
// the products in them (the category path is part of it).
func rebuildCategoryPaths(ctx context.Context, tx bun.IDB, id int64) error {
	var ids []int64
	err := tx.NewRaw(`
WITH RECURSIVE tree AS (
	SELECT c.id, CASE WHEN p.id IS NULL THEN c.name ELSE p.complete_name || ' / ' || c.name END AS path
	FROM product_categories c LEFT JOIN product_categories p ON p.id = c.parent_id
	WHERE c.id = ?
	UNION ALL
	SELECT c.id, tree.path || ' / ' || c.name
	FROM product_categories c JOIN tree ON c.parent_id = tree.id
)
UPDATE product_categories pc SET complete_name = tree.path, updated_at = now()
FROM tree WHERE pc.id = tree.id
RETURNING pc.id`, id).Scan(ctx, &ids)
	if err != nil {
		return fmt.Errorf("rebuild category paths: %w", err)
	}
	var products []int64
	if err := tx.NewSelect().Model((*ProductTemplate)(nil)).Column("id").
		Where("category_id IN (?)", bun.In(ids)).Scan(ctx, &products); err != nil {
		return err
	}
	if len(products) == 0 {
		return nil // RefreshProductSearch without ids would refresh every product
	}
	return RefreshProductSearch(ctx, tx, products...)
}

// DeleteCategory deletes a category that no product and no subcategory
// uses; otherwise it returns ECONFLICT saying what still uses it.
func DeleteCategory(ctx context.Context, db *bun.DB, id int64, actorID int64) error {
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := lockCategoryTree(ctx, tx); err != nil {
			return err
		}
		var c Category
		if err := tx.NewSelect().Model(&c).Where("id = ?", id).For("UPDATE").Scan(ctx); err != nil {
			return notFound(err, "The category")
		}
		children, err := tx.NewSelect().Model((*Category)(nil)).Where("parent_id = ?", id).Count(ctx)
		if err != nil {
			return err
		}
		products, err := tx.NewSelect().Model((*ProductTemplate)(nil)).Where("category_id = ?", id).Count(ctx)
		if err != nil {
			return err
		}
		if children > 0 || products > 0 {
			return categoryInUse(c.CompleteName, int(children), int(products))
		}
		if _, err := tx.NewDelete().Model(&c).WherePK().Exec(ctx); err != nil {
			if isCategoryFKViolation(err) { // a product was given it meanwhile
				return Errorf(ECONFLICT, "“%s” is now used by a product, so it cannot be deleted.", c.CompleteName)
			}
			return err
		}
		return RecordHistory(ctx, tx, "category", c.ID, actorID, "Category “"+c.CompleteName+"” deleted.")
	})
	if err != nil {
		return wrapOp(err, "delete category")
	}
	return nil
}

func categoryInUse(name string, children, products int) error {
	var uses []string
	if products > 0 {
		uses = append(uses, categoryCountNoun(products, "product", "products"))
	}
	if children > 0 {
		uses = append(uses, categoryCountNoun(children, "subcategory", "subcategories"))
	}
	return Errorf(ECONFLICT, "“%s” cannot be deleted: it still has %s. Move them to another category first.", name, strings.Join(uses, " and "))
}

func categoryCountNoun(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// isForeignKeyViolation reports whether err is PostgreSQL's foreign_key_violation.
func isCategoryFKViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23503"
}
