package models

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"
)

// demoCategories is the demo category tree: parents before children.
var demoCategories = []struct{ name, parent string }{
	{"Apparel", ""}, {"T-shirts", "Apparel"}, {"Hoodies", "Apparel"},
	{"Home", ""}, {"Kitchen", "Home"}, {"Decor", "Home"},
	{"Office", ""}, {"Stationery", "Office"},
	{"Outdoor", ""}, {"Camping", "Outdoor"},
}

// demoProduct describes one product of the demo catalog.
type demoProduct struct {
	name, ref, category string
	price, weight       string
	tax                 string // name of a demo tax
	shape, bg, fg       string // picture
	desc                string // Markdown
	featured, hidden    bool   // hidden: not published
	archived            bool   // not active
	sizes, colors       []string
	extra               map[string]string // price extra per value name
	colorImages         bool              // a picture per colour
	typ                 string
	daysOld             int
}

const (
	vat21     = "VAT 21%"
	vat6      = "VAT 6%"
	careKnit  = "\n\n**Care:** machine wash at 30 °C, inside out; do not tumble dry."
	warranty  = "\n\n*Two-year warranty, free returns within 30 days.*"
	madeInEU  = "\n\nMade in Portugal in a family-run workshop."
	sizeNote  = "\n\nTrue to size: take your usual size, or one up for a relaxed fit."
	dishwash  = "\n\nDishwasher and microwave safe."
	handWash  = "\n\nWash by hand and dry at once; oil now and then."
	recycled  = "\n\nPrinted on 100% recycled paper, FSC certified."
	outdoorOK = "\n\nTested on the trail by our team through a full Alpine season."
)

