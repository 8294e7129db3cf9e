package models_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"orderflow/models"
	"orderflow/tests/testdb"
)

func attrValueNames(a *models.Attribute) string {
	var names []string
	for _, v := range a.Values {
		s := v.Name
		if v.HTMLColor != "" {
			s += v.HTMLColor
		}
		names = append(names, s)
	}
	return strings.Join(names, ",")
}

func TestAttributeValuesEditAndReorder(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	a, err := models.CreateAttribute(ctx, db, models.AttributeInput{Name: "Colour", Values: []models.AttributeValueInput{
		{Name: "Red", HTMLColor: "#C0392B"}, {Name: "Blue"}, {Name: "Green", HTMLColor: "00aa00"},
	}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := attrValueNames(a), "Red#c0392b,Blue,Green#00aa00"; got != want {
		t.Fatalf("values %q, want %q", got, want)
	}
	red, blue, green := a.Values[0], a.Values[1], a.Values[2]

	// Rename the attribute, swap two value names, reorder, drop one, add one.
	got, err := models.UpdateAttribute(ctx, db, a.ID, models.AttributeInput{Name: "Color", Values: []models.AttributeValueInput{
		{ID: blue.ID, Name: "Red", HTMLColor: "#c0392b"},
		{Name: "Navy", HTMLColor: "#1f2a44"},
		{ID: red.ID, Name: "Blue"},
	}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "Color" || attrValueNames(got) != "Red#c0392b,Navy#1f2a44,Blue" {
		t.Fatalf("after update: %s %q", got.Name, attrValueNames(got))
	}
	if exists, err := db.NewSelect().Model((*models.AttributeValue)(nil)).Where("id = ?", green.ID).Exists(ctx); err != nil || exists {
		t.Fatalf("the value left out is still there (%v)", err)
	}
	list, err := models.ListAttributes(ctx, db)
	if err != nil || len(list) != 1 || len(list[0].Values) != 3 {
		t.Fatalf("list: %+v, %v", list, err)
	}

	// As the form sends it: every row, removals flagged, blank rows ignored.
	var rows []models.AttributeValueInput
	for _, v := range got.Values {
		rows = append(rows, models.AttributeValueInput{ID: v.ID, Name: v.Name, HTMLColor: v.HTMLColor, Remove: v.Name == "Navy"})
	}
	rows = append(rows, models.AttributeValueInput{}, models.AttributeValueInput{Name: "White", HTMLColor: "#ffffff"}, models.AttributeValueInput{})
	got, err = models.UpdateAttribute(ctx, db, a.ID, models.AttributeInput{Name: "Color", Values: rows}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := attrValueNames(got), "Red#c0392b,Blue,White#ffffff"; got != want {
		t.Fatalf("after form update %q, want %q", got, want)
	}
}

func TestAttributeValidation(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	if _, err := models.CreateAttribute(ctx, db, models.AttributeInput{Name: "Size"}, 0); err != nil {
		t.Fatal(err)
	}
	_, err := models.CreateAttribute(ctx, db, models.AttributeInput{Name: "size"}, 0)
	if models.FieldErrors(err)["name"] == "" {
		t.Fatalf("duplicate attribute name: %v", err)
	}
	_, err = models.CreateAttribute(ctx, db, models.AttributeInput{Name: "", Values: []models.AttributeValueInput{
		{Name: "Red", HTMLColor: "red"}, {Name: "", HTMLColor: "#ff0000"}, {Name: "red"}, {},
	}}, 0)
	f := models.FieldErrors(err)
	for key, want := range map[string]string{
		"name":                             "Enter a name.",
		models.AttributeValueColorField(0): "#rrggbb",
		models.AttributeValueNameField(1):  "Enter the value's name.",
		models.AttributeValueNameField(2):  "listed twice",
	} {
		if !strings.Contains(f[key], want) {
			t.Errorf("%s: %q, want %q", key, f[key], want)
		}
	}
	if n, _ := db.NewSelect().Model((*models.Attribute)(nil)).Count(ctx); n != 1 {
		t.Fatalf("%d attributes, want 1", n)
	}
}

func TestAttributeValueRemovalRefusedWhileUsed(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	attrs, err := models.SeedAttributes(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := models.SeedAttributes(ctx, db); err != nil || len(again["Size"].Values) != 5 {
		t.Fatalf("seed again: %v, %d sizes", err, len(again["Size"].Values))
	}
	color := attrs["Color"]
	if got, want := attrValueNames(&color), "White#ffffff,Black#111111,Navy#1f2a44,Red#c0392b"; got != want {
		t.Fatalf("seeded colours %q, want %q", got, want)
	}
	navy := color.Values[2]

	p := catProduct(t, db, "Tee", nil)
	v := &models.ProductVariant{TemplateID: p.ID, SKU: "TEE-NAVY", Active: true, Combination: strconv.FormatInt(navy.ID, 10)}
	if _, err := db.NewInsert().Model(v).Returning("*").Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := db.NewInsert().Model(&models.ProductVariantValue{VariantID: v.ID, ValueID: navy.ID}).Exec(ctx); err != nil {
		t.Fatal(err)
	}

	var in models.AttributeInput
	in.Name = "Colour" // a rename in the same request must not be saved either
	for _, val := range color.Values {
		if val.ID != navy.ID {
			in.Values = append(in.Values, models.AttributeValueInput{ID: val.ID, Name: val.Name, HTMLColor: val.HTMLColor})
		}
	}
	_, err = models.UpdateAttribute(ctx, db, color.ID, in, 0)
	if models.ErrorCode(err) != models.ECONFLICT || !strings.Contains(models.FieldErrors(err)[models.AttributeValueRemoveField(navy.ID)], "1 variant uses it") {
		t.Fatalf("remove used value: %v, want ECONFLICT on the value", err)
	}
	after, err := models.GetAttribute(ctx, db, color.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.Name != "Color" || len(after.Values) != 4 {
		t.Fatalf("a refused update saved something: %s with %d values", after.Name, len(after.Values))
	}
	uses, err := models.AttributeValueUses(ctx, db, color.ID)
	if err != nil || uses[navy.ID].Variants != 1 || len(uses) != 1 {
		t.Fatalf("uses %+v, %v", uses, err)
	}

	// Once the variant is gone the value can go.
	if _, err := db.NewDelete().Model(v).WherePK().Exec(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := models.UpdateAttribute(ctx, db, color.ID, in, 0)
	if err != nil {
		t.Fatal(err)
	}
	if attrValueNames(got) != "White#ffffff,Black#111111,Red#c0392b" || got.Name != "Colour" {
		t.Fatalf("after removal: %s %q", got.Name, attrValueNames(got))
	}
}
