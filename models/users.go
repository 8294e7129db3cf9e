package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Roles a user may hold; a user may hold several.
const (
	RoleAdmin      = "admin"
	RoleSales      = "sales"
	RoleWarehouse  = "warehouse"
	RoleAccountant = "accountant"
	RoleCustomer   = "customer"
)

// AllRoles lists the roles in the order screens show them.
var AllRoles = []string{RoleAdmin, RoleSales, RoleAccountant, RoleWarehouse, RoleCustomer}

// RoleLabel is the name of a role as people say it.
func RoleLabel(role string) string {
	switch role {
	case RoleAdmin:
		return "Administrator"
	case RoleSales:
		return "Sales"
	case RoleWarehouse:
		return "Warehouse"
	case RoleAccountant:
		return "Accountant"
	case RoleCustomer:
		return "Customer"
	}
	return role
}

const (
	minPasswordLen = 8
	maxPasswordLen = 256
)

// User is a person who can log in.
type User struct {
	bun.BaseModel `bun:"table:users,alias:u"`

	ID             int64      `bun:"id,pk,autoincrement"`
	Email          string     `bun:"email,notnull"`
	Name           string     `bun:"name,notnull"`
	PasswordHash   string     `bun:"password_hash,notnull"`
	Roles          []string   `bun:"roles,array"`
	ContactID      *int64     `bun:"contact_id"`
	Active         bool       `bun:"active,notnull"`
	SessionVersion int        `bun:"session_version,notnull"`
	LastLoginAt    *time.Time `bun:"last_login_at"`
	CreatedAt      time.Time  `bun:"created_at,notnull,default:current_timestamp"`
	UpdatedAt      time.Time  `bun:"updated_at,notnull,default:current_timestamp"`
}

// HasRole reports whether u holds any of roles.
func (u *User) HasRole(roles ...string) bool {
	if u == nil {
		return false
	}
	for _, r := range roles {
		if slices.Contains(u.Roles, r) {
			return true
		}
	}
	return false
}

// normalizeEmail trims and lower-cases an email address.
func normalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func validateEmail(p Problems, field, email string) {
	switch {
	case email == "":
		p.Add(field, "Enter an email address.")
	case len(email) > 254:
		p.Add(field, "The email address is too long.")
	default:
		addr, err := mail.ParseAddress(email)
		if err != nil || addr.Address != email || !strings.Contains(email[strings.IndexByte(email, '@'):], ".") {
			p.Add(field, "Enter a valid email address, like name@example.com.")
		}
	}
}

func validateNewPassword(p Problems, field, confirmField, password, confirm string) {
	switch {
	case len(password) < minPasswordLen:
		p.Add(field, fmt.Sprintf("Use at least %d characters.", minPasswordLen))
	case len(password) > maxPasswordLen:
		p.Add(field, fmt.Sprintf("Use at most %d characters.", maxPasswordLen))
	case confirmField != "" && password != confirm:
		p.Add(confirmField, "The passwords do not match.")
	}
}

func validateName(p Problems, field, name string) {
	switch {
	case name == "":
		p.Add(field, "Enter a name.")
	case len(name) > 200:
		p.Add(field, "Use at most 200 characters.")
	}
}

func validateRoles(p Problems, field string, roles []string) []string {
	var out []string
	for _, r := range AllRoles { // canonical order, no duplicates
		if slices.Contains(roles, r) {
			out = append(out, r)
		}
	}
	for _, r := range roles {
		if !slices.Contains(AllRoles, r) {
			p.Add(field, fmt.Sprintf("%q is not a role.", r))
		}
	}
	if len(out) == 0 {
		p.Add(field, "Choose at least one role.")
	}
	return out
}

// emailTaken reports whether another user already has email.
func emailTaken(ctx context.Context, db bun.IDB, email string, exceptID int64) (bool, error) {
	return db.NewSelect().Model((*User)(nil)).Where("email = ? AND id <> ?", email, exceptID).Exists(ctx)
}

// GetUser returns the user with id, or ENOTFOUND.
func GetUser(ctx context.Context, db bun.IDB, id int64) (*User, error) {
	u := new(User)
	if err := db.NewSelect().Model(u).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, "The user")
	}
	return u, nil
}