var demoProducts = []demoProduct{
	// T-shirts
	{name: "Classic Organic T-shirt", ref: "TSH-CLASSIC", category: "T-shirts", price: "19.90", weight: "0.18", tax: vat21,
		shape: "tshirt", bg: "#e8eefc", fg: "#1f2a44", featured: true, sizes: []string{"S", "M", "L"}, colors: []string{"White", "Navy", "Red"}, colorImages: true,
		desc: "Our best-selling **crew-neck T-shirt** in soft, 180 g/m² organic cotton.\n\n- GOTS-certified organic cotton\n- Reinforced shoulder seams\n- Pre-shrunk, keeps its shape" + sizeNote + careKnit},
	{name: "Striped Breton T-shirt", ref: "TSH-BRETON", category: "T-shirts", price: "29.00", weight: "0.22", tax: vat21,
		shape: "tshirt", bg: "#eef2f7", fg: "#2b3a67", sizes: []string{"S", "M", "L"}, daysOld: 3,
		desc: "The sailor's classic: navy stripes on an off-white, heavy cotton jersey with a boat neck." + madeInEU + careKnit},
	{name: "Linen Summer Tee", ref: "TSH-LINEN", category: "T-shirts", price: "34.00", weight: "0.15", tax: vat21,
		shape: "tshirt", bg: "#f7f1e6", fg: "#b68d5a", sizes: []string{"S", "M", "L", "XL"}, extra: map[string]string{"XL": "2.00"}, daysOld: 5,
		desc: "Light, airy and cool on the hottest days: a relaxed tee in washed European linen." + sizeNote},
	{name: "Graphic Mountain T-shirt", ref: "TSH-MOUNTAIN", category: "T-shirts", price: "24.50", weight: "0.19", tax: vat21,
		shape: "tshirt", bg: "#e6f4ef", fg: "#2f6f5e", featured: true, sizes: []string{"S", "M", "L"}, daysOld: 8,
		desc: "A hand-drawn mountain ridge, screen-printed with water-based inks on organic cotton." + careKnit},
	{name: "Long-sleeve Henley", ref: "TSH-HENLEY", category: "T-shirts", price: "39.00", weight: "0.26", tax: vat21,
		shape: "tshirt", bg: "#f3ece9", fg: "#7a4b3a", sizes: []string{"M", "L", "XL"}, daysOld: 12,
		desc: "A waffle-knit henley with a three-button placket: the layer for cool mornings." + careKnit},
	{name: "Kids' Rainbow T-shirt", ref: "TSH-KIDS", category: "T-shirts", price: "15.00", weight: "0.10", tax: vat21,
		shape: "tshirt", bg: "#fdf0f4", fg: "#d6336c", daysOld: 20,
		desc: "Bright, soft and made to be played in. Sizes for 4 to 6 years." + careKnit},

	// Hoodies
	{name: "Everyday Zip Hoodie", ref: "HOD-ZIP", category: "Hoodies", price: "59.00", weight: "0.55", tax: vat21,
		shape: "hoodie", bg: "#eceff4", fg: "#111111", featured: true, sizes: []string{"S", "M", "L", "XL"}, colors: []string{"Black", "Navy"}, extra: map[string]string{"XL": "3.00"}, colorImages: true, daysOld: 2,
		desc: "A brushed-back fleece **zip hoodie** you will reach for every day.\n\n- YKK metal zip\n- Kangaroo pockets with hidden phone pocket\n- Ribbed cuffs and hem" + sizeNote + careKnit},
	{name: "Heavyweight Pullover Hoodie", ref: "HOD-HEAVY", category: "Hoodies", price: "69.00", weight: "0.72", tax: vat21,
		shape: "hoodie", bg: "#fbeaea", fg: "#c0392b", sizes: []string{"S", "M", "L"}, colors: []string{"Red", "Black"}, daysOld: 6,
		desc: "400 g/m² loopback cotton, a double-layer hood and a boxy fit that lasts for years." + madeInEU + careKnit},
	{name: "Lightweight Running Hoodie", ref: "HOD-RUN", category: "Hoodies", price: "54.00", weight: "0.30", tax: vat21,
		shape: "hoodie", bg: "#e7f5fb", fg: "#1c7fa6", sizes: []string{"S", "M", "L", "XL"}, daysOld: 9,
		desc: "Quick-drying recycled polyester with reflective details for early runs."},
	{name: "Fleece Half-zip", ref: "HOD-HALFZIP", category: "Hoodies", price: "49.00", weight: "0.40", tax: vat21,
		shape: "hoodie", bg: "#eef0e8", fg: "#5b6b3a", daysOld: 15,
		desc: "Warm, light microfleece with a half zip and a stand-up collar."},
	{name: "Sherpa-lined Hoodie", ref: "HOD-SHERPA", category: "Hoodies", price: "89.00", weight: "0.95", tax: vat21,
		shape: "hoodie", bg: "#f5efe6", fg: "#8a6d4b", featured: true, sizes: []string{"M", "L"}, daysOld: 11,
		desc: "A cosy sherpa lining throughout, for the coldest walks of the year." + careKnit},

	// Kitchen
	{name: "Stoneware Coffee Mug", ref: "KIT-MUG", category: "Kitchen", price: "14.00", weight: "0.35", tax: vat21,
		shape: "mug", bg: "#f4ede4", fg: "#3d3d3d", featured: true, colors: []string{"White", "Black"}, daysOld: 4,
		desc: "A generous 350 ml mug in speckled stoneware, glazed by hand." + dishwash},
	{name: "Pour-over Coffee Dripper", ref: "KIT-DRIP", category: "Kitchen", price: "24.00", weight: "0.40", tax: vat21,
		shape: "mug", bg: "#eaf2ee", fg: "#2d6a4f", daysOld: 14,
		desc: "Porcelain cone dripper for one or two cups. Takes standard size 02 filters." + dishwash},
	{name: "Cast Iron Skillet 26 cm", ref: "KIT-SKILLET", category: "Kitchen", price: "45.00", weight: "2.40", tax: vat21,
		shape: "bag", bg: "#ececec", fg: "#2b2b2b", daysOld: 30,
		desc: "Pre-seasoned cast iron that goes from the hob to the oven to the table." + handWash + warranty},
	{name: "Olive Wood Cutting Board", ref: "KIT-BOARD", category: "Kitchen", price: "32.00", weight: "0.90", tax: vat21,
		shape: "book", bg: "#f6efe3", fg: "#a0703c", daysOld: 25,
		desc: "Each board is cut from a single piece of olive wood: no two grains alike." + handWash},
	{name: "Chef's Knife 20 cm", ref: "KIT-KNIFE", category: "Kitchen", price: "79.00", weight: "0.25", tax: vat21,
		shape: "pen", bg: "#eef1f5", fg: "#4a5568", daysOld: 18,
		desc: "Forged German steel, a full tang and a balanced pakka-wood handle." + warranty},
	{name: "Glass Storage Jars (set of 3)", ref: "KIT-JARS", category: "Kitchen", price: "22.00", weight: "1.20", tax: vat21,
		shape: "bottle", bg: "#e9f6f6", fg: "#4fa3a5", daysOld: 22,
		desc: "Borosilicate jars of 0.5, 1 and 1.5 litre with bamboo lids and airtight seals." + dishwash},
	{name: "Enamel Tea Kettle", ref: "KIT-KETTLE", category: "Kitchen", price: "39.00", weight: "1.10", tax: vat21,
		shape: "vase", bg: "#fdf3e7", fg: "#e07a1f", daysOld: 16,
		desc: "A 1.8 litre enamelled steel kettle for every hob, induction included."},
	{name: "Linen Tea Towels (set of 2)", ref: "KIT-TOWELS", category: "Kitchen", price: "16.00", weight: "0.20", tax: vat21,
		shape: "book", bg: "#eef3f8", fg: "#6b8fb5", daysOld: 40,
		desc: "Absorbent, lint-free stonewashed linen that softens with every wash."},
	{name: "Bamboo Utensil Set", ref: "KIT-UTENSIL", category: "Kitchen", price: "18.00", weight: "0.30", tax: vat21,
		shape: "pen", bg: "#f3f6e9", fg: "#7c8b3c", daysOld: 35,
		desc: "Spatula, spoon, slotted spoon and tongs in sustainable bamboo."},

	// Decor
	{name: "Hand-thrown Ceramic Vase", ref: "DEC-VASE", category: "Decor", price: "42.00", weight: "0.80", tax: vat21,
		shape: "vase", bg: "#f1ece6", fg: "#9c6b4e", featured: true, daysOld: 7,
		desc: "Thrown on the wheel and glazed in a matte sand finish. About 24 cm tall." + madeInEU},
	{name: "Wool Throw Blanket", ref: "DEC-THROW", category: "Decor", price: "75.00", weight: "1.30", tax: vat21,
		shape: "book", bg: "#eef0f6", fg: "#5a6a8e", daysOld: 19,
		desc: "Woven from soft lambswool, 130 x 180 cm, with hand-knotted fringes."},
	{name: "Scented Soy Candle", ref: "DEC-CANDLE", category: "Decor", price: "19.00", weight: "0.40", tax: vat21,
		shape: "mug", bg: "#fbf3ea", fg: "#c9a27e", daysOld: 10,
		desc: "Fig and cedar, hand-poured soy wax with a cotton wick: about 45 hours of burning."},
	{name: "Linen Cushion Cover", ref: "DEC-CUSHION", category: "Decor", price: "27.00", weight: "0.25", tax: vat21,
		shape: "book", bg: "#f4efea", fg: "#1f2a44", colors: []string{"White", "Navy", "Red"}, daysOld: 13,
		desc: "A 45 x 45 cm cover in stonewashed linen with a hidden zip. Insert not included."},
	{name: "Brass Table Lamp", ref: "DEC-LAMP", category: "Decor", price: "129.00", weight: "2.10", tax: vat21,
		shape: "lamp", bg: "#f7f2e4", fg: "#b08d35", featured: true, daysOld: 1,
		desc: "A solid brass lamp with a linen shade and a dimmer on the cord. E27 bulb." + warranty},
	{name: "Woven Storage Basket", ref: "DEC-BASKET", category: "Decor", price: "34.00", weight: "0.60", tax: vat21,
		shape: "bag", bg: "#f6f0e4", fg: "#a77f45", daysOld: 27,
		desc: "Hand-woven seagrass basket with handles, for blankets, toys or plants."},
	{name: "Framed Botanical Print", ref: "DEC-PRINT", category: "Decor", price: "49.00", weight: "0.70", tax: vat21,
		shape: "book", bg: "#edf5ee", fg: "#3f7d4e", daysOld: 33,
		desc: "A giclée print of a 19th-century fern study, in an oak frame of 30 x 40 cm."},
	{name: "Minimal Wall Clock", ref: "DEC-CLOCK", category: "Decor", price: "55.00", weight: "0.50", tax: vat21,
		shape: "vase", bg: "#f0f1f3", fg: "#23272f", daysOld: 29,
		desc: "A silent sweep movement behind a clean, numberless face. 30 cm across."},

	// Stationery
	{name: "Dotted A5 Notebook", ref: "STA-NOTEBOOK", category: "Stationery", price: "12.50", weight: "0.30", tax: vat6,
		shape: "book", bg: "#eef1fb", fg: "#3e37b0", featured: true, colors: []string{"Black", "Navy", "Red"}, daysOld: 3,
		desc: "192 pages of 100 g/m² paper that fountain pens love, lay-flat binding, numbered pages." + recycled},
	{name: "Brass Fountain Pen", ref: "STA-PEN", category: "Stationery", price: "38.00", weight: "0.05", tax: vat21,
		shape: "pen", bg: "#f7f3e8", fg: "#a88734", daysOld: 17,
		desc: "A solid brass body that patinas with use, a steel medium nib and a converter."},
	{name: "Oak Desk Organizer", ref: "STA-ORGANIZER", category: "Stationery", price: "44.00", weight: "0.90", tax: vat21,
		shape: "book", bg: "#f5efe5", fg: "#9b7447", daysOld: 21,
		desc: "Solid oak with compartments for pens, cards and your phone."},
	{name: "Weekly Planner 2027", ref: "STA-PLANNER", category: "Stationery", price: "18.00", weight: "0.35", tax: vat6,
		shape: "book", bg: "#fdeff2", fg: "#b83258", daysOld: 0,
		desc: "A week on two pages, monthly overviews and a pocket at the back." + recycled},
	{name: "Recycled Sketchbook A4", ref: "STA-SKETCH", category: "Stationery", price: "14.00", weight: "0.50", tax: vat6,
		shape: "book", bg: "#eef4ea", fg: "#5c7f3d", daysOld: 26,
		desc: "80 sheets of heavy 160 g/m² drawing paper." + recycled},
	{name: "Gel Pens (pack of 10)", ref: "STA-GEL", category: "Stationery", price: "9.90", weight: "0.08", tax: vat21,
		shape: "pen", bg: "#eef3fb", fg: "#2c5fc6", daysOld: 31,
		desc: "Smooth 0.5 mm gel pens in ten colours that do not smudge."},
	{name: "Leather Card Holder", ref: "STA-CARD", category: "Stationery", price: "29.00", weight: "0.04", tax: vat21,
		shape: "bag", bg: "#f6ece6", fg: "#8c4a2f", daysOld: 24,
		desc: "Vegetable-tanned leather, four card slots and a middle pocket." + madeInEU},

	// Camping
	{name: "Insulated Water Bottle 750 ml", ref: "OUT-BOTTLE", category: "Camping", price: "27.00", weight: "0.40", tax: vat21,
		shape: "bottle", bg: "#e7f3f7", fg: "#1f2a44", featured: true, colors: []string{"Black", "Navy", "Red"}, daysOld: 2,
		desc: "Double-walled steel: cold for 24 hours, hot for 12. Leak-proof lid." + outdoorOK},
	{name: "Two-person Dome Tent", ref: "OUT-TENT", category: "Camping", price: "189.00", weight: "2.60", tax: vat21,
		shape: "tent", bg: "#eaf3ea", fg: "#2f6b3a", featured: true, daysOld: 6,
		desc: "A freestanding three-season tent that pitches in five minutes.\n\n- 2.6 kg packed\n- Two doors, two porches\n- 3000 mm waterproof flysheet" + outdoorOK + warranty},
	{name: "Down Sleeping Bag", ref: "OUT-SLEEP", category: "Camping", price: "159.00", weight: "0.95", tax: vat21,
		shape: "bag", bg: "#fdf1e7", fg: "#d9662b", daysOld: 12,
		desc: "Responsibly sourced 700-fill down, comfortable down to -2 °C." + outdoorOK},
	{name: "Trail Headlamp", ref: "OUT-HEADLAMP", category: "Camping", price: "34.00", weight: "0.09", tax: vat21,
		shape: "lamp", bg: "#f2f2ea", fg: "#4a4a2f", daysOld: 23,
		desc: "350 lumens, a red night mode and a USB-C rechargeable battery."},
	{name: "Camping Enamel Mug", ref: "OUT-MUG", category: "Camping", price: "12.00", weight: "0.20", tax: vat21,
		shape: "mug", bg: "#eef4fb", fg: "#3568a8", daysOld: 28,
		desc: "The classic speckled enamel mug for the campfire. 400 ml."},
	{name: "Packable Rain Jacket", ref: "OUT-JACKET", category: "Camping", price: "89.00", weight: "0.28", tax: vat21,
		shape: "hoodie", bg: "#fff6e0", fg: "#e0a100", sizes: []string{"S", "M", "L", "XL"}, daysOld: 9,
		desc: "Waterproof, breathable and small enough to fit in its own pocket." + outdoorOK},
	{name: "Trekking Poles (pair)", ref: "OUT-POLES", category: "Camping", price: "65.00", weight: "0.50", tax: vat21,
		shape: "pen", bg: "#eef1f2", fg: "#46525a", daysOld: 37,
		desc: "Carbon poles that fold to 38 cm, with cork grips."},
	{name: "Picnic Blanket", ref: "OUT-PICNIC", category: "Camping", price: "39.00", weight: "0.80", tax: vat21,
		shape: "book", bg: "#fbeeee", fg: "#b8453a", daysOld: 42,
		desc: "A waterproof backing and a carry strap. 150 x 200 cm."},

	// Not for shoppers: a draft, and a product taken out of the range.
	{name: "Smart Mug Prototype", ref: "KIT-SMARTMUG", category: "Kitchen", price: "99.00", weight: "0.40", tax: vat21,
		shape: "mug", bg: "#eeeeee", fg: "#777777", hidden: true,
		desc: "Draft: not ready for sale."},
	{name: "Canvas Tote Bag", ref: "DEC-TOTE", category: "Decor", price: "15.00", weight: "0.20", tax: vat21,
		shape: "bag", bg: "#f1efe8", fg: "#6b6552", archived: true, daysOld: 60,
		desc: "Discontinued."},
	{name: "Winter Beanie", ref: "TSH-BEANIE", category: "Apparel", price: "22.00", weight: "0.10", tax: vat21,
		shape: "bag", bg: "#eef0f6", fg: "#1f2a44", hidden: true, daysOld: 1,
		desc: "Coming this autumn."},
}

