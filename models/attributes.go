package models

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/uptrace/bun"
)

const (
	maxAttributeName      = 100
	maxAttributeValueName = 100
)

var htmlColorRe = regexp.MustCompile(`^#[0-9a-f]{6}$`)

// AttributeInput is an attribute as edited in the back office. Values are
// in the order they are shown; on update, an existing value (ID > 0) left
// out of Values, or marked Remove, is removed. New rows left blank (no name,
// no colour) are ignored, so that a form can offer empty rows.
type AttributeInput struct {
	Name   string
	Values []AttributeValueInput
}

// AttributeValueInput is one value of an attribute: ID 0 for a new one,
// HTMLColor "" or "#rrggbb"; Remove drops an existing value.
type AttributeValueInput struct {
	ID        int64
	Name      string
	HTMLColor string
	Remove    bool
}

// skip reports whether the row adds, keeps or changes nothing.
func (v AttributeValueInput) skip() bool {
	return v.ID == 0 && (v.Remove || (strings.TrimSpace(v.Name) == "" && strings.TrimSpace(v.HTMLColor) == ""))
}

// AttributeValueNameField is the problem key of the name of row i of
// AttributeInput.Values.
func AttributeValueNameField(i int) string { return fmt.Sprintf("value_name.%d", i) }

// AttributeValueColorField is the problem key of the colour of row i.
func AttributeValueColorField(i int) string { return fmt.Sprintf("value_color.%d", i) }

// AttributeValueRemoveField is the problem key of a refused removal of the
// existing value id.
func AttributeValueRemoveField(id int64) string { return fmt.Sprintf("value_remove.%d", id) }

func validateAttribute(in *AttributeInput) error {
	p := Problems{}
	in.Name = strings.Join(strings.Fields(in.Name), " ")
	switch {
	case in.Name == "":
		p.Add("name", "Enter a name.")
	case utf8.RuneCountInString(in.Name) > maxAttributeName:
		p.Add("name", fmt.Sprintf("Use at most %d characters.", maxAttributeName))
	}
	seen := map[string]bool{}
	for i := range in.Values {
		v := &in.Values[i]
		if v.skip() || v.Remove {
			continue
		}
		v.Name = strings.Join(strings.Fields(v.Name), " ")
		v.HTMLColor = strings.ToLower(strings.TrimSpace(v.HTMLColor))
		if v.HTMLColor != "" && !strings.HasPrefix(v.HTMLColor, "#") {
			v.HTMLColor = "#" + v.HTMLColor
		}
		switch key := strings.ToLower(v.Name); {
		case v.Name == "":
			p.Add(AttributeValueNameField(i), "Enter the value's name.")
		case utf8.RuneCountInString(v.Name) > maxAttributeValueName:
			p.Add(AttributeValueNameField(i), fmt.Sprintf("Use at most %d characters.", maxAttributeValueName))
		case seen[key]:
			p.Add(AttributeValueNameField(i), "This value is listed twice.")
		default:
			seen[key] = true
		}
		if v.HTMLColor != "" && !htmlColorRe.MatchString(v.HTMLColor) {
			p.Add(AttributeValueColorField(i), "Write the colour as #rrggbb, like #1f2a44, or leave it empty.")
		}
	}
	return p.Err()
}

// ListAttributes returns the attributes by sequence and name, each with its
// values ordered by sequence and id.
func ListAttributes(ctx context.Context, db bun.IDB) ([]Attribute, error) {
	var out []Attribute
	err := db.NewSelect().Model(&out).
		Relation("Values", func(q *bun.SelectQuery) *bun.SelectQuery { return q.OrderExpr("pav.sequence, pav.id") }).
		OrderExpr("pa.sequence, lower(pa.name), pa.id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("models: list attributes: %w", err)
	}
	return out, nil
}