// UserForSession returns the active user behind a session, or EUNAUTHORIZED
// when the user is gone, deactivated, or has changed password since the
// session was made (version mismatch).
func UserForSession(ctx context.Context, db bun.IDB, id int64, version int) (*User, error) {
	u := new(User)
	err := db.NewSelect().Model(u).Where("id = ? AND active AND session_version = ?", id, version).Scan(ctx)
	if err == sql.ErrNoRows {
		return nil, Errorf(EUNAUTHORIZED, "Your session has ended. Please log in again.")
	}
	if err != nil {
		return nil, fmt.Errorf("models: user for session %d: %w", id, err)
	}
	return u, nil
}

// UserFilter narrows ListUsers.
type UserFilter struct {
	Query   string // matches name or email
	Role    string
	Active  string // "", "active", "inactive"
	Page    int    // 1-based
	PerPage int
}

// UserPage is one page of users.
type UserPage struct {
	Users   []User
	Total   int
	Page    int
	PerPage int
}

// Pages is the number of pages.
func (p UserPage) Pages() int {
	if p.PerPage == 0 {
		return 1
	}
	return max(1, (p.Total+p.PerPage-1)/p.PerPage)
}

// ListUsers returns the users matching f, ordered by name.
func ListUsers(ctx context.Context, db bun.IDB, f UserFilter) (UserPage, error) {
	if f.PerPage <= 0 || f.PerPage > 200 {
		f.PerPage = 50
	}
	if f.Page < 1 {
		f.Page = 1
	}
	var users []User
	q := db.NewSelect().Model(&users)
	if s := strings.TrimSpace(f.Query); s != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s) + "%"
		q = q.Where("(u.name ILIKE ? OR u.email ILIKE ?)", like, like)
	}
	if f.Role != "" {
		q = q.Where("? = ANY(u.roles)", f.Role)
	}
	switch f.Active {
	case "active":
		q = q.Where("u.active")
	case "inactive":
		q = q.Where("NOT u.active")
	}
	total, err := q.OrderExpr("lower(u.name), u.id").Limit(int64(f.PerPage)).Offset(int64((f.Page - 1) * f.PerPage)).ScanAndCount(ctx)
	if err != nil {
		return UserPage{}, fmt.Errorf("models: list users: %w", err)
	}
	return UserPage{Users: users, Total: int(total), Page: f.Page, PerPage: f.PerPage}, nil
}

// NewUser is the input for CreateUser.
type NewUser struct {
	Name     string
	Email    string
	Password string
	Roles    []string
}

// CreateUser creates a back-office user (any roles but customer, which needs a
// contact: see RegisterCustomer). It returns EINVALID with field problems.
func CreateUser(ctx context.Context, db *bun.DB, in NewUser, actorID int64) (*User, error) {
	p := Problems{}
	in.Name = strings.TrimSpace(in.Name)
	in.Email = normalizeEmail(in.Email)
	validateName(p, "name", in.Name)
	validateEmail(p, "email", in.Email)
	validateNewPassword(p, "password", "", in.Password, "")
	roles := validateRoles(p, "roles", in.Roles)
	if slices.Contains(roles, RoleCustomer) {
		p.Add("roles", "Customers sign up from the shop, so that they have a contact and addresses.")
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	hash, err := hashPassword(in.Password)
	if err != nil {
		return nil, err
	}
	u := &User{Name: in.Name, Email: in.Email, PasswordHash: hash, Roles: roles, Active: true, SessionVersion: 1}
	err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if taken, err := emailTaken(ctx, tx, u.Email, 0); err != nil {
			return err
		} else if taken {
			return &Error{Code: EINVALID, Message: "That email address is already in use.", Fields: map[string]string{"email": "Another user already has this email address."}}
		}
		if _, err := tx.NewInsert().Model(u).Returning("*").Exec(ctx); err != nil {
			return err
		}
		return RecordHistory(ctx, tx, "user", u.ID, actorID, "User created with roles "+strings.Join(roles, ", ")+".")
	})
	if err != nil {
		return nil, wrapOp(err, "create user")
	}
	return u, nil
}

// UserUpdate is the input for UpdateUser.
type UserUpdate struct {
	Name   string
	Roles  []string
	Active bool
}