// seedDemoCategories creates the demo category tree and returns the ids
// by name.
func seedDemoCategories(ctx context.Context, tx bun.Tx) (map[string]int64, error) {
	catID := map[string]int64{}
	for i, c := range demoCategories {
		cat := &Category{Name: c.name, CompleteName: c.name, Sequence: (i + 1) * 10}
		if c.parent != "" {
			pid := catID[c.parent]
			cat.ParentID = &pid
			cat.CompleteName = c.parent + " / " + c.name
		}
		if _, err := tx.NewInsert().Model(cat).Returning("id").Exec(ctx); err != nil {
			return nil, err
		}
		catID[c.name] = cat.ID
	}
	return catID, nil
}

// demoBarcode is the n-th demo EAN-13 (GS1 prefix 541, company 2345).
func demoBarcode(n int) string {
	payload := fmt.Sprintf("5412345%05d", n)
	return payload + fmt.Sprint(EANCheckDigit(payload))
}

// SeedCatalog creates the demo catalog on a database without products: a
// category tree, the demo taxes and attributes, about 45 products with
// descriptions, prices, taxes, EAN-13 barcodes and pictures, several with
// variants (sizes and colours), some featured, a few unpublished or
// archived. It does nothing when any product exists.
func SeedCatalog(ctx context.Context, db bun.IDB) error {
	if n, err := db.NewSelect().Model((*ProductTemplate)(nil)).Count(ctx); err != nil {
		return fmt.Errorf("models: seed catalog: %w", err)
	} else if n > 0 {
		return nil
	}
	images := demoCatalogImages()
	return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := seedCatalog(ctx, tx, images); err != nil {
			return fmt.Errorf("models: seed catalog: %w", err)
		}
		return nil
	})
}