// GetAttribute returns the attribute with id and its ordered values, or ENOTFOUND.
func GetAttribute(ctx context.Context, db bun.IDB, id int64) (*Attribute, error) {
	a := new(Attribute)
	err := db.NewSelect().Model(a).
		Relation("Values", func(q *bun.SelectQuery) *bun.SelectQuery { return q.OrderExpr("pav.sequence, pav.id") }).
		Where("pa.id = ?", id).Scan(ctx)
	if err != nil {
		return nil, notFound(err, "The attribute")
	}
	return a, nil
}

// AttributeValueUse says how much of the catalog uses a value.
type AttributeValueUse struct {
	Products int // products that come in the value
	Variants int // variants made of it
}

// AttributeValueUses returns, for the values of attribute id that are in
// use, how many products and variants use them.
func AttributeValueUses(ctx context.Context, db bun.IDB, attributeID int64) (map[int64]AttributeValueUse, error) {
	var rows []struct {
		ID       int64 `bun:"id"`
		Products int   `bun:"products"`
		Variants int   `bun:"variants"`
	}
	err := db.NewRaw(`
SELECT v.id,
	(SELECT count(*) FROM product_template_attribute_values t WHERE t.value_id = v.id) AS products,
	(SELECT count(*) FROM product_variant_values pvv WHERE pvv.value_id = v.id) AS variants
FROM product_attribute_values v WHERE v.attribute_id = ?`, attributeID).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("models: attribute value uses %d: %w", attributeID, err)
	}
	out := map[int64]AttributeValueUse{}
	for _, r := range rows {
		if r.Products > 0 || r.Variants > 0 {
			out[r.ID] = AttributeValueUse{Products: r.Products, Variants: r.Variants}
		}
	}
	return out, nil
}

func attributeNameTaken() error {
	msg := "There is already an attribute with this name."
	return &Error{Code: EINVALID, Message: msg, Fields: map[string]string{"name": msg}}
}

// CreateAttribute creates an attribute with its values, in the given order.
// It returns EINVALID with field problems (name missing, too long or taken;
// a value without a name, listed twice, or with a colour not #rrggbb).
func CreateAttribute(ctx context.Context, db *bun.DB, in AttributeInput, actorID int64) (*Attribute, error) {
	if err := validateAttribute(&in); err != nil {
		return nil, err
	}
	a := &Attribute{Name: in.Name, Sequence: 10}
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if taken, err := tx.NewSelect().Model((*Attribute)(nil)).Where("lower(name) = lower(?)", a.Name).Exists(ctx); err != nil {
			return err
		} else if taken {
			return attributeNameTaken()
		}
		if _, err := tx.NewInsert().Model(a).Returning("*").Exec(ctx); err != nil {
			if isUniqueViolation(err) {
				return attributeNameTaken()
			}
			return err
		}
		for _, v := range in.Values {
			if v.skip() {
				continue
			}
			av := AttributeValue{AttributeID: a.ID, Name: v.Name, HTMLColor: v.HTMLColor, Sequence: (len(a.Values) + 1) * 10}
			if _, err := tx.NewInsert().Model(&av).Returning("*").Exec(ctx); err != nil {
				return err
			}
			a.Values = append(a.Values, av)
		}
		return RecordHistory(ctx, tx, "attribute", a.ID, actorID, fmt.Sprintf("Attribute “%s” created with %d values.", a.Name, len(a.Values)))
	})
	if err != nil {
		return nil, wrapOp(err, "create attribute")
	}
	return a, nil
}

