package app

import (
	"net"
	"strings"
	"testing"
)

func TestConfigSMTP(t *testing.T) {
	for _, tc := range []struct {
		url, from string
		want      SMTPServer
	}{
		{"smtp://mail.example.com", "orders@example.com", SMTPServer{Host: "mail.example.com", Port: 587, From: "orders@example.com"}},
		{"smtp://user%40example.com:p%3Ass@mail.example.com:2525", "orders@example.com",
			SMTPServer{Host: "mail.example.com", Port: 2525, Username: "user@example.com", Password: "p:ss", From: "orders@example.com"}},
		{"smtps://u:p@mail.example.com", " orders@example.com ", SMTPServer{Host: "mail.example.com", Port: 465, Username: "u", Password: "p", ImplicitTLS: true, From: "orders@example.com"}},
		{"smtps://mail.example.com:1465/", "orders@example.com", SMTPServer{Host: "mail.example.com", Port: 1465, ImplicitTLS: true, From: "orders@example.com"}},
	} {
		t.Setenv("SMTP_URL", tc.url)
		t.Setenv("SMTP_FROM", tc.from)
		c, err := ConfigFromEnv()
		if err != nil {
			t.Fatalf("%s: %v", tc.url, err)
		}
		s, err := c.SMTP()
		if err != nil || s == nil || *s != tc.want {
			t.Fatalf("%s: %+v %v, want %+v", tc.url, s, err, tc.want)
		}
	}

	// Without SMTP_URL mail is kept, whatever SMTP_FROM says.
	t.Setenv("SMTP_URL", "")
	t.Setenv("SMTP_FROM", "")
	c, err := ConfigFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if s, err := c.SMTP(); s != nil || err != nil {
		t.Fatalf("without SMTP_URL: %+v %v", s, err)
	}
}

func TestConfigSMTPProblems(t *testing.T) {
	for _, tc := range []struct{ url, from, want string }{
		{"mail.example.com:587", "orders@example.com", "SMTP_URL must start with smtp:// or smtps://"},
		{"https://mail.example.com", "orders@example.com", "SMTP_URL must start with smtp:// or smtps://"},
		{"smtp://", "orders@example.com", "SMTP_URL must name the mail server"},
		{"smtp://mail.example.com:0", "orders@example.com", "SMTP_URL has an invalid port"},
		{"smtp://mail.example.com:70000", "orders@example.com", "SMTP_URL has an invalid port"},
		{"smtp://mail.example.com/relay?x=1", "orders@example.com", "SMTP_URL must look like smtp://"},
		{"smtp://secret-user@mail.example.com", "orders@example.com", "SMTP_URL must give both the user and the password"},
		{"smtp://u:secret-pass@mail.example.com:x", "orders@example.com", "SMTP_URL must look like"},
		{"smtp://mail.example.com", "", "SMTP_FROM is required when SMTP_URL is set"},
		{"smtp://mail.example.com", "orders", "SMTP_FROM must be an email address"},
		{"smtp://mail.example.com", "Shop <orders@example.com>", "SMTP_FROM must be an email address alone"},
	} {
		t.Setenv("SMTP_URL", tc.url)
		t.Setenv("SMTP_FROM", tc.from)
		_, err := ConfigFromEnv()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("SMTP_URL=%q SMTP_FROM=%q: %v, want %q", tc.url, tc.from, err, tc.want)
			continue
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("the message repeats the credentials: %v", err)
		}
		// Open refuses the same configuration before touching a database.
		if _, err := (Config{SMTPURL: tc.url, SMTPFrom: tc.from}).SMTP(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Config.SMTP for %q: %v", tc.url, err)
		}
	}
}

// Production needs PUBLIC_URL: the request's Host header is never trusted
// for links in mail or the payment webhook's target.
func TestConfigPublicURLRequiredInProduction(t *testing.T) {
	t.Setenv("ORDERFLOW_ENV", "production")
	t.Setenv("DATABASE_URL", "postgres://db.example/orderflow")
	t.Setenv("PUBLIC_URL", "")
	if _, err := ConfigFromEnv(); err == nil || !strings.Contains(err.Error(), "PUBLIC_URL is required in production") {
		t.Fatalf("no PUBLIC_URL in production: %v", err)
	}
	t.Setenv("PUBLIC_URL", "https://shop.example.com/")
	c, err := ConfigFromEnv()
	if err != nil || c.PublicURL != "https://shop.example.com" {
		t.Fatalf("PUBLIC_URL %q, %v", c.PublicURL, err)
	}
}

func TestListenURL(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1:8080": "http://127.0.0.1:8080",
		"0.0.0.0:8080":   "http://localhost:8080",
		"[::]:9000":      "http://localhost:9000",
	} {
		tcp, err := net.ResolveTCPAddr("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := ListenURL(tcp); got != want {
			t.Errorf("ListenURL(%s) = %s, want %s", addr, got, want)
		}
	}
}
