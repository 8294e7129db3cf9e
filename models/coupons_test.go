package models_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"orderflow/models"
	"orderflow/tests/testdb"
)

func TestCouponValidation(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	ok := models.CouponInput{Code: "SPRING10", Name: "Spring", Kind: models.CouponPercent, Amount: "10", Active: true}
	cases := []struct {
		edit  func(*models.CouponInput)
		field string
		want  string
	}{
		{func(in *models.CouponInput) { in.Code = "" }, "code", "Enter the code"},
		{func(in *models.CouponInput) { in.Code = "AB" }, "code", "3 to 40"},
		{func(in *models.CouponInput) { in.Code = strings.Repeat("A", 41) }, "code", "3 to 40"},
		{func(in *models.CouponInput) { in.Code = "TEN OFF" }, "code", "letters A–Z"},
		{func(in *models.CouponInput) { in.Code = "ÉTÉ10" }, "code", "letters A–Z"},
		{func(in *models.CouponInput) { in.Name = "  " }, "name", "Enter a name."},
		{func(in *models.CouponInput) { in.Kind = "gift" }, "kind", "percentage or a fixed amount"},
		{func(in *models.CouponInput) { in.Amount = "" }, "amount", "Enter the discount."},
		{func(in *models.CouponInput) { in.Amount = "0" }, "amount", "more than 0"},
		{func(in *models.CouponInput) { in.Amount = "100.5" }, "amount", "at most 100"},
		{func(in *models.CouponInput) { in.Amount = "-5" }, "amount", "Cannot be negative."},
		{func(in *models.CouponInput) { in.Amount = "ten" }, "amount", "Enter a number"},
		{func(in *models.CouponInput) { in.Kind, in.Amount = models.CouponFixed, "5.00001" }, "amount", "at most 4 decimals"},
		{func(in *models.CouponInput) { in.MinAmount = "-1" }, "min_amount", "Cannot be negative."},
		{func(in *models.CouponInput) { in.ValidFrom = "31/12/2026" }, "valid_from", "like 2026-12-31"},
		{func(in *models.CouponInput) { in.ValidFrom, in.ValidUntil = "2026-06-02", "2026-06-01" }, "valid_until", "before the start"},
		{func(in *models.CouponInput) { in.UsageLimit = "0" }, "usage_limit", "whole number from 1"},
		{func(in *models.CouponInput) { in.UsageLimit = "2.5" }, "usage_limit", "whole number from 1"},
	}
	for _, tc := range cases {
		in := ok
		tc.edit(&in)
		_, err := models.CreateCoupon(ctx, db, in, 0)
		if models.ErrorCode(err) != models.EINVALID {
			t.Errorf("%s: err %v, want EINVALID", tc.field, err)
			continue
		}
		if got := models.FieldErrors(err)[tc.field]; !strings.Contains(got, tc.want) {
			t.Errorf("%s: problem %q, want it to mention %q", tc.field, got, tc.want)
		}
	}
	if n, _ := db.NewSelect().Model((*models.Coupon)(nil)).Count(ctx); n != 0 {
		t.Fatalf("%d coupons saved from invalid input", n)
	}

	// Lower case is upper-cased; a code is unique.
	in := ok
	in.Code, in.Kind, in.Amount, in.MinAmount = " save-5_now ", models.CouponFixed, "5", "30"
	cp, err := models.CreateCoupon(ctx, db, in, 0)
	if err != nil || cp.Code != "SAVE-5_NOW" || !cp.Amount.Equal(dd(5)) || !cp.MinAmount.Equal(dd(30)) || cp.UsageLimit != nil {
		t.Fatalf("created %+v %v", cp, err)
	}
	in.Name = "Another"
	if _, err := models.CreateCoupon(ctx, db, in, 0); !strings.Contains(models.FieldErrors(err)["code"], "already a promotion code SAVE-5_NOW") {
		t.Fatalf("duplicate code: %v", err)
	}
	other, err := models.CreateCoupon(ctx, db, ok, 0)
	if err != nil {
		t.Fatal(err)
	}
	renamed := ok
	renamed.Code = "save-5_now"
	if _, err := models.UpdateCoupon(ctx, db, other.ID, renamed, 0); models.FieldErrors(err)["code"] == "" {
		t.Fatalf("renaming onto a taken code: %v", err)
	}
}

