package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Outbox says what becomes of the mail the operations queue. With delivery
// on (an SMTP server is configured) mail is queued "outgoing" and the sender
// is woken once the transaction that queued it has committed; a nil *Outbox,
// or one without delivery, keeps mail in the database for the back office
// ("kept"). Each running app holds its own, so apps started side by side in
// one process (tests) never share a switch.
type Outbox struct {
	deliver bool
	wake    chan struct{}
}

// NewOutbox returns the outbox of one app; deliver tells whether an SMTP
// sender delivers its mail.
func NewOutbox(deliver bool) *Outbox {
	return &Outbox{deliver: deliver, wake: make(chan struct{}, 1)}
}

// Delivers reports whether queued mail is sent through SMTP.
func (b *Outbox) Delivers() bool { return b != nil && b.deliver }

// Queued wakes the sender: mail was queued and its transaction committed.
// It never blocks; several calls before the sender looks make one wake-up.
func (b *Outbox) Queued() {
	if !b.Delivers() {
		return
	}
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// Wake is where the sender hears of newly queued mail (nil for a nil outbox:
// a receive from it waits for ever, which is right when nothing is sent).
func (b *Outbox) Wake() <-chan struct{} {
	if b == nil {
		return nil
	}
	return b.wake
}

// MaxMailAttempts is how many times the sender tries a mail before it gives
// up and the mail becomes "error" (a person may then send it again).
const MaxMailAttempts = 5

// mailRetryDelays is the wait after the first, second ... failed try.
var mailRetryDelays = []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour}

// MailRetryDelay is how long the sender waits after the attempts-th failed
// try of a mail before trying again.
func MailRetryDelay(attempts int) time.Duration {
	return mailRetryDelays[min(max(attempts, 1), len(mailRetryDelays))-1]
}

// MailTransport delivers one mail (an SMTP client). An error is recorded on
// the mail, which is tried again later unless it is a *MailRejected.
type MailTransport interface {
	Send(ctx context.Context, m *MailMessage) error
}

// MailRejected is a refusal that trying again cannot change (an SMTP 5xx
// reply: no such mailbox, relaying denied): the mail fails at once instead
// of being retried for an hour and a half.
type MailRejected struct{ Err error }

func (e *MailRejected) Error() string { return e.Err.Error() }
func (e *MailRejected) Unwrap() error { return e.Err }

// MailRound is what one SendDueMail call did.
type MailRound struct {
	Sent   int
	Failed int // tries that failed (the mail is retried later, or became "error")
}

// MailLease is how long a claimed mail is left to the sender that claimed
// it: well beyond the transport's own time limits (go-mail gives up after
// 30 s). A sender that died meanwhile (the app server stopped in the middle
// of a send) leaves its mail due again once the lease is over.
const MailLease = 10 * time.Minute

// SendDueMail sends the outgoing mail that is due, oldest first, until none
// is due, limit mails were tried, or ctx ends. Each mail is claimed by one
// statement (FOR UPDATE SKIP LOCKED, so two senders — two app servers on
// the same database — never claim the same mail) that counts the try and
// moves its next try MailLease ahead; it is then sent with no transaction
// open and no row locked, and the outcome recorded by a second statement.
// A sent mail becomes "sent" with sent_at; a failure records the error, and
// the mail waits MailRetryDelay before the next try, or becomes "error"
// after MaxMailAttempts tries, or at once when the server rejected it for
// good (MailRejected). When ctx ends, the mail in flight is finished and
// recorded (t bounds it with its own timeouts) and no other mail is taken: a
// mail handed to the server and then forgotten would be sent twice.
func SendDueMail(ctx context.Context, db *bun.DB, t MailTransport, limit int) (MailRound, error) {
	var round MailRound
	for round.Sent+round.Failed < limit && ctx.Err() == nil {
		m, err := claimDueMail(ctx, db)
		if err != nil || m == nil {
			return round, err
		}
		sendErr := t.Send(ctx, m)
		if err := recordMailTry(context.WithoutCancel(ctx), db, m, sendErr); err != nil {
			return round, err
		}
		if sendErr != nil {
			round.Failed++
		} else {
			round.Sent++
		}
	}
	return round, nil
}

