package tests

import (
	"context"
	"testing"
	"time"

	"orderflow/models"
	"orderflow/tests/testapp"
)

// A signed-in user's session row is not rewritten on every request (that
// was a write and a commit per page); a guest without a cart stores none.
func TestSessionsAreNotRewrittenOnEveryRequest(t *testing.T) {
	app := testapp.Start(t)
	ctx := context.Background()
	guest := app.Client(t)
	guest.Get("/")
	guest.Get("/shop")
	var n int
	if err := app.DB.NewRaw("SELECT count(*) FROM sessions").Scan(ctx, &n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("%d sessions stored for a guest who only browsed", n)
	}

	c := app.LoginAs(t, models.RoleSales)
	c.Get("/office") // notes the activity once
	type row struct {
		Data   []byte    `bun:"data"`
		Expiry time.Time `bun:"expiry"`
	}
	read := func() []row {
		var rows []row
		if err := app.DB.NewRaw("SELECT data, expiry FROM sessions ORDER BY token").Scan(ctx, &rows); err != nil {
			t.Fatal(err)
		}
		return rows
	}
	before := read()
	for range 3 {
		if r := c.Get("/office"); r.StatusCode != 200 {
			t.Fatalf("office: %d", r.StatusCode)
		}
	}
	after := read()
	if len(before) != 1 || len(after) != 1 || string(before[0].Data) != string(after[0].Data) || !before[0].Expiry.Equal(after[0].Expiry) {
		t.Fatalf("the session row changed on plain page views: %d -> %d rows", len(before), len(after))
	}
}
