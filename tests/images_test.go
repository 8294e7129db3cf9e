package tests

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"

	"orderflow/models"
	"orderflow/tests/browser"
	"orderflow/tests/testapp"
	"orderflow/tests/testdb"
)

// imgVariant is a variant to create with imgProduct.
type imgVariant struct {
	SKU     string
	Barcode string   // "" for none
	Values  []string // attribute values ("Size:M"), "" for none
	Extra   string   // price extra, "" for 0
	Active  *bool
}

// imgProduct inserts a product template with its variants directly (the
// product forms are another slice's) and returns its id.
func imgProduct(tb testing.TB, db bun.IDB, name, price string, published bool, variants ...imgVariant) int64 {
	tb.Helper()
	ctx := tb.Context()
	pt := &models.ProductTemplate{
		Name: name, Type: models.ProductStorable, Tracking: models.TrackingNone, InvoicePolicy: models.InvoiceOrdered,
		ListPrice: decimal.RequireFromString(price), Published: published, Active: true,
	}
	if _, err := db.NewInsert().Model(pt).Exec(ctx); err != nil {
		tb.Fatalf("insert product %q: %v", name, err)
	}
	for _, v := range variants {
		pv := &models.ProductVariant{TemplateID: pt.ID, SKU: v.SKU, Active: v.Active == nil || *v.Active}
		if v.Barcode != "" {
			pv.Barcode = &v.Barcode
		}
		if v.Extra != "" {
			pv.PriceExtra = decimal.RequireFromString(v.Extra)
		}
		var valueIDs []string
		var links []models.ProductVariantValue
		for _, av := range v.Values {
			attr, val, _ := strings.Cut(av, ":")
			var attrID, valID int64
			err := db.NewRaw(`INSERT INTO product_attributes (name) VALUES (?)
				ON CONFLICT (lower(name)) DO UPDATE SET name = excluded.name RETURNING id`, attr).Scan(ctx, &attrID)
			if err == nil {
				err = db.NewRaw(`INSERT INTO product_attribute_values (attribute_id, name) VALUES (?, ?)
					ON CONFLICT (attribute_id, lower(name)) DO UPDATE SET name = excluded.name RETURNING id`, attrID, val).Scan(ctx, &valID)
			}
			if err != nil {
				tb.Fatalf("insert attribute value %s: %v", av, err)
			}
			valueIDs = append(valueIDs, fmt.Sprint(valID))
			links = append(links, models.ProductVariantValue{ValueID: valID})
		}
		pv.Combination = strings.Join(valueIDs, ",")
		if _, err := db.NewInsert().Model(pv).Exec(ctx); err != nil {
			tb.Fatalf("insert variant %q: %v", v.SKU, err)
		}
		for i := range links {
			links[i].VariantID = pv.ID
		}
		if len(links) > 0 {
			if _, err := db.NewInsert().Model(&links).Exec(ctx); err != nil {
				tb.Fatalf("link variant values: %v", err)
			}
		}
	}
	return pt.ID
}

// imgPublishedWithImage creates a published product with one variant and
// one image, and returns the product and image ids.
func imgPublishedWithImage(tb testing.TB, db bun.IDB, published bool) (int64, int64) {
	tb.Helper()
	ctx := tb.Context()
	n := imgSeq.Add(1)
	id := imgProduct(tb, db, fmt.Sprintf("Sample product %d", n), "10", published, imgVariant{SKU: fmt.Sprintf("SAMPLE-%d", n)})
	img, err := models.AddProductImage(ctx, db, id, imgPNG(tb, 640, 480, false), "A sample")
	if err != nil {
		tb.Fatalf("add image: %v", err)
	}
	return id, img.ID
}

var imgSeq atomic.Int64

