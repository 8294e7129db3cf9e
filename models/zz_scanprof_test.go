package models_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"orderflow/models"
)

type timingHook struct {
	mu sync.Mutex
	by map[string]time.Duration
	n  map[string]int
}

func (h *timingHook) BeforeQuery(ctx context.Context, e *bun.QueryEvent) context.Context { return ctx }
func (h *timingHook) AfterQuery(ctx context.Context, e *bun.QueryEvent) {
	q := strings.Join(strings.Fields(e.Query), " ")
	if len(q) > 45 {
		q = q[:45]
	}
	h.mu.Lock()
	h.by[q] += time.Since(e.StartTime)
	h.n[q]++
	h.mu.Unlock()
}

func TestZZScanProfile(t *testing.T) {
	e := newScanEnv(t, 1)
	mug := e.product("Mug", models.TrackingNone)
	e.count(mug, *e.wh.StockLocationID, 1000, "")
	out := e.deliver(demand(mug, 500))[0]
	sku := e.sku(mug)
	e.ok(out.ID, sku, 0)
	h := &timingHook{by: map[string]time.Duration{}, n: map[string]int{}}
	e.db.AddQueryHook(h)
	t0 := time.Now()
	defer func() { fmt.Println("wall per scan+read", time.Since(t0)/50) }()
	for range 50 {
		e.ok(out.ID, sku, *e.wh.StockLocationID)
		if _, err := models.GetScanTransfer(e.ctx, e.db, out.ID); err != nil {
			t.Fatal(err)
		}
	}
	type kv struct {
		q string
		d time.Duration
	}
	var all []kv
	for q, d := range h.by {
		all = append(all, kv{q, d / time.Duration(h.n[q])})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].d > all[j].d })
	total := time.Duration(0)
	for _, x := range all {
		fmt.Printf("%8v x%d %s\n", x.d, h.n[x.q]/50, x.q)
		total += h.by[x.q]
	}
	fmt.Printf("total per scan+read: %v\n", total/50)
}
