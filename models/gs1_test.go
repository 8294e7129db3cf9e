package models_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"orderflow/models"
)

const gs = "\x1d"

func TestParseBarcodeGS1(t *testing.T) {
	end := func(y int, m time.Month, d int) string {
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Format("2006-01-02")
	}
	cases := []struct {
		name, in                  string
		gtin, lot, serial, expiry string
		qty                       string
	}{
		{"GS1-128 with AIM id", "]C10109506000134352" + "17251231" + "10LOT42" + gs + "21SN1", "09506000134352", "LOT42", "SN1", end(2025, 12, 31), ""},
		{"DataMatrix with AIM id", "]d201095060001343521725123110LOT42" + gs + "3012", "09506000134352", "LOT42", "", end(2025, 12, 31), "12"},
		{"QR with AIM id", "]Q3010950600013435237000005", "09506000134352", "", "", "", "5"},
		{"leading FNC1", gs + "0109506000134352" + "10ABC-1/2" + gs + "17260200", "09506000134352", "ABC-1/2", "", end(2026, 2, 28), ""},
		{"no prefix, starts with 01", "010950600013435210LOT7", "09506000134352", "LOT7", "", "", ""},
		{"only a GTIN after 01", "0109506000134352", "09506000134352", "", "", "", ""},
		{"human readable", "(01)09506000134352(17)251231(10)LOT42(21)SN1", "09506000134352", "LOT42", "SN1", end(2025, 12, 31), ""},
		{"human readable, quantity and lot", "(01)09506000134352(30)3(10)L(1)", "09506000134352", "L(1)", "", "", "3"},
		{"leap year end of month", "]C1010950600013435217280200", "09506000134352", "", "", end(2028, 2, 29), ""},
		{"AI 02 with count (logistic unit)", "]C1" + "00" + "106141411234567897" + "02" + "09506000134352" + "37" + "24" + gs + "10" + "B1", "09506000134352", "B1", "", "", "24"},
		{"01 wins over 02", "]C1020950600013435201040063813339313710", "04006381333931", "", "", "", "10"},
		{"measure AI skipped", "]C10109506000134352310200150010X", "09506000134352", "X", "", "", ""},
		{"redundant FNC1 after fixed AI", "]C10109506000134352" + gs + "10A", "09506000134352", "A", "", "", ""},
		{"trailing CR LF", "]C1010950600013435210Z\r\n", "09506000134352", "Z", "", "", ""},
		{"serial only", "]C121ABC", "", "", "ABC", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := models.ParseBarcode(tc.in)
			if err != nil {
				t.Fatalf("ParseBarcode(%q): %v", tc.in, err)
			}
			if !p.GS1 || p.GTIN != tc.gtin || p.Lot != tc.lot || p.Serial != tc.serial {
				t.Fatalf("ParseBarcode(%q) = %+v", tc.in, p)
			}
			gotExp := ""
			if p.Expiry != nil {
				gotExp = p.Expiry.Format("2006-01-02")
			}
			if gotExp != tc.expiry {
				t.Errorf("expiry = %q, want %q", gotExp, tc.expiry)
			}
			gotQty := ""
			if p.Quantity != nil {
				gotQty = p.Quantity.String()
			}
			if gotQty != tc.qty {
				t.Errorf("quantity = %q, want %q", gotQty, tc.qty)
			}
		})
	}
}

