package models_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"orderflow/models"
	"orderflow/tests/testdb"
)

// failingTransport refuses every mail; sent counts the tries.
type failingTransport struct{ tries int }

func (f *failingTransport) Send(context.Context, *models.MailMessage) error {
	f.tries++
	return errors.New("550 5.1.1 No such user here")
}

func TestQueueMailKeepsOrQueuesForTheOutbox(t *testing.T) {
	ctx, db := context.Background(), testdb.New(t)
	kept, err := models.QueueMail(ctx, db, nil, models.MailMessage{To: "A@Example.com", Subject: "Hi", Body: "x"})
	if err != nil || kept.State != models.MailKept || kept.To != "a@example.com" {
		t.Fatalf("without an outbox: %+v %v", kept, err)
	}
	box := models.NewOutbox(true)
	out, err := models.QueueMail(ctx, db, box, models.MailMessage{To: "b@example.com", Subject: "Hi", Body: "x"})
	if err != nil || out.State != models.MailOutgoing || out.Attempts != 0 || out.NextAttemptAt.IsZero() {
		t.Fatalf("with an outbox: %+v %v", out, err)
	}
	// Queueing does not wake the sender (its transaction may still roll
	// back); Queued does, once however often it is called.
	select {
	case <-box.Wake():
		t.Fatal("woken before Queued")
	default:
	}
	box.Queued()
	box.Queued()
	select {
	case <-box.Wake():
	default:
		t.Fatal("Queued did not wake the sender")
	}
	if _, err := models.QueueMail(ctx, db, box, models.MailMessage{To: "not an address", Subject: "Hi"}); models.ErrorCode(err) != models.EINVALID {
		t.Fatalf("bad address: %v", err)
	}
	var nilBox *models.Outbox
	nilBox.Queued() // no sender, nothing to wake
}

