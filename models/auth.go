package models

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Login throttling: at most LoginFailureLimit failed attempts per email from
// one address, and LoginFailureLimitIP from one address over all emails,
// within LoginFailureWindow.
const (
	LoginFailureLimit   = 10
	LoginFailureLimitIP = 50
	LoginFailureWindow  = 10 * time.Minute
)

var errBadLogin = Errorf(EUNAUTHORIZED, "The email or password is not correct.")

// Authenticate checks an email and password from the address ip. It returns
// ETOOMANY while the email/address is throttled and EUNAUTHORIZED for a wrong
// email or password or a deactivated account (one message for all, so that
// it does not reveal which accounts exist). A success clears the failures of
// that email from ip and records the login time.
func Authenticate(ctx context.Context, db bun.IDB, email, password, ip string) (*User, error) {
	email = normalizeEmail(email)
	if email == "" || password == "" {
		p := Problems{}
		if email == "" {
			p.Add("email", "Enter your email address.")
		}
		if password == "" {
			p.Add("password", "Enter your password.")
		}
		return nil, p.Err()
	}
	if err := checkThrottle(ctx, db, email, ip); err != nil {
		return nil, err
	}
	u := new(User)
	err := db.NewSelect().Model(u).Where("email = ?", email).Scan(ctx)
	if err != nil {
		checkPassword(dummyHash(), password) // same cost as a real check
		if err := recordLoginFailure(ctx, db, email, ip); err != nil {
			return nil, err
		}
		return nil, errBadLogin
	}
	if len(password) > maxPasswordLen || !checkPassword(u.PasswordHash, password) || !u.Active {
		if err := recordLoginFailure(ctx, db, email, ip); err != nil {
			return nil, err
		}
		return nil, errBadLogin
	}
	if _, err := db.NewDelete().Model((*loginFailure)(nil)).Where("email = ? AND ip = ?", email, ip).Exec(ctx); err != nil {
		return nil, fmt.Errorf("models: clear login failures: %w", err)
	}
	if _, err := db.NewUpdate().Model(u).Set("last_login_at = now()").WherePK().Returning("last_login_at").Exec(ctx); err != nil {
		return nil, fmt.Errorf("models: record login: %w", err)
	}
	return u, nil
}

type loginFailure struct {
	bun.BaseModel `bun:"table:login_failures"`

	ID        int64     `bun:"id,pk,autoincrement"`
	Email     string    `bun:"email,notnull"`
	IP        string    `bun:"ip,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull,default:current_timestamp"`
}

func checkThrottle(ctx context.Context, db bun.IDB, email, ip string) error {
	var byEmail, byIP int
	err := db.NewSelect().Model((*loginFailure)(nil)).
		ColumnExpr("count(*) FILTER (WHERE email = ?)", email).
		ColumnExpr("count(*)").
		Where("ip = ? AND created_at > now() - ?::interval", ip, fmt.Sprintf("%d seconds", int(LoginFailureWindow.Seconds()))).
		Scan(ctx, &byEmail, &byIP)
	if err != nil {
		return fmt.Errorf("models: check login throttle: %w", err)
	}
	if byEmail >= LoginFailureLimit || byIP >= LoginFailureLimitIP {
		return Errorf(ETOOMANY, "Too many failed attempts. Wait %d minutes, then try again.", int(LoginFailureWindow.Minutes()))
	}
	return nil
}

func recordLoginFailure(ctx context.Context, db bun.IDB, email, ip string) error {
	if len(email) > 254 {
		email = email[:254]
	}
	if _, err := db.NewInsert().Model(&loginFailure{Email: email, IP: ip}).Exec(ctx); err != nil {
		return fmt.Errorf("models: record login failure: %w", err)
	}
	// Keep the table small: drop what no longer counts.
	if _, err := db.NewDelete().Model((*loginFailure)(nil)).
		Where("created_at < now() - ?::interval", fmt.Sprintf("%d seconds", int(2*LoginFailureWindow.Seconds()))).
		Exec(ctx); err != nil {
		return fmt.Errorf("models: prune login failures: %w", err)
	}
	return nil
}

// Contact is a person or company we deal with: a customer, a vendor, an address.
type Contact struct {
	bun.BaseModel `bun:"table:contacts,alias:c"`

	ID          int64     `bun:"id,pk,autoincrement"`
	Name        string    `bun:"name,notnull"`
	Email       string    `bun:"email,notnull"`
	Phone       string    `bun:"phone,notnull"`
	IsCompany   bool      `bun:"is_company,notnull"`
	ParentID    *int64    `bun:"parent_id"`
	Street      string    `bun:"street,notnull"`
	Street2     string    `bun:"street2,notnull"`
	City        string    `bun:"city,notnull"`
	Zip         string    `bun:"zip,notnull"`
	CountryCode string    `bun:"country_code,notnull"`
	Kind        string    `bun:"kind,notnull,default:'contact'"` // contact | invoice | delivery
	CreatedAt   time.Time `bun:"created_at,notnull,default:current_timestamp"`
	UpdatedAt   time.Time `bun:"updated_at,notnull,default:current_timestamp"`
}

// GetContact returns the contact with id, or ENOTFOUND.
func GetContact(ctx context.Context, db bun.IDB, id int64) (*Contact, error) {
	c := new(Contact)
	if err := queryPreparedOne(ctx, db, "SELECT "+columnsOf[Contact](db, "")+" FROM contacts WHERE id = $1", []any{id}, c); err != nil {
		return nil, notFound(err, "The contact")
	}
	return c, nil
}

// Registration is a shopper signing up.
type Registration struct {
	Name     string
	Email    string
	Password string
	Confirm  string
}

// RegisterCustomer creates a contact and a customer user for it, in one
// transaction. It returns EINVALID with field problems (email in use included).
func RegisterCustomer(ctx context.Context, db *bun.DB, in Registration) (*User, error) {
	p := Problems{}
	in.Name = strings.TrimSpace(in.Name)
	in.Email = normalizeEmail(in.Email)
	validateName(p, "name", in.Name)
	validateEmail(p, "email", in.Email)
	validateNewPassword(p, "password", "confirm", in.Password, in.Confirm)
	if err := p.Err(); err != nil {
		return nil, err
	}
	hash, err := hashPassword(in.Password)
	if err != nil {
		return nil, err
	}
	u := &User{Name: in.Name, Email: in.Email, PasswordHash: hash, Roles: []string{RoleCustomer}, Active: true, SessionVersion: 1}
	err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if taken, err := emailTaken(ctx, tx, u.Email, 0); err != nil {
			return err
		} else if taken {
			return &Error{Code: EINVALID, Message: "An account with this email already exists.",
				Fields: map[string]string{"email": "An account with this email already exists. Log in instead, or use another address."}}
		}
		c := &Contact{Name: in.Name, Email: in.Email}
		if _, err := tx.NewInsert().Model(c).Returning("*").Exec(ctx); err != nil {
			return err
		}
		u.ContactID = &c.ID
		if _, err := tx.NewInsert().Model(u).Returning("*").Exec(ctx); err != nil {
			return err
		}
		return RecordHistory(ctx, tx, "user", u.ID, u.ID, "Signed up from the shop.")
	})
	if err != nil {
		if isUniqueViolation(err) { // two sign-ups with one email at the same moment
			return nil, &Error{Code: EINVALID, Message: "An account with this email already exists.",
				Fields: map[string]string{"email": "An account with this email already exists."}}
		}
		return nil, wrapOp(err, "register customer")
	}
	return u, nil
}