// imgPNG draws a w x h picture (with a transparent corner when alpha).
func imgPNG(tb testing.TB, w, h int, alpha bool) []byte {
	tb.Helper()
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.Set(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), 120, 255})
		}
	}
	if alpha {
		m.Set(0, 0, color.RGBA{})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, m); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func imgJPEG(tb testing.TB, w, h int) []byte {
	tb.Helper()
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.Set(x, y, color.RGBA{200, uint8(x % 256), uint8(y % 256), 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: 90}); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

type imgFile struct {
	name string
	data []byte
}

// imgUpload posts files to the upload form of a product, as a browser does.
func imgUpload(t *testing.T, c *testapp.Client, productID int64, alt string, files ...imgFile) *testapp.Response {
	t.Helper()
	page := fmt.Sprintf("/office/products/%d/images", productID)
	if r := c.Get(page); r.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", page, r.StatusCode)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("_csrf", c.CSRF())
	_ = mw.WriteField("alt", alt)
	for _, f := range files {
		fw, err := mw.CreateFormFile("image", f.name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write(f.data)
	}
	_ = mw.Close()
	return c.Do(http.MethodPost, page, &body, http.Header{"Content-Type": {mw.FormDataContentType()}})
}

func imgCount(t *testing.T, db bun.IDB, productID int64) int64 {
	t.Helper()
	n, err := db.NewSelect().Model((*models.ProductImage)(nil)).Where("template_id = ?", productID).Count(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func decodeImage(t *testing.T, r *testapp.Response) image.Image {
	t.Helper()
	m, _, err := image.Decode(strings.NewReader(r.Body))
	if err != nil {
		t.Fatalf("decode %s: %v", r.Request.URL, err)
	}
	return m
}

func TestProductImagesUploadAndRenditions(t *testing.T) {
	app := testapp.Start(t)
	admin := app.LoginAs(t, models.RoleAdmin)
	id := imgProduct(t, app.DB, "Poster", "12.50", true, imgVariant{SKU: "POSTER-1"})

	r := admin.Get(fmt.Sprintf("/office/products/%d/images", id))
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `data-testid="no-images"`) {
		t.Fatalf("empty images page: %d\n%s", r.StatusCode, r.Body)
	}

	// Two files at once: a wide opaque PNG (cover) and a small JPEG.
	r = imgUpload(t, admin, id, "Poster on a wall",
		imgFile{"wide.png", imgPNG(t, 2000, 1000, false)},
		imgFile{"small.jpg", imgJPEG(t, 300, 200)})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload: %d\n%s", r.StatusCode, r.Body)
	}
	imgs, err := models.ListProductImages(t.Context(), app.DB, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(imgs) != 2 {
		t.Fatalf("%d images, want 2", len(imgs))
	}
	if got, want := fmt.Sprintf("%s %dx%d pos%d", imgs[0].MIME, imgs[0].Width, imgs[0].Height, imgs[0].Position), "image/png 2000x1000 pos0"; got != want {
		t.Errorf("cover = %s, want %s", got, want)
	}
	if got, want := fmt.Sprintf("%s %dx%d pos%d", imgs[1].MIME, imgs[1].Width, imgs[1].Height, imgs[1].Position), "image/jpeg 300x200 pos1"; got != want {
		t.Errorf("second = %s, want %s", got, want)
	}
	if imgs[0].Alt != "Poster on a wall" || len(imgs[0].SHA256) != 64 || imgs[0].Data != nil {
		t.Errorf("image row: alt %q sha %q data %d bytes", imgs[0].Alt, imgs[0].SHA256, len(imgs[0].Data))
	}
	page := admin.Get(fmt.Sprintf("/office/products/%d/images", id))
	if n := strings.Count(page.Body, `data-testid="image-tile"`); n != 2 || strings.Count(page.Body, `data-testid="cover-badge"`) != 1 {
		t.Fatalf("page shows %d tiles:\n%s", n, page.Body)
	}
	if !strings.Contains(page.Body, `src="`+models.ImageURL(imgs[0].ID, "thumb")+`"`) {
		t.Errorf("page does not show the thumbnail of the cover")
	}

	guest := app.Client(t)
	sizes := []struct {
		id         int64
		size       string
		w, h       int
		wantFormat string
	}{
		{imgs[0].ID, "thumb", 160, 80, "image/jpeg"},
		{imgs[0].ID, "listing", 480, 240, "image/jpeg"},
		{imgs[0].ID, "zoom", 1400, 700, "image/jpeg"},
		{imgs[1].ID, "thumb", 160, 107, "image/jpeg"},
		{imgs[1].ID, "zoom", 300, 200, "image/jpeg"}, // never upscaled
	}
	for _, s := range sizes {
		path := models.ImageURL(s.id, s.size)
		r := guest.Get(path)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", path, r.StatusCode)
		}
		if got := r.Header.Get("Content-Type"); got != s.wantFormat {
			t.Errorf("%s: Content-Type %q, want %q", path, got, s.wantFormat)
		}
		if got := r.Header.Get("Cache-Control"); got != "public, max-age=86400" {
			t.Errorf("%s: Cache-Control %q", path, got)
		}
		if r.Header.Get("Set-Cookie") != "" {
			t.Errorf("%s: a public image sets a cookie: %q", path, r.Header.Get("Set-Cookie"))
		}
		b := decodeImage(t, r).Bounds()
		if b.Dx() != s.w || b.Dy() != s.h {
			t.Errorf("%s: %dx%d, want %dx%d", path, b.Dx(), b.Dy(), s.w, s.h)
		}
		etag := r.Header.Get("ETag")
		if !strings.HasPrefix(etag, `"`) || len(etag) < 10 {
			t.Fatalf("%s: ETag %q", path, etag)
		}
		again := guest.Get(path)
		if again.Header.Get("ETag") != etag || again.Body != r.Body {
			t.Errorf("%s: second response differs (ETag %q then %q)", path, etag, again.Header.Get("ETag"))
		}
		cond := guest.Do(http.MethodGet, path, nil, http.Header{"If-None-Match": {etag}})
		if cond.StatusCode != http.StatusNotModified || cond.Body != "" {
			t.Errorf("%s with If-None-Match: %d, %d bytes; want 304 and no body", path, cond.StatusCode, len(cond.Body))
		}
	}
	var stored int64
	stored, err = app.DB.NewSelect().Model((*models.ProductImageRendition)(nil)).Count(t.Context())
	if err != nil || stored != int64(len(sizes)) {
		t.Errorf("%d renditions stored (err %v), want %d: each made once", stored, err, len(sizes))
	}

	for _, path := range []string{models.ImageURL(imgs[0].ID, "huge"), models.ImageURL(999999, "thumb"), "/images/abc/thumb"} {
		if r := guest.Get(path); r.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, r.StatusCode)
		}
	}
}