// claimDueMail takes the oldest due outgoing mail for one try, or returns
// nil when none is due.
func claimDueMail(ctx context.Context, db *bun.DB) (*MailMessage, error) {
	m := new(MailMessage)
	err := db.NewRaw(`UPDATE mail_messages SET attempts = attempts + 1, next_attempt_at = now() + ? * interval '1 second'
		WHERE id = (SELECT id FROM mail_messages WHERE state = ? AND next_attempt_at <= now()
			ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
		RETURNING *`, int64(MailLease/time.Second), MailOutgoing).Scan(ctx, m)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, nil // nothing (more) is due
	case err != nil:
		return nil, fmt.Errorf("models: claim due mail: %w", err)
	}
	return m, nil
}

// recordMailTry writes the outcome of the try of m that claimDueMail
// counted. A mail whose lease ran out before this (and that another sender
// claimed again) is left to that sender.
func recordMailTry(ctx context.Context, db *bun.DB, m *MailMessage, sendErr error) error {
	q := db.NewUpdate().Model((*MailMessage)(nil)).
		Where("id = ?", m.ID).Where("attempts = ?", m.Attempts).Where("state = ?", MailOutgoing)
	switch {
	case sendErr == nil:
		q = q.Set("state = ?", MailSent).Set("sent_at = now()").Set("error = ''")
	case errors.As(sendErr, new(*MailRejected)) || m.Attempts >= MaxMailAttempts:
		q = q.Set("state = ?", MailError).Set("error = ?", mailErrorText(sendErr))
	default:
		delay := int64(MailRetryDelay(m.Attempts) / time.Second)
		q = q.Set("error = ?", mailErrorText(sendErr)).Set("next_attempt_at = now() + ? * interval '1 second'", delay)
	}
	if _, err := q.Exec(ctx); err != nil {
		return fmt.Errorf("models: record the try of mail %d: %w", m.ID, err)
	}
	return nil
}

// mailErrorText is the error kept on a mail: what the server said, bounded.
func mailErrorText(err error) string {
	const most = 1000
	s := err.Error()
	if r := []rune(s); len(r) > most {
		s = string(r[:most]) + "…"
	}
	return s
}

// RetryMail puts a mail in the queue to be sent now ("Send again" for a
// failed mail, "Send" for one kept while no mail server was configured):
// outgoing, tries reset, due at once, and noted in its document's history;
// the caller wakes the sender (box.Queued) afterwards. It locks the mail's
// row. It returns ENOTFOUND, or ECONFLICT when the mail is neither failed
// nor kept, or no SMTP server is configured.
func RetryMail(ctx context.Context, db *bun.DB, box *Outbox, id, actorID int64) (*MailMessage, error) {
	if !box.Delivers() {
		return nil, Errorf(ECONFLICT, "No mail server is configured: the mail cannot be sent.")
	}
	m := new(MailMessage)
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewSelect().Model(m).Where("id = ?", id).For("UPDATE").Scan(ctx); err != nil {
			return notFound(err, "The mail")
		}
		was := m.State
		if was != MailError && was != MailKept {
			return Errorf(ECONFLICT, "Only a failed or kept mail can be sent again; this one is %s.", MailStateLabel(m.State))
		}
		if _, err := tx.NewUpdate().Model(m).Set("state = ?", MailOutgoing).Set("attempts = 0").
			Set("next_attempt_at = now()").Set("error = ''").WherePK().
			Returning("state, attempts, next_attempt_at, error").Exec(ctx); err != nil {
			return err
		}
		if m.ResModel != "" && m.ResID != nil {
			note := "Mail to " + m.To + " queued to be sent again after it failed."
			if was == MailKept {
				note = "Mail to " + m.To + ", kept while no mail server was configured, queued to be sent."
			}
			return RecordHistory(ctx, tx, m.ResModel, *m.ResID, actorID, note)
		}
		return nil
	})
	if err != nil {
		return nil, wrapOp(err, "send mail again")
	}
	box.Queued()
	return m, nil
}
