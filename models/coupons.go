package models

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"
)

const (
	maxCouponName = 100
	// MaxCouponUsage bounds a promotion code's usage limit.
	MaxCouponUsage = 1_000_000
	// CouponDateLayout is how validity dates are typed (an <input type=date>).
	CouponDateLayout = "2006-01-02"
)

var (
	couponCodeChars = regexp.MustCompile(`^[A-Z0-9_-]+$`)
	// maxCouponAmount bounds a fixed discount and the minimum order amount.
	maxCouponAmount = decimal.NewFromInt(1_000_000)
)

// Coupon statuses, as the back office shows them.
const (
	CouponStatusActive    = "active"
	CouponStatusScheduled = "scheduled" // not valid yet
	CouponStatusExpired   = "expired"
	CouponStatusUsedUp    = "used_up"
	CouponStatusArchived  = "archived"
)

// CouponInput is a promotion code as typed in the back office. Dates are
// "2006-01-02" (empty: no bound), in the server's time zone: a code is valid
// from the start of ValidFrom to the end of ValidUntil.
type CouponInput struct {
	Code       string
	Name       string
	Kind       string // CouponPercent | CouponFixed
	Amount     string
	MinAmount  string
	ValidFrom  string
	ValidUntil string
	UsageLimit string // "": unlimited
	Active     bool
}

// parseCoupon validates in and returns the coupon it describes (without id
// and usage). Problems are keyed by the form's field names.
func parseCoupon(in CouponInput) (*Coupon, error) {
	p := Problems{}
	cp := &Coupon{
		Code:   strings.ToUpper(strings.TrimSpace(in.Code)),
		Name:   strings.Join(strings.Fields(in.Name), " "),
		Kind:   in.Kind,
		Active: in.Active,
	}
	switch n := utf8.RuneCountInString(cp.Code); {
	case cp.Code == "":
		p.Add("code", "Enter the code shoppers type, e.g. SUMMER10.")
	case !couponCodeChars.MatchString(cp.Code):
		p.Add("code", "Use only letters A–Z, digits, - and _ (no spaces).")
	case n < 3 || n > 40:
		p.Add("code", "Use 3 to 40 characters.")
	}
	switch {
	case cp.Name == "":
		p.Add("name", "Enter a name.")
	case utf8.RuneCountInString(cp.Name) > maxCouponName:
		p.Add("name", fmt.Sprintf("Use at most %d characters.", maxCouponName))
	}
	if cp.Kind != CouponPercent && cp.Kind != CouponFixed {
		p.Add("kind", "Choose a percentage or a fixed amount.")
	}
	if strings.TrimSpace(in.Amount) == "" {
		p.Add("amount", "Enter the discount.")
	} else {
		before := len(p)
		cp.Amount = parseDecimalField(p, "amount", in.Amount, 4, maxCouponAmount, false)
		switch {
		case len(p) > before:
		case !cp.Amount.IsPositive():
			p.Add("amount", "The discount must be more than 0.")
		case cp.Kind == CouponPercent && cp.Amount.GreaterThan(hundred):
			p.Add("amount", "A percentage is at most 100.")
		}
	}
	cp.MinAmount = parseDecimalField(p, "min_amount", in.MinAmount, 4, maxCouponAmount, false)
	cp.ValidFrom = parseCouponDate(p, "valid_from", in.ValidFrom, false)
	cp.ValidUntil = parseCouponDate(p, "valid_until", in.ValidUntil, true)
	if cp.ValidFrom != nil && cp.ValidUntil != nil && cp.ValidUntil.Before(*cp.ValidFrom) {
		p.Add("valid_until", "The end date cannot be before the start date.")
	}
	if s := strings.TrimSpace(in.UsageLimit); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxCouponUsage {
			p.Add("usage_limit", fmt.Sprintf("Enter a whole number from 1 to %d, or leave empty for no limit.", MaxCouponUsage))
		} else {
			cp.UsageLimit = &n
		}
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	return cp, nil
}

