package models_test

import (
	"context"
	"errors"
	"testing"
	"time"

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
	if _, err := models.RetryMail(ctx, db, box, kept.ID, 0); models.ErrorCode(err) != models.ECONFLICT {
		t.Fatalf("send again a kept mail: %v", err)
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
