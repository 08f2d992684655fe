package content

import (
	"html"
	"math"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Full-text search, the pure part: parsing the query, the weighted index fields each document carries, ranking,
// and highlighted snippets. The store runs the queries.

// Limits of a search text.
const (
	MaxQueryWords = 20
	MaxQueryChars = 200
)

// IndexVersion is the version of the derived index fields (Index). Bump it whenever NewIndex, Fold or a type's
// SearchFields change, or where the store keeps them: the store re-indexes, on start-up, the documents an older
// build wrote. Version 3 keeps them in search entries besides the items.
const IndexVersion = 3

// SearchQuery is a parsed search text: folded words that must all occur as whole words, and the last word of the text,
// which may also be the beginning of a word (as the user types). The `search` field and the `search` argument of every
// list filter both parse their text with ParseQuery.
type SearchQuery struct {
	// Words are the distinct whole words, sorted.
	Words []string
	// Prefix is the last word of the text; "" when the text has no words or the last word is also in Words.
	Prefix string
}

// ParseQuery parses a search text. A text longer than MaxQueryChars characters or MaxQueryWords words is a
// BAD_USER_INPUT error naming field. A text without words gives the empty SearchQuery.
func ParseQuery(field, text string) (SearchQuery, error) {
	var q SearchQuery
	if n := utf8.RuneCountInString(text); n > MaxQueryChars {
		return q, Errorf(EInvalid, field, "a search text has at most %d characters, got %d", MaxQueryChars, n)
	}
	words := Words(text)
	if len(words) > MaxQueryWords {
		return q, Errorf(EInvalid, field, "a search text has at most %d words, got %d", MaxQueryWords, len(words))
	}
	if len(words) == 0 {
		return q, nil
	}
	last := words[len(words)-1]
	for _, w := range words[:len(words)-1] {
		if !slices.Contains(q.Words, w) {
			q.Words = append(q.Words, w)
		}
	}
	if !slices.Contains(q.Words, last) {
		q.Prefix = last
	}
	slices.Sort(q.Words)
	return q, nil
}

// Empty tells whether the query has no words.
func (q SearchQuery) Empty() bool { return len(q.Words) == 0 && q.Prefix == "" }

// Key is the query's canonical form: equal for texts that search the same.
func (q SearchQuery) Key() string { return strings.Join(q.Words, " ") + "|" + q.Prefix }

// match tells whether a folded word of a document matches the query, and which term (query word) it matches.
func (q SearchQuery) match(word string) (string, bool) {
	if _, ok := slices.BinarySearch(q.Words, word); ok {
		return word, true
	}
	if q.Prefix != "" && strings.HasPrefix(word, q.Prefix) {
		return q.Prefix, true
	}
	return "", false
}

// Tier is how much the words of a field count in ranking.
type Tier int

// The tiers, lowest first.
const (
	// TierBody holds the long texts: description, body.
	TierBody Tier = iota
	// TierLead holds the short texts that say what a document is about: summary, excerpt, position, tags.
	TierLead
	// TierTitle holds the name or title.
	TierTitle
)

// Ranking weights: what one query word is worth when found in a tier, what a match on the beginning of a word
// only (the last query word) is worth of that, and the most a title that consists of little else than the query
// adds. The gaps between tiers are wider than the coverage bonus, so that it only breaks ties within a tier.
var tierWeight = [...]float64{TierBody: 1, TierLead: 3, TierTitle: 10}

const (
	prefixFactor  = 0.5
	coverageBonus = 0.25
)

// SearchField is one searchable text of a document: its GraphQL field name, its text and its tier.
type SearchField struct {
	Name string
	Text string
	Tier Tier
}

// Searchable is content that search indexes and shows snippets of.
type Searchable interface {
	// SearchFields are the texts search matches, in the order a snippet prefers them when they hold as many
	// query words.
	SearchFields() []SearchField
}

// NewIndex derives the index fields of a document from its sort name and its search fields.
func NewIndex(sortName string, fields []SearchField) Index {
	texts := map[Tier][]string{}
	for _, f := range fields {
		texts[f.Tier] = append(texts[f.Tier], f.Text)
	}
	title := Keywords(texts[TierTitle]...)
	lead := Keywords(slices.Concat(texts[TierTitle], texts[TierLead])...)
	return Index{SortName: Fold(sortName), Keywords: Keywords(slices.Concat(texts[TierTitle], texts[TierLead], texts[TierBody])...),
		TitleCount: len(title), LeadCount: len(lead) - len(title), IndexVersion: IndexVersion}
}

// tiers returns the keywords of the name or title, and those of the lead fields (see Index).
func (ix *Index) tiers() (title, lead []string) {
	t := min(max(ix.TitleCount, 0), len(ix.Keywords))
	l := min(t+max(ix.LeadCount, 0), len(ix.Keywords))
	return ix.Keywords[:t], ix.Keywords[t:l]
}

// Score ranks a document that matches q (every word is among its keywords) by where the words are: each query
// word counts the weight of the highest tier it occurs in, halved when only the beginning of a word matches; a
// title made mostly of query words adds up to coverageBonus. So a title match beats a summary, excerpt or tag
// match, which beats a description or body match; an exact word beats a prefix; more words in a high tier beat
// fewer. Scores are rounded to 1/1000.
func (q SearchQuery) Score(ix *Index) float64 {
	title, lead := ix.tiers()
	tiers := [...][]string{TierBody: ix.Keywords, TierLead: lead, TierTitle: title}
	best := func(term string, prefix bool) float64 {
		top := 0.0
		for tier, words := range tiers {
			w := tierWeight[tier]
			switch {
			case slices.Contains(words, term):
			case prefix && slices.ContainsFunc(words, func(x string) bool { return strings.HasPrefix(x, term) }):
				w *= prefixFactor
			default:
				w = 0
			}
			top = max(top, w)
		}
		return top
	}
	score := 0.0
	for _, w := range q.Words {
		score += best(w, false)
	}
	if q.Prefix != "" {
		score += best(q.Prefix, true)
	}
	if n := len(title); n > 0 {
		matched := 0
		for _, w := range title {
			if _, ok := q.match(w); ok {
				matched++
			}
		}
		score += coverageBonus * float64(matched) / float64(n)
	}
	return math.Round(score*1000) / 1000
}

// Hit is one document that matches a search, with its score; Node is filled in once the hit's page is loaded.
type Hit struct {
	Type     TypeName
	ID       string
	SortName string
	Score    float64
	Node     Node
}

// Snippet is a short passage of one field of a hit around the words that matched, with the matches marked.
type Snippet struct {
	// Field is the GraphQL name of the field the passage is from.
	Field string
	// Text is the passage as plain text, cut at word boundaries, with "…" where it was cut.
	Text string
	// HTML is Text, HTML-escaped, with <mark> around the matches.
	HTML string
	// Highlights are the matches in Text, in UTF-16 code units.
	Highlights []TextRange
}

// TextRange is a range of a text in UTF-16 code units, the way JavaScript indexes strings.
type TextRange struct {
	Start  int
	Length int
}

// SnippetChars is about how many characters a snippet has, besides its "…".
const SnippetChars = 160

// snippetLead is how many characters of context a snippet tries to keep before its first match.
const snippetLead = 40

// Snippet returns the passage of the best field around the words that match q: the field with the most distinct query
// words (the earlier one of fields on a tie), cut to about SnippetChars characters. Words are matched as the index
// matches them, ignoring case and accents, and marked in the original text. Nil when no field matches: the keywords of
// a hit come from its fields, so only a stale index can cause that.
func (q SearchQuery) Snippet(fields []SearchField) *Snippet {
	var best *SearchField
	var bestMatches []token
	bestTerms := 0
	for i, f := range fields {
		var matches []token
		terms := map[string]bool{}
		for _, t := range tokens(f.Text) {
			if term, ok := q.match(t.word); ok {
				matches = append(matches, t)
				terms[term] = true
			}
		}
		if len(terms) > bestTerms {
			best, bestMatches, bestTerms = &fields[i], matches, len(terms)
		}
	}
	if best == nil {
		return nil
	}
	start, end := q.window(best.Text, bestMatches)
	return render(best.Name, best.Text, start, end, bestMatches)
}

// token is a word of a text: its folded form and the bytes of the original text it comes from.
type token struct {
	word       string
	start, end int
}

// tokens splits text into words exactly as Words does (letters and digits of the folded text), remembering where
// each word is in the original: folding goes rune by rune, so every folded rune comes from one original rune.
func tokens(text string) []token {
	var out []token
	var word strings.Builder
	start, end := -1, 0
	flush := func() {
		if start >= 0 {
			out = append(out, token{word: word.String(), start: start, end: end})
			word.Reset()
			start = -1
		}
	}
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		folded := foldRune(r)
		if folded == "" && start >= 0 {
			end = i + n // a combining mark belongs to the word it follows
		}
		for _, f := range folded {
			if !isWordRune(f) {
				flush()
				continue
			}
			if start < 0 {
				start = i
			}
			word.WriteRune(f)
			end = i + n
		}
		i += n
	}
	flush()
	return out
}

