package seed_test

import (
	"context"
	"fmt"
	"testing"

	"coalitiongraph/internal/apitest"
	"coalitiongraph/internal/mongostore"
	"coalitiongraph/internal/seed"
)

// BenchmarkLoad is a fresh load of the generated dataset of n coalitions into an empty database (the seed's
// whole cost, indexes made first as at start-up).
func BenchmarkLoad(b *testing.B) {
	for _, n := range []int{300, 3000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			d := apitest.Fixture(n)
			for b.Loop() {
				b.StopTimer()
				store := mongostore.New(apitest.Database(b))
				if err := store.EnsureIndexes(context.Background()); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if err := seed.Load(context.Background(), store, d); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