// demoPicture is a picture of a demo product (variant "" is the cover).
type demoPicture struct {
	product int
	color   string
	data    []byte
	alt     string
}

var (
	demoPicturesOnce sync.Once
	demoPictures     []demoPicture
)

// demoCatalogImages draws the pictures of the demo catalog, in parallel,
// once per process.
func demoCatalogImages() []demoPicture {
	demoPicturesOnce.Do(func() {
		colorHex := map[string]string{"White": "#f7f7f5", "Black": "#1d1d1f", "Navy": "#1f2a44", "Red": "#c0392b"}
		var jobs []demoPicture
		for i, p := range demoProducts {
			jobs = append(jobs, demoPicture{product: i, alt: p.name})
			if p.colorImages {
				for _, c := range p.colors {
					jobs = append(jobs, demoPicture{product: i, color: c, alt: p.name + " in " + strings.ToLower(c)})
				}
			}
		}
		var wg sync.WaitGroup
		for i := range jobs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p := demoProducts[jobs[i].product]
				fg, bg := p.fg, p.bg
				if jobs[i].color != "" {
					fg = colorHex[jobs[i].color]
					if jobs[i].color == "White" {
						bg = "#d9dee8"
					}
				}
				jobs[i].data = cachedDemoImage(p.shape, bg, fg)
			}()
		}
		wg.Wait()
		demoPictures = jobs
	})
	return demoPictures
}

