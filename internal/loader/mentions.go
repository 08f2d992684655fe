package loader

import (
	"context"
	"slices"
	"strings"

	"coalitiongraph/internal/content"
	"coalitiongraph/internal/relay"
)

// Mention is one piece of content a post mentions, with its place in the post's list.
type Mention struct {
	Node     content.Node
	Position int
}

var mentionOrder = []relay.Sort[*Mention]{{Field: "position", Type: relay.Int, Value: func(m *Mention) any { return int64(m.Position) }}}

// mentions fetches the content the posts mention, one query per content type, and pages each post's list in its
// own order.
func (l *Loaders) mentions(p *Pages[Args[struct{}, struct{}], content.Page[*Mention]]) func(context.Context, []Key) ([]content.Page[*Mention], []error) {
	return func(ctx context.Context, keys []Key) ([]content.Page[*Mention], []error) {
		pages := make([]content.Page[*Mention], len(keys))
		errs := make([]error, len(keys))
		byType := map[content.TypeName][]string{}
		for _, k := range union(keys, seq(len(keys))) {
			t, id, _ := strings.Cut(k, ":")
			byType[content.TypeName(t)] = append(byType[content.TypeName(t)], id)
		}
		found := map[string]content.Node{}
		for t, ids := range byType {
			nodes, err := l.store.Nodes(ctx, t, ids)
			if err != nil {
				for i := range errs {
					errs[i] = err
				}
				return pages, errs
			}
			for _, n := range nodes {
				found[n.Key()] = n
			}
		}
		for i, k := range keys {
			args := p.argsOf(k)
			var list []*Mention
			for pos, key := range targets(k) {
				n, ok := found[key]
				t, _, _ := strings.Cut(key, ":")
				if ok && (len(args.Types) == 0 || slices.Contains(args.Types, content.TypeName(t))) {
					list = append(list, &Mention{Node: n, Position: pos})
				}
			}
			pages[i] = relay.Slice(list, mentionOrder, args.Window)
		}
		return pages, errs
	}
}

// MentionOrder is the ordering of mention cursors, for validating them.
func MentionOrder() []relay.Sort[*Mention] { return mentionOrder }
