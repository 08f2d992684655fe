package loader

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"coalitiongraph/internal/content"
	"coalitiongraph/internal/relay"
)

// Peer is a stakeholder that shares coalitions with another one, and the coalitions shared, by name.
type Peer struct {
	Stakeholder *content.Stakeholder
	Shared      []*content.Coalition
}

// peerOrder is the order of peers: most shared coalitions first, then by name, then by id.
var peerOrder = []relay.Sort[*Peer]{
	{Field: "shared", Desc: true, Type: relay.Int, Value: func(p *Peer) any { return int64(len(p.Shared)) }},
	{Field: "name", Type: relay.String, Value: func(p *Peer) any { return p.Stakeholder.SortName }},
	{Field: "id", Type: relay.String, Value: func(p *Peer) any { return p.Stakeholder.ID }},
}

// PeerOrder is the ordering of peer cursors, for validating them.
func PeerOrder() []relay.Sort[*Peer] { return peerOrder }

// peers fetches the peers of a batch of stakeholders in four queries whatever its size: the stakeholders'
// memberships, the memberships of their coalitions, then the peers and the coalitions. Each key's page is cut in
// memory.
func (l *Loaders) peers(p *Pages[Args[struct{}, struct{}], content.Page[*Peer]]) func(context.Context, []Key) ([]content.Page[*Peer], []error) {
	return func(ctx context.Context, keys []Key) ([]content.Page[*Peer], []error) {
		pages := make([]content.Page[*Peer], len(keys))
		errs := make([]error, len(keys))
		shared, byID, coalitions, err := l.sharedCoalitions(ctx, union(keys, seq(len(keys))))
		for i, k := range keys {
			if err != nil {
				errs[i] = err
				continue
			}
			var list []*Peer
			for peer, cids := range shared[k.Targets] {
				s := byID[peer]
				if s == nil {
					continue
				}
				p := &Peer{Stakeholder: s}
				for _, c := range cids {
					if coalitions[c] != nil {
						p.Shared = append(p.Shared, coalitions[c])
					}
				}
				if len(p.Shared) > 0 {
					slices.SortFunc(p.Shared, func(a, b *content.Coalition) int {
						return cmp.Or(strings.Compare(a.SortName, b.SortName), strings.Compare(a.ID, b.ID))
					})
					list = append(list, p)
				}
			}
			slices.SortFunc(list, func(a, b *Peer) int {
				return cmp.Or(cmp.Compare(len(b.Shared), len(a.Shared)), strings.Compare(a.Stakeholder.SortName, b.Stakeholder.SortName),
					strings.Compare(a.Stakeholder.ID, b.Stakeholder.ID))
			})
			pages[i] = relay.Slice(list, peerOrder, p.argsOf(k).Window)
		}
		return pages, errs
	}
}

// sharedCoalitions returns, for each of the stakeholders, the ids of the coalitions it shares with each other
// stakeholder, and the peers and coalitions involved by id.
func (l *Loaders) sharedCoalitions(ctx context.Context, stakeholders []string) (map[string]map[string][]string, map[string]*content.Stakeholder, map[string]*content.Coalition, error) {
	shared := map[string]map[string][]string{}
	own, err := l.store.Memberships().Of(ctx, content.TypeStakeholder, stakeholders, nil)
	if err != nil || len(own) == 0 {
		return shared, nil, nil, err
	}
	var cids []string
	for _, m := range own {
		cids = append(cids, m.CoalitionID)
	}
	slices.Sort(cids)
	cids = slices.Compact(cids)
	all, err := l.store.Memberships().Of(ctx, content.TypeCoalition, cids, nil)
	if err != nil {
		return nil, nil, nil, err
	}
	members := map[string][]string{}
	var peers []string
	for _, m := range all {
		members[m.CoalitionID] = append(members[m.CoalitionID], m.StakeholderID)
		peers = append(peers, m.StakeholderID)
	}
	slices.Sort(peers)
	peers = slices.Compact(peers)
	for _, m := range own {
		for _, p := range members[m.CoalitionID] {
			if p == m.StakeholderID {
				continue
			}
			if shared[m.StakeholderID] == nil {
				shared[m.StakeholderID] = map[string][]string{}
			}
			shared[m.StakeholderID][p] = append(shared[m.StakeholderID][p], m.CoalitionID)
		}
	}
	byID, err := l.store.Stakeholders().Get(ctx, peers)
	if err != nil {
		return nil, nil, nil, err
	}
	coalitions, err := l.store.Coalitions().Get(ctx, cids)
	return shared, byID, coalitions, err
}
