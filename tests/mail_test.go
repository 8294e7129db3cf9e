package tests

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/mail"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/emersion/go-smtp"

	"orderflow/cmd/orderflow/app"
	"orderflow/models"
	"orderflow/tests/browser"
	"orderflow/tests/testapp"
	"orderflow/views/shop"
)

// smtpSink is a real SMTP server on a local port that keeps what it is given,
// or refuses every recipient while refuse holds an SMTP reply code: 450 (the
// mailbox is busy: try later) or 550 (no such user: trying again is useless).
type smtpSink struct {
	Addr     string
	refuse   atomic.Int32
	delay    time.Duration // per message, so that two senders overlap
	received chan *mail.Message

	mu    sync.Mutex
	mails []*mail.Message
}

func startSMTPSink(t *testing.T) *smtpSink {
	t.Helper()
	sink := &smtpSink{received: make(chan *mail.Message, 100)}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &sinkSession{sink: sink}, nil }))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sink.Addr = ln.Addr().String()
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return sink
}

// Mails returns what the server accepted so far.
func (s *smtpSink) Mails() []*mail.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*mail.Message(nil), s.mails...)
}

type sinkSession struct{ sink *smtpSink }

func (s *sinkSession) Reset()                               {}
func (s *sinkSession) Logout() error                        { return nil }
func (s *sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	switch s.sink.refuse.Load() {
	case busy:
		return &smtp.SMTPError{Code: busy, EnhancedCode: smtp.EnhancedCode{4, 2, 1}, Message: "Mailbox busy, try again later"}
	case noSuchUser:
		return &smtp.SMTPError{Code: noSuchUser, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user here"}
	}
	return nil
}

func (s *sinkSession) Data(r io.Reader) error {
	m, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(m.Body)
	if err != nil {
		return err
	}
	if strings.EqualFold(m.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		if body, err = io.ReadAll(quotedprintable.NewReader(strings.NewReader(string(body)))); err != nil {
			return err
		}
	}
	m.Body = strings.NewReader(string(body))
	time.Sleep(s.sink.delay)
	s.sink.mu.Lock()
	s.sink.mails = append(s.sink.mails, m)
	s.sink.mu.Unlock()
	s.sink.received <- m
	return nil
}

func mailBody(t *testing.T, m *mail.Message) string {
	t.Helper()
	b, err := io.ReadAll(m.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// startMailApp runs Orderflow with sink as its SMTP server; the background
// sender is off unless background is set (the test sends with SendDue).
func startMailApp(t *testing.T, sink *smtpSink, background bool) *testapp.App {
	t.Helper()
	return testapp.StartWith(t, func(c *app.Config) {
		c.SMTPURL, c.SMTPFrom, c.MailSenderOff = "smtp://"+sink.Addr, "orders@example.com", !background
	})
}

// mlRow reads a mail row as the sender left it.
func mlRow(t *testing.T, a *testapp.App, id int64) *models.MailMessage {
	t.Helper()
	m := new(models.MailMessage)
	if err := a.DB.NewSelect().Model(m).Where("id = ?", id).Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	return m
}

// mlSendQuotation sends a quotation from the back office as the sales rep
// and returns the order and the mail it queued.
func mlSendQuotation(t *testing.T, a *testapp.App, sales *testapp.Client, customer string) (*models.SaleOrder, *models.MailMessage) {
	t.Helper()
	o := ooQuotation(t, a, customer, "2")
	r := sales.PostForm(fmt.Sprintf("/office/orders/%d/send", o.ID), nil)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("send: status %d\n%s", r.StatusCode, r.Body)
	}
	m := new(models.MailMessage)
	if err := a.DB.NewSelect().Model(m).Where("res_model = 'sale_order' AND res_id = ?", o.ID).
		OrderExpr("id DESC").Limit(1).Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	o, err := models.GetOrder(context.Background(), a.DB, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	return o, m
}

func TestMailQuotationSentThroughSMTP(t *testing.T) {
	ctx := context.Background()
	sink := startSMTPSink(t)
	a := startMailApp(t, sink, false)
	sales := a.LoginAs(t, "sales")
	o, queued := mlSendQuotation(t, a, sales, "Mia Mail")
	if queued.State != models.MailOutgoing {
		t.Fatalf("queued mail state %s, want outgoing", queued.State)
	}
	if body := sales.Get(fmt.Sprintf("/office/orders/%d", o.ID)).Body; strings.Contains(body, "No mail server is configured") {
		t.Fatal("the order page says no mail server is configured")
	}

	round, err := a.Mailer.SendDue(ctx)
	if err != nil || round.Sent != 1 || round.Failed != 0 {
		t.Fatalf("send due: %+v %v", round, err)
	}
	mails := sink.Mails()
	if got, want := len(mails), 1; got != want {
		t.Fatalf("%d mails arrived, want %d", got, want)
	}
	m := mails[0]
	from, err := mail.ParseAddress(m.Header.Get("From"))
	if err != nil || from.Address != "orders@example.com" || from.Name != "Test Shop" {
		t.Fatalf("From %q (%v)", m.Header.Get("From"), err)
	}
	if got, want := m.Header.Get("To"), "<mia.mail@example.com>"; got != want {
		t.Fatalf("To %q, want %q", got, want)
	}
	if got, want := m.Header.Get("Subject"), "Quotation "+o.Number()+" from Test Shop"; got != want {
		t.Fatalf("Subject %q, want %q", got, want)
	}
	if m.Header.Get("Date") == "" || m.Header.Get("Message-Id") == "" {
		t.Fatalf("no Date or Message-ID: %v", m.Header)
	}
	if link, body := a.URL+shop.OrderURL(o), mailBody(t, m); !strings.Contains(body, link) || !strings.Contains(body, "Hello Mia Mail") {
		t.Fatalf("body lacks the portal link %s:\n%s", link, body)
	}
	row := mlRow(t, a, queued.ID)
	if row.State != models.MailSent || row.SentAt == nil || row.Attempts != 1 || row.Error != "" {
		t.Fatalf("row after sending: state %s sent_at %v attempts %d error %q", row.State, row.SentAt, row.Attempts, row.Error)
	}

	// Nothing is due any more: a second round sends nothing again.
	if round, err := a.Mailer.SendDue(ctx); err != nil || round != (models.MailRound{}) {
		t.Fatalf("second round: %+v %v", round, err)
	}
	if got := len(sink.Mails()); got != 1 {
		t.Fatalf("%d mails arrived after a second round, want 1", got)
	}

	// The back office shows it sent, without the "no mail server" notice.
	doc := ooDoc(t, sales.Get("/office/mail"))
	if doc.Find(`[data-testid="mail-no-smtp"]`).Length() != 0 {
		t.Fatal("the mail page says no mail server is configured")
	}
	if got := strings.TrimSpace(doc.Find(`[data-testid="mail-row"] [data-testid="mail-state"]`).First().Text()); got != "Sent" {
		t.Fatalf("list state %q, want Sent", got)
	}
}

func TestMailBackgroundSenderWakesOnQueue(t *testing.T) {
	sink := startSMTPSink(t)
	a := startMailApp(t, sink, true)
	_, queued := mlSendQuotation(t, a, a.LoginAs(t, "sales"), "Wes Wake")
	// The sender polls every few seconds, but queueing wakes it at once.
	select {
	case m := <-sink.received:
		if got := m.Header.Get("To"); got != "<wes.wake@example.com>" {
			t.Fatalf("To %q", got)
		}
	case <-time.After(4 * time.Second):
		t.Fatal("the background sender did not send the queued mail")
	}
	deadline := time.Now().Add(10 * time.Second)
	for mlRow(t, a, queued.ID).State != models.MailSent {
		if time.Now().After(deadline) {
			t.Fatalf("mail state %s after delivery, want sent", mlRow(t, a, queued.ID).State)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// SMTP replies the sink refuses with: temporary, and permanent.
const (
	busy       = 450
	noSuchUser = 550
)

// refusedQuotation sends a quotation to customer from the back office to a
// server that refuses its recipient with code, and runs one sending round,
// which must fail.
func refusedQuotation(t *testing.T, code int32, customer string) (*smtpSink, *testapp.App, *testapp.Client, *models.MailMessage) {
	t.Helper()
	sink := startSMTPSink(t)
	sink.refuse.Store(code)
	a := startMailApp(t, sink, false)
	sales := a.LoginAs(t, "sales")
	_, queued := mlSendQuotation(t, a, sales, customer)
	if round, err := a.Mailer.SendDue(context.Background()); err != nil || round.Failed != 1 || round.Sent != 0 {
		t.Fatalf("send due: %+v %v", round, err)
	}
	return sink, a, sales, queued
}

func TestMailRefusedIsRetriedThenFailsAndCanBeSentAgain(t *testing.T) {
	ctx := context.Background()
	sink, a, sales, queued := refusedQuotation(t, busy, "Rita Refused")
	row := mlRow(t, a, queued.ID)
	if row.State != models.MailOutgoing || row.Attempts != 1 || !strings.Contains(row.Error, "Mailbox busy") {
		t.Fatalf("after a refusal: state %s attempts %d error %q", row.State, row.Attempts, row.Error)
	}
	var later bool
	if err := a.DB.NewRaw("SELECT next_attempt_at > now() + interval '50 seconds' FROM mail_messages WHERE id = ?", row.ID).Scan(ctx, &later); err != nil || !later {
		t.Fatalf("next attempt at %v is not a minute away (%v)", row.NextAttemptAt, err)
	}
	// Not due yet: the next round leaves it alone.
	if round, err := a.Mailer.SendDue(ctx); err != nil || round != (models.MailRound{}) {
		t.Fatalf("round before the retry is due: %+v %v", round, err)
	}
	doc := ooDoc(t, sales.Get("/office/mail"))
	if got := doc.Find(`[data-testid="mail-attempts"]`).Text(); !strings.Contains(got, "1 try") {
		t.Fatalf("list attempts %q", got)
	}
	if doc.Find(`[data-testid="mail-retry"]`).Length() != 0 {
		t.Fatal("Send again offered for a mail that is still being retried")
	}

	// Each retry that comes due fails again, until the sender gives up.
	for attempt := 2; attempt <= models.MaxMailAttempts; attempt++ {
		if _, err := a.DB.NewRaw("UPDATE mail_messages SET next_attempt_at = now() - interval '1 second' WHERE id = ?", row.ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if round, err := a.Mailer.SendDue(ctx); err != nil || round.Failed != 1 {
			t.Fatalf("try %d: %+v %v", attempt, round, err)
		}
	}
	row = mlRow(t, a, queued.ID)
	if row.State != models.MailError || row.Attempts != models.MaxMailAttempts || row.Error == "" {
		t.Fatalf("after %d refusals: state %s attempts %d error %q", models.MaxMailAttempts, row.State, row.Attempts, row.Error)
	}
	if n := len(sink.Mails()); n != 0 {
		t.Fatalf("%d mails arrived at a refusing server", n)
	}

	// The back office shows the failure with "Send again".
	doc = ooDoc(t, sales.Get(fmt.Sprintf("/office/mail/%d", row.ID)))
	if got := doc.Find(`[data-testid="mail-state"]`).First().Text(); got != "Failed" {
		t.Fatalf("detail state %q, want Failed", got)
	}
	if got := doc.Find(`[data-testid="mail-failure"]`).Text(); !strings.Contains(got, "Mailbox busy") || !strings.Contains(got, "5 tries") {
		t.Fatalf("failure shown: %q", got)
	}
	if doc.Find(`[data-testid="mail-retry"]`).Length() != 1 {
		t.Fatal("no Send again button on a failed mail")
	}

	// A warehouse worker may not send it again; the sales rep may.
	if r := a.LoginAs(t, "warehouse").PostForm(fmt.Sprintf("/office/mail/%d/retry", row.ID), nil); r.StatusCode != http.StatusForbidden {
		t.Fatalf("warehouse send again: status %d", r.StatusCode)
	}
	r := sales.PostForm(fmt.Sprintf("/office/mail/%d/retry", row.ID), url.Values{"back": {"list"}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/office/mail" {
		t.Fatalf("send again: status %d to %q", r.StatusCode, r.Header.Get("Location"))
	}
	row = mlRow(t, a, queued.ID)
	if row.State != models.MailOutgoing || row.Attempts != 0 || row.Error != "" {
		t.Fatalf("after Send again: state %s attempts %d error %q", row.State, row.Attempts, row.Error)
	}
	// Sending again what is no longer failed is refused with a message.
	r = sales.PostForm(fmt.Sprintf("/office/mail/%d/retry", row.ID), nil)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("second send again: status %d", r.StatusCode)
	}
	if body := sales.Get(r.Header.Get("Location")).Body; !strings.Contains(body, "Only a failed or kept mail can be sent again") {
		t.Fatal("no refusal shown for sending again an outgoing mail")
	}

	// The server takes it now.
	sink.refuse.Store(0)
	if round, err := a.Mailer.SendDue(ctx); err != nil || round.Sent != 1 {
		t.Fatalf("after Send again: %+v %v", round, err)
	}
	if row := mlRow(t, a, queued.ID); row.State != models.MailSent || len(sink.Mails()) != 1 {
		t.Fatalf("state %s, %d mails arrived", row.State, len(sink.Mails()))
	}
}

// A recipient the server rejects for good (550) fails at the first try:
// retrying for an hour and a half would not change the answer.
func TestMailRejectedRecipientFailsAtOnce(t *testing.T) {
	ctx := context.Background()
	_, a, sales, queued := refusedQuotation(t, noSuchUser, "Nora Nobody")
	row := mlRow(t, a, queued.ID)
	if row.State != models.MailError || row.Attempts != 1 || !strings.Contains(row.Error, "No such user here") {
		t.Fatalf("after a permanent refusal: state %s attempts %d error %q", row.State, row.Attempts, row.Error)
	}
	doc := ooDoc(t, sales.Get(fmt.Sprintf("/office/mail/%d", row.ID)))
	if got := doc.Find(`[data-testid="mail-failure"]`).Text(); !strings.Contains(got, "refused it for good") || !strings.Contains(got, "No such user here") {
		t.Fatalf("failure shown: %q", got)
	}
	if doc.Find(`[data-testid="mail-retry"]`).Length() != 1 {
		t.Fatal("no Send again button on a rejected mail (the address may be corrected on the server)")
	}
	if round, err := a.Mailer.SendDue(ctx); err != nil || round != (models.MailRound{}) {
		t.Fatalf("a failed mail was tried again: %+v %v", round, err)
	}
}

func TestMailTwoSendersSendEachMailOnce(t *testing.T) {
	ctx := context.Background()
	sink := startSMTPSink(t)
	sink.delay = 10 * time.Millisecond
	a := startMailApp(t, sink, false)
	const n = 24
	for i := range n {
		if _, err := models.QueueMail(ctx, a.DB, a.Outbox, models.MailMessage{To: fmt.Sprintf("c%d@example.com", i), Subject: fmt.Sprintf("Mail %d", i), Body: "Hello"}); err != nil {
			t.Fatal(err)
		}
	}
	server, err := a.Config.SMTP()
	if err != nil {
		t.Fatal(err)
	}
	// A second app server's sender on the same database.
	other := app.NewMailer(a.DB, *server, models.NewOutbox(true), slog.New(slog.NewTextHandler(io.Discard, nil)))
	var wg sync.WaitGroup
	rounds := make([]models.MailRound, 2)
	for i, m := range []*app.Mailer{a.Mailer, other} {
		wg.Go(func() {
			r, err := m.SendDue(ctx)
			if err != nil {
				t.Error(err)
			}
			rounds[i] = r
		})
	}
	wg.Wait()
	if got := rounds[0].Sent + rounds[1].Sent; got != n {
		t.Fatalf("senders sent %d (%+v), want %d", got, rounds, n)
	}
	if rounds[0].Sent == 0 || rounds[1].Sent == 0 {
		t.Logf("one sender did all the work: %+v", rounds)
	}
	seen := map[string]int{}
	for _, m := range sink.Mails() {
		seen[m.Header.Get("Subject")]++
	}
	for i := range n {
		if got := seen[fmt.Sprintf("Mail %d", i)]; got != 1 {
			t.Errorf("Mail %d arrived %d times, want once", i, got)
		}
	}
	var sent int
	if err := a.DB.NewRaw("SELECT count(*) FROM mail_messages WHERE state = 'sent' AND attempts = 1").Scan(ctx, &sent); err != nil || sent != n {
		t.Fatalf("%d rows sent after one try, want %d (%v)", sent, n, err)
	}
}

func TestMailKeptWithoutSMTP(t *testing.T) {
	a := testapp.Start(t)
	if a.Mailer != nil || a.Outbox.Delivers() {
		t.Fatal("a mail sender without SMTP_URL")
	}
	sales := a.LoginAs(t, "sales")
	_, m := mlSendQuotation(t, a, sales, "Kim Kept")
	if m.State != models.MailKept {
		t.Fatalf("mail state %s without SMTP_URL, want kept", m.State)
	}
	if ooDoc(t, sales.Get("/office/mail")).Find(`[data-testid="mail-no-smtp"]`).Length() != 1 {
		t.Fatal("the mail page does not say that no mail server is configured")
	}
}

// A mail kept while no mail server was configured is not lost once one is:
// the back office offers to send it, and the sender delivers it.
func TestMailKeptThenSentOnceAServerIsConfigured(t *testing.T) {
	ctx := context.Background()
	sink := startSMTPSink(t)
	a := startMailApp(t, sink, false)
	sales := a.LoginAs(t, "sales")
	o := ooQuotation(t, a, "Karl Kept", "1")
	kept, err := models.QueueMail(ctx, a.DB, nil, models.MailMessage{To: "karl@example.com", Subject: "Quotation " + *o.Name,
		Body: "Your quotation", ResModel: "sale_order", ResID: &o.ID})
	if err != nil || kept.State != models.MailKept {
		t.Fatalf("kept mail: %+v %v", kept, err)
	}
	doc := ooDoc(t, sales.Get(fmt.Sprintf("/office/mail/%d", kept.ID)))
	if doc.Find(`[data-testid="mail-no-smtp"]`).Length() != 0 {
		t.Fatal("the kept mail's page says no mail server is configured, but one is")
	}
	if got := doc.Find(`[data-testid="mail-kept"]`).Text(); !strings.Contains(got, "kept while no mail server was configured") {
		t.Fatalf("kept note %q", got)
	}
	if got := strings.TrimSpace(doc.Find(`[data-testid="mail-retry"]`).Text()); got != "Send" {
		t.Fatalf("button %q, want Send", got)
	}
	if got := strings.TrimSpace(doc.Find(`[data-testid="mail-state"]`).First().Text()); got != "Kept, not sent" {
		t.Fatalf("state %q, want Kept, not sent (a mail server is configured now)", got)
	}
	if got := strings.TrimSpace(ooDoc(t, sales.Get("/office/mail")).Find(`[data-testid="mail-retry"]`).Text()); got != "Send" {
		t.Fatalf("list button %q, want Send", got)
	}
	r := sales.PostForm(fmt.Sprintf("/office/mail/%d/retry", kept.ID), nil)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("send: status %d", r.StatusCode)
	}
	if body := sales.Get(r.Header.Get("Location")).Body; !strings.Contains(body, "The mail to karl@example.com is queued to be sent.") {
		t.Fatal("no confirmation shown after Send")
	}
	if round, err := a.Mailer.SendDue(ctx); err != nil || round != (models.MailRound{Sent: 1}) {
		t.Fatalf("send due: %+v %v", round, err)
	}
	mails := sink.Mails()
	if len(mails) != 1 || mails[0].Header.Get("To") != "<karl@example.com>" || !strings.Contains(mails[0].Header.Get("Subject"), *o.Name) {
		t.Fatalf("%d mails arrived: %v", len(mails), mails[0].Header)
	}
	if row := mlRow(t, a, kept.ID); row.State != models.MailSent || row.Attempts != 1 {
		t.Fatalf("after sending: state %s, %d tries", row.State, row.Attempts)
	}
	var noted int
	if err := a.DB.NewRaw("SELECT count(*) FROM history_entries WHERE res_model = 'sale_order' AND res_id = ? AND body LIKE '%kept while no mail server%'", o.ID).Scan(ctx, &noted); err != nil || noted != 1 {
		t.Fatalf("history notes %d (%v), want 1", noted, err)
	}
}

func TestBrowserMailDeliveryStates(t *testing.T) {
	ctx := context.Background()
	sink := startSMTPSink(t)
	a := startMailApp(t, sink, false)
	send := func(customer string) *models.MailMessage {
		m, err := models.SendQuotation(ctx, a.DB, a.Outbox, ooQuotation(t, a, customer, "1").ID, func(*models.SaleOrder) string { return a.URL + "/" }, 0)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	sendDue := func() {
		if _, err := a.Mailer.SendDue(ctx); err != nil {
			t.Fatal(err)
		}
	}
	send("Sam Sent")
	sendDue()
	sink.refuse.Store(busy)
	send("Rex Retrying")
	failed := send("Fay Failed")
	sendDue()
	for range models.MaxMailAttempts - 1 {
		if _, err := a.DB.NewRaw("UPDATE mail_messages SET next_attempt_at = now() WHERE id = ?", failed.ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		sendDue()
	}
	// One kept from before the mail server was configured.
	kept, err := models.QueueMail(ctx, a.DB, nil, models.MailMessage{To: "kim@example.com", Subject: "Your quotation", Body: "x"})
	if err != nil {
		t.Fatal(err)
	}
	sales := demoLogin(t, models.RoleSales)

	first := browser.New(t)
	for _, size := range []struct {
		name          string
		width, height int
	}{{"handheld", 412, 915}, {"desktop", 1280, 900}} {
		t.Run(size.name, func(t *testing.T) {
			tab := browser.NewTab(t, first, browser.Size(size.width, size.height))
			browserLogin(t, tab, a, sales)
			browser.Navigate(t, tab, a.URL+"/office/mail")
			if got := browser.Run(t, tab, chromedp.Evaluate[[]string](`[...document.querySelectorAll("[data-testid=mail-retry]")].map(b => b.textContent.trim())`)); strings.Join(got, ",") != "Send,Send again" {
				t.Fatalf("send buttons %q, want Send (the kept mail) and Send again (the failed one)", got)
			}
			browser.Screenshot(t, tab, "mail-"+size.name+".png")
			browser.Navigate(t, tab, a.URL+fmt.Sprintf("/office/mail/%d", kept.ID))
			if got := browser.Text(t, tab, `[data-testid=mail-kept]`); !strings.Contains(got, "kept while no mail server was configured") {
				t.Errorf("kept note %q", got)
			}
			browser.Screenshot(t, tab, "mail-kept-"+size.name+".png")
			browser.Navigate(t, tab, a.URL+fmt.Sprintf("/office/mail/%d", failed.ID))
			if got := browser.Text(t, tab, `[data-testid=mail-failure]`); !strings.Contains(got, "Mailbox busy") {
				t.Errorf("failure %q", got)
			}
			browser.Screenshot(t, tab, "mail-failed-"+size.name+".png")
			if size.name != "desktop" {
				return
			}
			browser.ClickAndWait(t, tab, `[data-testid=mail-retry]`)
			if got := browser.Text(t, tab, `[data-testid=flash]`); !strings.Contains(got, "is queued to be sent") {
				t.Errorf("flash %q", got)
			}
			if got := browser.Text(t, tab, `[data-testid=mail-state]`); got != "Outgoing" {
				t.Errorf("state after Send again %q", got)
			}
			browser.Screenshot(t, tab, "mail-sent-again-"+size.name+".png")
		})
	}
}