func TestProductImageTransparencyKeptAsPNG(t *testing.T) {
	db := testdb.New(t)
	id := imgProduct(t, db, "Logo sticker", "3", true, imgVariant{SKU: "STICKER"})
	img, err := models.AddProductImage(t.Context(), db, id, imgPNG(t, 800, 400, true), "")
	if err != nil {
		t.Fatal(err)
	}
	r, public, err := models.GetProductImageRendition(t.Context(), db, img.ID, models.ImageListing, false)
	if err != nil {
		t.Fatal(err)
	}
	if !public || r.MIME != "image/png" {
		t.Fatalf("rendition mime %q public %v, want image/png, true", r.MIME, public)
	}
	m, err := png.Decode(bytes.NewReader(r.Data))
	if err != nil {
		t.Fatal(err)
	}
	if b := m.Bounds(); b.Dx() != 480 || b.Dy() != 240 {
		t.Errorf("listing %dx%d, want 480x240", b.Dx(), b.Dy())
	}
	if _, _, _, a := m.At(0, 0).RGBA(); a == 0xffff {
		t.Errorf("the transparent corner became opaque")
	}
}

// Many first requests for the same rendition at once all succeed and get
// the one stored copy.
func TestProductImageRenditionConcurrentFirstRequests(t *testing.T) {
	db := testdb.New(t)
	_, imageID := imgPublishedWithImage(t, db, true)
	const n = 8
	etags := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			r, _, err := models.GetProductImageRendition(t.Context(), db, imageID, models.ImageZoom, false)
			errs[i] = err
			if err == nil {
				etags[i] = r.ETag
			}
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("request %d: %v", i, errs[i])
		}
		if etags[i] != etags[0] {
			t.Errorf("request %d got ETag %q, request 0 %q", i, etags[i], etags[0])
		}
	}
	count, err := db.NewSelect().Model((*models.ProductImageRendition)(nil)).Where("image_id = ?", imageID).Count(t.Context())
	if err != nil || count != 1 {
		t.Fatalf("%d renditions stored (err %v), want 1", count, err)
	}
}

func TestProductImageUploadRefused(t *testing.T) {
	app := testapp.Start(t)
	admin := app.LoginAs(t, models.RoleAdmin)
	id := imgProduct(t, app.DB, "Mug", "8", true, imgVariant{SKU: "MUG"})

	cases := []struct {
		name  string
		files []imgFile
		want  string
	}{
		{"text renamed .png", []imgFile{{"notes.png", []byte("Hello, I am only text pretending to be a picture.\n")}}, "notes.png: This file is not an image"},
		{"truncated png", []imgFile{{"cut.png", imgPNG(t, 300, 300, false)[:200]}}, "cut.png: This image is damaged"},
		{"too big", []imgFile{{"big.jpg", append(imgJPEG(t, 10, 10), make([]byte, models.MaxImageBytes)...)}}, "big.jpg: The file is too big"},
		{"one bad among good", []imgFile{{"ok.png", imgPNG(t, 50, 50, false)}, {"bad.png", []byte("%PDF-1.4 not an image")}}, "bad.png: This file is not an image"},
		{"no file", nil, "Choose at least one image file."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := imgUpload(t, admin, id, "x", tc.files...)
			if r.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", r.StatusCode)
			}
			if !strings.Contains(r.Body, `data-testid="error-image"`) || !strings.Contains(r.Body, tc.want) {
				t.Errorf("page does not say %q:\n%s", tc.want, r.Body)
			}
			if n := imgCount(t, app.DB, id); n != 0 {
				t.Errorf("%d images saved, want none", n)
			}
		})
	}

	long := strings.Repeat("a", 201)
	r := imgUpload(t, admin, id, long, imgFile{"ok.png", imgPNG(t, 50, 50, false)})
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `data-testid="error-alt"`) || imgCount(t, app.DB, id) != 0 {
		t.Errorf("alt of 201 characters: %d, saved %d", r.StatusCode, imgCount(t, app.DB, id))
	}
}