// window chooses the bytes [start, end) of text a snippet shows: the whole text when it is short, else about
// SnippetChars characters starting a little before a match, placed to hold as many distinct query words (then
// matches) as it can, and cut at word boundaries.
func (q SearchQuery) window(text string, matches []token) (int, int) {
	// offsets[i] is the byte offset of rune i; offsets[n] = len(text).
	var offsets []int
	for i := range text {
		offsets = append(offsets, i)
	}
	n := len(offsets)
	offsets = append(offsets, len(text))
	if n <= SnippetChars {
		return 0, len(text)
	}
	runeAt := func(b int) int { return sort.SearchInts(offsets, b) }
	bestStart, bestTerms, bestCount := 0, -1, -1
	for _, anchor := range matches {
		from := max(0, min(runeAt(anchor.start)-snippetLead, n-SnippetChars))
		lo, hi := offsets[from], offsets[from+SnippetChars]
		terms, count := map[string]bool{}, 0
		for _, m := range matches {
			if m.start >= lo && m.end <= hi {
				term, _ := q.match(m.word)
				terms[term] = true
				count++
			}
		}
		if len(terms) > bestTerms || (len(terms) == bestTerms && count > bestCount) {
			bestStart, bestTerms, bestCount = from, len(terms), count
		}
	}
	lo, hi := offsets[bestStart], offsets[bestStart+SnippetChars]
	words := tokens(text)
	start, end := lo, hi
	if lo > 0 {
		// begin at the first word that starts inside the window
		for _, w := range words {
			if w.start >= lo {
				start = w.start
				break
			}
		}
	}
	if hi < len(text) {
		// end after the last word that ends inside the window
		end = start
		for _, w := range words {
			if w.start >= start && w.end <= hi {
				end = w.end
			}
		}
		if !slices.ContainsFunc(matches, func(m token) bool { return m.start >= start && m.end <= end }) {
			// a match longer than the window: show it whole
			for _, m := range matches {
				if m.start >= start {
					end = max(end, m.end)
					break
				}
			}
		}
	}
	return start, end
}

