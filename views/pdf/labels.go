// Package pdf renders printable documents (barcode labels, and later
// invoices and delivery slips) with go-pdf/fpdf.
package pdf

import (
	"fmt"
	"io"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/code128"
	"github.com/boombuler/barcode/ean"
	"github.com/go-pdf/fpdf"

	"orderflow/models"
)

// Label sheet geometry, in millimetres: A4 with 3 x 8 labels of 70 x 37.125
// (the common 24-up sheet, e.g. Avery 3474), so that plain paper or label
// stock both work.
const (
	sheetCols   = 3
	sheetRows   = 8
	labelW      = 70.0
	labelH      = 297.0 / sheetRows
	padX        = 4.0
	padY        = 3.0
	barTop      = 11.0 // from the label's top
	barHeight   = 13.0
	barEdge     = 1.5  // the bars and their quiet zones keep this far from the label's edge
	maxModuleMM = 0.33 // the nominal EAN X-dimension (100 % magnification)
)

// LabelsPerPage is how many labels fit on one sheet.
const LabelsPerPage = sheetCols * sheetRows

// Labels writes an A4 PDF with one barcode label per entry of labels, in order.
func Labels(w io.Writer, title string, labels []models.Label) error {
	f := fpdf.New("P", "mm", "A4", "")
	f.SetTitle(title, true)
	f.SetCreator("Orderflow", true)
	f.SetMargins(0, 0, 0)
	f.SetAutoPageBreak(false, 0)
	tr := f.UnicodeTranslatorFromDescriptor("") // cp1252: the core fonts' encoding
	for i, l := range labels {
		if i%LabelsPerPage == 0 {
			f.AddPage()
		}
		n := i % LabelsPerPage
		x := float64(n%sheetCols) * labelW
		y := float64(n/sheetCols) * labelH
		drawLabel(f, tr, x, y, l)
	}
	if len(labels) == 0 {
		f.AddPage()
	}
	if err := f.Output(w); err != nil {
		return fmt.Errorf("pdf: labels: %w", err)
	}
	return nil
}

// drawLabel draws one label with its top left corner at (x, y). A code the
// symbology cannot carry (non-ASCII SKU) prints a note instead of bars.
func drawLabel(f *fpdf.Fpdf, tr func(string) string, x, y float64, l models.Label) {
	inner := labelW - 2*padX
	f.SetTextColor(0, 0, 0)

	f.SetFont("Helvetica", "B", 8.5)
	f.SetXY(x+padX, y+padY)
	f.CellFormat(inner, 3.8, fit(f, tr(l.Name), inner), "", 0, "L", false, 0, "")
	if l.Variant != "" {
		f.SetFont("Helvetica", "", 7.5)
		f.SetXY(x+padX, y+padY+4)
		f.CellFormat(inner, 3.3, fit(f, tr(l.Variant), inner), "", 0, "L", false, 0, "")
	}

	bc, quietLeft, quietRight, err := encode(l)
	if err != nil {
		f.SetFont("Helvetica", "I", 7)
		f.SetXY(x+padX, y+barTop+barHeight/2-2)
		f.CellFormat(inner, 4, tr("(this code cannot be printed as a barcode)"), "", 0, "C", false, 0, "")
	} else {
		// The quiet zones may reach into the label's padding: long codes get wider modules.
		drawBars(f, bc, x+barEdge, y+barTop, labelW-2*barEdge, quietLeft, quietRight)
		f.SetFont("Courier", "", 7.5)
		f.SetXY(x+padX, y+barTop+barHeight+0.3)
		f.CellFormat(inner, 3, fit(f, l.Code, inner), "", 0, "C", false, 0, "")
	}

	bottom := y + labelH - padY - 4.5
	f.SetFont("Helvetica", "B", 10)
	price := tr(l.Price)
	pw := f.GetStringWidth(price) + 3
	f.SetXY(x+padX, bottom)
	f.CellFormat(pw, 4.5, price, "", 0, "L", false, 0, "")
	f.SetFont("Helvetica", "", 7.5)
	f.SetXY(x+padX+pw, bottom)
	f.CellFormat(inner-pw, 4.5, fit(f, tr(l.SKU), inner-pw), "", 0, "R", false, 0, "")
}

// encode returns the barcode of a label and the quiet zones its symbology
// asks for, in modules.
func encode(l models.Label) (barcode.Barcode, int, int, error) {
	switch l.Symbology {
	case models.BarcodeEAN13:
		bc, err := ean.Encode(l.Code)
		return bc, 11, 7, err
	case models.BarcodeEAN8:
		bc, err := ean.Encode(l.Code)
		return bc, 7, 7, err
	}
	bc, err := code128.Encode(l.Code)
	return bc, 10, 10, err
}

// drawBars draws a label's barcode: the nominal module (0.33 mm) at most,
// barHeight high (see bars).
func drawBars(f *fpdf.Fpdf, bc barcode.Barcode, x, y, width float64, quietLeft, quietRight int) {
	bars(f, bc, x, y, width, barHeight, maxModuleMM, quietLeft, quietRight)
}

// fit shortens s with an ellipsis until it fits width with the current font.
func fit(f *fpdf.Fpdf, s string, width float64) string {
	if f.GetStringWidth(s) <= width {
		return s
	}
	const ellipsis = "\x85" // "…" in cp1252
	r := []byte(s)
	for len(r) > 0 && f.GetStringWidth(string(r)+ellipsis) > width {
		r = r[:len(r)-1]
	}
	return string(r) + ellipsis
}
