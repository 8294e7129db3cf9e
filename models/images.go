package models

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun"
	"golang.org/x/image/draw"
	"golang.org/x/image/webp"
)

// Limits on uploaded product images. MaxImageBytes stays below the server's
// request body limit (10 MB) so that the user gets our message, not a 413.
const (
	MaxImageBytes  = 8 << 20
	maxImageSide   = 12000    // pixels, either side
	maxImagePixels = 50000000 // width x height; guards against decompression bombs
	maxAltLen      = 200
	maxImagesBatch = 20
)

// Rendition sizes and the longest side each is scaled down to.
const (
	ImageThumb   = "thumb"
	ImageListing = "listing"
	ImageZoom    = "zoom"
)

var renditionSides = map[string]int{ImageThumb: 160, ImageListing: 480, ImageZoom: 1400}

// ImageURL is the public address of a rendition of an image:
// /images/{id}/{size} with size thumb, listing or zoom.
func ImageURL(id int64, size string) string {
	return fmt.Sprintf("/images/%d/%s", id, size)
}

// ImageUpload is one file sent for a product.
type ImageUpload struct {
	Filename string // only used in messages; the content decides the type
	Data     []byte
	Alt      string
}

// AddProductImage stores one image of the product templateID after the
// checks of AddProductImages; it records no author in the history.
func AddProductImage(ctx context.Context, db bun.IDB, templateID int64, data []byte, alt string) (*ProductImage, error) {
	imgs, err := AddProductImages(ctx, db, templateID, []ImageUpload{{Data: data, Alt: alt}}, 0)
	if err != nil {
		return nil, err
	}
	return &imgs[0], nil
}

// AddProductImages stores the uploaded images of the product templateID after
// the last existing one (the first image of a product becomes its cover).
// Each file must be a JPEG, PNG or WebP image of at most MaxImageBytes, as
// decoded from its content, never from its name. All files are saved or
// none: a bad one returns EINVALID on the field "image" (the alt text on
// "alt"); an unknown product returns ENOTFOUND. It locks the product row so
// that concurrent uploads get distinct positions.
func AddProductImages(ctx context.Context, db bun.IDB, templateID int64, uploads []ImageUpload, actorID int64) ([]ProductImage, error) {
	p := Problems{}
	if len(uploads) == 0 {
		p.Add("image", "Choose at least one image file.")
	}
	if len(uploads) > maxImagesBatch {
		p.Add("image", fmt.Sprintf("Upload at most %d images at once.", maxImagesBatch))
	}
	imgs := make([]ProductImage, 0, len(uploads))
	for _, u := range uploads {
		alt := strings.TrimSpace(u.Alt)
		if utf8.RuneCountInString(alt) > maxAltLen {
			p.Add("alt", fmt.Sprintf("Use at most %d characters.", maxAltLen))
		}
		img, msg := inspectImage(u.Data)
		if msg != "" {
			if u.Filename != "" {
				msg = u.Filename + ": " + msg
			}
			p.Add("image", msg)
			continue
		}
		img.TemplateID = templateID
		img.Alt = alt
		imgs = append(imgs, img)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := lockProductTemplate(ctx, tx, templateID); err != nil {
			return err
		}
		var next int
		err := tx.NewSelect().Model((*ProductImage)(nil)).
			ColumnExpr("coalesce(max(position) + 1, 0)").
			Where("template_id = ?", templateID).Scan(ctx, &next)
		if err != nil {
			return err
		}
		for i := range imgs {
			imgs[i].Position = next + i
		}
		if _, err := tx.NewInsert().Model(&imgs).Returning("id, created_at").Exec(ctx); err != nil {
			return err
		}
		what := "an image"
		if len(imgs) > 1 {
			what = fmt.Sprintf("%d images", len(imgs))
		}
		return RecordHistory(ctx, tx, "product", templateID, actorID, "Added "+what+".")
	})
	if err != nil {
		return nil, fmt.Errorf("models: add images to product %d: %w", templateID, err)
	}
	for i := range imgs {
		imgs[i].Data = nil // the caller has it; do not keep megabytes around
	}
	return imgs, nil
}

