package models

import (
	"context"
	"fmt"
	"slices"

	"github.com/uptrace/bun"
)

// WebhookStatuses lists the webhook log statuses (see payment_testcard.go)
// in the order the log filter offers them.
var WebhookStatuses = []string{WebhookProcessed, WebhookDuplicate, WebhookRejected, WebhookFailed}

// WebhookFilter narrows ListWebhookEvents.
type WebhookFilter struct {
	Status   string // "" or one of WebhookStatuses
	Provider string // "" or a provider code
	Page     int    // 1-based
	PerPage  int
}

// WebhookPage is one page of the webhook log.
type WebhookPage struct {
	Events  []WebhookEvent
	Total   int
	Page    int
	PerPage int
}

// Pages is the number of pages.
func (p WebhookPage) Pages() int {
	if p.PerPage == 0 {
		return 1
	}
	return max(1, (p.Total+p.PerPage-1)/p.PerPage)
}

// ListWebhookEvents returns the webhooks received, newest first, filtered by
// status and provider. An unknown status is ignored.
func ListWebhookEvents(ctx context.Context, db bun.IDB, f WebhookFilter) (WebhookPage, error) {
	if f.PerPage <= 0 || f.PerPage > 200 {
		f.PerPage = 50
	}
	if f.Page < 1 {
		f.Page = 1
	}
	var rows []WebhookEvent
	q := db.NewSelect().Model(&rows)
	if slices.Contains(WebhookStatuses, f.Status) {
		q = q.Where("we.status = ?", f.Status)
	}
	if f.Provider != "" {
		q = q.Where("we.provider_code = ?", f.Provider)
	}
	total, err := q.OrderExpr("we.received_at DESC, we.id DESC").Limit(int64(f.PerPage)).Offset(int64((f.Page - 1) * f.PerPage)).ScanAndCount(ctx)
	if err != nil {
		return WebhookPage{}, fmt.Errorf("models: list webhook events: %w", err)
	}
	return WebhookPage{Events: rows, Total: int(total), Page: f.Page, PerPage: f.PerPage}, nil
}

// GetWebhookEvent returns one logged webhook with its payload, or ENOTFOUND.
func GetWebhookEvent(ctx context.Context, db bun.IDB, id int64) (*WebhookEvent, error) {
	ev := new(WebhookEvent)
	if err := db.NewSelect().Model(ev).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, "The webhook event")
	}
	return ev, nil
}