func seedCatalog(ctx context.Context, tx bun.Tx, pictures []demoPicture) error {
	if err := SeedTaxes(ctx, tx); err != nil {
		return err
	}
	attrs, err := SeedAttributes(ctx, tx)
	if err != nil {
		return err
	}
	valueID := map[string]int64{} // "Size:M"
	for name, a := range attrs {
		for _, v := range a.Values {
			valueID[name+":"+v.Name] = v.ID
		}
	}
	var taxes []Tax
	if err := tx.NewSelect().Model(&taxes).Scan(ctx); err != nil {
		return err
	}
	taxID := map[string]int64{}
	for _, t := range taxes {
		taxID[t.Name] = t.ID
	}

	catID, err := seedDemoCategories(ctx, tx)
	if err != nil {
		return err
	}

	templateIDs := make([]int64, len(demoProducts))
	variantOf := map[string]int64{} // "product:Color" -> a variant of that colour
	barcodes := 0
	for i, p := range demoProducts {
		typ := p.typ
		if typ == "" {
			typ = ProductStorable
		}
		cid := catID[p.category]
		pt := &ProductTemplate{
			Name: p.name, DefaultCode: p.ref, Description: p.desc, DescriptionHTML: RenderMarkdown(p.desc),
			CategoryID: &cid, Type: typ, Tracking: TrackingNone, InvoicePolicy: InvoiceOrdered,
			ListPrice: decimal.RequireFromString(p.price), Cost: decimal.RequireFromString(p.price).Mul(decimal.RequireFromString("0.45")).Round(2),
			Weight: decimal.RequireFromString(p.weight), Published: !p.hidden, Featured: p.featured, Active: !p.archived,
		}
		if _, err := tx.NewInsert().Model(pt).Returning("id").Exec(ctx); err != nil {
			return err
		}
		templateIDs[i] = pt.ID
		if _, err := tx.ExecContext(ctx, "UPDATE product_templates SET created_at = now() - make_interval(days => ?), updated_at = now() WHERE id = ?", p.daysOld, pt.ID); err != nil {
			return err
		}
		if _, err := tx.NewInsert().Model(&ProductTemplateTax{TemplateID: pt.ID, TaxID: taxID[p.tax]}).Exec(ctx); err != nil {
			return err
		}

		// Variants: every combination of sizes x colours.
		type combo struct {
			values []string // "Size:M"
			suffix []string
		}
		combos := []combo{{}}
		for _, dim := range []struct {
			attr   string
			values []string
		}{{"Size", p.sizes}, {"Color", p.colors}} {
			if len(dim.values) == 0 {
				continue
			}
			var next []combo
			for _, c := range combos {
				for _, v := range dim.values {
					next = append(next, combo{
						values: append(append([]string{}, c.values...), dim.attr+":"+v),
						suffix: append(append([]string{}, c.suffix...), strings.ToUpper(v[:min(3, len(v))])),
					})
				}
			}
			combos = next
			for _, v := range dim.values {
				if _, err := tx.NewInsert().Model(&ProductTemplateValue{TemplateID: pt.ID, ValueID: valueID[dim.attr+":"+v]}).Exec(ctx); err != nil {
					return err
				}
			}
		}
		var variants []ProductVariant
		var variantValues [][]string
		for _, c := range combos {
			ids := make([]int64, len(c.values))
			extra := decimal.Zero
			for j, v := range c.values {
				ids[j] = valueID[v]
				_, name, _ := strings.Cut(v, ":")
				if e, ok := p.extra[name]; ok {
					extra = extra.Add(decimal.RequireFromString(e))
				}
			}
			barcodes++
			code := demoBarcode(barcodes)
			sku := strings.Join(append([]string{p.ref}, c.suffix...), "-")
			variants = append(variants, ProductVariant{TemplateID: pt.ID, SKU: sku, Barcode: &code, PriceExtra: extra, Active: true, Combination: shopCombinationKey(ids)})
			variantValues = append(variantValues, c.values)
		}
		if _, err := tx.NewInsert().Model(&variants).Returning("id").Exec(ctx); err != nil {
			return err
		}
		var links []ProductVariantValue
		for j, pv := range variants {
			for _, v := range variantValues[j] {
				links = append(links, ProductVariantValue{VariantID: pv.ID, ValueID: valueID[v]})
				if _, ok := variantOf[fmt.Sprint(i)+v]; !ok && strings.HasPrefix(v, "Color:") {
					variantOf[fmt.Sprint(i)+v] = pv.ID
				}
			}
		}
		if len(links) > 0 {
			if _, err := tx.NewInsert().Model(&links).Exec(ctx); err != nil {
				return err
			}
		}
	}

	for _, pic := range pictures {
		img, err := AddProductImage(ctx, tx, templateIDs[pic.product], pic.data, pic.alt)
		if err != nil {
			return err
		}
		if pic.color != "" {
			// The colour's picture belongs to every variant of that colour;
			// the first one carries it.
			vid := variantOf[fmt.Sprint(pic.product)+"Color:"+pic.color]
			if _, err := tx.NewUpdate().Model((*ProductImage)(nil)).Set("variant_id = ?", vid).Where("id = ?", img.ID).Exec(ctx); err != nil {
				return err
			}
		}
	}
	return RefreshProductSearch(ctx, tx, templateIDs...)
}
