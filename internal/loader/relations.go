package loader

import (
	"context"

	"coalitiongraph/internal/content"
)

// relation returns the batch function of a relation loader over coll: each group of keys (one relation, equal
// arguments) is one read of the store, which pages each key's share.
func relation[T any, F any, O any](coll content.Collection[T, F, O]) func(*RelationPages[T, F, O]) func(context.Context, []Key) ([]content.Page[*T], []error) {
	return func(l *RelationPages[T, F, O]) func(context.Context, []Key) ([]content.Page[*T], []error) {
		return func(ctx context.Context, keys []Key) ([]content.Page[*T], []error) {
			pages := make([]content.Page[*T], len(keys))
			errs := make([]error, len(keys))
			for g, idx := range batches(keys) {
				args := l.argsOf(keys[idx[0]])
				sets := make([][]string, len(idx))
				for j, i := range idx {
					sets[j] = targets(keys[i])
				}
				found, err := coll.Related(ctx, viaOf(g[0]), sets, args.Filter, args.Order, args.Window, args.Total)
				fill(pages, errs, idx, found, err)
			}
			return pages, errs
		}
	}
}

// members returns the batch function of a membership loader over page (content.Memberships' Members, coalition →
// members, or MemberOf, stakeholder → coalitions): each group of keys is one call, two reads.
func members[F any, O any](page func(context.Context, []string, []content.MembershipRole, *F, []O, content.Window, bool) ([]content.Page[*content.Member], error)) func(*Pages[Args[F, O], content.Page[*content.Member]]) func(context.Context, []Key) ([]content.Page[*content.Member], []error) {
	return func(l *Pages[Args[F, O], content.Page[*content.Member]]) func(context.Context, []Key) ([]content.Page[*content.Member], []error) {
		return func(ctx context.Context, keys []Key) ([]content.Page[*content.Member], []error) {
			pages := make([]content.Page[*content.Member], len(keys))
			errs := make([]error, len(keys))
			for _, idx := range batches(keys) {
				args := l.argsOf(keys[idx[0]])
				parents := make([]string, len(idx))
				for j, i := range idx {
					parents[j] = keys[i].Targets
				}
				found, err := page(ctx, parents, args.Roles, args.Filter, args.Order, args.Window, args.Total)
				fill(pages, errs, idx, found, err)
			}
			return pages, errs
		}
	}
}

// fill puts the pages found for the keys at idx in their places, or the error in each.
func fill[P any](pages []P, errs []error, idx []int, found []P, err error) {
	for j, i := range idx {
		if err != nil {
			errs[i] = err
		} else {
			pages[i] = found[j]
		}
	}
}
