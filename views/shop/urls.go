package shop

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"github.com/a-h/templ"
	"github.com/shopspring/decimal"

	"orderflow/models"
)

// Slug is a name written for a URL: "Kids' Rainbow T-shirt" -> "kids-rainbow-t-shirt".
func Slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(r)
			dash = false
		case r == '\'' || r == '’' || r >= 128 && unicode.IsLetter(r):
			// apostrophes and letters a URL would escape are left out
		default:
			if b.Len() > 0 && !dash {
				b.WriteByte('-')
				dash = true
			}
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// ProductURL is the address of a product page.
func ProductURL(id int64, name string) string {
	if s := Slug(name); s != "" {
		return fmt.Sprintf("/shop/product/%d-%s", id, s)
	}
	return fmt.Sprintf("/shop/product/%d", id)
}

// CategoryURL is the address of a category's listing.
func CategoryURL(c models.Category) string {
	if s := Slug(c.Name); s != "" {
		return fmt.Sprintf("/shop/category/%d-%s", c.ID, s)
	}
	return fmt.Sprintf("/shop/category/%d", c.ID)
}

// ParseSlugID reads the id in front of a slug: "12-classic-t-shirt" -> 12.
func ParseSlugID(s string) (int64, bool) {
	head, _, _ := strings.Cut(s, "-")
	id, err := strconv.ParseInt(head, 10, 64)
	return id, err == nil && id > 0
}

// listingBase is the path of the listing a page belongs to.
func listingBase(p models.ShopPage) string {
	if p.Category != nil {
		return CategoryURL(*p.Category)
	}
	return "/shop"
}

// listingValues are the query parameters that reproduce q (the category is
// in the path).
func listingValues(q models.ShopQuery) url.Values {
	v := url.Values{}
	if q.Search != "" {
		v.Set("q", q.Search)
	}
	for _, id := range q.ValueIDs {
		v.Add("value", strconv.FormatInt(id, 10))
	}
	if q.MinPrice.IsPositive() {
		v.Set("min", q.MinPrice.String())
	}
	if q.MaxPrice.IsPositive() {
		v.Set("max", q.MaxPrice.String())
	}
	if q.Sort != "" && q.Sort != models.SortRelevance {
		v.Set("sort", q.Sort)
	}
	if q.Page > 1 {
		v.Set("page", strconv.Itoa(q.Page))
	}
	return v
}

func withQuery(path string, v url.Values) string {
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

// PageURL is the listing at another page.
func PageURL(p models.ShopPage, page int) string {
	q := p.Query
	q.Page = page
	return withQuery(listingBase(p), listingValues(q))
}

// categoryLinkURL is the listing in category c (nil: all categories),
// keeping the other filters and starting at page 1.
func categoryLinkURL(p models.ShopPage, c *models.Category) string {
	q := p.Query
	q.Page = 1
	base := "/shop"
	if c != nil {
		base = CategoryURL(*c)
	}
	return withQuery(base, listingValues(q))
}

// clearFiltersURL keeps only the search.
func clearFiltersURL(p models.ShopPage) string {
	return withQuery("/shop", listingValues(models.ShopQuery{Search: p.Query.Search}))
}

func hasFilters(p models.ShopPage) bool {
	return p.Category != nil || len(p.Query.ValueIDs) > 0 || p.Query.MinPrice.IsPositive() || p.Query.MaxPrice.IsPositive()
}

// variantURL is the product page with a combination chosen.
func variantURL(v *models.ShopProductView, sv models.ShopVariant) string {
	q := url.Values{}
	for _, id := range sv.ValueIDs {
		q.Add("value", strconv.FormatInt(id, 10))
	}
	return withQuery(ProductURL(v.Product.ID, v.Product.Name), q)
}

func imageURL(id int64, size string) string { return models.ImageURL(id, size) }

func itoa(n int) string { return strconv.Itoa(n) }

func id64(n int64) string { return strconv.FormatInt(n, 10) }

// initials are what the picture placeholder shows: "Classic T-shirt" -> "CT".
func initials(name string) string {
	var out []rune
	for _, w := range strings.Fields(name) {
		for _, r := range w {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				out = append(out, unicode.ToUpper(r))
				break
			}
		}
		if len(out) == 2 {
			break
		}
	}
	return string(out)
}

