package pdf

import (
	"fmt"
	"io"
	"strings"

	"github.com/boombuler/barcode"
	"github.com/go-pdf/fpdf"

	"orderflow/models"
)

// Transfer documents: picking list and delivery slip (A4), shipping label
// (A6 portrait) and package label (A6 landscape). Barcodes are drawn as
// vector bars with boombuler/barcode, like the product labels.

const (
	docMargin = 12.0
	a4W       = 210.0
	a4H       = 297.0
	docInner  = a4W - 2*docMargin
)

// newDoc starts a PDF with the core fonts' cp1252 translator.
func newDoc(orientation, size, title string) (*fpdf.Fpdf, func(string) string) {
	f := fpdf.New(orientation, "mm", size, "")
	f.SetTitle(title, true)
	f.SetCreator("Orderflow", true)
	f.SetAutoPageBreak(false, 0)
	return f, f.UnicodeTranslatorFromDescriptor("")
}

func output(f *fpdf.Fpdf, w io.Writer, what string) error {
	if err := f.Output(w); err != nil {
		return fmt.Errorf("pdf: %s: %w", what, err)
	}
	return nil
}

// column is one column of a document's table: its width, heading and
// alignment (L, R or C).
type column struct {
	w     float64
	s, al string
}

// tableHeader draws a table's grey heading row at y and returns where its
// rows start.
func tableHeader(f *fpdf.Fpdf, tr func(string) string, y float64, cols []column) float64 {
	f.SetFillColor(235, 235, 235)
	f.Rect(docMargin, y, docInner, 6, "F")
	x := docMargin
	for _, c := range cols {
		text(f, tr, x+1, y+0.5, c.w-2, 5, "B", 8.5, c.s, c.al)
		x += c.w
	}
	return y + 7
}

// drawCode draws code as a barcode of the symbology (EAN-13, EAN-8 or
// Code128) in the box (x, y, width, height), centred, with modules at most
// maxModule mm wide and the quiet zones kept clear, and the code in text
// below when textSize > 0. A code the symbology cannot carry prints as text
// only. It returns whether bars were drawn.
func drawCode(f *fpdf.Fpdf, code, symbology string, x, y, width, height, maxModule, textSize float64) bool {
	bc, ql, qr, err := encode(models.Label{Code: code, Symbology: symbology})
	if err != nil {
		f.SetFont("Courier", "", max(textSize, 8))
		f.SetXY(x, y+height/2-2)
		f.CellFormat(width, 4, fit(f, code, width), "", 0, "C", false, 0, "")
		return false
	}
	bars(f, bc, x, y, width, height, maxModule, ql, qr)
	if textSize > 0 {
		f.SetFont("Courier", "", textSize)
		f.SetXY(x, y+height+0.3)
		f.CellFormat(width, textSize*0.42, fit(f, code, width), "", 0, "C", false, 0, "")
	}
	return true
}

// bars draws the dark modules of a 1-D barcode as filled rectangles
// (vectors print sharp at any resolution), centred in width, with the
// module no wider than maxModule and the quiet zones kept clear.
func bars(f *fpdf.Fpdf, bc barcode.Barcode, x, y, width, height, maxModule float64, quietLeft, quietRight int) {
	b := bc.Bounds()
	modules := b.Dx()
	module := min(maxModule, width/float64(modules+quietLeft+quietRight))
	total := float64(modules+quietLeft+quietRight) * module
	start := x + (width-total)/2 + float64(quietLeft)*module
	f.SetFillColor(0, 0, 0)
	dark := func(i int) bool {
		r, _, _, _ := bc.At(b.Min.X+i, b.Min.Y).RGBA()
		return r < 0x8000
	}
	for i := 0; i < modules; {
		if !dark(i) {
			i++
			continue
		}
		j := i
		for j < modules && dark(j) {
			j++
		}
		f.Rect(start+float64(i)*module, y, float64(j-i)*module, height, "F")
		i = j
	}
}

