package models

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Outgoing mail states.
const (
	MailOutgoing = "outgoing" // waiting for the SMTP sender (SMTP_URL is set)
	MailSent     = "sent"
	MailError    = "error" // the server refused it for good, or the sender gave up after MaxMailAttempts tries
	MailKept     = "kept"  // no SMTP server is configured: kept here, shown in the back office
)

// QueueMail stores an outgoing mail, inside the caller's transaction when db
// is one, so that a mail exists exactly when the change it reports does.
// With an outbox that delivers (an SMTP server is configured) the mail is
// "outgoing" and the sender sends it (SendDueMail); without one (box nil) it
// is "kept" and read in the back office (/office/mail). The caller calls
// box.Queued once its transaction has committed.
// It returns EINVALID when the address or the subject is missing.
func QueueMail(ctx context.Context, db bun.IDB, box *Outbox, m MailMessage) (*MailMessage, error) {
	m.To = normalizeEmail(m.To)
	m.Subject = strings.TrimSpace(m.Subject)
	p := Problems{}
	validateEmail(p, "to", m.To)
	if m.Subject == "" {
		p.Add("subject", "Enter a subject.")
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	m.ID, m.State, m.Error, m.SentAt, m.Attempts, m.NextAttemptAt = 0, MailKept, "", nil, 0, time.Time{}
	if box.Delivers() {
		m.State = MailOutgoing
	}
	if m.CreatedBy != nil && *m.CreatedBy == 0 {
		m.CreatedBy = nil
	}
	// Prepared: an order's confirmation mail is queued in the payment's
	// transaction, on the path every web order takes.
	if err := insertPrepared(ctx, db, &m); err != nil {
		return nil, fmt.Errorf("models: queue mail: %w", err)
	}
	return &m, nil
}

// MailStateLabel is what a person reads for a mail's state.
func MailStateLabel(state string) string {
	switch state {
	case MailOutgoing:
		return "Outgoing"
	case MailSent:
		return "Sent"
	case MailError:
		return "Failed"
	case MailKept:
		return "Kept, not sent"
	}
	return state
}

// MailFilter narrows ListMail.
type MailFilter struct {
	Query   string // matches the recipient or the subject
	Page    int    // 1-based
	PerPage int
}

// MailRow is an outgoing mail with the document it is about.
type MailRow struct {
	bun.BaseModel `bun:"table:mail_messages,alias:mm"`

	ID            int64      `bun:"id"`
	To            string     `bun:"to_address"`
	Subject       string     `bun:"subject"`
	Body          string     `bun:"body"`
	ResModel      string     `bun:"res_model"`
	ResID         *int64     `bun:"res_id"`
	State         string     `bun:"state"`
	Error         string     `bun:"error"`
	CreatedAt     time.Time  `bun:"created_at"`
	SentAt        *time.Time `bun:"sent_at"`
	Attempts      int        `bun:"attempts"`
	NextAttemptAt time.Time  `bun:"next_attempt_at"`
	CreatedByName string     `bun:"created_by_name"`
	DocumentName  string     `bun:"document_name"` // S00042 for an order; "" when none
}

// Rejected reports a mail the server refused for good (MailRejected): it
// failed before the sender used up its tries.
func (m MailRow) Rejected() bool { return m.State == MailError && m.Attempts < MaxMailAttempts }

// Failing reports whether the mail's last try failed: given up, or waiting
// to be tried again.
func (m MailRow) Failing() bool {
	return m.Error != "" && (m.State == MailError || m.State == MailOutgoing)
}

// Sendable reports whether a person may send the mail now (delivers: an
// SMTP server is configured): a failed mail again, or one kept while no
// server was configured.
func (m MailRow) Sendable(delivers bool) bool {
	return delivers && (m.State == MailError || m.State == MailKept)
}

// DocumentURL is the back-office page of the mail's document, "" when none.
func (m MailRow) DocumentURL() string {
	if m.ResModel == "sale_order" && m.ResID != nil {
		return fmt.Sprintf("/office/orders/%d", *m.ResID)
	}
	return ""
}

// MailPage is one page of outgoing mail.
type MailPage struct {
	Rows    []MailRow
	Total   int
	Page    int
	PerPage int
}

// Pages is the number of pages.
func (p MailPage) Pages() int {
	if p.PerPage == 0 {
		return 1
	}
	return max(1, (p.Total+p.PerPage-1)/p.PerPage)
}

func mailRowQuery(db bun.IDB, rows any) *bun.SelectQuery {
	return db.NewSelect().Model(rows).
		ColumnExpr("mm.id, mm.to_address, mm.subject, mm.body, mm.res_model, mm.res_id, mm.state, mm.error, mm.created_at, mm.sent_at, mm.attempts, mm.next_attempt_at").
		ColumnExpr("coalesce(u.name, 'System') AS created_by_name").
		ColumnExpr("coalesce(so.name, '') AS document_name").
		Join("LEFT JOIN users AS u ON u.id = mm.created_by").
		Join("LEFT JOIN sale_orders AS so ON mm.res_model = 'sale_order' AND so.id = mm.res_id")
}

// ListMail returns the outgoing mail, newest first.
func ListMail(ctx context.Context, db bun.IDB, f MailFilter) (MailPage, error) {
	if f.PerPage <= 0 || f.PerPage > 200 {
		f.PerPage = 50
	}
	if f.Page < 1 {
		f.Page = 1
	}
	var rows []MailRow
	q := mailRowQuery(db, &rows)
	if s := strings.TrimSpace(f.Query); s != "" {
		like := likePattern(s)
		q = q.Where("(mm.to_address ILIKE ? OR mm.subject ILIKE ?)", like, like)
	}
	total, err := q.OrderExpr("mm.created_at DESC, mm.id DESC").Limit(int64(f.PerPage)).Offset(int64((f.Page - 1) * f.PerPage)).ScanAndCount(ctx)
	if err != nil {
		return MailPage{}, fmt.Errorf("models: list mail: %w", err)
	}
	return MailPage{Rows: rows, Total: int(total), Page: f.Page, PerPage: f.PerPage}, nil
}

// GetMail returns one outgoing mail, or ENOTFOUND.
func GetMail(ctx context.Context, db bun.IDB, id int64) (*MailRow, error) {
	m := new(MailRow)
	if err := mailRowQuery(db, m).Where("mm.id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, "The mail")
	}
	return m, nil
}