// taxNote says how prices are shown.
func taxNote(incl bool) string {
	if incl {
		return "incl. VAT"
	}
	return "excl. VAT"
}

// metaDescription shortens text for a meta description.
func metaDescription(text string) string {
	text = strings.Join(strings.Fields(text), " ")
	if r := []rune(text); len(r) > 155 {
		cut := string(r[:155])
		if i := strings.LastIndex(cut, " "); i > 80 {
			cut = cut[:i]
		}
		return cut + "…"
	}
	return text
}

// categoryTone picks one of the tile colours for a category.
func categoryTone(id int64) string { return "tone-" + strconv.FormatInt(id%6, 10) }

// placeholderTone picks a colour for a picture placeholder from the name.
func placeholderTone(name string) string {
	h := 0
	for _, r := range name {
		h = (h*31 + int(r)) % 6
	}
	return "tone-" + strconv.Itoa(h)
}

func productCount(n int) string {
	if n == 1 {
		return "1 product"
	}
	return strconv.Itoa(n) + " products"
}

// altText is an image's alt text, the product name when it has none.
func altText(alt, name string) string {
	if strings.TrimSpace(alt) != "" {
		return alt
	}
	return name
}

// priceHint is the placeholder of a price bound: the bound of the results.
func priceHint(cur models.Currency, d decimal.Decimal) string {
	if d.IsZero() {
		return ""
	}
	return d.StringFixed(cur.Decimals())
}

// priceValue is a price bound as typed back into its field.
func priceValue(d decimal.Decimal) string {
	if !d.IsPositive() {
		return ""
	}
	return d.String()
}

func valueNames(vals []models.AttributeValue) string {
	names := make([]string, len(vals))
	for i, v := range vals {
		names[i] = v.Name
	}
	return strings.Join(names, ", ")
}

// valueOf is the name of a variant's value of an attribute.
func valueOf(v models.ShopVariant, attrID int64) string {
	for _, val := range v.Values {
		if val.AttributeID == attrID {
			return val.Name
		}
	}
	return "—"
}

func weight(kg decimal.Decimal) string {
	if kg.LessThan(decimal.NewFromInt(1)) {
		return kg.Mul(decimal.NewFromInt(1000)).Round(0).String() + " g"
	}
	return kg.String() + " kg"
}

// chosenName is the name of the value chosen for attribute a.
func chosenName(d ProductData, a models.ShopAttribute) string {
	for _, v := range a.Values {
		if d.Choice[a.ID] == v.ID {
			return v.Name
		}
	}
	return ""
}

func optionTitle(d ProductData, a models.ShopAttribute, v models.AttributeValue) string {
	if d.View.Possible(d.Choice, a.ID, v.ID) {
		return v.Name
	}
	return v.Name + ": not available with your other choices"
}

// imageAlt is the alt text of one of the product's images.
func imageAlt(v *models.ShopProductView, id int64) string {
	for _, img := range v.Images {
		if img.ID == id {
			return altText(img.Alt, v.Product.Name)
		}
	}
	return v.Product.Name
}

// ProductMetaDescription is the meta description of a product page.
func ProductMetaDescription(v *models.ShopProductView) string {
	if d := metaDescription(models.PlainText(v.Product.DescriptionHTML)); d != "" {
		return d
	}
	return v.Product.Name
}

// highlighted writes text with the searched words in <mark>. The text is
// escaped here; the mark elements are the only markup. (Written by hand
// because templ would put spaces between the pieces.)
func highlighted(parts []models.TextPart) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		var b strings.Builder
		for _, p := range parts {
			if p.Mark {
				b.WriteString("<mark>" + templ.EscapeString(p.Text) + "</mark>")
			} else {
				b.WriteString(templ.EscapeString(p.Text))
			}
		}
		_, err := io.WriteString(w, b.String())
		return err
	})
}

// OrderURL is the order status page a shopper (or a customer following a
// mailed link) sees; the access token opens it without logging in.
func OrderURL(o *models.SaleOrder) string {
	return fmt.Sprintf("/shop/orders/%d?token=%s", o.ID, url.QueryEscape(o.AccessToken))
}
