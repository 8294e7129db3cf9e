package models

import (
	"errors"
	"fmt"
	"strings"
)

// Barcode symbologies a product barcode is printed with.
const (
	BarcodeEAN13   = "EAN-13"
	BarcodeUPCA    = "UPC-A"
	BarcodeEAN8    = "EAN-8"
	BarcodeCode128 = "Code128"
)

// MaxBarcodeLen is the longest barcode accepted (Code128 text).
const MaxBarcodeLen = 48

// EANCheckDigit returns the check digit of an EAN/UPC payload (the digits
// without the check digit): from the right, digits are weighted 3, 1, 3, ...
// and the check digit brings the sum to a multiple of ten. It returns -1 when
// payload holds anything but digits.
func EANCheckDigit(payload string) int {
	sum := 0
	for i := len(payload) - 1; i >= 0; i-- {
		c := payload[i]
		if c < '0' || c > '9' {
			return -1
		}
		d := int(c - '0')
		if (len(payload)-1-i)%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return (10 - sum%10) % 10
}

// BarcodeKind tells how a (valid) barcode is printed: all digits and 13, 12
// or 8 long is EAN-13, UPC-A or EAN-8; anything else is Code128.
func BarcodeKind(code string) string {
	if !allDigits(code) {
		return BarcodeCode128
	}
	switch len(code) {
	case 13:
		return BarcodeEAN13
	case 12:
		return BarcodeUPCA
	case 8:
		return BarcodeEAN8
	}
	return BarcodeCode128
}

// ValidateBarcode checks a product barcode and returns a message a person can
// act on, or nil. An EAN-13, UPC-A or EAN-8 (all digits, 13, 12 or 8 long)
// must carry the right check digit; any other printable ASCII text up to
// MaxBarcodeLen characters is accepted as Code128.
func ValidateBarcode(code string) error {
	switch {
	case code == "":
		return errors.New("Enter a barcode.")
	case len(code) > MaxBarcodeLen:
		return fmt.Errorf("Use at most %d characters.", MaxBarcodeLen)
	}
	for _, r := range code {
		if r < 0x20 || r > 0x7e {
			return errors.New("Use printable ASCII characters only (letters, digits, punctuation).")
		}
	}
	if kind := BarcodeKind(code); kind != BarcodeCode128 {
		n := len(code)
		want := EANCheckDigit(code[:n-1])
		if got := int(code[n-1] - '0'); got != want {
			return fmt.Errorf("Not a valid %s: the check digit should be %d.", kind, want)
		}
	}
	return nil
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	return strings.Trim(s, "0123456789") == ""
}