// render builds the snippet of text[start:end] with the matches in it marked: "…" where the text was cut, runs
// of white space (such as paragraph breaks) as one space, HTML escaped, highlights in UTF-16 code units.
func render(field, text string, start, end int, matches []token) *Snippet {
	cutStart, cutEnd := start > 0, end < len(text)
	for start < end {
		r, n := utf8.DecodeRuneInString(text[start:])
		if !unicode.IsSpace(r) {
			break
		}
		start += n
	}
	for end > start {
		r, n := utf8.DecodeLastRuneInString(text[:end])
		if !unicode.IsSpace(r) {
			break
		}
		end -= n
	}
	s := &Snippet{Field: field, Highlights: []TextRange{}}
	var plain, marked strings.Builder
	units := 0
	write := func(part string, mark bool) {
		if mark {
			s.Highlights = append(s.Highlights, TextRange{Start: units, Length: utf16Len(part)})
			marked.WriteString("<mark>" + html.EscapeString(part) + "</mark>")
		} else {
			marked.WriteString(html.EscapeString(part))
		}
		plain.WriteString(part)
		units += utf16Len(part)
	}
	if cutStart {
		write("…", false)
	}
	at := start
	for _, m := range matches {
		if m.start < start || m.end > end {
			continue
		}
		write(collapseSpace(text[at:m.start]), false)
		write(text[m.start:m.end], true)
		at = m.end
	}
	write(collapseSpace(text[at:end]), false)
	if cutEnd {
		write("…", false)
	}
	s.Text, s.HTML = plain.String(), marked.String()
	return s
}

