package models

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"
)

const (
	maxProviderName         = 100
	maxProviderInstructions = 2000
)

// Payment provider states.
const (
	ProviderEnabled  = "enabled"
	ProviderDisabled = "disabled"
)

// PaymentProviderInput is the editable part of a payment provider.
type PaymentProviderInput struct {
	Name         string
	State        string // ProviderEnabled | ProviderDisabled
	Instructions string // shown to the shopper at checkout and on the order page
}

// ProviderHasWebhook reports whether the provider reports payments with
// signed webhooks (and so has a webhook secret).
func ProviderHasWebhook(code string) bool { return code == ProviderTestCard }

// UpdatePaymentProvider saves a provider's name, state and instructions. At
// least one provider must stay enabled (EINVALID on field state). It locks
// every provider row, in id order, so that two admins disabling the last two
// providers at once cannot both succeed. ENOTFOUND for an unknown code.
func UpdatePaymentProvider(ctx context.Context, db *bun.DB, code string, in PaymentProviderInput, actorID int64) (*PaymentProvider, error) {
	p := Problems{}
	name := strings.Join(strings.Fields(in.Name), " ")
	instructions := strings.TrimSpace(strings.ReplaceAll(in.Instructions, "\r\n", "\n"))
	switch {
	case name == "":
		p.Add("name", "Enter the name shoppers see.")
	case utf8.RuneCountInString(name) > maxProviderName:
		p.Add("name", fmt.Sprintf("Use at most %d characters.", maxProviderName))
	}
	if in.State != ProviderEnabled && in.State != ProviderDisabled {
		p.Add("state", "Choose enabled or disabled.")
	}
	if utf8.RuneCountInString(instructions) > maxProviderInstructions {
		p.Add("instructions", fmt.Sprintf("Use at most %d characters.", maxProviderInstructions))
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	var out *PaymentProvider
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var all []PaymentProvider
		if err := tx.NewSelect().Model(&all).Order("id").For("UPDATE").Scan(ctx); err != nil {
			return err
		}
		enabledOthers := 0
		for i := range all {
			if all[i].Code == code {
				out = &all[i]
			} else if all[i].State == ProviderEnabled {
				enabledOthers++
			}
		}
		if out == nil {
			return Errorf(ENOTFOUND, "The payment method was not found.")
		}
		if in.State == ProviderDisabled && enabledOthers == 0 {
			msg := "At least one payment method must stay enabled, or shoppers cannot pay."
			return &Error{Code: EINVALID, Message: msg, Fields: map[string]string{"state": msg}}
		}
		var changes []string
		if out.Name != name {
			changes = append(changes, fmt.Sprintf("name %q → %q", out.Name, name))
		}
		if out.State != in.State {
			changes = append(changes, in.State)
		}
		if out.Instructions != instructions {
			changes = append(changes, "instructions")
		}
		if len(changes) == 0 {
			return nil
		}
		out.Name, out.State, out.Instructions, out.UpdatedAt = name, in.State, instructions, time.Now()
		if _, err := tx.NewUpdate().Model(out).Column("name", "state", "instructions", "updated_at").WherePK().Exec(ctx); err != nil {
			return err
		}
		return RecordHistory(ctx, tx, "payment_provider", out.ID, actorID, "Payment method updated: "+strings.Join(changes, "; ")+".")
	})
	if err != nil {
		return nil, wrapOp(err, "update payment provider")
	}
	return out, nil
}

// RotateWebhookSecret gives a provider that signs webhooks a new random
// secret (32 bytes, hex): webhooks signed with the old one are refused from
// now on. It locks the provider row; ENOTFOUND for an unknown code,
// ECONFLICT for a provider without webhooks.
func RotateWebhookSecret(ctx context.Context, db *bun.DB, code string, actorID int64) (*PaymentProvider, error) {
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, fmt.Errorf("models: webhook secret: %w", err)
	}
	pp := new(PaymentProvider)
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewSelect().Model(pp).Where("code = ?", code).For("UPDATE").Scan(ctx); err != nil {
			return notFound(err, "The payment method")
		}
		if !ProviderHasWebhook(pp.Code) {
			return Errorf(ECONFLICT, "%s does not use webhooks, so it has no secret.", pp.Name)
		}
		pp.WebhookSecret, pp.UpdatedAt = hex.EncodeToString(raw[:]), time.Now()
		if _, err := tx.NewUpdate().Model(pp).Column("webhook_secret", "updated_at").WherePK().Exec(ctx); err != nil {
			return err
		}
		return RecordHistory(ctx, tx, "payment_provider", pp.ID, actorID, "Webhook secret rotated.")
	})
	if err != nil {
		return nil, wrapOp(err, "rotate webhook secret")
	}
	return pp, nil
}
