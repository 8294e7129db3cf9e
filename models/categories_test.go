package models_test

import (
	"context"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"orderflow/models"
	"orderflow/tests/testdb"
)

func catMust(t *testing.T, db *bun.DB, name string, parent *models.Category) *models.Category {
	t.Helper()
	in := models.CategoryInput{Name: name}
	if parent != nil {
		in.ParentID = &parent.ID
	}
	c, err := models.CreateCategory(context.Background(), db, in, 0)
	if err != nil {
		t.Fatalf("create category %q: %v", name, err)
	}
	return c
}

func catCompleteName(t *testing.T, db *bun.DB, id int64) string {
	t.Helper()
	c, err := models.GetCategory(context.Background(), db, id)
	if err != nil {
		t.Fatal(err)
	}
	return c.CompleteName
}

// catProduct inserts a bare product template in category (directly with bun,
// as the products slice is not needed for these tests).
func catProduct(t *testing.T, db bun.IDB, name string, categoryID *int64) *models.ProductTemplate {
	t.Helper()
	p := &models.ProductTemplate{Name: name, CategoryID: categoryID, Type: models.ProductConsumable, Tracking: models.TrackingNone, InvoicePolicy: models.InvoiceOrdered, Active: true}
	if _, err := db.NewInsert().Model(p).Returning("id").Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := models.RefreshProductSearch(context.Background(), db, p.ID); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCategoryMoveRewritesDescendantPaths(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	apparel := catMust(t, db, "Apparel", nil)
	tops := catMust(t, db, "Tops", apparel)
	tshirts := catMust(t, db, "T-shirts", tops)
	vneck := catMust(t, db, "V-neck", tshirts)
	home := catMust(t, db, "Home", nil)
	if got, want := vneck.CompleteName, "Apparel / Tops / T-shirts / V-neck"; got != want {
		t.Fatalf("complete_name=%q, want %q", got, want)
	}
	p := catProduct(t, db, "Plain tee", &vneck.ID)

	// Move Tops (with two levels below) under Home and rename it.
	moved, err := models.UpdateCategory(ctx, db, tops.ID, models.CategoryInput{Name: "  Shirts  and tops ", ParentID: &home.ID}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := moved.CompleteName, "Home / Shirts and tops"; got != want {
		t.Fatalf("moved complete_name=%q, want %q", got, want)
	}
	for id, want := range map[int64]string{
		tshirts.ID: "Home / Shirts and tops / T-shirts",
		vneck.ID:   "Home / Shirts and tops / T-shirts / V-neck",
		apparel.ID: "Apparel",
	} {
		if got := catCompleteName(t, db, id); got != want {
			t.Errorf("complete_name of %d=%q, want %q", id, got, want)
		}
	}
	// The product's search document follows the new path.
	var found bool
	if err := db.NewSelect().Model((*models.ProductTemplate)(nil)).ColumnExpr("search_vector @@ to_tsquery('simple', 'home')").Where("id = ?", p.ID).Scan(ctx, &found); err != nil {
		t.Fatal(err)
	}
	if !found {
		t.Error("the product's search document does not contain its new category path")
	}

	// Breadcrumbs go from the root to the leaf.
	path, err := models.CategoryPath(ctx, db, vneck.ID)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range path {
		names = append(names, c.Name)
	}
	if got, want := strings.Join(names, " > "), "Home > Shirts and tops > T-shirts > V-neck"; got != want {
		t.Fatalf("path=%q, want %q", got, want)
	}

	// Back to the top level.
	if _, err := models.UpdateCategory(ctx, db, tops.ID, models.CategoryInput{Name: "Tops"}, 0); err != nil {
		t.Fatal(err)
	}
	if got, want := catCompleteName(t, db, vneck.ID), "Tops / T-shirts / V-neck"; got != want {
		t.Fatalf("after move to top: %q, want %q", got, want)
	}

	// The tree list: parents before children, with depth and counts.
	nodes, err := models.ListCategories(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, n := range nodes {
		order = append(order, strings.Repeat("-", n.Depth)+n.Name)
		if n.ID == tops.ID && (n.ProductCount != 0 || n.SubtreeCount != 1 || n.ChildrenCount != 1) {
			t.Errorf("Tops counts: direct %d, subtree %d, children %d; want 0, 1, 1", n.ProductCount, n.SubtreeCount, n.ChildrenCount)
		}
		if n.ID == vneck.ID && n.ProductCount != 1 {
			t.Errorf("V-neck product count %d, want 1", n.ProductCount)
		}
	}
	if got, want := strings.Join(order, ","), "Apparel,Home,Tops,-T-shirts,--V-neck"; got != want {
		t.Fatalf("tree order %s, want %s", got, want)
	}
}

func TestCategoryCycleRefused(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	a := catMust(t, db, "Apparel", nil)
	b := catMust(t, db, "T-shirts", a)
	c := catMust(t, db, "V-neck", b)
	for _, parent := range []int64{a.ID, c.ID, b.ID} {
		target := a.ID
		if parent == b.ID {
			target = b.ID // under itself
		}
		_, err := models.UpdateCategory(ctx, db, target, models.CategoryInput{Name: "X", ParentID: &parent}, 0)
		if models.ErrorCode(err) != models.EINVALID || !strings.Contains(models.FieldErrors(err)["parent_id"], "under itself or one of its subcategories") {
			t.Fatalf("move %d under %d: %v, want EINVALID on parent_id", target, parent, err)
		}
	}
	if got := catCompleteName(t, db, a.ID); got != "Apparel" {
		t.Fatalf("a refused move changed the category: %q", got)
	}
}

func TestCategoryDeleteRefusedWhileUsed(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	a := catMust(t, db, "Apparel", nil)
	b := catMust(t, db, "T-shirts", a)
	p := catProduct(t, db, "Tee", &b.ID)

	err := models.DeleteCategory(ctx, db, a.ID, 0)
	if models.ErrorCode(err) != models.ECONFLICT || !strings.Contains(models.ErrorMessage(err), "1 subcategory") {
		t.Fatalf("delete parent: %v, want ECONFLICT naming the subcategory", err)
	}
	err = models.DeleteCategory(ctx, db, b.ID, 0)
	if models.ErrorCode(err) != models.ECONFLICT || !strings.Contains(models.ErrorMessage(err), "1 product") {
		t.Fatalf("delete used category: %v, want ECONFLICT naming the product", err)
	}
	if _, err := db.NewUpdate().Model(p).Set("category_id = NULL").WherePK().Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if err := models.DeleteCategory(ctx, db, b.ID, 0); err != nil {
		t.Fatalf("delete unused: %v", err)
	}
	if err := models.DeleteCategory(ctx, db, a.ID, 0); err != nil {
		t.Fatalf("delete now childless: %v", err)
	}
	if err := models.DeleteCategory(ctx, db, a.ID, 0); models.ErrorCode(err) != models.ENOTFOUND {
		t.Fatalf("delete again: %v, want ENOTFOUND", err)
	}
}

func TestCategoryNamesUniqueAmongSiblings(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	a := catMust(t, db, "Apparel", nil)
	home := catMust(t, db, "Home", nil)
	catMust(t, db, "Shirts", a)
	catMust(t, db, "Shirts", home) // same name under another parent is fine

	_, err := models.CreateCategory(ctx, db, models.CategoryInput{Name: "shirts", ParentID: &a.ID}, 0)
	if models.ErrorCode(err) != models.EINVALID || !strings.Contains(models.FieldErrors(err)["name"], "already a category with this name in “Apparel”") {
		t.Fatalf("duplicate sibling: %v", err)
	}
	_, err = models.CreateCategory(ctx, db, models.CategoryInput{Name: "APPAREL"}, 0)
	if models.ErrorCode(err) != models.EINVALID || models.FieldErrors(err)["name"] == "" {
		t.Fatalf("duplicate root: %v", err)
	}
	// Renaming into a sibling's name is refused too; renaming to itself in another case is fine.
	_, err = models.UpdateCategory(ctx, db, home.ID, models.CategoryInput{Name: "apparel"}, 0)
	if models.ErrorCode(err) != models.EINVALID {
		t.Fatalf("rename into sibling: %v", err)
	}
	if _, err := models.UpdateCategory(ctx, db, home.ID, models.CategoryInput{Name: "HOME"}, 0); err != nil {
		t.Fatalf("case change: %v", err)
	}
	for name, want := range map[string]string{"": "Enter a name.", "A/B": "cannot contain “/”", strings.Repeat("x", 101): "at most 100"} {
		_, err := models.CreateCategory(ctx, db, models.CategoryInput{Name: name}, 0)
		if !strings.Contains(models.FieldErrors(err)["name"], want) {
			t.Errorf("name %.10q: %v, want %q", name, err, want)
		}
	}
	missing := int64(999999)
	if _, err := models.CreateCategory(ctx, db, models.CategoryInput{Name: "Orphan", ParentID: &missing}, 0); models.FieldErrors(err)["parent_id"] == "" {
		t.Fatalf("missing parent: %v", err)
	}
	if n, _ := db.NewSelect().Model((*models.Category)(nil)).Count(ctx); n != 4 {
		t.Fatalf("%d categories, want 4: a refused create saved something", n)
	}
}