// text writes s (translated, shortened to fit) in a cell.
func text(f *fpdf.Fpdf, tr func(string) string, x, y, w, h float64, style string, size float64, s, align string) {
	f.SetFont("Helvetica", style, size)
	f.SetXY(x, y)
	f.CellFormat(w, h, fit(f, tr(s), w), "", 0, align, false, 0, "")
}

func dateOf(d *models.PickingDocument) string {
	if d.DateDone != nil {
		return d.DateDone.Format("2006-01-02")
	}
	return d.ScheduledDate.Format("2006-01-02")
}

// docHeader draws the company, the title and the transfer number as a
// Code128 barcode at the top of an A4 page; it returns where content starts.
func docHeader(f *fpdf.Fpdf, tr func(string) string, d *models.PickingDocument, title string) float64 {
	y := docMargin
	text(f, tr, docMargin, y, 100, 6, "B", 13, d.Company.Name, "L")
	contact := strings.Join(nonEmpty(d.Company.Email, d.Company.Phone), " · ")
	text(f, tr, docMargin, y+6, 100, 4, "", 8.5, contact, "L")
	text(f, tr, docMargin, y+14, 110, 8, "B", 18, title, "L")
	text(f, tr, docMargin, y+22, 110, 6, "", 12, d.Name, "L")
	// The transfer number, for the handheld to open the transfer.
	drawCode(f, d.Name, models.BarcodeCode128, a4W-docMargin-80, y, 80, 15, 0.4, 9)
	f.SetDrawColor(180, 180, 180)
	f.SetLineWidth(0.2)
	f.Line(docMargin, y+31, a4W-docMargin, y+31)
	return y + 34
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}

// facts draws label: value pairs in a column; it returns the y below them.
func facts(f *fpdf.Fpdf, tr func(string) string, x, y, w float64, pairs [][2]string) float64 {
	for _, p := range pairs {
		if p[1] == "" {
			continue
		}
		text(f, tr, x, y, 28, 5, "", 9, p[0], "L")
		text(f, tr, x+28, y, w-28, 5, "B", 9, p[1], "L")
		y += 5
	}
	return y
}

func pageFooter(f *fpdf.Fpdf, tr func(string) string, name string) {
	f.AliasNbPages("{nb}")
	f.SetFooterFunc(func() {
		f.SetTextColor(110, 110, 110)
		text(f, tr, docMargin, a4H-8, docInner, 4, "", 7.5, fmt.Sprintf("%s · page %d of {nb}", name, f.PageNo()), "R")
		f.SetTextColor(0, 0, 0)
	})
}

// Picking list columns (mm).
const (
	plCheck   = 8.0
	plProduct = 70.0
	plLot     = 38.0
	plQty     = 18.0
	plCode    = docInner - plCheck - plProduct - plLot - plQty
	plRowH    = 15.0
)

// PickingList writes the A4 picking list of a transfer: the transfer number
// as a barcode, then the lines grouped by source location in walking order,
// each with its product, SKU, lot / serial, quantity and product barcode.
func PickingList(w io.Writer, d *models.PickingDocument) error {
	f, tr := newDoc("P", "A4", "Picking list "+d.Name)
	pageFooter(f, tr, "Picking list "+d.Name)
	f.AddPage()
	y := docHeader(f, tr, d, "Picking list")
	left := [][2]string{{"Operation", d.TypeName}, {"From", d.SourceName}, {"To", d.DestName}, {"Scheduled", d.ScheduledDate.Format("2006-01-02 15:04")}}
	right := [][2]string{{"Order", orderOf(d)}, {"Customer", partnerName(d)}, {"State", models.PickingStateLabel(d.State, false)}}
	y = max(facts(f, tr, docMargin, y, docInner/2, left), facts(f, tr, docMargin+docInner/2, y, docInner/2, right)) + 4

	cols := []column{{plCheck, "", "L"}, {plProduct, "Product", "L"}, {plLot, "Lot / serial", "L"}, {plQty, "Quantity", "R"}, {plCode, "Barcode", "C"}}
	header := func(y float64) float64 { return tableHeader(f, tr, y, cols) }
	y = header(y)
	if len(d.PickLines) == 0 {
		text(f, tr, docMargin, y+2, docInner, 6, "I", 10, "Nothing to pick.", "L")
	}
	for _, g := range d.PickListGroups() {
		if y+7+plRowH > a4H-16 {
			f.AddPage()
			y = header(docMargin)
		}
		f.SetFillColor(245, 245, 245)
		f.Rect(docMargin, y, docInner, 6.5, "F")
		text(f, tr, docMargin+1, y+0.7, docInner-2, 5, "B", 10, g.LocationName, "L")
		y += 7.5
		for _, l := range g.Lines {
			if y+plRowH > a4H-16 {
				f.AddPage()
				y = header(docMargin)
				text(f, tr, docMargin+1, y, docInner-2, 5, "BI", 9, g.LocationName+" (continued)", "L")
				y += 6
			}
			pickRow(f, tr, y, l)
			y += plRowH
		}
	}
	return output(f, w, "picking list")
}

