// Command loadgen drives complete web orders against a running Orderflow
// over HTTP, the way shoppers with JavaScript do: open a product page, add
// it (and a second one) to the cart with HTMX, enter an address, place the
// order with the shipping and payment methods of the "Delivery & payment"
// page, pay on the test card provider's page and land on the order page.
// N shoppers run at once; it prints orders per second and the latency of
// whole orders and of single requests.
//
//	go run ./cmd/loadgen -url http://127.0.0.1:8080 -shoppers 50 -duration 30s
//
// With -db (the database URL, e.g. from `orderflow db url`) it first gives
// every published product a large stock so that the run measures selling,
// not running out.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shopspring/decimal"

	"orderflow/models"
	"orderflow/tests/shopflow"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:8080", "Orderflow base URL")
	shoppers := flag.Int("shoppers", 50, "concurrent shoppers")
	duration := flag.Duration("duration", 30*time.Second, "how long to run")
	orders := flag.Int("orders", 0, "stop after this many orders (0: run for -duration)")
	provider := flag.String("provider", models.ProviderTestCard, "payment provider: test_card | wire | cod")
	dbURL := flag.String("db", "", "database URL: top up the stock of published products before the run")
	procs := flag.Int("procs", 1, "processors the shoppers' goroutines run on (GOMAXPROCS; 0: all)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the run (after the stock top-up) to this file")
	flag.Parse()
	if *procs > 0 {
		// One is plenty for the shoppers, which mostly wait for the server,
		// and spares waking a second thread for each response.
		runtime.GOMAXPROCS(*procs)
	}

	if *dbURL != "" {
		if err := topUp(*dbURL); err != nil {
			fmt.Fprintln(os.Stderr, "loadgen: top up stock:", err)
			os.Exit(1)
		}
	}
	products, err := shopflow.Discover(*base)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
	fmt.Printf("%d products, %d shoppers, provider %s\n", len(products), *shoppers, *provider)
	// Starting up (the models package hashes a dummy password) left tens
	// of megabytes of garbage: give them back to the OS at once rather
	// than a page at a time in the background during the run.
	debug.FreeOSMemory()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "loadgen: cpu profile:", err)
			os.Exit(1)
		}
		defer f.Close()
	}

	ctx, cancel := context.WithTimeout(context.Background(), *duration)
	defer cancel()
	var (
		done, failed atomic.Int64
		mu           sync.Mutex
		orderLat     []time.Duration
		reqLat       []time.Duration
		requests     int // HTTP requests of the completed orders
		firstErrs    = map[string]int{}
		wg           sync.WaitGroup
	)
	start := time.Now()
	for range *shoppers {
		wg.Go(func() {
			s := shopflow.New(*base)
			for ctx.Err() == nil && (*orders == 0 || done.Load()+failed.Load() < int64(*orders)) {
				s.Reset() // a new shopper: an empty cookie jar
				t0 := time.Now()
				err := s.Buy(products, *provider)
				mu.Lock()
				reqLat = append(reqLat, s.Latencies...)
				if err != nil {
					failed.Add(1)
					firstErrs[err.Error()]++
				} else {
					done.Add(1)
					orderLat = append(orderLat, time.Since(t0))
					requests += s.Requests
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	pprof.StopCPUProfile() // a no-op without -cpuprofile
	fmt.Printf("orders: %d completed, %d failed in %.1fs -> %.1f orders/s\n", done.Load(), failed.Load(), elapsed.Seconds(), float64(done.Load())/elapsed.Seconds())
	perOrder := 0.0
	if n := done.Load(); n > 0 {
		perOrder = float64(requests) / float64(n)
	}
	fmt.Printf("order latency (8-10 browser requests, %.1f on average): p50 %v p99 %v\n", perOrder, pct(orderLat, 50), pct(orderLat, 99))
	fmt.Printf("request latency: p50 %v p99 %v over %d requests (%.0f req/s)\n", pct(reqLat, 50), pct(reqLat, 99), len(reqLat), float64(len(reqLat))/elapsed.Seconds())
	for e, n := range firstErrs {
		fmt.Printf("  %d x %s\n", n, e)
	}
	if failed.Load() > 0 {
		os.Exit(1)
	}
}

func pct(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)].Round(100 * time.Microsecond)
}

// topUp gives every active variant of a published storable product a
// million units in the website's warehouse.
func topUp(dbURL string) error {
	ctx := context.Background()
	db, err := models.Open(ctx, dbURL, 4)
	if err != nil {
		return err
	}
	defer db.Close()
	var loc int64
	err = db.NewRaw(`SELECT w.stock_location_id FROM warehouses w LEFT JOIN companies c ON c.website_warehouse_id = w.id
		WHERE w.active ORDER BY c.id IS NULL, w.id LIMIT 1`).Scan(ctx, &loc)
	if err != nil {
		return err
	}
	var ids []int64
	if err := db.NewRaw(`SELECT v.id FROM product_variants v JOIN product_templates t ON t.id = v.template_id
		WHERE v.active AND t.active AND t.published AND t.type = 'storable' AND t.tracking = 'none'`).Scan(ctx, &ids); err != nil {
		return err
	}
	lines := make([]models.CountLine, len(ids))
	for i, id := range ids {
		lines[i] = models.CountLine{VariantID: id, Counted: decimal.NewFromInt(1_000_000)}
	}
	_, err = models.ApplyInventoryCount(ctx, db, models.CountInput{LocationID: loc, Lines: lines}, 0)
	return err
}
