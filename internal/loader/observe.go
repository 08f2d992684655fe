package loader

import "context"

type batchSizesKey struct{}

// WithBatchSizes returns ctx under which every batch a loader dispatches reports its number of keys to observe
// (the metrics' loader batch sizes). The batch's ctx is the one of the load that opened it, a descendant of the
// request's, so setting it once per request covers every loader the request makes, the exports' pages' too.
func WithBatchSizes(ctx context.Context, observe func(keys int)) context.Context {
	return context.WithValue(ctx, batchSizesKey{}, observe)
}

// observeBatch reports a batch's size to the observer of ctx, if any.
func observeBatch(ctx context.Context, keys int) {
	if observe, _ := ctx.Value(batchSizesKey{}).(func(int)); observe != nil {
		observe(keys)
	}
}