func pickRow(f *fpdf.Fpdf, tr func(string) string, y float64, l models.PickListLine) {
	x := docMargin
	f.SetDrawColor(0, 0, 0)
	f.SetLineWidth(0.3)
	f.Rect(x+1.5, y+2, 4.5, 4.5, "D")
	if l.Done {
		f.Line(x+2.3, y+4.4, x+3.6, y+5.8)
		f.Line(x+3.6, y+5.8, x+5.4, y+2.6)
	}
	x += plCheck
	text(f, tr, x, y+1, plProduct-2, 4.5, "B", 9.5, l.ProductName, "L")
	text(f, tr, x, y+5.5, plProduct-2, 4, "", 8.5, "SKU "+l.SKU, "L")
	if l.NotReserved {
		f.SetTextColor(160, 0, 0)
		text(f, tr, x, y+9.5, plProduct-2, 4, "I", 8, "Not reserved: no stock found yet", "L")
		f.SetTextColor(0, 0, 0)
	}
	x += plProduct
	text(f, tr, x, y+1, plLot-2, 4.5, "", 9, l.LotName, "L")
	if pk := strings.Join(nonEmpty(l.PackageName, arrow(l.ResultPackageName)), " "); pk != "" {
		text(f, tr, x, y+5.5, plLot-2, 4, "", 8, pk, "L")
	}
	x += plLot
	text(f, tr, x, y+1, plQty-2, 5, "B", 11, l.Quantity.String(), "R")
	x += plQty
	drawCode(f, l.Code, l.Symbology, x+1, y+1.5, plCode-2, 8.5, 0.33, 7.5)
	f.SetDrawColor(210, 210, 210)
	f.SetLineWidth(0.15)
	f.Line(docMargin, y+plRowH-0.5, a4W-docMargin, y+plRowH-0.5)
}

func arrow(pkg string) string {
	if pkg == "" {
		return ""
	}
	return "-> " + pkg
}

func orderOf(d *models.PickingDocument) string {
	if d.SaleOrderName != "" {
		return d.SaleOrderName
	}
	return d.Origin
}

func partnerName(d *models.PickingDocument) string {
	if d.Partner == nil {
		return ""
	}
	return d.Partner.Name
}

// Delivery slip columns (mm).
const (
	dsProduct = 72.0
	dsSKU     = 30.0
	dsLots    = 44.0
	dsNum     = (docInner - dsProduct - dsSKU - dsLots) / 2
)

