package models_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/uptrace/bun"

	"orderflow/models"
	"orderflow/tests/testdb"
)

func mustSeed(t *testing.T, db *bun.DB) {
	t.Helper()
	if err := models.Seed(context.Background(), db, models.SeedOptions{DemoUsers: true}); err != nil {
		t.Fatal(err)
	}
}

func mustUser(t *testing.T, db *bun.DB, email string) *models.User {
	t.Helper()
	u := new(models.User)
	if err := db.NewSelect().Model(u).Where("email = ?", email).Scan(context.Background()); err != nil {
		t.Fatalf("user %s: %v", email, err)
	}
	return u
}

func countUsers(t *testing.T, db *bun.DB) int {
	t.Helper()
	n, err := db.NewSelect().Model((*models.User)(nil)).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

func TestSeedIsIdempotent(t *testing.T) {
	db := testdb.NewSeeded(t)
	mustSeed(t, db)
	if got, want := countUsers(t, db), len(models.DemoLogins); got != want {
		t.Fatalf("users=%d after seeding twice, want %d", got, want)
	}
	co, err := models.GetCompany(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	if co.CurrencyCode != "EUR" || co.CurrencyDecimals != 2 {
		t.Fatalf("company currency %s/%d, want EUR/2", co.CurrencyCode, co.CurrencyDecimals)
	}
	customer := mustUser(t, db, "customer@example.com")
	if customer.ContactID == nil {
		t.Fatal("demo customer has no contact")
	}
}

func TestSeedWithoutDemoUsersCreatesNone(t *testing.T) {
	db := testdb.New(t)
	if err := models.Seed(context.Background(), db, models.SeedOptions{CompanyName: "Prod Co"}); err != nil {
		t.Fatal(err)
	}
	if got := countUsers(t, db); got != 0 {
		t.Fatalf("production seed created %d users, want 0", got)
	}
}

func TestRegisterCustomer(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	u, err := models.RegisterCustomer(ctx, db, models.Registration{Name: " Nina Shopper ", Email: " Nina@Example.COM ", Password: "correct horse", Confirm: "correct horse"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := u.Email, "nina@example.com"; got != want {
		t.Errorf("email=%q, want %q", got, want)
	}
	if !slices.Equal(u.Roles, []string{models.RoleCustomer}) {
		t.Errorf("roles=%v, want [customer]", u.Roles)
	}
	c, err := models.GetContact(ctx, db, *u.ContactID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "Nina Shopper" || c.Email != "nina@example.com" {
		t.Errorf("contact=%q <%s>", c.Name, c.Email)
	}
	if _, err := models.Authenticate(ctx, db, "NINA@example.com", "correct horse", "10.0.0.1"); err != nil {
		t.Fatalf("cannot log in after registering: %v", err)
	}

	// The same email again is refused on the email field, and nothing is saved.
	_, err = models.RegisterCustomer(ctx, db, models.Registration{Name: "Other", Email: "nina@example.com", Password: "abcdefgh1", Confirm: "abcdefgh1"})
	if got := models.ErrorCode(err); got != models.EINVALID {
		t.Fatalf("duplicate email: code %q, want invalid", got)
	}
	if models.FieldErrors(err)["email"] == "" {
		t.Fatalf("duplicate email: no message on the email field: %v", err)
	}
	if got := countUsers(t, db); got != 1 {
		t.Fatalf("users=%d, want 1", got)
	}
}

func TestRegisterCustomerValidation(t *testing.T) {
	db := testdb.New(t)
	cases := []struct {
		in    models.Registration
		field string
	}{
		{models.Registration{Name: "", Email: "a@example.com", Password: "abcdefgh", Confirm: "abcdefgh"}, "name"},
		{models.Registration{Name: "A", Email: "not-an-email", Password: "abcdefgh", Confirm: "abcdefgh"}, "email"},
		{models.Registration{Name: "A", Email: "a@localhost", Password: "abcdefgh", Confirm: "abcdefgh"}, "email"},
		{models.Registration{Name: "A", Email: "A <a@example.com>", Password: "abcdefgh", Confirm: "abcdefgh"}, "email"},
		{models.Registration{Name: "A", Email: "a@example.com", Password: "short", Confirm: "short"}, "password"},
		{models.Registration{Name: "A", Email: "a@example.com", Password: "abcdefgh", Confirm: "abcdefgX"}, "confirm"},
	}
	for _, tc := range cases {
		_, err := models.RegisterCustomer(context.Background(), db, tc.in)
		if models.ErrorCode(err) != models.EINVALID || models.FieldErrors(err)[tc.field] == "" {
			t.Errorf("%+v: err=%v, want a problem on %q", tc.in, err, tc.field)
		}
	}
	if got := countUsers(t, db); got != 0 {
		t.Fatalf("invalid registrations saved %d users", got)
	}
}

// Two sign-ups with one email at the same moment make one account; the
// other gets a clear message, not a database error.
func TestRegisterCustomerConcurrentSameEmail(t *testing.T) {
	db := testdb.New(t)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = models.RegisterCustomer(context.Background(), db, models.Registration{Name: fmt.Sprint("P", i), Email: "race@example.com", Password: "abcdefgh", Confirm: "abcdefgh"})
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch models.ErrorCode(err) {
		case models.EINTERNAL:
			if err != nil {
				t.Errorf("internal error: %v", err)
			} else {
				ok++
			}
		case models.EINVALID:
		default:
			t.Errorf("unexpected error %v", err)
		}
	}
	if ok != 1 || countUsers(t, db) != 1 {
		t.Fatalf("%d sign-ups succeeded, %d users; want 1 and 1", ok, countUsers(t, db))
	}
}

func TestAuthenticate(t *testing.T) {
	ctx := context.Background()
	db := testdb.NewSeeded(t)

	u, err := models.Authenticate(ctx, db, "Sales@Example.com ", models.DemoPassword, "1.2.3.4")
	if err != nil {
		t.Fatal(err)
	}
	if u.LastLoginAt == nil {
		t.Error("last login time not recorded")
	}
	for _, tc := range []struct{ email, password string }{
		{"sales@example.com", "wrong password"},
		{"nobody@example.com", models.DemoPassword},
	} {
		_, err := models.Authenticate(ctx, db, tc.email, tc.password, "1.2.3.4")
		if models.ErrorCode(err) != models.EUNAUTHORIZED {
			t.Errorf("%s/%s: err=%v, want unauthorized", tc.email, tc.password, err)
		}
	}
	_, err = models.Authenticate(ctx, db, "", "", "1.2.3.4")
	if f := models.FieldErrors(err); f["email"] == "" || f["password"] == "" {
		t.Errorf("empty form: err=%v, want problems on email and password", err)
	}
}

func TestLoginThrottling(t *testing.T) {
	ctx := context.Background()
	db := testdb.NewSeeded(t)
	for i := 0; i < models.LoginFailureLimit; i++ {
		if _, err := models.Authenticate(ctx, db, "admin@example.com", "guess", "9.9.9.9"); models.ErrorCode(err) != models.EUNAUTHORIZED {
			t.Fatalf("attempt %d: %v", i+1, err)
		}
	}
	// Locked now, even with the right password...
	_, err := models.Authenticate(ctx, db, "admin@example.com", models.DemoPassword, "9.9.9.9")
	if models.ErrorCode(err) != models.ETOOMANY {
		t.Fatalf("after %d failures: err=%v, want too_many", models.LoginFailureLimit, err)
	}
	// ...but only for that email from that address.
	if _, err := models.Authenticate(ctx, db, "admin@example.com", models.DemoPassword, "8.8.8.8"); err != nil {
		t.Fatalf("other address: %v", err)
	}
	if _, err := models.Authenticate(ctx, db, "sales@example.com", models.DemoPassword, "9.9.9.9"); err != nil {
		t.Fatalf("other email: %v", err)
	}
	// The window passes.
	if _, err := db.NewRaw("UPDATE login_failures SET created_at = created_at - interval '11 minutes'").Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := models.Authenticate(ctx, db, "admin@example.com", models.DemoPassword, "9.9.9.9"); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}

func TestCreateUser(t *testing.T) {
	ctx := context.Background()
	db := testdb.NewSeeded(t)
	admin := mustUser(t, db, "admin@example.com")

	u, err := models.CreateUser(ctx, db, models.NewUser{Name: "Paula Picker", Email: "paula@example.com", Password: "pick-pick-pick", Roles: []string{"warehouse", "sales"}}, admin.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"sales", "warehouse"}; !slices.Equal(u.Roles, want) {
		t.Errorf("roles=%v, want %v", u.Roles, want)
	}
	h, err := models.History(ctx, db, "user", u.ID)
	if err != nil || len(h) != 1 || h[0].UserName != "Ada Admin" {
		t.Fatalf("history=%+v err=%v, want one line by Ada Admin", h, err)
	}

	cases := []struct {
		in    models.NewUser
		field string
	}{
		{models.NewUser{Name: "X", Email: "paula@example.com", Password: "abcdefgh", Roles: []string{"sales"}}, "email"},
		{models.NewUser{Name: "X", Email: "x@example.com", Password: "abcdefgh", Roles: nil}, "roles"},
		{models.NewUser{Name: "X", Email: "x@example.com", Password: "abcdefgh", Roles: []string{"superuser"}}, "roles"},
		{models.NewUser{Name: "X", Email: "x@example.com", Password: "abcdefgh", Roles: []string{"customer"}}, "roles"},
	}
	before := countUsers(t, db)
	for _, tc := range cases {
		_, err := models.CreateUser(ctx, db, tc.in, admin.ID)
		if models.ErrorCode(err) != models.EINVALID || models.FieldErrors(err)[tc.field] == "" {
			t.Errorf("%+v: err=%v, want a problem on %q", tc.in, err, tc.field)
		}
	}
	if got := countUsers(t, db); got != before {
		t.Fatalf("invalid input saved users: %d, want %d", got, before)
	}
}

func TestUpdateUserDeactivationEndsSessions(t *testing.T) {
	ctx := context.Background()
	db := testdb.NewSeeded(t)
	admin := mustUser(t, db, "admin@example.com")
	sales := mustUser(t, db, "sales@example.com")
	if _, err := models.UserForSession(ctx, db, sales.ID, sales.SessionVersion); err != nil {
		t.Fatalf("session before deactivation: %v", err)
	}

	updated, err := models.UpdateUser(ctx, db, sales.ID, models.UserUpdate{Name: sales.Name, Roles: sales.Roles, Active: false}, admin.ID)
	if err != nil {
		t.Fatal(err)
	}
	if updated.Active {
		t.Fatal("still active")
	}
	if _, err := models.UserForSession(ctx, db, sales.ID, sales.SessionVersion); models.ErrorCode(err) != models.EUNAUTHORIZED {
		t.Fatalf("old session after deactivation: err=%v, want unauthorized", err)
	}
	if _, err := models.Authenticate(ctx, db, sales.Email, models.DemoPassword, "1.1.1.1"); models.ErrorCode(err) != models.EUNAUTHORIZED {
		t.Fatalf("login after deactivation: err=%v, want unauthorized", err)
	}
	h, _ := models.History(ctx, db, "user", sales.ID)
	if len(h) == 0 || h[0].Body != "User deactivated." {
		t.Fatalf("history=%+v, want a 'deactivated' line first", h)
	}
}

func TestUpdateUserCannotLockOutSelf(t *testing.T) {
	ctx := context.Background()
	db := testdb.NewSeeded(t)
	admin := mustUser(t, db, "admin@example.com")
	_, err := models.UpdateUser(ctx, db, admin.ID, models.UserUpdate{Name: admin.Name, Roles: []string{"sales"}, Active: false}, admin.ID)
	f := models.FieldErrors(err)
	if f["active"] == "" || f["roles"] == "" {
		t.Fatalf("err=%v, want problems on active and roles", err)
	}
	again := mustUser(t, db, "admin@example.com")
	if !again.Active || !again.HasRole("admin") {
		t.Fatal("admin changed despite the refusal")
	}
	if _, err := models.UpdateUser(ctx, db, 999999, models.UserUpdate{Name: "X", Roles: []string{"sales"}, Active: true}, admin.ID); models.ErrorCode(err) != models.ENOTFOUND {
		t.Fatalf("unknown user: err=%v, want not_found", err)
	}
}

func TestChangePassword(t *testing.T) {
	ctx := context.Background()
	db := testdb.NewSeeded(t)
	u := mustUser(t, db, "warehouse@example.com")

	_, err := models.ChangePassword(ctx, db, u.ID, models.PasswordChange{Current: "wrong", New: "new-password-1", Confirm: "new-password-1"})
	if models.FieldErrors(err)["current"] == "" {
		t.Fatalf("wrong current password: err=%v", err)
	}
	changed, err := models.ChangePassword(ctx, db, u.ID, models.PasswordChange{Current: models.DemoPassword, New: "new-password-1", Confirm: "new-password-1"})
	if err != nil {
		t.Fatal(err)
	}
	if changed.SessionVersion != u.SessionVersion+1 {
		t.Fatalf("session version %d, want %d", changed.SessionVersion, u.SessionVersion+1)
	}
	if _, err := models.Authenticate(ctx, db, u.Email, models.DemoPassword, "1.1.1.1"); err == nil {
		t.Fatal("old password still works")
	}
	if _, err := models.Authenticate(ctx, db, u.Email, "new-password-1", "1.1.1.1"); err != nil {
		t.Fatalf("new password: %v", err)
	}
}

func TestListUsersAndCounts(t *testing.T) {
	ctx := context.Background()
	db := testdb.NewSeeded(t)
	page, err := models.ListUsers(ctx, db, models.UserFilter{Query: "sam"})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 1 || page.Users[0].Email != "sales@example.com" {
		t.Fatalf("search 'sam': %+v", page)
	}
	page, _ = models.ListUsers(ctx, db, models.UserFilter{Role: "warehouse"})
	if page.Total != 1 {
		t.Fatalf("role warehouse: total %d, want 1", page.Total)
	}
	page, _ = models.ListUsers(ctx, db, models.UserFilter{Query: "100%_"})
	if page.Total != 0 {
		t.Fatalf("wildcards in the query should match literally, got %d users", page.Total)
	}
	counts, err := models.CountUsersByRole(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range models.AllRoles {
		if counts[r] != 1 {
			t.Errorf("count %s=%d, want 1", r, counts[r])
		}
	}
}
