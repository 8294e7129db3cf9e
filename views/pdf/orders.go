package pdf

import (
	"io"
	"strings"

	"github.com/go-pdf/fpdf"

	"orderflow/models"
)

// SaleOrderDoc is what the printed quotation or sales order shows.
type SaleOrderDoc struct {
	Company     *models.Company
	Order       *models.SaleOrder // with its lines
	Billing     *models.Contact   // nil when not set
	Shipping    *models.Contact   // nil when not set
	Salesperson string
}

// Sales order columns (mm): description, quantity, unit price, discount,
// amount.
const (
	soQty      = 20.0
	soPrice    = 28.0
	soDisc     = 16.0
	soAmount   = 30.0
	soDesc     = docInner - soQty - soPrice - soDisc - soAmount
	soLineH    = 4.5
	soMaxLines = 4    // description lines shown per order line
	soBottom   = 16.0 // mm kept free at the foot of a page for the footer
)

// SaleOrder writes the A4 quotation or sales order a customer receives:
// the company, the number and dates, the billing and shipping addresses,
// the product lines then the discount and shipping lines, the totals and
// the sales rep's note. Lines flow onto further pages under a repeated
// table header. Amounts are written in the company currency.
func SaleOrder(w io.Writer, d SaleOrderDoc) error {
	o := d.Order
	cur := d.Company.Currency()
	kind := "Order"
	if o.IsQuotation() {
		kind = "Quotation"
	}
	title := kind + " " + o.Number()
	f, tr := newDoc("P", "A4", title)
	pageFooter(f, tr, title)
	f.AddPage()

	// Company and document title.
	y := docMargin
	text(f, tr, docMargin, y, docInner, 6, "B", 13, d.Company.Name, "L")
	contact := strings.Join(nonEmpty(d.Company.Email, d.Company.Phone), " · ")
	text(f, tr, docMargin, y+6, docInner, 4, "", 8.5, contact, "L")
	text(f, tr, docMargin, y+14, 120, 9, "B", 18, title, "L")
	if o.State == models.OrderCancel {
		f.SetTextColor(170, 0, 0)
		text(f, tr, a4W-docMargin-60, y+14, 60, 9, "B", 16, "Cancelled", "R")
		f.SetTextColor(0, 0, 0)
	}
	f.SetDrawColor(180, 180, 180)
	f.SetLineWidth(0.2)
	f.Line(docMargin, y+25, a4W-docMargin, y+25)
	y += 29

	// Addresses on the left, dates and references on the right.
	var ay float64
	if d.Shipping == nil || d.Billing != nil && d.Shipping.ID == d.Billing.ID {
		ay = address(f, tr, docMargin, y, 60, "Billing and shipping address", d.Billing)
	} else {
		ay = max(address(f, tr, docMargin, y, 60, "Billing address", d.Billing),
			address(f, tr, docMargin+62, y, 60, "Shipping address", d.Shipping))
	}
	pairs := [][2]string{{kind + " date", o.DateOrder.Format("2006-01-02")}}
	if o.IsQuotation() && o.ValidityDate != nil {
		pairs = append(pairs, [2]string{"Valid until", o.ValidityDate.Format("2006-01-02")})
	}
	pairs = append(pairs, [2]string{"Your reference", o.ClientOrderRef}, [2]string{"Salesperson", d.Salesperson})
	ry := facts(f, tr, docMargin+126, y, docInner-126, pairs)
	y = max(ay, ry) + 6

	cols := []column{{soDesc, "Description", "L"}, {soQty, "Quantity", "R"}, {soPrice, "Unit price", "R"}, {soDisc, "Disc. %", "R"}, {soAmount, "Amount", "R"}}
	header := func(y float64) float64 { return tableHeader(f, tr, y, cols) }
	// room moves to a new page, under the header when withHeader, when h mm
	// do not fit below y; it returns where to draw.
	room := func(y, h float64, withHeader bool) float64 {
		if y+h <= a4H-soBottom {
			return y
		}
		f.AddPage()
		if withHeader {
			return header(docMargin)
		}
		return docMargin
	}

	y = header(y)
	var rest []*models.SaleOrderLine
	products := 0
	for _, l := range o.Lines {
		if l.Kind != models.LineProduct {
			rest = append(rest, l)
			continue
		}
		products++
		y = orderRow(f, tr, room, y, l.Description, models.FormatQuantity(l.Quantity), cur.Format(l.PriceUnit), percent(l), cur.Format(l.PriceSubtotal))
	}
	if products == 0 {
		text(f, tr, docMargin, y+1, docInner, 6, "I", 10, "No products.", "L")
		y += 8
	}
	// Discount and shipping lines after the products, as on the order page.
	for _, kind := range []string{models.LineDiscount, models.LineShipping} {
		for _, l := range rest {
			if l.Kind == kind {
				y = orderRow(f, tr, room, y, l.Description, "", "", "", cur.Format(l.PriceSubtotal))
			}
		}
	}

	// Totals, kept together.
	y = room(y, 25, false) + 3
	tx := a4W - docMargin - 80
	for i, t := range [][2]string{{"Untaxed amount", cur.Format(o.AmountUntaxed)}, {"Taxes", cur.Format(o.AmountTax)}, {"Total", cur.Format(o.AmountTotal)}} {
		style, size := "", 9.5
		if i == 2 {
			f.SetDrawColor(0, 0, 0)
			f.SetLineWidth(0.3)
			f.Line(tx, y, a4W-docMargin, y)
			y += 1
			style, size = "B", 11
		}
		text(f, tr, tx, y, 45, 6, style, size, t[0], "L")
		text(f, tr, tx+45, y, 35, 6, style, size, t[1], "R")
		y += 6
	}

	// The rep's note, paragraph by paragraph, flowing onto further pages.
	if note := strings.TrimSpace(o.Note); note != "" {
		y += 6
		f.SetFont("Helvetica", "", 9.5)
		lines := wrap(f, tr(note), docInner)
		y = room(y, 5+soLineH*float64(min(len(lines), 3)), false)
		text(f, tr, docMargin, y, docInner, 5, "B", 9.5, "Note", "L")
		y += 5.5
		for _, s := range lines {
			y = room(y, soLineH, false)
			f.SetFont("Helvetica", "", 9.5)
			f.SetXY(docMargin, y)
			f.CellFormat(docInner, soLineH, s, "", 0, "L", false, 0, "")
			y += soLineH
		}
	}
	return output(f, w, "sale order")
}