// DeliverySlip writes the A4 delivery slip of a transfer: company, delivery
// address, order number, the transfer number as a barcode, the products with
// quantities ordered and delivered and their lots / serial numbers, and the
// carrier's tracking reference.
func DeliverySlip(w io.Writer, d *models.PickingDocument) error {
	f, tr := newDoc("P", "A4", "Delivery slip "+d.Name)
	pageFooter(f, tr, "Delivery slip "+d.Name)
	f.AddPage()
	y := docHeader(f, tr, d, "Delivery slip")

	text(f, tr, docMargin, y, 80, 5, "", 8.5, "Delivery address", "L")
	ay := y + 5
	addr := models.AddressLines(d.Partner)
	if len(addr) == 0 {
		addr = []string{"(no delivery address)"}
	}
	for i, line := range addr {
		style := ""
		if i == 0 {
			style = "B"
		}
		text(f, tr, docMargin, ay, 85, 5, style, 10.5, line, "L")
		ay += 5
	}
	ry := facts(f, tr, docMargin+docInner/2, y, docInner/2, [][2]string{
		{"Order", orderOf(d)},
		{"Transfer", d.Name},
		{"Date", dateOf(d)},
		{"Carrier", d.CarrierName},
		{"Tracking", d.TrackingRef},
		{"Packages", strings.Join(d.Packages, ", ")},
	})
	y = max(ay, ry) + 6

	cols := []column{{dsProduct, "Product", "L"}, {dsSKU, "SKU", "L"}, {dsLots, "Lots / serial numbers", "L"}, {dsNum, "Ordered", "R"}, {dsNum, "Delivered", "R"}}
	header := func(y float64) float64 { return tableHeader(f, tr, y, cols) }
	y = header(y)
	if len(d.Lines) == 0 {
		text(f, tr, docMargin, y+2, docInner, 6, "I", 10, "No products.", "L")
	}
	const lineH = 4.5
	for _, l := range d.Lines {
		f.SetFont("Helvetica", "", 8.5)
		lots := wrap(f, tr(strings.Join(l.Lots, ", ")), dsLots-2)
		f.SetFont("Helvetica", "", 9.5)
		names := wrap(f, tr(l.ProductName), dsProduct-2)
		n := max(1, len(lots), min(len(names), 3))
		h := float64(n)*lineH + 2
		if y+h > a4H-16 {
			f.AddPage()
			y = header(docMargin)
		}
		x := docMargin
		for i, s := range names[:min(len(names), 3)] {
			f.SetFont("Helvetica", "", 9.5)
			f.SetXY(x+1, y+1+float64(i)*lineH)
			f.CellFormat(dsProduct-2, lineH, s, "", 0, "L", false, 0, "")
		}
		x += dsProduct
		text(f, tr, x+1, y+1, dsSKU-2, lineH, "", 8.5, l.SKU, "L")
		x += dsSKU
		for i, s := range lots {
			f.SetFont("Helvetica", "", 8.5)
			f.SetXY(x+1, y+1+float64(i)*lineH)
			f.CellFormat(dsLots-2, lineH, s, "", 0, "L", false, 0, "")
		}
		x += dsLots
		text(f, tr, x+1, y+1, dsNum-2, lineH, "", 9.5, l.Ordered.String(), "R")
		x += dsNum
		text(f, tr, x+1, y+1, dsNum-2, lineH, "B", 9.5, l.Done.String(), "R")
		y += h
		f.SetDrawColor(210, 210, 210)
		f.SetLineWidth(0.15)
		f.Line(docMargin, y, a4W-docMargin, y)
	}
	if y+20 < a4H-16 {
		text(f, tr, docMargin, y+8, docInner, 5, "", 8.5, "Received in good condition:", "L")
		f.SetDrawColor(0, 0, 0)
		f.Line(docMargin+45, y+12.5, docMargin+110, y+12.5)
	}
	return output(f, w, "delivery slip")
}

