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
// the confirmation transaction creates the delivery, a second short one
// reserves it.
func TestConfirmOrderStatements(t *testing.T) {
	e := newSaleEnv(t, 1)
	mug, cap := e.product("Mug", models.TrackingNone), e.product("Cap", models.TrackingNone)
	e.count(mug, *e.wh.StockLocationID, 10, "")
	e.count(cap, *e.wh.StockLocationID, 10, "")
	pl := e.checkout(models.ProviderWire, map[int64]int{mug: 2, cap: 1})

	log := &statementLog{}
	models.AddQueryHook(e.db, log)
	log.start()
	o, err := models.ConfirmOrder(e.ctx, e.db, pl.Order.ID, 0)
	txs, outside := log.stop()
	if err != nil {
		t.Fatal(err)
	}
	if o.State != models.OrderSale {
		t.Fatalf("state %s, want sale", o.State)
	}
	if len(txs) != 2 {
		t.Fatalf("%d transactions, want 2 (confirm, reserve): %q", len(txs), txs)
	}
	for i, tx := range txs {
		t.Logf("transaction %d: %d statements", i+1, len(tx))
		for _, q := range tx {
			t.Logf("  %.160s", q)
		}
	}
	t.Logf("outside a transaction: %d %q", len(outside), outside)
	// Confirmation (17 statements before the rework): lock the order, its
	// lines with their products, the warehouse's plan, the transfer, its
	// moves, the order, the history.
	if got, max := len(txs[0]), 7; got > max {
		t.Errorf("confirmation: %d statements, want at most %d", got, max)
	}
	// Reservation (10 before): the moves locked with what they need, what
	// they have reserved, the quants locked, quants, move lines, move and
	// transfer states.
	if got, max := len(txs[1]), 6; got > max {
		t.Errorf("reservation: %d statements, want at most %d", got, max)
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
}