func TestCouponDatesUsageAndStatus(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	in := models.CouponInput{Code: "JUNE", Name: "June", Kind: models.CouponPercent, Amount: "15", ValidFrom: "2026-06-01", ValidUntil: "2026-06-30", UsageLimit: "2", Active: true}
	cp, err := models.CreateCoupon(ctx, db, in, 0)
	if err != nil {
		t.Fatal(err)
	}
	if models.CouponDate(cp.ValidFrom) != "2026-06-01" || models.CouponDate(cp.ValidUntil) != "2026-06-30" {
		t.Fatalf("dates %v %v", cp.ValidFrom, cp.ValidUntil)
	}
	at := func(s string) time.Time {
		d, err := time.ParseInLocation("2006-01-02 15:04", s, time.Local)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	// The end date is included, to its last minute.
	for _, tc := range []struct {
		now, problem, status string
	}{
		{"2026-05-31 23:59", "not valid yet", models.CouponStatusScheduled},
		{"2026-06-01 00:00", "", models.CouponStatusActive},
		{"2026-06-30 23:59", "", models.CouponStatusActive},
		{"2026-07-01 00:00", "expired", models.CouponStatusExpired},
	} {
		got := cp.CouponProblem(dd(100), at(tc.now), ssEUR)
		if (tc.problem == "") != (got == "") || !strings.Contains(got, tc.problem) {
			t.Errorf("at %s: problem %q, want %q", tc.now, got, tc.problem)
		}
		if s := models.CouponStatus(cp, at(tc.now)); s != tc.status {
			t.Errorf("at %s: status %s, want %s", tc.now, s, tc.status)
		}
	}

	// Used twice: used up, and the limit cannot go below what was used.
	if _, err := db.NewUpdate().Model(cp).Set("used_count = 2").WherePK().Exec(ctx); err != nil {
		t.Fatal(err)
	}
	cp, _ = models.GetCoupon(ctx, db, cp.ID)
	if s := models.CouponStatus(cp, at("2026-06-15 12:00")); s != models.CouponStatusUsedUp {
		t.Fatalf("status %s, want used up", s)
	}
	in.UsageLimit = "1"
	if _, err := models.UpdateCoupon(ctx, db, cp.ID, in, 0); !strings.Contains(models.FieldErrors(err)["usage_limit"], "already used 2 times") {
		t.Fatalf("limit below usage: %v", err)
	}
	in.UsageLimit, in.Name, in.Kind, in.Amount = "", "June sale", models.CouponFixed, "7.5"
	cp, err = models.UpdateCoupon(ctx, db, cp.ID, in, 0)
	if err != nil || cp.UsageLimit != nil || cp.Kind != models.CouponFixed || cp.UsedCount != 2 {
		t.Fatalf("updated %+v %v", cp, err)
	}
	if _, err := models.SetCouponActive(ctx, db, cp.ID, false, 0); err != nil {
		t.Fatal(err)
	}
	cp, _ = models.GetCoupon(ctx, db, cp.ID)
	if models.CouponStatus(cp, at("2026-06-15 12:00")) != models.CouponStatusArchived || cp.CouponProblem(dd(100), at("2026-06-15 12:00"), ssEUR) == "" {
		t.Fatal("an archived code is still usable")
	}
	if list, _ := models.ListCoupons(ctx, db, false); len(list) != 0 {
		t.Fatalf("archived code listed: %+v", list)
	}
	h, err := models.History(ctx, db, "coupon", cp.ID)
	if err != nil || len(h) != 3 || h[0].Body != "Promotion code archived." || !strings.Contains(h[1].Body, "percent 15") || !strings.Contains(h[1].Body, "fixed 7.5") {
		t.Fatalf("history %+v %v", h, err)
	}
}