// parseCouponDate reads a date typed in field: nil when empty; the start of
// the day, or its last second when endOfDay.
func parseCouponDate(p Problems, field, s string, endOfDay bool) *time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	d, err := time.ParseInLocation(CouponDateLayout, s, time.Local)
	if err != nil || d.Year() < 2000 || d.Year() > 2999 {
		p.Add(field, "Enter a date like 2026-12-31.")
		return nil
	}
	if endOfDay {
		d = d.AddDate(0, 0, 1).Add(-time.Second)
	}
	return &d
}

// CouponDate writes a validity bound as it is typed: "2026-12-31"; "" for none.
func CouponDate(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.In(time.Local).Format(CouponDateLayout)
}

// CouponStatus says whether a code can be used now: active, scheduled,
// expired, used up or archived.
func CouponStatus(cp *Coupon, now time.Time) string {
	switch {
	case !cp.Active:
		return CouponStatusArchived
	case cp.ValidUntil != nil && now.After(*cp.ValidUntil):
		return CouponStatusExpired
	case cp.UsageLimit != nil && cp.UsedCount >= *cp.UsageLimit:
		return CouponStatusUsedUp
	case cp.ValidFrom != nil && now.Before(*cp.ValidFrom):
		return CouponStatusScheduled
	}
	return CouponStatusActive
}

// CouponStatusLabel names a coupon status.
func CouponStatusLabel(s string) string {
	switch s {
	case CouponStatusActive:
		return "Active"
	case CouponStatusScheduled:
		return "Scheduled"
	case CouponStatusExpired:
		return "Expired"
	case CouponStatusUsedUp:
		return "Used up"
	case CouponStatusArchived:
		return "Archived"
	}
	return s
}

// ListCoupons returns the promotion codes by code; archived ones only when
// includeArchived is set.
func ListCoupons(ctx context.Context, db bun.IDB, includeArchived bool) ([]Coupon, error) {
	var out []Coupon
	q := db.NewSelect().Model(&out).OrderExpr("cp.active DESC, cp.code, cp.id")
	if !includeArchived {
		q = q.Where("cp.active")
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: list coupons: %w", err)
	}
	return out, nil
}

// GetCoupon returns the promotion code with id, or ENOTFOUND.
func GetCoupon(ctx context.Context, db bun.IDB, id int64) (*Coupon, error) {
	cp := new(Coupon)
	if err := db.NewSelect().Model(cp).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, "The promotion code")
	}
	return cp, nil
}

func couponCodeTaken(code string) error {
	msg := "There is already a promotion code " + code + "."
	return &Error{Code: EINVALID, Message: msg, Fields: map[string]string{"code": msg}}
}

func checkCouponCode(ctx context.Context, tx bun.IDB, code string, exceptID int64) error {
	taken, err := tx.NewSelect().Model((*Coupon)(nil)).Where("code = ? AND id <> ?", code, exceptID).Exists(ctx)
	if err != nil {
		return err
	}
	if taken {
		return couponCodeTaken(code)
	}
	return nil
}

// CreateCoupon creates a promotion code. It returns EINVALID with problems
// keyed by the form's field names (code malformed or taken, amount, a
// percentage above 100, dates, usage limit).
func CreateCoupon(ctx context.Context, db *bun.DB, in CouponInput, actorID int64) (*Coupon, error) {
	cp, err := parseCoupon(in)
	if err != nil {
		return nil, err
	}
	err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := checkCouponCode(ctx, tx, cp.Code, 0); err != nil {
			return err
		}
		if _, err := tx.NewInsert().Model(cp).ExcludeColumn("id", "created_at", "updated_at").Returning("id, created_at, updated_at").Exec(ctx); err != nil {
			if isUniqueViolation(err) {
				return couponCodeTaken(cp.Code)
			}
			return err
		}
		return RecordHistory(ctx, tx, "coupon", cp.ID, actorID, "Promotion code created: "+describeCoupon(cp)+".")
	})
	if err != nil {
		return nil, wrapOp(err, "create coupon")
	}
	return cp, nil
}