// orderRow draws one order line (its description on up to soMaxLines lines,
// the last shortened if need be) and returns the y below it.
func orderRow(f *fpdf.Fpdf, tr func(string) string, room func(y, h float64, withHeader bool) float64, y float64, desc, qty, price, disc, amount string) float64 {
	f.SetFont("Helvetica", "", 9.5)
	names := wrap(f, strings.TrimSpace(tr(desc)), soDesc-2)
	if len(names) > soMaxLines {
		names = append(names[:soMaxLines-1], fit(f, strings.Join(names[soMaxLines-1:], " "), soDesc-2))
	}
	if len(names) == 0 {
		names = []string{""}
	}
	h := float64(len(names))*soLineH + 2
	y = room(y, h, true)
	for i, s := range names {
		f.SetFont("Helvetica", "", 9.5)
		f.SetXY(docMargin+1, y+1+float64(i)*soLineH)
		f.CellFormat(soDesc-2, soLineH, s, "", 0, "L", false, 0, "")
	}
	x := docMargin + soDesc
	text(f, tr, x+1, y+1, soQty-2, soLineH, "", 9.5, qty, "R")
	x += soQty
	text(f, tr, x+1, y+1, soPrice-2, soLineH, "", 9.5, price, "R")
	x += soPrice
	text(f, tr, x+1, y+1, soDisc-2, soLineH, "", 9.5, disc, "R")
	x += soDisc
	text(f, tr, x+1, y+1, soAmount-2, soLineH, "B", 9.5, amount, "R")
	y += h
	f.SetDrawColor(210, 210, 210)
	f.SetLineWidth(0.15)
	f.Line(docMargin, y, a4W-docMargin, y)
	return y
}

// address draws a titled postal address; it returns the y below it.
func address(f *fpdf.Fpdf, tr func(string) string, x, y, w float64, title string, c *models.Contact) float64 {
	text(f, tr, x, y, w, 5, "", 8.5, title, "L")
	y += 5
	lines := models.AddressLines(c)
	if len(lines) == 0 {
		lines = []string{"(none)"}
	}
	for i, s := range lines {
		style := ""
		if i == 0 {
			style = "B"
		}
		text(f, tr, x, y, w, 5, style, 10, s, "L")
		y += 5
	}
	return y
}

// wrap splits s, already translated to cp1252, into lines no wider than w
// in the current font: at spaces and line breaks, cutting a word longer
// than a line. (fpdf's SplitText reads UTF-8 runes: it panics on
// translated text with a byte it reads as U+FFFD.)
func wrap(f *fpdf.Fpdf, s string, w float64) []string {
	var lines []string
	for _, para := range strings.Split(strings.ReplaceAll(s, "\r", ""), "\n") {
		line := ""
		for _, word := range strings.Fields(para) {
			if line != "" && f.GetStringWidth(line+" "+word) <= w {
				line += " " + word
				continue
			}
			if line != "" {
				lines = append(lines, line)
			}
			for f.GetStringWidth(word) > w {
				n := len(word) - 1
				for n > 1 && f.GetStringWidth(word[:n]) > w {
					n--
				}
				lines = append(lines, word[:n])
				word = word[n:]
			}
			line = word
		}
		lines = append(lines, line)
	}
	return lines
}

func percent(l *models.SaleOrderLine) string {
	if l.Discount.IsZero() {
		return ""
	}
	return l.Discount.String()
}
