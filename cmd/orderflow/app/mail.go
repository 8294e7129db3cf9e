package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"
	gomail "github.com/wneessen/go-mail"

	"orderflow/models"
)

// SMTPServer is where outgoing mail is delivered (SMTP_URL, SMTP_FROM).
type SMTPServer struct {
	Host        string
	Port        int
	Username    string // with Password: SMTP AUTH, and STARTTLS is required
	Password    string
	ImplicitTLS bool   // smtps://: TLS from the first byte; smtp://: STARTTLS when offered
	From        string // the sender address
}

// SMTP returns the mail server the configuration names, nil when SMTP_URL
// is empty (mail is kept in the back office), or an error naming the
// variable that is wrong.
func (c Config) SMTP() (*SMTPServer, error) {
	if c.SMTPURL == "" {
		return nil, nil
	}
	s, problems := parseSMTP(c.SMTPURL, c.SMTPFrom)
	if len(problems) > 0 {
		return nil, fmt.Errorf("configuration: %s", strings.Join(problems, "; "))
	}
	return s, nil
}

// parseSMTP reads smtp[s]://[user:password@]host[:port] and the sender
// address. The problems never repeat the URL: it may hold a password.
func parseSMTP(rawURL, from string) (*SMTPServer, []string) {
	const shape = "SMTP_URL must look like smtp://user:password@mail.example.com:587 or smtps://mail.example.com:465"
	var problems []string
	s := &SMTPServer{}
	u, err := url.Parse(rawURL)
	switch {
	case err != nil:
		problems = append(problems, shape)
	case u.Scheme != "smtp" && u.Scheme != "smtps":
		problems = append(problems, "SMTP_URL must start with smtp:// or smtps://")
	case u.Hostname() == "":
		problems = append(problems, "SMTP_URL must name the mail server, e.g. smtp://mail.example.com:587")
	case (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "":
		problems = append(problems, shape)
	default:
		s.Host, s.ImplicitTLS, s.Port = u.Hostname(), u.Scheme == "smtps", 587
		if s.ImplicitTLS {
			s.Port = 465
		}
		if p := u.Port(); p != "" {
			n, err := strconv.Atoi(p)
			if err != nil || n < 1 || n > 65535 {
				problems = append(problems, "SMTP_URL has an invalid port")
			}
			s.Port = n
		}
		if u.User != nil {
			s.Username = u.User.Username()
			s.Password, _ = u.User.Password()
			if s.Username == "" || s.Password == "" {
				problems = append(problems, "SMTP_URL must give both the user and the password, or neither")
			}
		}
	}
	switch a, err := mail.ParseAddress(from); {
	case strings.TrimSpace(from) == "":
		problems = append(problems, "SMTP_FROM is required when SMTP_URL is set: the sender address, e.g. orders@example.com")
	case err != nil || a.Name != "" || a.Address != strings.TrimSpace(from):
		problems = append(problems, "SMTP_FROM must be an email address alone, e.g. orders@example.com (the company name is added as the sender's name)")
	default:
		s.From = a.Address
	}
	return s, problems
}

// mailRoundLimit is how many mails one round tries before the sender looks
// again (another round follows at once when mail is left).
const mailRoundLimit = 100

// Mailer is an app's SMTP sender: it sends the due outgoing mail
// (models.SendDueMail) every few seconds and as soon as mail is queued.
// Several app servers may run one each against the same database.
type Mailer struct {
	db     *bun.DB
	server SMTPServer
	box    *models.Outbox
	log    *slog.Logger

	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
}

// NewMailer returns the sender of the mail queued in box.
func NewMailer(db *bun.DB, server SMTPServer, box *models.Outbox, log *slog.Logger) *Mailer {
	return &Mailer{db: db, server: server, box: box, log: log}
}

// SendDue sends the mail that is due now, over one connection to the
// server, and returns what it did; the background sender calls it, and so do
// tests that want one deterministic round.
func (m *Mailer) SendDue(ctx context.Context) (models.MailRound, error) {
	co, err := models.GetCompany(ctx, m.db)
	if err != nil {
		return models.MailRound{}, err
	}
	t := &smtpTransport{server: m.server, fromName: co.Name}
	defer t.Close()
	return models.SendDueMail(ctx, m.db, t, mailRoundLimit)
}

// Start runs the sender in the background until Stop: a round every `every`
// and whenever mail is queued. Starting a started sender does nothing.
func (m *Mailer) Start(every time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cancel != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	m.cancel, m.done = cancel, make(chan struct{})
	go m.run(ctx, every, m.done)
}

// Stop ends the background sender and waits for it: a mail in flight is
// finished and recorded first. Stopping a stopped sender does nothing.
func (m *Mailer) Stop() {
	m.mu.Lock()
	cancel, done := m.cancel, m.done
	m.cancel, m.done = nil, nil
	m.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

func (m *Mailer) run(ctx context.Context, every time.Duration, done chan struct{}) {
	defer close(done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		round, err := m.SendDue(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			m.log.Error("send mail", "error", err)
		case round.Sent+round.Failed > 0:
			m.log.Info("sent mail", "sent", round.Sent, "failed", round.Failed)
		}
		if round.Sent+round.Failed >= mailRoundLimit && ctx.Err() == nil {
			continue // more may be due
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-m.box.Wake():
		}
	}
}

// smtpTransport sends the mails of one round over one connection, opened at
// the first mail and again after a failure.
type smtpTransport struct {
	server   SMTPServer
	fromName string
	client   *gomail.Client
}

// Send delivers one mail: From the company at SMTP_FROM, To, Subject and the
// plain-text body; go-mail adds the Date and Message-ID headers.
func (t *smtpTransport) Send(ctx context.Context, m *models.MailMessage) error {
	msg := gomail.NewMsg()
	if err := msg.FromFormat(t.fromName, t.server.From); err != nil {
		return fmt.Errorf("sender address: %w", err)
	}
	if err := msg.To(m.To); err != nil {
		return fmt.Errorf("recipient address: %w", err)
	}
	msg.Subject(m.Subject)
	msg.SetBodyString(gomail.TypeTextPlain, m.Body)
	if t.client == nil {
		c, err := t.dial(ctx)
		if err != nil {
			return err
		}
		t.client = c
	}
	if err := t.client.Send(msg); err != nil {
		t.Close() // start the next mail on a fresh connection
		if se := (*gomail.SendError)(nil); errors.As(err, &se) && se.ErrorCode() >= 500 {
			return &models.MailRejected{Err: err} // a permanent refusal: retrying will not help
		}
		return err
	}
	return nil
}

func (t *smtpTransport) dial(ctx context.Context) (*gomail.Client, error) {
	s := t.server
	opts := []gomail.Option{gomail.WithPort(s.Port), gomail.WithTimeout(30 * time.Second)}
	switch {
	case s.ImplicitTLS:
		opts = append(opts, gomail.WithSSL())
	case s.Username != "":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory)) // never send a password in clear
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if s.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(s.Username), gomail.WithPassword(s.Password))
	}
	c, err := gomail.NewClient(s.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("mail server: %w", err)
	}
	if err := c.DialWithContext(ctx); err != nil {
		return nil, fmt.Errorf("connect to the mail server %s:%d: %w", s.Host, s.Port, err)
	}
	return c, nil
}

// Close ends the round's connection, if any.
func (t *smtpTransport) Close() {
	if t.client != nil {
		_ = t.client.Close()
		t.client = nil
	}
}
