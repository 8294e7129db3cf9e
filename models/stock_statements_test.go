package models_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/uptrace/bun"

	"orderflow/models"
)

// statementLog records the statements sent through a database handle while
// it is on, split into transactions at each COMMIT or ROLLBACK.
type statementLog struct {
	mu      sync.Mutex
	on      bool
	txs     [][]string
	cur     []string
	outside []string
}

func (l *statementLog) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}

func (l *statementLog) AfterQuery(_ context.Context, ev *bun.QueryEvent) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.on {
		return
	}
	q := strings.TrimSpace(ev.Query)
	if q == "" {
		q = ev.Operation()
	}
	switch strings.ToUpper(q) {
	case "BEGIN", "START TRANSACTION":
		l.outside, l.cur = append(l.outside, l.cur...), nil
		return
	case "COMMIT", "ROLLBACK":
		l.txs = append(l.txs, l.cur)
		l.cur = nil
		return
	}
	l.cur = append(l.cur, q)
}

func (l *statementLog) start() {
	l.mu.Lock()
	l.on, l.txs, l.cur, l.outside = true, nil, nil, nil
	l.mu.Unlock()
}

// stop returns the transactions seen, and the statements run outside one.
func (l *statementLog) stop() (txs [][]string, outside []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.on = false
	return l.txs, append(l.outside, l.cur...)
}

// TestConfirmOrderStatements keeps the number of statements that confirming
// a placed 2-line web order costs (1-step warehouse) from creeping back up:
// one transaction creates the delivery, queues the order confirmation mail
// and, last, reserves the delivery.
func TestConfirmOrderStatements(t *testing.T) {
	e := newSaleEnv(t, 1)
	mug, cap := e.product("Mug", models.TrackingNone), e.product("Cap", models.TrackingNone)
	e.count(mug, *e.wh.StockLocationID, 10, "")
	e.count(cap, *e.wh.StockLocationID, 10, "")
	pl := e.checkout(models.ProviderWire, map[int64]int{mug: 2, cap: 1})

	log := &statementLog{}
	models.AddQueryHook(e.db, log)
	log.start()
	o, err := models.ConfirmOrder(e.ctx, e.db, keptMail, pl.Order.ID, 0)
	txs, outside := log.stop()
	if err != nil {
		t.Fatal(err)
	}
	if o.State != models.OrderSale {
		t.Fatalf("state %s, want sale", o.State)
	}
	if len(txs) != 1 {
		t.Fatalf("%d transactions, want 1 (confirm and reserve): %q", len(txs), txs)
	}
	for _, q := range txs[0] {
		t.Logf("  %.160s", q)
	}
	t.Logf("outside a transaction: %d %q", len(outside), outside)
	// Confirmation (17 statements before the rework): lock the order, its
	// lines with their products, the warehouse's plan, the transfer, its
	// moves, the order, the history. Reservation (10 before, in a
	// transaction of its own): the quants locked (the new moves are in
	// hand), then one statement writing quants, move lines, move and
	// transfer states. The order confirmation mail is one insert more (9
	// before it): the customer's name and email come with the lines, the
	// company from the confirmation's start, its history line with the
	// order's.
	if got, max := len(txs[0]), 7+2+1; got > max {
		t.Errorf("confirmation and reservation: %d statements, want at most %d", got, max)
	}

	// The confirmation did all it did before: a named, reserved delivery
	// linked to the order and its carrier, with its history.
	var pk models.Picking
	if err := e.db.NewSelect().Model(&pk).Where("sale_order_id = ?", o.ID).Scan(e.ctx); err != nil {
		t.Fatal(err)
	}
	if pk.State != models.StateAssigned || pk.CarrierID == nil || *pk.CarrierID != e.carrier.ID || !strings.HasPrefix(pk.Name, "TW/OUT/") {
		t.Fatalf("delivery %s: state %s carrier %v", pk.Name, pk.State, pk.CarrierID)
	}
	if f := e.figures(mug); !f.Reserved.Equal(dd(2)) {
		t.Fatalf("mug reserved %s, want 2", f.Reserved)
	}
	for _, doc := range []struct {
		model string
		id    int64
	}{{"picking", pk.ID}, {"sale_order", o.ID}} {
		h, err := models.History(e.ctx, e.db, doc.model, doc.id)
		if err != nil || len(h) == 0 {
			t.Fatalf("history of %s: %v %v", doc.model, h, err)
		}
	}
	if got := e.mailsTo(o.ID); len(got) != 1 || got[0].To != testAddress.Email {
		t.Fatalf("confirmation mails %+v, want one to %s", got, testAddress.Email)
	}
}