func TestParseBarcodeGS1Errors(t *testing.T) {
	cases := []struct{ name, in, msg string }{
		{"bad GTIN check digit", "]C10109506000134353", "The GS1 code has an invalid GTIN check digit."},
		{"bad GTIN check digit, readable form", "(01)09506000134353(10)A", "The GS1 code has an invalid GTIN check digit."},
		{"unknown AI", "]C10109506000134352" + "2399", "unknown application identifier"},
		{"unknown AI readable", "(01)09506000134352(23)X", "unknown application identifier (23)"},
		{"unknown AI after FNC1", "]C110A" + gs + "4499", "unknown application identifier"},
		{"cut short", "]C1010950600013435217251", "cut short"},
		{"bad month", "]C1010950600013435217251331", "invalid date in (17)"},
		{"bad day", "]C1010950600013435217250231", "invalid date in (17)"},
		{"lot too long", "]C110" + strings.Repeat("A", 21), "longer than 20"},
		{"letters in quantity", "]C130A1", "digits only"},
		{"zero quantity", "]C1300", "zero quantity"},
		{"quantity too long", "]C130123456789", "longer than 8"},
		{"empty lot", "]C110" + gs + "21X", "is empty"},
		{"empty readable", "(10)(21)X", "is empty"},
		{"bad character", "]C110A B", "character GS1 does not allow"},
		{"empty", "]C1", "holds no data"},
		{"repeated AI", "]C110A" + gs + "10B", "repeats (10)"},
		{"SSCC check", "]C1" + "00" + "106141411234567890", "invalid SSCC check digit"},
		{"FNC1 in plain text", "ABC" + gs + "DEF", "unknown application identifier"},
		{"readable garbage after", "(10)A)", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := models.ParseBarcode(tc.in)
			if tc.msg == "" { // accepted as data; only check it does not fail oddly
				if err != nil {
					t.Fatalf("ParseBarcode(%q): %v", tc.in, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("ParseBarcode(%q) = %+v, want an error", tc.in, p)
			}
			if models.ErrorCode(err) != models.EINVALID {
				t.Errorf("code = %s, want EINVALID", models.ErrorCode(err))
			}
			if msg := models.ErrorMessage(err); !strings.Contains(msg, tc.msg) {
				t.Errorf("message = %q, want it to contain %q", msg, tc.msg)
			}
			if models.FieldErrors(err)["code"] == "" {
				t.Errorf("no problem on the code field")
			}
		})
	}
}

func TestParseBarcodePlain(t *testing.T) {
	cases := []struct{ in, raw, gtin string }{
		{"4006381333931", "4006381333931", "4006381333931"},       // EAN-13
		{"036000291452", "036000291452", "036000291452"},          // UPC-A
		{"96385074", "96385074", "96385074"},                      // EAN-8
		{"10614141000415", "10614141000415", "10614141000415"},    // ITF-14
		{"]E04006381333931", "4006381333931", "4006381333931"},    // AIM id of EAN-13
		{"  4006381333931\r\n", "4006381333931", "4006381333931"}, // scanner suffix
		{"4006381333932", "4006381333932", ""},                    // bad check digit: plain code
		{"036000291453", "036000291453", ""},
		{"96385075", "96385075", ""},
		{"1234567", "1234567", ""},
		{"WH/OUT/00012", "WH/OUT/00012", ""},
		{"]C0WH/OUT/00012", "WH/OUT/00012", ""},
		{"WH/Stock/Shelf 1", "WH/Stock/Shelf 1", ""},
		{"TSHIRT-M-BLUE", "TSHIRT-M-BLUE", ""},
		{"LOT-2026-001", "LOT-2026-001", ""},
		{"PACK0001", "PACK0001", ""},
		{"0109506000134353", "0109506000134353", ""}, // 01 + bad GTIN: not taken for GS1
		{"(Shelf) A", "(Shelf) A", ""},
		{"", "", ""},
	}
	for _, tc := range cases {
		p, err := models.ParseBarcode(tc.in)
		if err != nil {
			t.Errorf("ParseBarcode(%q): %v", tc.in, err)
			continue
		}
		want := models.ParsedBarcode{Raw: tc.raw, GTIN: tc.gtin}
		if p.GS1 || p.Raw != want.Raw || p.GTIN != want.GTIN || p.Lot != "" || p.Serial != "" || p.Expiry != nil || p.Quantity != nil {
			t.Errorf("ParseBarcode(%q) = %+v, want %+v", tc.in, p, want)
		}
	}
}

func TestGTINCandidates(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"09506000134352", []string{"09506000134352", "9506000134352"}},
		{"4006381333931", []string{"04006381333931", "4006381333931"}},
		{"036000291452", []string{"00036000291452", "0036000291452", "036000291452"}},
		{"00036000291452", []string{"00036000291452", "0036000291452", "036000291452"}},
		{"96385074", []string{"00000096385074", "0000096385074", "000096385074", "96385074"}},
		{"10614141000415", []string{"10614141000415"}},
		{"12345", nil},
		{"ABCDEFGH", nil},
		{"", nil},
	}
	for _, tc := range cases {
		if got := models.GTINCandidates(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("GTINCandidates(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestParsedBarcodeRender(t *testing.T) {
	p, err := models.ParseBarcode("(01)09506000134352(17)251231(10)LOT42(21)SN1")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p.HumanReadable(), "(01)09506000134352(17)251231(10)LOT42(21)SN1"; got != want {
		t.Errorf("HumanReadable = %q, want %q", got, want)
	}
	if got, want := p.ElementString(), "010950600013435217251231"+"10LOT42"+gs+"21SN1"; got != want {
		t.Errorf("ElementString = %q, want %q", got, want)
	}
}

// FuzzParseBarcode checks that no input makes the parser panic, that what it
// accepts as GS1 renders back to an element string (and a readable form)
// that parses to the same fields, that any GTIN it returns has a valid check
// digit, and that plain codes come back as scanned.
func FuzzParseBarcode(f *testing.F) {
	for _, s := range []string{
		"]C10109506000134352172512311" + "0LOT42" + gs + "21SN1",
		"]d201095060001343521725123110LOT42" + gs + "3012",
		"(01)09506000134352(17)251231(10)LOT42(21)SN1",
		gs + "0109506000134352" + "10A" + gs + "17260200",
		"]C1" + "00" + "106141411234567897" + "02" + "09506000134352" + "37" + "24",
		"]C10109506000134352310200150010X",
		"4006381333931", "036000291452", "96385074", "WH/OUT/00012", "]C0ABC", "(10)(21)", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := models.ParseBarcode(s)
		if err != nil {
			if models.ErrorCode(err) != models.EINVALID || models.ErrorMessage(err) == "" {
				t.Fatalf("ParseBarcode(%q): unexpected error %v", s, err)
			}
			return
		}
		if p.GTIN != "" {
			if models.GTINCandidates(p.GTIN) == nil {
				t.Fatalf("ParseBarcode(%q): GTIN %q is not 8, 12, 13 or 14 digits", s, p.GTIN)
			}
			if n := len(p.GTIN); models.EANCheckDigit(p.GTIN[:n-1]) != int(p.GTIN[n-1]-'0') {
				t.Fatalf("ParseBarcode(%q): GTIN %q has a wrong check digit", s, p.GTIN)
			}
		}
		if p.Quantity != nil && !p.Quantity.IsPositive() {
			t.Fatalf("ParseBarcode(%q): quantity %s", s, p.Quantity)
		}
		if !p.GS1 {
			if p.Lot != "" || p.Serial != "" || p.Expiry != nil || p.Quantity != nil {
				t.Fatalf("ParseBarcode(%q): plain code with GS1 fields: %+v", s, p)
			}
			if !strings.Contains(s, p.Raw) {
				t.Fatalf("ParseBarcode(%q): Raw %q is not part of the scan", s, p.Raw)
			}
			if again, err := models.ParseBarcode(p.Raw); err != nil || again.GS1 || again.GTIN != p.GTIN {
				t.Fatalf("ParseBarcode(%q) = %+v; Raw parses to %+v, %v", s, p, again, err)
			}
			return
		}
		if p.GTIN == "" && p.Lot == "" && p.Serial == "" && p.Expiry == nil && p.Quantity == nil {
			return // only AIs we skip: nothing to render
		}
		same := func(form, in string) {
			q, err := models.ParseBarcode(in)
			if err != nil {
				t.Fatalf("ParseBarcode(%q) = %+v; its %s %q fails: %v", s, p, form, in, err)
			}
			want := p.GTIN
			if want != "" {
				want = strings.Repeat("0", 14-len(want)) + want
			}
			if !q.GS1 || q.GTIN != want || q.Lot != p.Lot || q.Serial != p.Serial ||
				(q.Expiry == nil) != (p.Expiry == nil) || (q.Expiry != nil && !q.Expiry.Equal(*p.Expiry)) ||
				(q.Quantity == nil) != (p.Quantity == nil) || (q.Quantity != nil && !q.Quantity.Equal(*p.Quantity)) {
				t.Fatalf("ParseBarcode(%q) = %+v; its %s %q parses to %+v", s, p, form, in, q)
			}
		}
		same("element string", "]C1"+p.ElementString())
		same("element string after FNC1", gs+p.ElementString())
		if !strings.Contains(p.Lot+p.Serial, "(") {
			same("readable form", p.HumanReadable())
		}
	})
}
