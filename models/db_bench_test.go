package models_test

import (
	"context"
	"testing"

	"orderflow/tests/testdb"
)

// BenchmarkRoundTrip is the floor under every statement an operation sends:
// a prepared statement that does nothing, through the program's pool, from
// eight goroutines per processor at once (as many as the busy server has in
// flight). The machine is busy with nothing else, so ns/op times the number
// of processors is the machine time of one round trip: the client's and the
// server's system calls, wake-ups and protocol work. docs/PERFORMANCE.md
// compares an order's statements with it.
func BenchmarkRoundTrip(b *testing.B) {
	ctx, db := context.Background(), testdb.New(b)
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			var n int
			if err := db.DB.QueryRowContext(ctx, "SELECT $1::int", 1).Scan(&n); err != nil || n != 1 {
				b.Errorf("SELECT 1: %d %v", n, err)
				return
			}
		}
	})
}