// inspectImage decodes data and returns the image row to store, or a
// message saying why it is not acceptable.
func inspectImage(data []byte) (ProductImage, string) {
	switch {
	case len(data) == 0:
		return ProductImage{}, "The file is empty."
	case len(data) > MaxImageBytes:
		return ProductImage{}, fmt.Sprintf("The file is too big (%.1f MB); images may be at most %d MB.", float64(len(data))/(1<<20), MaxImageBytes>>20)
	}
	mime := http.DetectContentType(data)
	if mime == "application/octet-stream" && len(data) > 12 && string(data[8:12]) == "WEBP" {
		mime = "image/webp" // older sniffers do not know WebP
	}
	decodeConfig, decode := imageCodec(mime)
	if decode == nil {
		return ProductImage{}, "This file is not an image. Upload a JPEG, PNG or WebP picture."
	}
	cfg, err := decodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return ProductImage{}, "This image is damaged or not a real " + strings.TrimPrefix(mime, "image/") + " file."
	}
	if cfg.Width > maxImageSide || cfg.Height > maxImageSide || cfg.Width*cfg.Height > maxImagePixels {
		return ProductImage{}, fmt.Sprintf("The image is too large (%d x %d pixels); use at most %d pixels per side.", cfg.Width, cfg.Height, maxImageSide)
	}
	// Decode it fully: a valid header on a truncated or corrupt body must not pass.
	if _, err := decode(bytes.NewReader(data)); err != nil {
		return ProductImage{}, "This image is damaged or not a real " + strings.TrimPrefix(mime, "image/") + " file."
	}
	sum := sha256.Sum256(data)
	return ProductImage{MIME: mime, Width: cfg.Width, Height: cfg.Height, SHA256: hex.EncodeToString(sum[:]), Data: data}, ""
}

type (
	configDecoder func(r *bytes.Reader) (image.Config, error)
	imageDecoder  func(r *bytes.Reader) (image.Image, error)
)

// imageCodec returns the decoders of the accepted types, or nils.
func imageCodec(mime string) (configDecoder, imageDecoder) {
	switch mime {
	case "image/jpeg":
		return func(r *bytes.Reader) (image.Config, error) { return jpeg.DecodeConfig(r) },
			func(r *bytes.Reader) (image.Image, error) { return jpeg.Decode(r) }
	case "image/png":
		return func(r *bytes.Reader) (image.Config, error) { return png.DecodeConfig(r) },
			func(r *bytes.Reader) (image.Image, error) { return png.Decode(r) }
	case "image/webp":
		return func(r *bytes.Reader) (image.Config, error) { return webp.DecodeConfig(r) },
			func(r *bytes.Reader) (image.Image, error) { return webp.Decode(r) }
	}
	return nil, nil
}

// lockProductTemplate takes the product row FOR UPDATE, or returns ENOTFOUND.
func lockProductTemplate(ctx context.Context, tx bun.IDB, templateID int64) error {
	var id int64
	err := tx.NewSelect().Model((*ProductTemplate)(nil)).Column("id").
		Where("id = ?", templateID).For("UPDATE").Scan(ctx, &id)
	return notFound(err, "The product")
}

// ListProductImages returns the images of a product, cover first, without
// their data.
func ListProductImages(ctx context.Context, db bun.IDB, templateID int64) ([]ProductImage, error) {
	var imgs []ProductImage
	err := db.NewSelect().Model(&imgs).ExcludeColumn("data").
		Where("template_id = ?", templateID).
		OrderExpr("position, id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("models: list images of product %d: %w", templateID, err)
	}
	return imgs, nil
}

// GetProductImages returns a product (without its description) and its
// images without their data, cover first; ENOTFOUND for an unknown product.
func GetProductImages(ctx context.Context, db bun.IDB, templateID int64) (*ProductTemplate, []ProductImage, error) {
	pt := new(ProductTemplate)
	err := db.NewSelect().Model(pt).
		Column("id", "name", "default_code", "published", "active", "list_price").
		Where("id = ?", templateID).Scan(ctx)
	if err != nil {
		return nil, nil, notFound(err, "The product")
	}
	imgs, err := ListProductImages(ctx, db, templateID)
	if err != nil {
		return nil, nil, err
	}
	return pt, imgs, nil
}