// ShippingLabel writes an A6 shipping label placeholder: carrier, sender,
// recipient address, order and transfer numbers, and the carrier tracking
// number as a Code128 barcode, or "no tracking number yet".
func ShippingLabel(w io.Writer, d *models.PickingDocument) error {
	const pw, m = 105.0, 5.0
	inner := pw - 2*m
	f, tr := newDoc("P", "A6", "Shipping label "+d.Name)
	f.AddPage()
	carrier := d.CarrierName
	if carrier == "" {
		carrier = "No carrier"
	}
	f.SetFillColor(0, 0, 0)
	f.Rect(m, m, inner, 10, "F")
	f.SetTextColor(255, 255, 255)
	text(f, tr, m+2, m+1.5, inner-4, 7, "B", 15, carrier, "L")
	f.SetTextColor(0, 0, 0)

	y := m + 13
	text(f, tr, m, y, inner, 4, "", 7.5, "From", "L")
	text(f, tr, m, y+4, inner, 4.5, "B", 9, d.Company.Name, "L")
	y += 11
	f.SetDrawColor(0, 0, 0)
	f.SetLineWidth(0.4)
	f.Line(m, y, pw-m, y)
	y += 2
	text(f, tr, m, y, inner, 4, "", 7.5, "To", "L")
	y += 4.5
	addr := models.AddressLines(d.Partner)
	if len(addr) == 0 {
		addr = []string{"(no delivery address)"}
	}
	for i, line := range addr {
		size := 11.0
		if i == 0 {
			size = 13
		}
		text(f, tr, m, y, inner, 5.8, "B", size, line, "L")
		y += 5.8
	}
	y = max(y+2, 62)
	f.Line(m, y, pw-m, y)
	y += 2
	facts(f, tr, m, y, inner, [][2]string{{"Order", orderOf(d)}, {"Transfer", d.Name}, {"Packages", strings.Join(d.Packages, ", ")}})
	y += 17
	f.Line(m, y, pw-m, y)
	y += 3
	text(f, tr, m, y, inner, 4, "", 7.5, "Tracking number", "L")
	y += 5
	if d.TrackingRef == "" {
		f.SetDrawColor(120, 120, 120)
		f.Rect(m, y, inner, 22, "D")
		text(f, tr, m, y+8, inner, 6, "I", 11, "No tracking number yet", "C")
	} else {
		drawCode(f, d.TrackingRef, models.BarcodeCode128, m, y, inner, 22, 0.45, 10)
	}
	f.SetTextColor(110, 110, 110)
	text(f, tr, m, 148-m-4, inner, 4, "", 6.5, "Placeholder label printed by Orderflow, not a carrier's label.", "C")
	return output(f, w, "shipping label")
}

// PackageLabel writes an A6 landscape package label: the package name as a
// big Code128 barcode and its contents.
func PackageLabel(w io.Writer, d *models.PackageDocument) error {
	const pw, ph, m = 148.0, 105.0, 6.0
	inner := pw - 2*m
	f, tr := newDoc("L", "A6", "Package "+d.Name)
	f.AddPage()
	drawCode(f, d.Name, models.BarcodeCode128, m, m, inner, 26, 0.6, 0)
	text(f, tr, m, m+27, inner, 9, "B", 22, d.Name, "C")
	y := m + 38
	sub := strings.Join(nonEmpty(d.PickingName, d.Origin, d.PartnerName, d.LocationName), " · ")
	text(f, tr, m, y, inner, 5, "", 9, sub, "C")
	y += 7
	f.SetDrawColor(0, 0, 0)
	f.SetLineWidth(0.3)
	f.Line(m, y, pw-m, y)
	y += 1.5
	if len(d.Contents) == 0 {
		text(f, tr, m, y+2, inner, 5, "I", 10, "Empty package", "L")
	}
	const rowH = 5.0
	room := int((ph - m - y) / rowH)
	for i, c := range d.Contents {
		if i == room-1 && len(d.Contents) > room {
			text(f, tr, m, y, inner, rowH, "I", 9, fmt.Sprintf("+ %d more lines", len(d.Contents)-i), "L")
			break
		}
		name := c.ProductName
		if c.LotName != "" {
			name += " · " + c.LotName
		}
		text(f, tr, m, y, 20, rowH, "B", 10, c.Quantity.String()+" x", "L")
		text(f, tr, m+20, y, inner-50, rowH, "", 9.5, name, "L")
		text(f, tr, pw-m-30, y, 30, rowH, "", 8.5, c.SKU, "R")
		y += rowH
	}
	return output(f, w, "package label")
}
