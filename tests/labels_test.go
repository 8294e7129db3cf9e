package tests

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"orderflow/models"
	"orderflow/tests/testapp"
)

// labelTools returns the paths of pdftoppm and zbarimg; CI installs them,
// so a machine without them fails rather than skipping the scan check.
func labelTools(t *testing.T) (pdftoppm, zbarimg, pdftotext string) {
	t.Helper()
	var missing []string
	find := func(name string) string {
		p, err := exec.LookPath(name)
		if err != nil {
			missing = append(missing, name)
		}
		return p
	}
	pdftoppm, zbarimg, pdftotext = find("pdftoppm"), find("zbarimg"), find("pdftotext")
	if len(missing) > 0 {
		t.Fatalf("%s not found: the label tests render and scan the PDF; install them with: apt-get install -y poppler-utils zbar-tools", strings.Join(missing, ", "))
	}
	return
}

// labelPDF fetches a label sheet and checks it is an inline PDF.
func labelPDF(t *testing.T, c *testapp.Client, path string) string {
	t.Helper()
	r := c.Get(path)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d\n%s", path, r.StatusCode, r.Body)
	}
	if got := r.Header.Get("Content-Type"); got != "application/pdf" {
		t.Fatalf("GET %s: Content-Type %q", path, got)
	}
	if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "inline; filename=\"labels") || !strings.HasSuffix(cd, ".pdf\"") {
		t.Errorf("GET %s: Content-Disposition %q", path, cd)
	}
	if !strings.HasPrefix(r.Body, "%PDF-") {
		t.Fatalf("GET %s: not a PDF", path)
	}
	return r.Body
}

// scanLabels renders each page of the PDF at 300 dpi, cuts it into the 3 x 8
// labels of the sheet and decodes the barcode of each, as a scanner would
// read the printed labels one by one. It returns one code per printed label,
// in sheet order.
func scanLabels(t *testing.T, pdf string) []string {
	t.Helper()
	pdftoppm, zbarimg, _ := labelTools(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "labels.pdf")
	if err := os.WriteFile(in, []byte(pdf), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(pdftoppm, "-r", "300", "-png", in, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	pages, _ := filepath.Glob(filepath.Join(dir, "page*.png"))
	if len(pages) == 0 {
		t.Fatal("pdftoppm made no page")
	}
	slices.Sort(pages) // page-1.png, page-2.png ... (fewer than 10 pages here)
	var codes []string
	for _, p := range pages {
		for _, cell := range labelCells(t, p) {
			// zbar merges identical symbols of one image, so each label is scanned alone.
			out, err := exec.Command(zbarimg, "--raw", "-q", cell).Output()
			var exit *exec.ExitError
			if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 4) { // 4: no symbol found
				t.Fatalf("zbarimg %s: %v", filepath.Base(cell), err)
			}
			found := strings.Fields(strings.TrimSpace(string(out)))
			if len(found) != 1 {
				t.Fatalf("label %s scanned as %q, want one code", filepath.Base(cell), found)
			}
			codes = append(codes, found[0])
		}
	}
	return codes
}

// labelCells cuts a rendered A4 page into its 24 label cells and writes
// those that carry ink to PNG files, in sheet order.
func labelCells(t *testing.T, page string) []string {
	t.Helper()
	f, err := os.Open(page)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	b := m.Bounds()
	type sub interface {
		SubImage(image.Rectangle) image.Image
	}
	var out []string
	for row := range 8 {
		for col := range 3 {
			r := image.Rect(b.Min.X+b.Dx()*col/3, b.Min.Y+b.Dy()*row/8, b.Min.X+b.Dx()*(col+1)/3, b.Min.Y+b.Dy()*(row+1)/8)
			cell := m.(sub).SubImage(r)
			if !hasInk(cell) {
				continue
			}
			name := fmt.Sprintf("%s-r%d-c%d.png", strings.TrimSuffix(page, ".png"), row, col)
			var buf bytes.Buffer
			if err := png.Encode(&buf, cell); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(name, buf.Bytes(), 0o600); err != nil {
				t.Fatal(err)
			}
			out = append(out, name)
		}
	}
	return out
}

func hasInk(m image.Image) bool {
	b := m.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			if r, _, _, _ := m.At(x, y).RGBA(); r < 0x8000 {
				return true
			}
		}
	}
	return false
}