// UpdateAttribute renames an attribute and sets its values: existing ones
// (by ID) are renamed, recoloured and reordered, new ones (ID 0) added, and
// those left out removed. Removing a value that products or variants use is
// refused with ECONFLICT (field AttributeValueRemoveField(id)), and nothing
// is saved. It locks the attribute row.
func UpdateAttribute(ctx context.Context, db *bun.DB, id int64, in AttributeInput, actorID int64) (*Attribute, error) {
	if err := validateAttribute(&in); err != nil {
		return nil, err
	}
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var a Attribute
		if err := tx.NewSelect().Model(&a).Where("id = ?", id).For("UPDATE").Scan(ctx); err != nil {
			return notFound(err, "The attribute")
		}
		if taken, err := tx.NewSelect().Model((*Attribute)(nil)).Where("lower(name) = lower(?) AND id <> ?", in.Name, id).Exists(ctx); err != nil {
			return err
		} else if taken {
			return attributeNameTaken()
		}
		var existing []AttributeValue
		if err := tx.NewSelect().Model(&existing).Where("attribute_id = ?", id).OrderExpr("sequence, id").Scan(ctx); err != nil {
			return err
		}
		byID := make(map[int64]AttributeValue, len(existing))
		for _, v := range existing {
			byID[v.ID] = v
		}
		kept, listed := map[int64]bool{}, map[int64]bool{}
		for i, v := range in.Values {
			if v.ID == 0 {
				continue
			}
			if _, ok := byID[v.ID]; !ok || listed[v.ID] {
				return &Error{Code: EINVALID, Message: "This value no longer exists; reload the page.", Fields: map[string]string{AttributeValueNameField(i): "This value no longer exists; reload the page."}}
			}
			listed[v.ID] = true
			kept[v.ID] = !v.Remove
		}

		var changes []string
		if a.Name != in.Name {
			changes = append(changes, fmt.Sprintf("renamed “%s” → “%s”", a.Name, in.Name))
			if _, err := tx.NewUpdate().Model(&a).Set("name = ?", in.Name).WherePK().Exec(ctx); err != nil {
				if isUniqueViolation(err) {
					return attributeNameTaken()
				}
				return err
			}
		}

		// Removed values: refuse the ones in use.
		var removed []int64
		for _, v := range existing {
			if !kept[v.ID] {
				removed = append(removed, v.ID)
			}
		}
		if len(removed) > 0 {
			uses, err := AttributeValueUses(ctx, tx, id)
			if err != nil {
				return err
			}
			fields := map[string]string{}
			var msgs []string
			for _, vid := range removed {
				if u, ok := uses[vid]; ok {
					msg := fmt.Sprintf("“%s” cannot be removed: %s. Remove it from those products first.", byID[vid].Name, describeValueUse(u))
					fields[AttributeValueRemoveField(vid)] = msg
					msgs = append(msgs, msg)
				}
			}
			if len(fields) > 0 {
				msg := msgs[0]
				if len(msgs) > 1 {
					msg = "Some values cannot be removed because products use them."
				}
				return &Error{Code: ECONFLICT, Message: msg, Fields: fields}
			}
			if _, err := tx.NewDelete().Model((*AttributeValue)(nil)).Where("id IN (?)", bun.In(removed)).Exec(ctx); err != nil {
				if isCategoryFKViolation(err) { // put to use meanwhile
					return Errorf(ECONFLICT, "A value you removed has just been put to use by a product. Reload the page.")
				}
				return err
			}
			for _, vid := range removed {
				changes = append(changes, "removed “"+byID[vid].Name+"”")
			}
		}

		// Renames go through a temporary name first, so that swapping two
		// names does not trip over the unique index.
		var renamed []int64
		for _, v := range in.Values {
			if old, ok := byID[v.ID]; ok && kept[v.ID] && old.Name != v.Name {
				renamed = append(renamed, v.ID)
				changes = append(changes, fmt.Sprintf("“%s” → “%s”", old.Name, v.Name))
			}
		}
		if len(renamed) > 0 {
			if _, err := tx.NewUpdate().Model((*AttributeValue)(nil)).Set("name = '~' || id::text || '~' || name").Where("id IN (?)", bun.In(renamed)).Exec(ctx); err != nil {
				return err
			}
		}
		reordered, seq := false, 0
		for i, v := range in.Values {
			if v.skip() || (v.ID != 0 && !kept[v.ID]) {
				continue
			}
			seq += 10
			if v.ID == 0 {
				av := AttributeValue{AttributeID: id, Name: v.Name, HTMLColor: v.HTMLColor, Sequence: seq}
				if _, err := tx.NewInsert().Model(&av).Exec(ctx); err != nil {
					if isUniqueViolation(err) {
						return &Error{Code: EINVALID, Message: "This value already exists.", Fields: map[string]string{AttributeValueNameField(i): "This value already exists."}}
					}
					return err
				}
				changes = append(changes, "added “"+v.Name+"”")
				continue
			}
			old := byID[v.ID]
			if old.Sequence != seq {
				reordered = true
			}
			if old.HTMLColor != v.HTMLColor {
				changes = append(changes, fmt.Sprintf("colour of “%s” %s → %s", v.Name, orNone(old.HTMLColor), orNone(v.HTMLColor)))
			}
			if old.Name == v.Name && old.HTMLColor == v.HTMLColor && old.Sequence == seq {
				continue
			}
			if _, err := tx.NewUpdate().Model((*AttributeValue)(nil)).
				Set("name = ?, html_color = ?, sequence = ?", v.Name, v.HTMLColor, seq).
				Where("id = ?", v.ID).Exec(ctx); err != nil {
				if isUniqueViolation(err) {
					return &Error{Code: EINVALID, Message: "This value already exists.", Fields: map[string]string{AttributeValueNameField(i): "This value already exists."}}
				}
				return err
			}
		}
		if reordered {
			changes = append(changes, "values reordered")
		}
		if len(changes) == 0 {
			return nil
		}
		return RecordHistory(ctx, tx, "attribute", id, actorID, "Attribute "+strings.Join(changes, "; ")+".")
	})
	if err != nil {
		return nil, wrapOp(err, "update attribute")
	}
	return GetAttribute(ctx, db, id)
}