// UpdateCoupon saves a promotion code; the same validation as CreateCoupon
// applies, and the usage limit cannot go below the times it was used. It
// locks the coupon row. Orders that used the code keep their discount.
func UpdateCoupon(ctx context.Context, db *bun.DB, id int64, in CouponInput, actorID int64) (*Coupon, error) {
	next, err := parseCoupon(in)
	if err != nil {
		return nil, err
	}
	cp := new(Coupon)
	err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewSelect().Model(cp).Where("id = ?", id).For("UPDATE").Scan(ctx); err != nil {
			return notFound(err, "The promotion code")
		}
		if next.UsageLimit != nil && *next.UsageLimit < cp.UsedCount {
			msg := fmt.Sprintf("This code was already used %d times: the limit cannot be lower.", cp.UsedCount)
			return &Error{Code: EINVALID, Message: msg, Fields: map[string]string{"usage_limit": msg}}
		}
		if err := checkCouponCode(ctx, tx, next.Code, id); err != nil {
			return err
		}
		before, wasActive := describeCoupon(cp), cp.Active
		cp.Code, cp.Name, cp.Kind, cp.Amount, cp.MinAmount = next.Code, next.Name, next.Kind, next.Amount, next.MinAmount
		cp.ValidFrom, cp.ValidUntil, cp.UsageLimit, cp.Active = next.ValidFrom, next.ValidUntil, next.UsageLimit, next.Active
		var changes []string
		if after := describeCoupon(cp); after != before {
			changes = append(changes, before+" → "+after)
		}
		if wasActive != cp.Active {
			changes = append(changes, map[bool]string{true: "unarchived", false: "archived"}[cp.Active])
		}
		if len(changes) == 0 {
			return nil
		}
		cp.UpdatedAt = time.Now()
		if _, err := tx.NewUpdate().Model(cp).Column("code", "name", "kind", "amount", "min_amount", "valid_from", "valid_until",
			"usage_limit", "active", "updated_at").WherePK().Exec(ctx); err != nil {
			if isUniqueViolation(err) {
				return couponCodeTaken(cp.Code)
			}
			return err
		}
		return RecordHistory(ctx, tx, "coupon", id, actorID, "Promotion code updated: "+strings.Join(changes, "; ")+".")
	})
	if err != nil {
		return nil, wrapOp(err, "update coupon")
	}
	return cp, nil
}

// SetCouponActive archives (active false) or unarchives a promotion code.
// It locks the coupon row and records the change.
func SetCouponActive(ctx context.Context, db *bun.DB, id int64, active bool, actorID int64) (*Coupon, error) {
	cp := new(Coupon)
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewSelect().Model(cp).Where("id = ?", id).For("UPDATE").Scan(ctx); err != nil {
			return notFound(err, "The promotion code")
		}
		if cp.Active == active {
			return nil
		}
		cp.Active, cp.UpdatedAt = active, time.Now()
		if _, err := tx.NewUpdate().Model(cp).Column("active", "updated_at").WherePK().Exec(ctx); err != nil {
			return err
		}
		return RecordHistory(ctx, tx, "coupon", id, actorID, map[bool]string{true: "Promotion code unarchived.", false: "Promotion code archived."}[active])
	})
	if err != nil {
		return nil, wrapOp(err, "set coupon active")
	}
	return cp, nil
}

// describeCoupon writes a coupon's terms for its history:
// `SAVE5 "€5 off" fixed 5, min 30, valid 2026-01-01..2026-12-31, limit 100`.
func describeCoupon(cp *Coupon) string {
	s := fmt.Sprintf("%s %q %s %s", cp.Code, cp.Name, cp.Kind, cp.Amount.String())
	if cp.MinAmount.IsPositive() {
		s += ", min " + cp.MinAmount.String()
	}
	if cp.ValidFrom != nil || cp.ValidUntil != nil {
		s += ", valid " + CouponDate(cp.ValidFrom) + ".." + CouponDate(cp.ValidUntil)
	}
	if cp.UsageLimit != nil {
		s += fmt.Sprintf(", limit %d", *cp.UsageLimit)
	}
	return s
}