func pdfText(t *testing.T, pdf string) string {
	t.Helper()
	_, _, pdftotext := labelTools(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "labels.pdf")
	if err := os.WriteFile(in, []byte(pdf), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(pdftotext, "-layout", in, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// The printed labels scan back to exactly the codes stored on the variants:
// EAN-13 as is, UPC-A as its EAN-13 form, other barcodes as Code128 and the
// SKU when a variant has no barcode.
func TestProductLabelsScanBack(t *testing.T) {
	labelTools(t)
	app := testapp.Start(t)
	sales := app.LoginAs(t, models.RoleSales)
	ean := imgProduct(t, app.DB, "Ballpoint pen", "2.5", true, imgVariant{SKU: "PEN-BLUE", Barcode: "4006381333931"})
	shirt := imgProduct(t, app.DB, "Classic T-shirt with a rather long name that does not fit", "19.9", false,
		imgVariant{SKU: "TS-M", Barcode: "TS/M-2026", Values: []string{"Size:M"}},
		imgVariant{SKU: "TS-L", Barcode: "036000291452", Values: []string{"Size:L"}, Extra: "2"},
		imgVariant{SKU: "TS-XL", Barcode: "ZZ-RETIRED", Values: []string{"Size:XL"}, Active: new(false)})
	plain := imgProduct(t, app.DB, "Gift wrap", "1", true, imgVariant{SKU: "WRAP-01"})

	pdf := labelPDF(t, sales, fmt.Sprintf("/office/products/labels?ids=%d&ids=%d&ids=%d", ean, shirt, plain))
	got := scanLabels(t, pdf)
	want := []string{"4006381333931", "TS/M-2026", "0036000291452", "WRAP-01"} // in the order asked, one per label
	if !slices.Equal(got, want) {
		t.Fatalf("scanned %q, want %q", got, want)
	}

	text := pdfText(t, pdf)
	for _, s := range []string{"Ballpoint pen", "€2.50", "PEN-BLUE", "Classic T-shirt", "M", "€19.90", "TS-M", "€21.90", "TS-L", "Gift wrap", "€1.00", "WRAP-01"} {
		if !strings.Contains(text, s) {
			t.Errorf("labels do not show %q:\n%s", s, text)
		}
	}
	if strings.Contains(text, "TS-XL") {
		t.Errorf("an inactive variant got a label")
	}

	// One product, three copies of each label.
	one := labelPDF(t, sales, fmt.Sprintf("/office/products/%d/labels?quantity=3", ean))
	if got := scanLabels(t, one); !slices.Equal(got, []string{"4006381333931", "4006381333931", "4006381333931"}) {
		t.Errorf("3 copies scanned as %q", got)
	}
}

func TestProductLabelsManyPages(t *testing.T) {
	labelTools(t)
	app := testapp.Start(t)
	admin := app.LoginAs(t, models.RoleAdmin)
	id := imgProduct(t, app.DB, "Notebook", "4", true, imgVariant{SKU: "NB-A5", Barcode: "4006381333931"})
	pdf := labelPDF(t, admin, fmt.Sprintf("/office/products/%d/labels?quantity=30", id))
	codes := scanLabels(t, pdf)
	if len(codes) != 30 {
		t.Errorf("scanned %d labels over two pages, want 30", len(codes))
	}
}

func TestProductLabelsRefused(t *testing.T) {
	app := testapp.Start(t)
	admin := app.LoginAs(t, models.RoleAdmin)
	id := imgProduct(t, app.DB, "Notebook", "4", true, imgVariant{SKU: "NB-A5"})
	empty := imgProduct(t, app.DB, "Retired", "4", true, imgVariant{SKU: "OLD", Active: new(false)})

	for path, want := range map[string]int{
		fmt.Sprintf("/office/products/%d/labels?quantity=0", id):     http.StatusUnprocessableEntity,
		fmt.Sprintf("/office/products/%d/labels?quantity=101", id):   http.StatusUnprocessableEntity,
		fmt.Sprintf("/office/products/%d/labels?quantity=x", id):     http.StatusUnprocessableEntity,
		fmt.Sprintf("/office/products/%d/labels", empty):             http.StatusUnprocessableEntity,
		"/office/products/999999/labels":                             http.StatusNotFound,
		"/office/products/labels?ids=abc":                            http.StatusUnprocessableEntity,
		fmt.Sprintf("/office/products/labels?ids=%d&ids=999999", id): http.StatusNotFound,
	} {
		if r := admin.Get(path); r.StatusCode != want {
			t.Errorf("GET %s: %d, want %d", path, r.StatusCode, want)
		}
	}
	if r := app.LoginAs(t, models.RoleWarehouse).Get(fmt.Sprintf("/office/products/%d/labels", id)); r.StatusCode != http.StatusForbidden {
		t.Errorf("warehouse prints labels: %d, want 403", r.StatusCode)
	}

	// Without ids: the page to choose products lists the printable ones.
	r := admin.Get("/office/products/labels")
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `data-testid="label-form"`) {
		t.Fatalf("label chooser: %d\n%s", r.StatusCode, r.Body)
	}
	if !strings.Contains(r.Body, "Notebook") || strings.Contains(r.Body, "Retired") {
		t.Errorf("chooser lists the wrong products:\n%s", r.Body)
	}
}