// CoverImageIDs returns, for each of the given products that has images, the
// id of its cover image.
func CoverImageIDs(ctx context.Context, db bun.IDB, templateIDs []int64) (map[int64]int64, error) {
	out := map[int64]int64{}
	if len(templateIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		TemplateID int64 `bun:"template_id"`
		ID         int64 `bun:"id"`
	}
	err := db.NewSelect().Model((*ProductImage)(nil)).
		DistinctOn("template_id").Column("template_id", "id").
		Where("template_id IN (?)", bun.In(templateIDs)).
		OrderExpr("template_id, position, id").Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("models: cover images: %w", err)
	}
	for _, r := range rows {
		out[r.TemplateID] = r.ID
	}
	return out, nil
}

// ReorderProductImages sets the order of the images of a product: ids must
// list every image of the product exactly once, the first becomes the cover.
// It returns ENOTFOUND for an unknown product and ECONFLICT when ids do not
// match the product's images (someone added or deleted one meanwhile). It
// locks the product row.
func ReorderProductImages(ctx context.Context, db bun.IDB, templateID int64, ids []int64, actorID int64) error {
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := lockProductTemplate(ctx, tx, templateID); err != nil {
			return err
		}
		var current []int64
		err := tx.NewSelect().Model((*ProductImage)(nil)).Column("id").
			Where("template_id = ?", templateID).OrderExpr("position, id").Scan(ctx, &current)
		if err != nil {
			return err
		}
		a, b := slices.Clone(current), slices.Clone(ids)
		slices.Sort(a)
		slices.Sort(b)
		if !slices.Equal(a, b) {
			return Errorf(ECONFLICT, "The images of this product changed meanwhile. Reload the page and try again.")
		}
		if slices.Equal(current, ids) {
			return nil
		}
		if err := setImagePositions(ctx, tx, ids); err != nil {
			return err
		}
		return RecordHistory(ctx, tx, "product", templateID, actorID, "Reordered the images.")
	})
	if err != nil {
		return fmt.Errorf("models: reorder images of product %d: %w", templateID, err)
	}
	return nil
}

// setImagePositions numbers the images 0, 1, 2... in the order of ids.
func setImagePositions(ctx context.Context, tx bun.IDB, ids []int64) error {
	for pos, id := range ids {
		if _, err := tx.NewUpdate().Model((*ProductImage)(nil)).
			Set("position = ?", pos).Where("id = ?", id).Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

// DeleteProductImage removes an image of a product (and its renditions) and
// closes the gap in the order. It returns ENOTFOUND when the product has no
// such image. It locks the product row.
func DeleteProductImage(ctx context.Context, db bun.IDB, templateID, imageID int64, actorID int64) error {
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := lockProductTemplate(ctx, tx, templateID); err != nil {
			return err
		}
		var alt string
		err := tx.NewDelete().Model((*ProductImage)(nil)).
			Where("id = ? AND template_id = ?", imageID, templateID).
			Returning("alt").Scan(ctx, &alt)
		if err != nil {
			return notFound(err, "The image")
		}
		var rest []int64
		if err := tx.NewSelect().Model((*ProductImage)(nil)).Column("id").
			Where("template_id = ?", templateID).OrderExpr("position, id").Scan(ctx, &rest); err != nil {
			return err
		}
		if err := setImagePositions(ctx, tx, rest); err != nil {
			return err
		}
		body := "Deleted an image."
		if alt != "" {
			body = fmt.Sprintf("Deleted the image %q.", alt)
		}
		return RecordHistory(ctx, tx, "product", templateID, actorID, body)
	})
	if err != nil {
		return fmt.Errorf("models: delete image %d of product %d: %w", imageID, templateID, err)
	}
	return nil
}