// TestConfirmOrderWhenReservingFails: a reservation that fails other than
// by a conflict does not undo the confirmation (or the payment that
// triggered it): the order is confirmed with its delivery, which waits for
// the stock, and the failure is logged.
func TestConfirmOrderWhenReservingFails(t *testing.T) {
	e := newSaleEnv(t, 1)
	mug := e.product("Mug", models.TrackingNone)
	e.count(mug, *e.wh.StockLocationID, 10, "")
	pl := e.checkout(models.ProviderWire, map[int64]int{mug: 2})
	// Every reservation fails from now on, as a bug or a broken row would.
	if _, err := e.db.ExecContext(e.ctx, `
		CREATE FUNCTION refuse_reservation() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'reservation refused for the test'; END $$;
		CREATE TRIGGER refuse_reservation BEFORE UPDATE ON stock_quants FOR EACH ROW EXECUTE FUNCTION refuse_reservation();`); err != nil {
		t.Fatal(err)
	}
	o, err := models.ConfirmOrder(e.ctx, e.db, keptMail, pl.Order.ID, 0)
	if err != nil {
		t.Fatalf("confirm: %v", err)
	}
	// The first try's mail went with its rollback: one mail.
	if got := e.mailsTo(o.ID); len(got) != 1 {
		t.Fatalf("%d confirmation mails, want 1", len(got))
	}
	if o.State != models.OrderSale {
		t.Fatalf("state %s, want sale", o.State)
	}
	var pk models.Picking
	if err := e.db.NewSelect().Model(&pk).Where("sale_order_id = ?", o.ID).Scan(e.ctx); err != nil {
		t.Fatalf("the delivery: %v", err)
	}
	if pk.State != models.StateConfirmed {
		t.Fatalf("delivery %s is %s, want confirmed (waiting for stock)", pk.Name, pk.State)
	}
	if f := e.figures(mug); !f.Reserved.IsZero() || !f.OnHand.Equal(dd(10)) {
		t.Fatalf("mug on hand %s reserved %s, want 10 and 0", f.OnHand, f.Reserved)
	}
}

// TestQuantReservationsAreHOT: reserving updates a quant's reserved
// quantity on every order. While no index of stock_quants names that column
// (in its key or its predicate), PostgreSQL updates the row in place (a HOT
// update) instead of adding a row version to every index, and the table
// does not bloat under load.
func TestQuantReservationsAreHOT(t *testing.T) {
	e := newSaleEnv(t, 1)
	mug := e.product("Mug", models.TrackingNone)
	e.count(mug, *e.wh.StockLocationID, 10, "")

	err := e.db.RunInTx(e.ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE stock_quants SET reserved_quantity = reserved_quantity + 1 WHERE variant_id = ?", mug); err != nil {
			return err
		}
		var updated, hot int
		if err := tx.QueryRowContext(ctx, `SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables
			WHERE relid = 'stock_quants'::regclass`).Scan(&updated, &hot); err != nil {
			return err
		}
		if updated != 1 || hot != 1 {
			t.Errorf("reserving: %d updates, %d of them HOT; want 1 and 1", updated, hot)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