func TestSendDueMailBacksOffThenGivesUp(t *testing.T) {
	ctx, db := context.Background(), testdb.New(t)
	box := models.NewOutbox(true)
	m, err := models.QueueMail(ctx, db, box, models.MailMessage{To: "c@example.com", Subject: "Hi", Body: "x"})
	if err != nil {
		t.Fatal(err)
	}
	kept, err := models.QueueMail(ctx, db, nil, models.MailMessage{To: "d@example.com", Subject: "Kept", Body: "x"})
	if err != nil {
		t.Fatal(err)
	}
	tr := &failingTransport{}
	for try := 1; try <= models.MaxMailAttempts; try++ {
		round, err := models.SendDueMail(ctx, db, tr, 10)
		if err != nil || round != (models.MailRound{Failed: 1}) {
			t.Fatalf("try %d: %+v %v", try, round, err)
		}
		got, err := models.GetMail(ctx, db, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Attempts != try || got.Error != "550 5.1.1 No such user here" {
			t.Fatalf("try %d: attempts %d error %q", try, got.Attempts, got.Error)
		}
		if try < models.MaxMailAttempts {
			var wait float64
			if err := db.NewRaw("SELECT extract(epoch FROM next_attempt_at - now()) FROM mail_messages WHERE id = ?", m.ID).Scan(ctx, &wait); err != nil {
				t.Fatal(err)
			}
			if want := models.MailRetryDelay(try).Seconds(); got.State != models.MailOutgoing || wait < want-5 || wait > want+5 {
				t.Fatalf("try %d: state %s, next try in %.0fs, want %s in %.0fs", try, got.State, wait, models.MailOutgoing, want)
			}
			// Not due: nothing happens until the wait is over.
			if round, err := models.SendDueMail(ctx, db, tr, 10); err != nil || round != (models.MailRound{}) {
				t.Fatalf("before the wait is over: %+v %v", round, err)
			}
			if _, err := db.NewRaw("UPDATE mail_messages SET next_attempt_at = now() WHERE id = ?", m.ID).Exec(ctx); err != nil {
				t.Fatal(err)
			}
		} else if got.State != models.MailError {
			t.Fatalf("after %d tries: state %s, want error", try, got.State)
		}
	}
	if tr.tries != models.MaxMailAttempts {
		t.Fatalf("%d tries, want %d (a kept mail is never sent)", tr.tries, models.MaxMailAttempts)
	}
	if got, _ := models.GetMail(ctx, db, kept.ID); got.State != models.MailKept || got.Attempts != 0 {
		t.Fatalf("kept mail: %+v", got)
	}

	// Send again: only with a mail server, only a failed mail.
	if _, err := models.RetryMail(ctx, db, nil, m.ID, 0); models.ErrorCode(err) != models.ECONFLICT {
		t.Fatalf("send again without a mail server: %v", err)
	}
	if _, err := models.RetryMail(ctx, db, nil, kept.ID, 0); models.ErrorCode(err) != models.ECONFLICT {
		t.Fatalf("send a kept mail without a mail server: %v", err)
	}
	if _, err := models.RetryMail(ctx, db, box, 999999, 0); models.ErrorCode(err) != models.ENOTFOUND {
		t.Fatalf("send again a missing mail: %v", err)
	}
	again, err := models.RetryMail(ctx, db, box, m.ID, 0)
	if err != nil || again.State != models.MailOutgoing || again.Attempts != 0 || again.Error != "" || again.NextAttemptAt.After(time.Now().Add(time.Minute)) {
		t.Fatalf("send again: %+v %v", again, err)
	}
	if round, err := models.SendDueMail(ctx, db, tr, 10); err != nil || round != (models.MailRound{Failed: 1}) {
		t.Fatalf("after send again: %+v %v", round, err)
	}
	if _, err := models.RetryMail(ctx, db, box, m.ID, 0); models.ErrorCode(err) != models.ECONFLICT {
		t.Fatalf("send again a mail that is being retried: %v", err)
	}

	// A mail kept while no server was configured is sent once one is.
	queued, err := models.RetryMail(ctx, db, box, kept.ID, 0)
	if err != nil || queued.State != models.MailOutgoing || queued.Attempts != 0 {
		t.Fatalf("send a kept mail: %+v %v", queued, err)
	}
	ok := &probeTransport{during: func(got *models.MailMessage) {
		if got.ID != kept.ID {
			t.Errorf("sent mail %d, want the kept one, %d", got.ID, kept.ID)
		}
	}}
	if round, err := models.SendDueMail(ctx, db, ok, 10); err != nil || round != (models.MailRound{Sent: 1}) {
		t.Fatalf("sending the kept mail: %+v %v", round, err)
	}
	if got, _ := models.GetMail(ctx, db, kept.ID); got.State != models.MailSent || got.Attempts != 1 {
		t.Fatalf("kept mail after its send: %+v", got)
	}
}

func TestMailRetryDelayGrows(t *testing.T) {
	prev := time.Duration(0)
	for n := 1; n < models.MaxMailAttempts; n++ {
		d := models.MailRetryDelay(n)
		if d <= prev {
			t.Fatalf("delay after try %d is %s, not more than %s", n, d, prev)
		}
		prev = d
	}
}

// probeTransport runs during its Send what a test wants to check while a
// mail is on its way, then answers err.
type probeTransport struct {
	during func(m *models.MailMessage)
	err    error
}

func (p *probeTransport) Send(_ context.Context, m *models.MailMessage) error {
	p.during(m)
	return p.err
}

// While a mail is being sent no row is locked and no transaction is open:
// the back office can lock it at once, and another sender finds nothing due
// (the claim moved its next try a lease ahead). A sender whose lease ran
// out, and whose mail another sender took and sent, does not overwrite
// what that sender recorded.
func TestSendDueMailHoldsNoLockWhileSending(t *testing.T) {
	ctx, db := context.Background(), testdb.New(t)
	box := models.NewOutbox(true)
	m, err := models.QueueMail(ctx, db, box, models.MailMessage{To: "e@example.com", Subject: "Hi", Body: "x"})
	if err != nil {
		t.Fatal(err)
	}
	var tried int
	slow := &probeTransport{err: errors.New("421 4.3.2 try later"), during: func(got *models.MailMessage) {
		tried++
		if got.ID != m.ID || got.Attempts != 1 {
			t.Errorf("claimed %+v, want mail %d at its first try", got, m.ID)
		}
		var lease float64
		err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			return tx.NewRaw("SELECT extract(epoch FROM next_attempt_at - now()) FROM mail_messages WHERE id = ? FOR UPDATE NOWAIT", m.ID).Scan(ctx, &lease)
		})
		if err != nil {
			t.Errorf("the mail's row is locked while it is sent: %v", err)
		}
		if want := models.MailLease.Seconds(); lease < want-5 || lease > want+5 {
			t.Errorf("during the send the next try is in %.0fs, want the lease, %.0fs", lease, want)
		}
		if round, err := models.SendDueMail(ctx, db, &failingTransport{}, 10); err != nil || round != (models.MailRound{}) {
			t.Errorf("a second sender during the send: %+v %v, want nothing due", round, err)
		}
		// The lease runs out and another sender takes the mail and sends it.
		if _, err := db.NewRaw(`UPDATE mail_messages SET next_attempt_at = now()
			WHERE id = (SELECT id FROM mail_messages WHERE id = ? FOR UPDATE NOWAIT)`, m.ID).Exec(ctx); err != nil {
			t.Errorf("end the lease: %v", err)
			return
		}
		ok := &probeTransport{during: func(*models.MailMessage) {}}
		if round, err := models.SendDueMail(ctx, db, ok, 10); err != nil || round != (models.MailRound{Sent: 1}) {
			t.Errorf("the other sender after the lease: %+v %v", round, err)
		}
	}}
	round, err := models.SendDueMail(ctx, db, slow, 10)
	if err != nil || round != (models.MailRound{Failed: 1}) || tried != 1 {
		t.Fatalf("first sender: %+v %v after %d tries", round, err, tried)
	}
	got, err := models.GetMail(ctx, db, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != models.MailSent || got.Attempts != 2 || got.Error != "" || got.SentAt == nil {
		t.Fatalf("after both senders: state %s, %d tries, error %q, sent %v; want sent by the second, at its second try", got.State, got.Attempts, got.Error, got.SentAt)
	}
}
