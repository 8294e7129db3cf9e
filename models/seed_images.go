package models

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"sync"

	"golang.org/x/image/vector"
)

// Demo product pictures are drawn here, so that the demo catalog needs no
// files: a soft background, a disc and the silhouette of the kind of
// product, in the product's colours.

const demoImageSide = 480

// demoShapes are the silhouettes, as polygons in a 100x100 box.
var demoShapes = map[string][][2]float32{
	"tshirt": {{30, 18}, {42, 14}, {46, 19}, {54, 19}, {58, 14}, {70, 18}, {86, 32}, {77, 42}, {70, 37}, {70, 84}, {30, 84}, {30, 37}, {23, 42}, {14, 32}},
	"hoodie": {{34, 20}, {40, 11}, {50, 8}, {60, 11}, {66, 20}, {84, 30}, {88, 78}, {78, 79}, {74, 44}, {72, 86}, {28, 86}, {26, 44}, {22, 79}, {12, 78}, {16, 30}},
	"mug":    {{22, 26}, {70, 26}, {70, 38}, {80, 38}, {86, 46}, {86, 60}, {80, 68}, {70, 68}, {68, 78}, {62, 82}, {30, 82}, {24, 78}, {22, 70}},
	"vase":   {{40, 14}, {60, 14}, {58, 24}, {70, 40}, {72, 58}, {66, 76}, {58, 86}, {42, 86}, {34, 76}, {28, 58}, {30, 40}, {42, 24}},
	"book":   {{26, 14}, {72, 14}, {76, 18}, {76, 86}, {26, 86}, {22, 82}, {22, 18}},
	"tent":   {{50, 16}, {88, 82}, {60, 82}, {50, 58}, {40, 82}, {12, 82}},
	"bottle": {{43, 10}, {57, 10}, {57, 20}, {64, 30}, {64, 86}, {60, 90}, {40, 90}, {36, 86}, {36, 30}, {43, 20}},
	"lamp":   {{34, 14}, {66, 14}, {78, 44}, {54, 44}, {54, 76}, {68, 80}, {68, 86}, {32, 86}, {32, 80}, {46, 76}, {46, 44}, {22, 44}},
	"pen":    {{62, 10}, {74, 14}, {46, 80}, {38, 90}, {36, 78}},
	"bag":    {{30, 30}, {36, 16}, {64, 16}, {70, 30}, {82, 30}, {78, 86}, {22, 86}, {18, 30}},
}

// demoImage draws a PNG of a product silhouette.
func demoImage(shape string, bg, fg color.RGBA) []byte {
	const side = demoImageSide
	img := image.NewRGBA(image.Rect(0, 0, side, side))
	draw.Draw(img, img.Bounds(), &image.Uniform{bg}, image.Point{}, draw.Src)

	// A lighter disc behind the object.
	disc := lighten(bg, 0.45)
	r := vector.NewRasterizer(side, side)
	circle(r, side/2, side/2, side*0.36)
	r.Draw(img, img.Bounds(), &image.Uniform{disc}, image.Point{})

	// A soft shadow, then the object.
	scale := float32(side) / 100
	poly := demoShapes[shape]
	if poly == nil {
		poly = demoShapes["bag"]
	}
	r.Reset(side, side)
	polygon(r, poly, scale, 0.9*scale, 1.4*scale)
	r.Draw(img, img.Bounds(), &image.Uniform{color.RGBA{0, 0, 0, 34}}, image.Point{})
	r.Reset(side, side)
	polygon(r, poly, scale, 0, 0)
	r.Draw(img, img.Bounds(), &image.Uniform{fg}, image.Point{})

	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, img); err != nil {
		panic(err) // encoding to memory does not fail
	}
	return buf.Bytes()
}

func polygon(r *vector.Rasterizer, pts [][2]float32, scale, dx, dy float32) {
	// Shrink to 80% around the centre so that the object sits in the disc.
	at := func(p [2]float32) (float32, float32) {
		x := (50+(p[0]-50)*0.8)*scale + dx
		y := (50+(p[1]-50)*0.8)*scale + dy
		return x, y
	}
	r.MoveTo(at(pts[0]))
	for _, p := range pts[1:] {
		r.LineTo(at(p))
	}
	r.ClosePath()
}

func circle(r *vector.Rasterizer, cx, cy int, rad float64) {
	const n = 96
	for i := 0; i <= n; i++ {
		a := 2 * math.Pi * float64(i) / n
		x, y := float32(float64(cx)+rad*math.Cos(a)), float32(float64(cy)+rad*math.Sin(a))
		if i == 0 {
			r.MoveTo(x, y)
		} else {
			r.LineTo(x, y)
		}
	}
	r.ClosePath()
}

func lighten(c color.RGBA, f float64) color.RGBA {
	l := func(v uint8) uint8 { return uint8(float64(v) + (255-float64(v))*f) }
	return color.RGBA{l(c.R), l(c.G), l(c.B), 255}
}

func hexColor(s string) color.RGBA {
	var c color.RGBA
	c.A = 255
	if len(s) == 7 && s[0] == '#' {
		v := func(i int) uint8 {
			h := func(b byte) uint8 {
				switch {
				case b >= '0' && b <= '9':
					return b - '0'
				case b >= 'a' && b <= 'f':
					return b - 'a' + 10
				case b >= 'A' && b <= 'F':
					return b - 'A' + 10
				}
				return 0
			}
			return h(s[i])<<4 | h(s[i+1])
		}
		c.R, c.G, c.B = v(1), v(3), v(5)
	}
	return c
}

// demoImageCache keeps drawn pictures for the life of the process: tests
// seed many databases, and drawing is the slow part of seeding.
var demoImageCache sync.Map // key string -> []byte

func cachedDemoImage(shape, bg, fg string) []byte {
	key := shape + bg + fg
	if b, ok := demoImageCache.Load(key); ok {
		return b.([]byte)
	}
	b := demoImage(shape, hexColor(bg), hexColor(fg))
	demoImageCache.Store(key, b)
	return b
}
