package models

import (
	"context"
	"strings"

	"github.com/uptrace/bun"
)

// BarcodeMatch is what a scanned code stands for and where to open it.
type BarcodeMatch struct {
	Kind  string // transfer, location, product, package, lot
	Label string
	URL   string
}

// ResolveBarcode finds what a scanned code stands for. It returns EINVALID
// for an empty or oversized code and ENOTFOUND when nothing carries it. The
// kinds of document with barcodes (transfers, locations, products, packages,
// lots) are looked up here as the inventory model provides them; today there
// are none, so every code is unknown.
func ResolveBarcode(ctx context.Context, db bun.IDB, code string) (BarcodeMatch, error) {
	code = strings.TrimSpace(code)
	switch {
	case code == "":
		return BarcodeMatch{}, &Error{Code: EINVALID, Message: "Scan or type a code.", Fields: map[string]string{"code": "Scan or type a code."}}
	case len(code) > 200:
		return BarcodeMatch{}, &Error{Code: EINVALID, Message: "That code is too long to be a barcode.", Fields: map[string]string{"code": "Too long."}}
	}
	return BarcodeMatch{}, Errorf(ENOTFOUND, "Nothing in the warehouse has the code %q.", code)
}