func TestProductImageOfUnpublishedProductIsStaffOnly(t *testing.T) {
	app := testapp.Start(t)
	_, imageID := imgPublishedWithImage(t, app.DB, false)
	path := models.ImageURL(imageID, models.ImageThumb)

	for _, c := range map[string]*testapp.Client{"guest": app.Client(t), "customer": app.LoginAs(t, models.RoleCustomer), "warehouse": app.LoginAs(t, models.RoleWarehouse)} {
		if r := c.Get(path); r.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s by non-staff: %d, want 404", path, r.StatusCode)
		}
	}
	for _, role := range []string{models.RoleAdmin, models.RoleSales} {
		r := app.LoginAs(t, role).Get(path)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("GET %s as %s: %d, want 200", path, role, r.StatusCode)
		}
		if got := r.Header.Get("Cache-Control"); !strings.HasPrefix(got, "private") {
			t.Errorf("staff-only image cached as %q, want private", got)
		}
	}
}

func TestProductImagesReorderAndDelete(t *testing.T) {
	app := testapp.Start(t)
	admin := app.LoginAs(t, models.RoleAdmin)
	id := imgProduct(t, app.DB, "Lamp", "40", true, imgVariant{SKU: "LAMP"})
	r := imgUpload(t, admin, id, "",
		imgFile{"a.png", imgPNG(t, 40, 40, false)}, imgFile{"b.png", imgPNG(t, 50, 40, false)}, imgFile{"c.png", imgPNG(t, 60, 40, false)})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload: %d\n%s", r.StatusCode, r.Body)
	}
	order := func() []int {
		imgs, err := models.ListProductImages(t.Context(), app.DB, id)
		if err != nil {
			t.Fatal(err)
		}
		var widths []int
		for i, img := range imgs {
			if img.Position != i {
				t.Errorf("image %d at position %d, want %d", img.ID, img.Position, i)
			}
			widths = append(widths, img.Width)
		}
		return widths
	}
	imgs, _ := models.ListProductImages(t.Context(), app.DB, id)
	a, b, c := itoa(imgs[0].ID), itoa(imgs[1].ID), itoa(imgs[2].ID)
	base := fmt.Sprintf("/office/products/%d/images", id)

	// "Make cover" on the third: the page's button posts the full new order.
	page := admin.Get(base)
	if !strings.Contains(page.Body, `data-testid="make-cover"`) {
		t.Fatalf("no make-cover button:\n%s", page.Body)
	}
	if r := admin.PostForm(base+"/order", url.Values{"ids": {c, a, b}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("reorder: %d\n%s", r.StatusCode, r.Body)
	}
	if got := fmt.Sprint(order()); got != "[60 40 50]" {
		t.Errorf("order after make cover = %s, want [60 40 50]", got)
	}
	// A stale order (missing an image) is refused and changes nothing.
	if r := admin.PostForm(base+"/order", url.Values{"ids": {a, b}}); r.StatusCode != http.StatusConflict {
		t.Errorf("stale reorder: %d, want 409", r.StatusCode)
	}
	if got := fmt.Sprint(order()); got != "[60 40 50]" {
		t.Errorf("order after refused reorder = %s", got)
	}

	if r := admin.PostForm(base+"/delete", url.Values{"image_id": {c}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d\n%s", r.StatusCode, r.Body)
	}
	if got := fmt.Sprint(order()); got != "[40 50]" {
		t.Errorf("order after deleting the cover = %s, want [40 50]", got)
	}
	if r := app.Client(t).Get("/images/" + c + "/thumb"); r.StatusCode != http.StatusNotFound {
		t.Errorf("deleted image still served: %d", r.StatusCode)
	}
	// Another product's image cannot be deleted through this one.
	_, other := imgPublishedWithImage(t, app.DB, true)
	if r := admin.PostForm(base+"/delete", url.Values{"image_id": {itoa(other)}}); r.StatusCode != http.StatusNotFound {
		t.Errorf("deleting another product's image: %d, want 404", r.StatusCode)
	}
	h, err := models.History(t.Context(), app.DB, "product", id)
	if err != nil || len(h) != 3 {
		t.Errorf("history has %d entries (err %v), want 3 (added, reordered, deleted)", len(h), err)
	}
}

// A salesperson uploads pictures, makes the second the cover and deletes
// one, in a real browser (file input, the confirmation disclosure, no JS
// error or CSP violation); thumbnails load from /images.
func TestBrowserProductImages(t *testing.T) {
	app := testapp.Start(t)
	id := imgProduct(t, app.DB, "Desk lamp", "49", true, imgVariant{SKU: "LAMP-DESK"})
	dir := t.TempDir()
	var files []string
	for i, data := range [][]byte{imgPNG(t, 900, 600, false), imgJPEG(t, 600, 900)} {
		name := filepath.Join(dir, fmt.Sprintf("photo-%d.img", i))
		if err := os.WriteFile(name, data, 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, name)
	}

	ctx := browser.New(t)
	browser.Navigate(t, ctx, app.URL+"/login")
	browser.Do(t, ctx,
		chromedp.SendKeys(chromedp.CSS(`form[data-testid=login-form] input[name=email]`), "sales@example.com"),
		chromedp.SendKeys(chromedp.CSS(`form[data-testid=login-form] input[name=password]`), "orderflow-demo"),
	)
	browser.ClickAndWait(t, ctx, `form[data-testid=login-form] button[type=submit]`)

	page := fmt.Sprintf("%s/office/products/%d/images", app.URL, id)
	if st := browser.Navigate(t, ctx, page); st != http.StatusOK {
		t.Fatalf("images page: %d", st)
	}
	browser.Screenshot(t, ctx, "empty.png")
	browser.Do(t, ctx,
		chromedp.SetUploadFiles(chromedp.CSS(`input[name=image]`), files),
		chromedp.SendKeys(chromedp.CSS(`input[name=alt]`), "Lamp on a desk"),
	)
	if st := browser.ClickAndWait(t, ctx, `[data-testid=upload-images]`); st != http.StatusOK {
		t.Fatalf("after upload: %d", st)
	}
	if got := browser.Text(t, ctx, `[data-testid=flash]`); got != "2 images added." {
		t.Errorf("flash %q", got)
	}
	// An image finishing loading does not change the DOM: poll on a timer.
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](
		`[...document.querySelectorAll('[data-testid=image-tile] img')].filter(i => i.complete && i.naturalWidth > 0).length === 2`,
		chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("thumbnails did not load: %v", err)
	}
	tileIDs := func() []string {
		return browser.Run(t, ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-testid=image-tile]')].map(e => e.dataset.imageId)`))
	}
	before := tileIDs()
	browser.Screenshot(t, ctx, "two-images.png")

	browser.ClickAndWait(t, ctx, `li[data-testid=image-tile]:nth-child(2) [data-testid=make-cover]`)
	if after := tileIDs(); len(after) != 2 || after[0] != before[1] || after[1] != before[0] {
		t.Fatalf("after make cover: %v, was %v", after, before)
	}
	if !browser.Exists(t, ctx, `li[data-testid=image-tile]:first-child [data-testid=cover-badge]`) {
		t.Errorf("the cover badge is not on the first tile")
	}

	browser.Do(t, ctx, chromedp.Click(chromedp.CSS(`li[data-testid=image-tile]:nth-child(2) [data-testid=delete-image] summary`), chromedp.NodeVisible))
	browser.Screenshot(t, ctx, "confirm-delete.png")
	browser.ClickAndWait(t, ctx, `li[data-testid=image-tile]:nth-child(2) [data-testid=confirm-delete]`)
	if after := tileIDs(); len(after) != 1 || after[0] != before[1] {
		t.Fatalf("after delete: %v", after)
	}

	phone := browser.NewTab(t, ctx, browser.Size(390, 844))
	browser.Navigate(t, phone, app.URL+"/login")
	browser.Do(t, phone,
		chromedp.SendKeys(chromedp.CSS(`form[data-testid=login-form] input[name=email]`), "admin@example.com"),
		chromedp.SendKeys(chromedp.CSS(`form[data-testid=login-form] input[name=password]`), "orderflow-demo"),
	)
	browser.ClickAndWait(t, phone, `form[data-testid=login-form] button[type=submit]`)
	browser.Navigate(t, phone, page)
	browser.Screenshot(t, phone, "phone.png")
}
