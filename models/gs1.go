package models

import (
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// ParsedBarcode is what a scanned string says.
type ParsedBarcode struct {
	// Raw is the scan with surrounding white space (the scanner's Enter, CR,
	// LF) and any AIM symbology identifier ("]C0", "]E0", "]C1" ...) removed:
	// what to look up as a plain code (SKU, transfer, location, package, lot).
	Raw    string
	GS1    bool   // it was a GS1-128 / DataMatrix element string
	GTIN   string // AI 01 (14 digits; AI 02 when there is no 01), or the EAN-13/UPC-A/EAN-8 (or ITF-14) itself when the scan is a plain retail barcode
	Lot    string // AI 10
	Serial string // AI 21
	// Expiry is AI 17 (YYMMDD; DD=00 means end of month), midnight UTC.
	Expiry *time.Time
	// Quantity is AI 30 (count) or 37 (count of trade items), always > 0.
	Quantity *decimal.Decimal
}

// gs1FNC1 is how scanners transmit the FNC1 separator of GS1 element
// strings: the ASCII group separator.
const gs1FNC1 = '\x1d'

// gs1Symbologies are the AIM identifiers of symbols carrying GS1 data:
// GS1-128, GS1 DataMatrix, GS1 QR Code, GS1 DataBar, GS1 DotCode.
var gs1Symbologies = []string{"]C1", "]d2", "]Q3", "]e0", "]J1"}

// gs1AI describes one application identifier.
type gs1AI struct {
	predefined bool // fixed length from the GS1 predefined-length table: no FNC1 follows
	min, max   int  // data length
	numeric    bool
	kind       byte // 'g' GTIN, 's' SSCC, 'd' date, 'q' quantity, 0 other
}

// gs1AIs lists the application identifiers understood: the ones warehouse
// labels carry. Any other AI makes the code invalid (we cannot know where its
// data ends). Keys are prefix-free, as GS1 AIs are; 310n..369n are handled in
// lookupGS1AI.
var gs1AIs = map[string]gs1AI{
	"00":   {predefined: true, min: 18, max: 18, numeric: true, kind: 's'},
	"01":   {predefined: true, min: 14, max: 14, numeric: true, kind: 'g'},
	"02":   {predefined: true, min: 14, max: 14, numeric: true, kind: 'g'},
	"03":   {predefined: true, min: 14, max: 14, numeric: true, kind: 'g'},
	"10":   {min: 1, max: 20},
	"11":   {predefined: true, min: 6, max: 6, numeric: true, kind: 'd'},
	"12":   {predefined: true, min: 6, max: 6, numeric: true, kind: 'd'},
	"13":   {predefined: true, min: 6, max: 6, numeric: true, kind: 'd'},
	"15":   {predefined: true, min: 6, max: 6, numeric: true, kind: 'd'},
	"16":   {predefined: true, min: 6, max: 6, numeric: true, kind: 'd'},
	"17":   {predefined: true, min: 6, max: 6, numeric: true, kind: 'd'},
	"20":   {predefined: true, min: 2, max: 2, numeric: true},
	"21":   {min: 1, max: 20},
	"22":   {min: 1, max: 20},
	"235":  {min: 1, max: 28},
	"240":  {min: 1, max: 30},
	"241":  {min: 1, max: 30},
	"242":  {min: 1, max: 6, numeric: true},
	"243":  {min: 1, max: 20},
	"250":  {min: 1, max: 30},
	"251":  {min: 1, max: 30},
	"253":  {min: 14, max: 30},
	"254":  {min: 1, max: 20},
	"255":  {min: 14, max: 25, numeric: true},
	"30":   {min: 1, max: 8, numeric: true, kind: 'q'},
	"37":   {min: 1, max: 8, numeric: true, kind: 'q'},
	"400":  {min: 1, max: 30},
	"401":  {min: 1, max: 30},
	"402":  {min: 17, max: 17, numeric: true},
	"403":  {min: 1, max: 30},
	"410":  {predefined: true, min: 13, max: 13, numeric: true},
	"411":  {predefined: true, min: 13, max: 13, numeric: true},
	"412":  {predefined: true, min: 13, max: 13, numeric: true},
	"413":  {predefined: true, min: 13, max: 13, numeric: true},
	"414":  {predefined: true, min: 13, max: 13, numeric: true},
	"415":  {predefined: true, min: 13, max: 13, numeric: true},
	"416":  {predefined: true, min: 13, max: 13, numeric: true},
	"417":  {predefined: true, min: 13, max: 13, numeric: true},
	"420":  {min: 1, max: 20},
	"421":  {min: 4, max: 12},
	"422":  {min: 3, max: 3, numeric: true},
	"423":  {min: 3, max: 15, numeric: true},
	"424":  {min: 3, max: 3, numeric: true},
	"425":  {min: 3, max: 15, numeric: true},
	"426":  {min: 3, max: 3, numeric: true},
	"7003": {min: 10, max: 10, numeric: true},
	"7006": {min: 6, max: 6, numeric: true, kind: 'd'},
	"8005": {min: 6, max: 6, numeric: true},
	"8008": {min: 8, max: 12, numeric: true},
	"90":   {min: 1, max: 30},
	"91":   {min: 1, max: 90},
	"92":   {min: 1, max: 90},
	"93":   {min: 1, max: 90},
	"94":   {min: 1, max: 90},
	"95":   {min: 1, max: 90},
	"96":   {min: 1, max: 90},
	"97":   {min: 1, max: 90},
	"98":   {min: 1, max: 90},
	"99":   {min: 1, max: 90},
}

// gs1Measure are the 3-digit prefixes of the trade measure AIs 310n..369n
// (weights, lengths, areas, volumes; n is the decimal point position).
var gs1Measure = map[string]bool{}

func init() {
	for _, r := range [][2]int{{310, 316}, {320, 329}, {330, 337}, {340, 349}, {350, 357}, {360, 369}} {
		for p := r[0]; p <= r[1]; p++ {
			gs1Measure[fmt.Sprint(p)] = true
		}
	}
}

// lookupGS1AI finds the AI at the start of s: its digits and description.
func lookupGS1AI(s string) (string, gs1AI, bool) {
	for n := 2; n <= 4 && n <= len(s); n++ {
		if !allDigits(s[:n]) {
			return "", gs1AI{}, false
		}
		if ai, ok := gs1AIs[s[:n]]; ok {
			return s[:n], ai, true
		}
		if n == 3 && len(s) >= 4 && gs1Measure[s[:3]] && s[3] >= '0' && s[3] <= '9' {
			return s[:4], gs1AI{predefined: true, min: 6, max: 6, numeric: true}, true
		}
	}
	return "", gs1AI{}, false
}

// gs1Invalid is the EINVALID error of a bad GS1 code, on the "code" field.
func gs1Invalid(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return &Error{Code: EINVALID, Message: msg, Fields: map[string]string{"code": msg}}
}

// ParseBarcode says what a scanned string is. It understands:
//   - GS1 element strings (GS1-128, GS1 DataMatrix / QR): announced by an AIM
//     symbology identifier ("]C1", "]d2", "]Q3"), by a leading FNC1 (ASCII 29),
//     by FNC1 separators anywhere, in the human-readable form with parentheses
//     "(01)09506000134352(17)251231(10)LOT42", or starting with AI 01 and a
//     valid GTIN. AIs 01/02 (GTIN), 10 (lot), 21 (serial), 17 (expiry) and
//     30/37 (quantity) are returned; other known AIs are checked and skipped.
//     An unknown AI, a bad GTIN check digit, a bad date, a zero quantity or
//     data of the wrong length is an EINVALID error with a readable message.
//   - A plain EAN-13, UPC-A, EAN-8 or ITF-14 (all digits, valid check digit):
//     GTIN is the code itself, GS1 is false.
//
// Anything else (Code128 text, SKUs, transfer numbers, location, package and
// lot barcodes) comes back as ParsedBarcode{Raw: code} with a nil error:
// callers look it up as a plain code.
func ParseBarcode(s string) (ParsedBarcode, error) {
	s = strings.TrimSpace(s)
	gs1 := false
	for _, id := range gs1Symbologies {
		if strings.HasPrefix(s, id) {
			s, gs1 = s[len(id):], true
			break
		}
	}
	if !gs1 && len(s) >= 3 && s[0] == ']' && isAlpha(s[1]) && s[2] >= '0' && s[2] <= '9' {
		s = strings.TrimSpace(s[3:]) // another symbology (]C0 Code128, ]E0 EAN-13, ...): plain data
	}
	if strings.HasPrefix(s, string(gs1FNC1)) {
		s, gs1 = strings.TrimLeft(s, string(gs1FNC1)), true
	}
	switch {
	case strings.HasPrefix(s, "(") && hriAIAt(s) > 0:
		return parseGS1HRI(s)
	case gs1 || strings.ContainsRune(s, gs1FNC1) || looksLikeGS1(s):
		return parseGS1Elements(s)
	}
	p := ParsedBarcode{Raw: s}
	if allDigits(s) && (len(s) == 8 || len(s) == 12 || len(s) == 13 || len(s) == 14) && validGTIN(s) {
		p.GTIN = s
	}
	return p, nil
}

// looksLikeGS1 says whether s, sent without symbology identifier or FNC1,
// starts with AI 01 and a GTIN-14 with a valid check digit.
func looksLikeGS1(s string) bool {
	return len(s) >= 16 && strings.HasPrefix(s, "01") && allDigits(s[2:16]) && validGTIN(s[2:16])
}

// validGTIN checks the check digit of an all-digit GTIN of any length.
func validGTIN(g string) bool {
	n := len(g)
	return n >= 2 && allDigits(g) && EANCheckDigit(g[:n-1]) == int(g[n-1]-'0')
}

func isAlpha(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }

// hriAIAt returns the length of "(AI)" at the start of s (2 to 4 digits in
// parentheses), or 0.
func hriAIAt(s string) int {
	if len(s) < 4 || s[0] != '(' {
		return 0
	}
	for n := 2; n <= 4 && n+1 < len(s); n++ {
		if !allDigits(s[1 : 1+n]) {
			return 0
		}
		if s[1+n] == ')' {
			return n + 2
		}
	}
	return 0
}

// parseGS1Elements parses an element string whose variable-length fields end
// with FNC1 (ASCII 29) or the end of the string.
func parseGS1Elements(s string) (ParsedBarcode, error) {
	p := ParsedBarcode{Raw: s, GS1: true}
	seen := map[string]string{}
	rest := s
	if rest == "" {
		return p, gs1Invalid("The GS1 code holds no data.")
	}
	for rest != "" {
		code, ai, ok := lookupGS1AI(rest)
		if !ok {
			return p, gs1Invalid("The GS1 code has an unknown application identifier at %q.", clip(rest, 4))
		}
		rest = rest[len(code):]
		var data string
		if ai.predefined {
			if len(rest) < ai.max {
				return p, gs1Invalid("The GS1 code is cut short: (%s) needs %d characters.", code, ai.max)
			}
			data, rest = rest[:ai.max], rest[ai.max:]
			rest = strings.TrimPrefix(rest, string(gs1FNC1)) // a redundant separator
		} else {
			end := strings.IndexByte(rest, gs1FNC1)
			if end < 0 {
				data, rest = rest, ""
			} else {
				data, rest = rest[:end], rest[end+1:]
			}
		}
		if err := p.setGS1(code, ai, data, seen); err != nil {
			return p, err
		}
	}
	return p, nil
}

// parseGS1HRI parses the human-readable form "(01)09506000134352(10)LOT42":
// each field runs up to the next "(AI)" or the end.
func parseGS1HRI(s string) (ParsedBarcode, error) {
	p := ParsedBarcode{Raw: s, GS1: true}
	seen := map[string]string{}
	rest := s
	for rest != "" {
		n := hriAIAt(rest)
		if n == 0 {
			return p, gs1Invalid("The GS1 code is not in the form (AI)data(AI)data.")
		}
		code := rest[1 : n-1]
		found, ai, ok := lookupGS1AI(code)
		if !ok || found != code {
			return p, gs1Invalid("The GS1 code has an unknown application identifier (%s).", code)
		}
		rest = rest[n:]
		if rest == "" || hriAIAt(rest) > 0 {
			return p, gs1Invalid("The GS1 code's (%s) is empty.", code)
		}
		// The data is at least one character, then runs to the next "(AI)".
		end := len(rest)
		for i := 1; i < len(rest); i++ {
			if rest[i] == '(' && hriAIAt(rest[i:]) > 0 {
				end = i
				break
			}
		}
		data := rest[:end]
		rest = rest[end:]
		if err := p.setGS1(code, ai, data, seen); err != nil {
			return p, err
		}
	}
	return p, nil
}

// setGS1 checks the data of one element and stores what it says.
func (p *ParsedBarcode) setGS1(code string, ai gs1AI, data string, seen map[string]string) error {
	if prev, dup := seen[code]; dup {
		if prev != data {
			return gs1Invalid("The GS1 code repeats (%s) with different values.", code)
		}
		return nil
	}
	seen[code] = data
	switch {
	case data == "":
		return gs1Invalid("The GS1 code's (%s) is empty.", code)
	case len(data) < ai.min && ai.min == ai.max:
		return gs1Invalid("The GS1 code is cut short: (%s) needs %d characters.", code, ai.max)
	case len(data) < ai.min:
		return gs1Invalid("The GS1 code's (%s) needs at least %d characters.", code, ai.min)
	case len(data) > ai.max:
		return gs1Invalid("The GS1 code's (%s) is longer than %d characters.", code, ai.max)
	}
	if ai.numeric && !allDigits(data) {
		return gs1Invalid("The GS1 code's (%s) must be digits only.", code)
	}
	for i := 0; i < len(data); i++ {
		if !gs1CharOK(data[i]) {
			return gs1Invalid("The GS1 code's (%s) holds a character GS1 does not allow.", code)
		}
	}
	switch ai.kind {
	case 'g':
		if !validGTIN(data) {
			return gs1Invalid("The GS1 code has an invalid GTIN check digit.")
		}
		if code == "01" || p.GTIN == "" {
			p.GTIN = data
		}
	case 's':
		if !validGTIN(data) {
			return gs1Invalid("The GS1 code has an invalid SSCC check digit.")
		}
	case 'd':
		t, ok := gs1Date(data, time.Now())
		if !ok {
			return gs1Invalid("The GS1 code has an invalid date in (%s): %s.", code, data)
		}
		if code == "17" {
			p.Expiry = &t
		}
	case 'q':
		q, err := decimal.NewFromString(data)
		if err != nil || !q.IsPositive() {
			return gs1Invalid("The GS1 code has a zero quantity in (%s).", code)
		}
		p.Quantity = &q
	}
	switch code {
	case "10":
		p.Lot = data
	case "21":
		p.Serial = data
	}
	return nil
}

// gs1CharOK says whether c belongs to GS1 AI encodable character set 82.
func gs1CharOK(c byte) bool {
	switch {
	case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte(`!"%&'()*+,-./:;<=>?_`, c) >= 0
}

// gs1Date reads YYMMDD with the GS1 century rule (a year more than 50 years
// ahead of now is in the previous century, more than 49 behind in the next).
// DD=00 means the last day of the month.
func gs1Date(s string, now time.Time) (time.Time, bool) {
	if len(s) != 6 || !allDigits(s) {
		return time.Time{}, false
	}
	yy := int(s[0]-'0')*10 + int(s[1]-'0')
	mm := int(s[2]-'0')*10 + int(s[3]-'0')
	dd := int(s[4]-'0')*10 + int(s[5]-'0')
	if mm < 1 || mm > 12 {
		return time.Time{}, false
	}
	cur := now.Year()
	century := cur - cur%100
	switch diff := yy - cur%100; {
	case diff >= 51:
		century -= 100
	case diff <= -50:
		century += 100
	}
	year := century + yy
	last := time.Date(year, time.Month(mm)+1, 0, 0, 0, 0, 0, time.UTC).Day()
	if dd == 0 {
		dd = last
	}
	if dd > last {
		return time.Time{}, false
	}
	return time.Date(year, time.Month(mm), dd, 0, 0, 0, 0, time.UTC), true
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// ElementString renders the GTIN, expiry, quantity, lot and serial as a GS1
// element string (AIs 01, 17, 30, 10, 21; variable-length fields separated by
// FNC1 as ASCII 29), without symbology identifier: the data of a GS1-128 or
// GS1 DataMatrix label. It returns "" when there is nothing to encode.
func (p ParsedBarcode) ElementString() string {
	return p.gs1Fields(false)
}

// HumanReadable renders the same fields in the printed form
// "(01)09506000134352(17)251231(10)LOT42".
func (p ParsedBarcode) HumanReadable() string {
	return p.gs1Fields(true)
}

func (p ParsedBarcode) gs1Fields(hri bool) string {
	type field struct{ ai, data string }
	var fixed, variable []field
	if p.GTIN != "" {
		fixed = append(fixed, field{"01", strings.Repeat("0", max(0, 14-len(p.GTIN))) + p.GTIN})
	}
	if p.Expiry != nil {
		fixed = append(fixed, field{"17", p.Expiry.Format("060102")})
	}
	if p.Quantity != nil {
		variable = append(variable, field{"30", p.Quantity.String()})
	}
	if p.Lot != "" {
		variable = append(variable, field{"10", p.Lot})
	}
	if p.Serial != "" {
		variable = append(variable, field{"21", p.Serial})
	}
	var b strings.Builder
	for i, f := range append(fixed, variable...) {
		if hri {
			b.WriteString("(" + f.ai + ")" + f.data)
			continue
		}
		if i > len(fixed) {
			b.WriteByte(gs1FNC1)
		}
		b.WriteString(f.ai + f.data)
	}
	return b.String()
}

// GTINCandidates returns the forms a GTIN may be stored in (14-digit,
// 13-digit EAN, 12-digit UPC-A, 8-digit EAN-8) for matching product barcodes:
// the GTIN-14 padded with zeros, and each shorter form its leading zeros
// allow. It returns nil for anything but 8, 12, 13 or 14 digits.
func GTINCandidates(gtin string) []string {
	if !allDigits(gtin) {
		return nil
	}
	switch len(gtin) {
	case 8, 12, 13, 14:
	default:
		return nil
	}
	g14 := strings.Repeat("0", 14-len(gtin)) + gtin
	out := []string{g14}
	if strings.HasPrefix(g14, "0") {
		out = append(out, g14[1:])
	}
	if strings.HasPrefix(g14, "00") {
		out = append(out, g14[2:])
	}
	if strings.HasPrefix(g14, "000000") {
		out = append(out, g14[6:])
	}
	return out
}