// collapseSpace replaces each run of white space with one space.
func collapseSpace(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// The search fields of each content type: what `search` and the `search` filters match, by tier. They are listed
// in the order snippets prefer them on a tie: the texts a client does not show in a list of hits (description,
// summary, excerpt, body) before the name or title, which it does, and tags and slugs last.

func tagsText(tags []string) string { return strings.Join(tags, ", ") }

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// countryText is how search indexes and shows a country a document is linked to: the name the API gives it and
// its code, "Bulgaria (BG)", so that both find the document and the snippet shows what the country field holds.
// The code alone when the name is not known.
func countryText(code, name string) string {
	if name == "" {
		return code
	}
	return name + " (" + code + ")"
}

// SearchFields implements Searchable.
func (c *Coalition) SearchFields() []SearchField {
	return []SearchField{{"description", deref(c.Description), TierBody}, {"name", c.Name, TierTitle},
		{"tags", tagsText(c.Tags), TierLead}, {"slug", c.Slug, TierLead}, {"country", countryText(c.CountryCode, c.CountryName), TierBody}}
}

// SearchFields implements Searchable.
func (s *Stakeholder) SearchFields() []SearchField {
	fields := []SearchField{{"description", deref(s.Description), TierBody}, {"position", deref(s.Position), TierLead},
		{"name", s.Name, TierTitle}, {"tags", tagsText(s.Tags), TierLead}}
	if s.CountryCode != nil {
		fields = append(fields, SearchField{"country", countryText(*s.CountryCode, s.CountryName), TierBody})
	}
	return fields
}

// SearchFields implements Searchable.
func (i *Initiative) SearchFields() []SearchField {
	countries := make([]string, len(i.CountryCodes))
	for n, code := range i.CountryCodes {
		name := ""
		if n < len(i.CountryNames) {
			name = i.CountryNames[n]
		}
		countries[n] = countryText(code, name)
	}
	return []SearchField{{"description", deref(i.Description), TierBody}, {"name", i.Name, TierTitle}, {"tags", tagsText(i.Tags), TierLead},
		{"countries", strings.Join(countries, ", "), TierBody}}
}

// SearchFields implements Searchable.
func (t *ToolkitSection) SearchFields() []SearchField {
	return []SearchField{{"summary", deref(t.Summary), TierLead}, {"body", deref(t.Body), TierBody}, {"title", t.Title, TierTitle},
		{"tags", tagsText(t.Tags), TierLead}}
}

// SearchFields implements Searchable.
func (b *BlogPost) SearchFields() []SearchField {
	return []SearchField{{"excerpt", deref(b.Excerpt), TierLead}, {"body", deref(b.Body), TierBody}, {"title", b.Title, TierTitle},
		{"tags", tagsText(b.Tags), TierLead}}
}

// SearchFields implements Searchable. Countries are not in `search`; their list filter searches these.
func (c *Country) SearchFields() []SearchField {
	return []SearchField{{"name", c.Name, TierTitle}, {"code", c.Code, TierLead}}
}
