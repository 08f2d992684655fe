package apitest

import (
	"fmt"

	"coalitiongraph/internal/content"
	"coalitiongraph/internal/seed"
)

// Fixture returns a generated dataset with n coalitions, 2n stakeholders, n/2 initiatives and blog posts and a
// small toolkit tree. Every filterable and orderable field varies, with unknown values, accents, mixed case and
// ties, so that tests can check results against the dataset itself.
func Fixture(n int) *seed.Dataset {
	d := &seed.Dataset{}
	codes := []string{"AT", "BE", "GR", "IE", "PL", "PT", "UA", "MD"}
	names := []string{"Austria", "Belgium", "Greece", "Ireland", "Poland", "Portugal", "Ukraine", "Moldova"}
	for i, c := range codes {
		d.Countries = append(d.Countries, seed.Country{Code: c, Name: names[i], EUMember: i < 6})
	}
	words := []string{"Ålborg alliance", "alpha", "Beta", "Łódź digital", "Čeština skills", "gamma", "Zeta", "delta"}
	statuses := []content.CoalitionStatus{"ACTIVE", "ACTIVE", "ACTIVE", "ACTIVE", "FORMING"}
	scopes := []content.CoalitionScope{"NATIONAL", "REGIONAL", "LOCAL"}
	areas := []content.FocusArea{"INDUSTRY_LED_TRAINING", "SKILLS_CERTIFICATION", "EDUCATION_CURRICULA", "ICT_CAREERS_AWARENESS"}
	categories := []content.StakeholderCategory{"ICT_COMPANY", "ASSOCIATION", "NGO", "EDUCATION_PROVIDER", "PUBLIC_AUTHORITY", "SOCIAL_PARTNER"}
	roles := []content.MembershipRole{"COORDINATOR", "MEMBER", "PARTNER"}

	m := 2 * n
	for j := range m {
		s := seed.Stakeholder{
			Slug: fmt.Sprintf("stakeholder-%03d", j), Name: fmt.Sprintf("%s %03d", words[(j+3)%len(words)], j),
			Kind: "ORGANISATION", Category: categories[j%len(categories)], Tags: []string{fmt.Sprintf("s%d", j%2)},
			Description: ptr(fmt.Sprintf("Stakeholder number %d works on digital inclusion.", j)),
		}
		if j%3 == 0 {
			s.Kind, s.Position = "PERSON", ptr("Digital Champion")
		}
		if j%7 != 0 {
			s.CountryCode = ptr(codes[j%len(codes)])
		}
		d.Stakeholders = append(d.Stakeholders, s)
	}
	for i := range n {
		c := seed.Coalition{
			Slug: fmt.Sprintf("coalition-%03d", i), Name: fmt.Sprintf("%s coalition %03d", words[i%len(words)], i),
			CountryCode: codes[i%len(codes)], Status: statuses[i%len(statuses)], Scope: scopes[i%len(scopes)],
			FocusAreas: []content.FocusArea{areas[i%len(areas)]}, Tags: []string{fmt.Sprintf("t%d", i%3), "all"},
			Description: ptr(fmt.Sprintf("Partnership %d for jobs and training.", i)),
		}
		if i%2 == 0 {
			c.FocusAreas = append(c.FocusAreas, areas[(i+1)%len(areas)])
		}
		if i%4 != 0 {
			c.LaunchYear = ptr(2013 + i%8)
		}
		for k, sj := range []int{(2 * i) % m, (2*i + 1) % m, (5*i + 3) % m} {
			if k == 2 && (sj == (2*i)%m || sj == (2*i+1)%m) {
				continue
			}
			mem := seed.Member{Stakeholder: d.Stakeholders[sj].Slug, Role: roles[(i+k)%len(roles)]}
			if (i+k)%2 == 0 {
				mem.Since = ptr(2015 + k)
			}
			c.Members = append(c.Members, mem)
		}
		d.Coalitions = append(d.Coalitions, c)
	}
	iscopes := []content.InitiativeScope{"EUROPEAN", "NATIONAL", "REGIONAL", "LOCAL"}
	for k := range max(1, n/2) {
		in := seed.Initiative{
			Slug: fmt.Sprintf("initiative-%03d", k), Name: fmt.Sprintf("%s initiative %03d", words[(k+5)%len(words)], k),
			Scope: iscopes[k%len(iscopes)], CountryCodes: []string{codes[k%len(codes)]}, FocusAreas: []content.FocusArea{areas[k%len(areas)]},
			Partners:    []string{d.Stakeholders[k%m].Slug, d.Stakeholders[(k+3)%m].Slug},
			Coalitions:  []string{d.Coalitions[k%n].Slug},
			Description: ptr(fmt.Sprintf("Coding bootcamp programme %d.", k)), Tags: []string{fmt.Sprintf("i%d", k%2)},
		}
		if k%2 == 1 {
			in.CountryCodes = append(in.CountryCodes, codes[(k+1)%len(codes)])
		}
		if n > 1 {
			in.Coalitions = append(in.Coalitions, d.Coalitions[(k+1)%n].Slug)
		}
		if k%3 != 0 {
			in.StartYear = ptr(2010 + k%6)
		}
		d.Initiatives = append(d.Initiatives, in)
	}
	for ch := 1; ch <= 3; ch++ {
		chapter := fmt.Sprintf("chapter-%d", ch)
		d.ToolkitSections = append(d.ToolkitSections, seed.Section{Slug: chapter, Title: fmt.Sprintf("Chapter %d", ch), Order: ch, Proposed: ch != 2, Summary: ptr("How to start.")})
		for sub := 1; sub <= 2; sub++ {
			slug := fmt.Sprintf("%s-%d", chapter, sub)
			d.ToolkitSections = append(d.ToolkitSections, seed.Section{Slug: slug, Title: fmt.Sprintf("Section %d.%d", ch, sub), Parent: ptr(chapter), Order: sub, Proposed: true})
			if sub == 1 {
				d.ToolkitSections = append(d.ToolkitSections, seed.Section{Slug: slug + "-1", Title: fmt.Sprintf("Step %d.%d.1", ch, sub), Parent: ptr(slug), Order: 1, Proposed: true})
			}
		}
	}
	for k := range max(1, n/2) {
		p := seed.BlogPost{
			Slug: fmt.Sprintf("post-%03d", k), Title: fmt.Sprintf("%s post %03d", words[(k+1)%len(words)], k),
			Excerpt: ptr("News from the coalitions."), Tags: []string{fmt.Sprintf("p%d", k%2)},
			Authors: []string{d.Stakeholders[(3*k)%m].Slug},
		}
		if k%2 == 0 {
			p.Publisher = ptr(d.Stakeholders[(3*k+1)%m].Slug)
		}
		if k%4 != 3 {
			p.PublishedOn = ptr(fmt.Sprintf("2017-%02d-%02d", 1+k%12, 1+k%28))
		}
		mention := func(t content.TypeName, slug string) {
			p.Mentions = append(p.Mentions, seed.Mention{Type: t, Slug: slug})
		}
		mention(content.TypeCoalition, d.Coalitions[k%n].Slug)
		mention(content.TypeStakeholder, d.Stakeholders[(k+2)%m].Slug)
		mention(content.TypeInitiative, d.Initiatives[k%len(d.Initiatives)].Slug)
		if k > 0 {
			mention(content.TypeBlogPost, fmt.Sprintf("post-%03d", k-1))
		}
		d.BlogPosts = append(d.BlogPosts, p)
	}
	return d
}

func ptr[T any](v T) *T { return &v }