// UpdateUser changes a user's name, roles and active flag. Deactivating a
// user ends all their sessions. An admin cannot lock themself out (EINVALID).
// It locks the user row.
func UpdateUser(ctx context.Context, db *bun.DB, id int64, in UserUpdate, actorID int64) (*User, error) {
	p := Problems{}
	in.Name = strings.TrimSpace(in.Name)
	validateName(p, "name", in.Name)
	roles := validateRoles(p, "roles", in.Roles)
	if id == actorID {
		if !in.Active {
			p.Add("active", "You cannot deactivate your own account.")
		}
		if !slices.Contains(roles, RoleAdmin) {
			p.Add("roles", "You cannot remove your own administrator role.")
		}
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	var u User
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewSelect().Model(&u).Where("id = ?", id).For("UPDATE").Scan(ctx); err != nil {
			return notFound(err, "The user")
		}
		if slices.Contains(roles, RoleCustomer) && u.ContactID == nil {
			return &Error{Code: EINVALID, Message: "This user has no contact, so it cannot be a customer.", Fields: map[string]string{"roles": "Only users who signed up from the shop can be customers."}}
		}
		var changes []string
		if u.Name != in.Name {
			changes = append(changes, fmt.Sprintf("name %q → %q", u.Name, in.Name))
		}
		if !slices.Equal(u.Roles, roles) {
			changes = append(changes, fmt.Sprintf("roles %s → %s", strings.Join(u.Roles, ", "), strings.Join(roles, ", ")))
		}
		if u.Active != in.Active {
			if in.Active {
				changes = append(changes, "reactivated")
			} else {
				changes = append(changes, "deactivated")
				u.SessionVersion++
			}
		}
		if len(changes) == 0 {
			return nil
		}
		u.Name, u.Roles, u.Active = in.Name, roles, in.Active
		u.UpdatedAt = time.Now()
		if _, err := tx.NewUpdate().Model(&u).Column("name", "roles", "active", "session_version", "updated_at").WherePK().Exec(ctx); err != nil {
			return err
		}
		return RecordHistory(ctx, tx, "user", u.ID, actorID, "User "+strings.Join(changes, "; ")+".")
	})
	if err != nil {
		return nil, wrapOp(err, "update user")
	}
	return &u, nil
}

// PasswordChange is the input for ChangePassword.
type PasswordChange struct {
	Current string
	New     string
	Confirm string
}

// ChangePassword sets a new password after checking the current one, and
// ends the user's other sessions (the returned user carries the new session
// version, which the caller stores in its own session).
func ChangePassword(ctx context.Context, db *bun.DB, userID int64, in PasswordChange) (*User, error) {
	u, err := GetUser(ctx, db, userID)
	if err != nil {
		return nil, err
	}
	p := Problems{}
	if !checkPassword(u.PasswordHash, in.Current) {
		p.Add("current", "The current password is not correct.")
	}
	validateNewPassword(p, "new", "confirm", in.New, in.Confirm)
	if in.New != "" && in.New == in.Current {
		p.Add("new", "Choose a password different from the current one.")
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	hash, err := hashPassword(in.New)
	if err != nil {
		return nil, err
	}
	err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewUpdate().Model(u).
			Set("password_hash = ?", hash).
			Set("session_version = session_version + 1").
			Set("updated_at = now()").
			WherePK().Returning("*").Scan(ctx); err != nil {
			return err
		}
		return RecordHistory(ctx, tx, "user", u.ID, u.ID, "Password changed.")
	})
	if err != nil {
		return nil, wrapOp(err, "change password")
	}
	return u, nil
}

// wrapOp leaves domain errors as they are and labels the others.
func wrapOp(err error, op string) error {
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return fmt.Errorf("models: %s: %w", op, err)
}

// CountUsersByRole returns how many active users hold each role.
func CountUsersByRole(ctx context.Context, db bun.IDB) (map[string]int, error) {
	var rows []struct {
		Role  string `bun:"role"`
		Count int    `bun:"count"`
	}
	err := db.NewSelect().TableExpr("users, unnest(users.roles) AS role").
		ColumnExpr("role, count(*) AS count").
		Where("users.active").
		GroupExpr("role").
		Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("models: count users by role: %w", err)
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.Role] = r.Count
	}
	return out, nil
}