func describeValueUse(u AttributeValueUse) string {
	switch {
	case u.Variants > 0 && u.Products > 0:
		return fmt.Sprintf("%s and %s use it", categoryCountNoun(u.Products, "product", "products"), categoryCountNoun(u.Variants, "variant", "variants"))
	case u.Variants > 0:
		return categoryCountNoun(u.Variants, "variant uses it", "variants use it")
	}
	return categoryCountNoun(u.Products, "product uses it", "products use it")
}

func orNone(color string) string {
	if color == "" {
		return "none"
	}
	return color
}

// SeedAttributes creates the demo attributes when missing — Size (XS, S, M,
// L, XL), Color (White, Black, Navy, Red, with their colours) and Material
// (Cotton, Linen) — and returns every attribute by name with its values.
// It is idempotent: attributes and values are matched by name.
func SeedAttributes(ctx context.Context, db bun.IDB) (map[string]Attribute, error) {
	type val struct{ name, color string }
	seed := []struct {
		name   string
		values []val
	}{
		{"Size", []val{{"XS", ""}, {"S", ""}, {"M", ""}, {"L", ""}, {"XL", ""}}},
		{"Color", []val{{"White", "#ffffff"}, {"Black", "#111111"}, {"Navy", "#1f2a44"}, {"Red", "#c0392b"}}},
		{"Material", []val{{"Cotton", ""}, {"Linen", ""}}},
	}
	for i, s := range seed {
		a := &Attribute{Name: s.name, Sequence: (i + 1) * 10}
		if _, err := db.NewInsert().Model(a).On("CONFLICT ((lower(name))) DO NOTHING").Exec(ctx); err != nil {
			return nil, fmt.Errorf("models: seed attribute %s: %w", s.name, err)
		}
		var id int64
		if err := db.NewSelect().Model((*Attribute)(nil)).Column("id").Where("lower(name) = lower(?)", s.name).Scan(ctx, &id); err != nil {
			return nil, fmt.Errorf("models: seed attribute %s: %w", s.name, err)
		}
		for j, v := range s.values {
			av := &AttributeValue{AttributeID: id, Name: v.name, HTMLColor: v.color, Sequence: (j + 1) * 10}
			if _, err := db.NewInsert().Model(av).On("CONFLICT (attribute_id, (lower(name))) DO NOTHING").Exec(ctx); err != nil {
				return nil, fmt.Errorf("models: seed attribute value %s: %w", v.name, err)
			}
		}
	}
	all, err := ListAttributes(ctx, db)
	if err != nil {
		return nil, err
	}
	out := make(map[string]Attribute, len(all))
	for _, a := range all {
		out[a.Name] = a
	}
	return out, nil
}
