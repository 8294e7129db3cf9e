package tests

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"

	"orderflow/models"
	"orderflow/tests/testapp"
)

const benchLinesPerPicker = 5

// benchPickers is how many handhelds scan at once, each on its own
// transfer: 50, or SCAN_BENCH_PICKERS (1 shows the time of a scan alone).
var benchPickers = func() int {
	if n, err := strconv.Atoi(os.Getenv("SCAN_BENCH_PICKERS")); err == nil && n > 0 {
		return n
	}
	return 50
}()

// BenchmarkScanRequest50Pickers measures the scan request as a handheld
// sends it (POST /scan/transfers/:id/scan from htmx: lock the transfer,
// count the unit, answer with the feedback and the transfer's lines) while
// 50 pickers scan at once, each on its own 5-line transfer, over HTTP
// against the real app (20 database connections). ns/op is wall time per
// scan with 50 in flight (1 / throughput); p50 and p99 are the time one
// scan takes, request to last byte, on localhost.
//
//	go test ./tests/ -run '^$' -bench BenchmarkScanRequest50Pickers -benchtime 2000x
func BenchmarkScanRequest50Pickers(b *testing.B) {
	app := testapp.Start(b)
	ctx := context.Background()
	wh, err := models.SeedWarehouse(ctx, app.DB)
	if err != nil {
		b.Fatal(err)
	}
	type picker struct {
		c    *testapp.Client
		path string
		skus []string
		loc  string
		csrf string
	}
	var stockID string
	if err := app.DB.NewRaw("SELECT id::text FROM stock_locations WHERE id = ?", *wh.StockLocationID).Scan(ctx, &stockID); err != nil {
		b.Fatal(err)
	}
	pickers := make([]*picker, benchPickers)
	for i := range pickers {
		var ids []int64
		err := app.DB.NewRaw(`WITH t AS (
				INSERT INTO product_templates (name, type, tracking, invoice_policy, list_price, active, published)
				SELECT 'Scan bench ' || ? || '-' || g, 'storable', 'none', 'ordered', 10, true, true FROM generate_series(1, ?) g RETURNING id)
			INSERT INTO product_variants (template_id, sku) SELECT id, 'SCANB-' || id FROM t RETURNING id`, i, benchLinesPerPicker).Scan(ctx, &ids)
		if err != nil {
			b.Fatal(err)
		}
		count := make([]models.CountLine, len(ids))
		demand := make([]models.DemandLine, len(ids))
		p := &picker{loc: stockID}
		for j, id := range ids {
			count[j] = models.CountLine{VariantID: id, Counted: decimal.NewFromInt(1_000_000)}
			demand[j] = models.DemandLine{VariantID: id, Quantity: decimal.NewFromInt(1_000_000), Description: fmt.Sprint("bench ", id)}
		}
		if _, err := models.ApplyInventoryCount(ctx, app.DB, models.CountInput{LocationID: *wh.StockLocationID, Lines: count}, 0); err != nil {
			b.Fatal(err)
		}
		pks, err := models.CreateDeliveryChain(ctx, app.DB, models.ProcurementInput{WarehouseID: wh.ID, Origin: "BENCH", Lines: demand}, 0)
		if err != nil {
			b.Fatal(err)
		}
		if err := app.DB.NewRaw("SELECT sku FROM product_variants WHERE id IN (?) ORDER BY id", bun.In(ids)).Scan(ctx, &p.skus); err != nil {
			b.Fatal(err)
		}
		p.path = fmt.Sprintf("/scan/transfers/%d/scan", pks[0].ID)
		// Each handheld has its own session (the warehouse user logged in
		// on 50 devices).
		p.c = app.LoginAs(b, models.RoleWarehouse)
		p.c.Get("/scan")
		p.csrf = p.c.CSRF()
		pickers[i] = p
	}

	scan := func(p *picker, n int) (time.Duration, error) {
		form := url.Values{"_csrf": {p.csrf}, "code": {p.skus[n%len(p.skus)]}, "location_id": {p.loc}, "location_name": {"WH/Stock"}}
		req, err := http.NewRequest(http.MethodPost, app.URL+p.path, strings.NewReader(form.Encode()))
		if err != nil {
			return 0, err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("HX-Request", "true")
		start := time.Now()
		resp, err := p.c.HTTP.Do(req)
		if err != nil {
			return 0, err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		took := time.Since(start)
		if err != nil {
			return 0, err
		}
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `data-scan-result="ok"`) {
			return 0, fmt.Errorf("scan: %d %.300s", resp.StatusCode, body)
		}
		return took, nil
	}
	// Warm up: every picker scans once (and the connection pool fills).
	for _, p := range pickers {
		if _, err := scan(p, 0); err != nil {
			b.Fatal(err)
		}
	}

	appCPU0, dbCPU0 := processCPU(), databaseCPU(b, app)
	var mu sync.Mutex
	lat := make([]time.Duration, 0, b.N)
	var wg sync.WaitGroup
	var failed error
	b.ResetTimer()
	for i, p := range pickers {
		n := b.N / benchPickers
		if i < b.N%benchPickers {
			n++
		}
		wg.Add(1)
		go func(p *picker, n int) {
			defer wg.Done()
			mine := make([]time.Duration, 0, n)
			for k := range n {
				d, err := scan(p, k+1)
				if err != nil {
					mu.Lock()
					failed = err
					mu.Unlock()
					return
				}
				mine = append(mine, d)
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}(p, n)
	}
	wg.Wait()
	b.StopTimer()
	appCPU, dbCPU := processCPU()-appCPU0, databaseCPU(b, app)-dbCPU0
	if failed != nil {
		b.Fatal(failed)
	}
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	q := func(f float64) float64 {
		return float64(lat[min(len(lat)-1, int(f*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(q(0.50), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(float64(benchPickers), "pickers")
	if appCPU > 0 && dbCPU > 0 {
		// CPU the scans cost, whatever else the machine runs: the app (with
		// the benchmark's HTTP clients) and its PostgreSQL backends.
		b.ReportMetric(float64(appCPU.Microseconds())/1000/float64(b.N), "app-cpu-ms/op")
		b.ReportMetric(float64(dbCPU.Microseconds())/1000/float64(b.N), "db-cpu-ms/op")
	}
}

// processCPU is the CPU time this process used so far (user + system).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// databaseCPU is the CPU time the PostgreSQL backends serving the app's
// database used so far, from /proc (Linux, database on this machine; 0 elsewhere).
func databaseCPU(b *testing.B, app *testapp.App) time.Duration {
	var pids []int
	if err := app.DB.NewRaw("SELECT pid FROM pg_stat_activity WHERE datname = current_database()").Scan(context.Background(), &pids); err != nil {
		return 0
	}
	var ticks int64
	for _, pid := range pids {
		raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return 0
		}
		// the fields after the command name (which may hold spaces): utime and stime are 14 and 15
		f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+1:]))
		if len(f) < 13 {
			return 0
		}
		u, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		ticks += u + st
	}
	return time.Duration(ticks) * (time.Second / 100) // USER_HZ
}

// BenchmarkScanModel50Pickers is the scan without HTTP: the models
// operations a scan request runs (ScanInTransfer, then GetScanTransfer for
// the answer), 50 pickers at once on their own transfers, with a pool of
// 40 database connections. The difference with BenchmarkScanRequest50Pickers
// is the web layer (session, user, CSRF, rendering, HTTP).
func BenchmarkScanModel50Pickers(b *testing.B) {
	ctx := context.Background()
	db, wh, ids := benchStock(b, benchPickers)
	type picker struct {
		pk  int64
		sku string
	}
	pickers := make([]picker, len(ids))
	for i, id := range ids {
		pks, err := models.CreateDeliveryChain(ctx, db, models.ProcurementInput{WarehouseID: wh.ID, Origin: "BENCH",
			Lines: []models.DemandLine{{VariantID: id, Quantity: decimal.NewFromInt(1_000_000), Description: "bench"}}}, 0)
		if err != nil {
			b.Fatal(err)
		}
		pickers[i].pk = pks[0].ID
		if err := db.NewRaw("SELECT sku FROM product_variants WHERE id = ?", id).Scan(ctx, &pickers[i].sku); err != nil {
			b.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failed error
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i, p := range pickers {
		n := b.N / len(pickers)
		if i < b.N%len(pickers) {
			n++
		}
		wg.Add(1)
		go func(p picker, n int) {
			defer wg.Done()
			mine := make([]time.Duration, 0, n)
			for range n {
				start := time.Now()
				res, err := models.ScanInTransfer(ctx, db, p.pk, models.ScanInput{Code: p.sku, LocationID: *wh.StockLocationID}, 0)
				if err == nil && !res.OK {
					err = fmt.Errorf("refused: %s", res.Message)
				}
				if err == nil {
					_, err = models.GetScanTransfer(ctx, db, p.pk)
				}
				if err != nil {
					mu.Lock()
					failed = err
					mu.Unlock()
					return
				}
				mine = append(mine, time.Since(start))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}(p, n)
	}
	wg.Wait()
	b.StopTimer()
	if failed != nil {
		b.Fatal(failed)
	}
	slices.Sort(lat)
	if len(lat) > 0 {
		q := func(f float64) float64 {
			return float64(lat[min(len(lat)-1, int(f*float64(len(lat))))].Microseconds()) / 1000
		}
		b.ReportMetric(q(0.50), "p50-ms")
		b.ReportMetric(q(0.99), "p99-ms")
	}
}