// GetProductImageRendition returns the resized copy of an image in size
// (thumb, listing or zoom), making and storing it on first request; public
// says whether the image may be shown to anyone (its product is published
// and active). Unless staff is true, images of other products are ENOTFOUND,
// as are unknown images and sizes. Concurrent first requests are harmless:
// the copy is inserted with ON CONFLICT DO NOTHING and read back.
func GetProductImageRendition(ctx context.Context, db bun.IDB, imageID int64, size string, staff bool) (r *ProductImageRendition, public bool, err error) {
	side, ok := renditionSides[size]
	if !ok {
		return nil, false, Errorf(ENOTFOUND, "There is no image size %q.", size)
	}
	var row struct {
		Public bool    `bun:"public"`
		MIME   *string `bun:"mime"`
		Data   []byte  `bun:"data"`
		ETag   *string `bun:"etag"`
	}
	err = db.NewSelect().TableExpr("product_images AS pi").
		ColumnExpr("pt.published AND pt.active AS public, r.mime, r.data, r.etag").
		Join("JOIN product_templates AS pt ON pt.id = pi.template_id").
		Join("LEFT JOIN product_image_renditions AS r ON r.image_id = pi.id AND r.size = ?", size).
		Where("pi.id = ?", imageID).Scan(ctx, &row)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !row.Public && !staff) {
		return nil, false, Errorf(ENOTFOUND, "The image was not found.")
	}
	if err != nil {
		return nil, false, fmt.Errorf("models: image %d: %w", imageID, err)
	}
	if row.ETag != nil {
		return &ProductImageRendition{ImageID: imageID, Size: size, MIME: *row.MIME, Data: row.Data, ETag: *row.ETag}, row.Public, nil
	}

	var src []byte
	if err := db.NewSelect().Model((*ProductImage)(nil)).Column("data").
		Where("id = ?", imageID).Scan(ctx, &src); err != nil {
		return nil, false, notFound(err, "The image")
	}
	made, err := makeRendition(src, side)
	if err != nil {
		return nil, false, fmt.Errorf("models: resize image %d to %s: %w", imageID, size, err)
	}
	made.ImageID, made.Size = imageID, size
	if _, err := db.NewInsert().Model(made).On("CONFLICT (image_id, size) DO NOTHING").Exec(ctx); err != nil {
		if isForeignKeyViolation(err) {
			return nil, false, Errorf(ENOTFOUND, "The image was not found.") // deleted meanwhile
		}
		return nil, false, fmt.Errorf("models: store rendition of image %d: %w", imageID, err)
	}
	stored := new(ProductImageRendition)
	if err := db.NewSelect().Model(stored).Where("image_id = ? AND size = ?", imageID, size).Scan(ctx); err != nil {
		return nil, false, notFound(err, "The image")
	}
	return stored, row.Public, nil
}

// isForeignKeyViolation reports whether err is PostgreSQL's foreign_key_violation.
func isForeignKeyViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23503"
}

// makeRendition scales src down so that its longest side is at most side
// (never up) and encodes it as JPEG (quality 85), or PNG when it has
// transparency.
func makeRendition(src []byte, side int) (*ProductImageRendition, error) {
	img, _, err := image.Decode(bytes.NewReader(src))
	if err != nil {
		return nil, err
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if longest := max(w, h); longest > side {
		w = max(1, (w*side+longest/2)/longest)
		h = max(1, (h*side+longest/2)/longest)
	}
	transparent := false
	if o, ok := img.(interface{ Opaque() bool }); ok {
		transparent = !o.Opaque()
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	if !transparent {
		draw.Draw(dst, dst.Bounds(), image.White, image.Point{}, draw.Src)
	}
	draw.CatmullRom.Scale(dst, dst.Bounds(), img, b, draw.Over, nil)

	var buf bytes.Buffer
	mime := "image/jpeg"
	if transparent {
		mime = "image/png"
		err = (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, dst)
	} else {
		err = jpeg.Encode(&buf, dst, &jpeg.Options{Quality: 85})
	}
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(buf.Bytes())
	return &ProductImageRendition{MIME: mime, Data: buf.Bytes(), ETag: hex.EncodeToString(sum[:16])}, nil
}
