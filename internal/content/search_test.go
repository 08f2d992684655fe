package content

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"
)

func TestFoldCoversTheEUsLanguages(t *testing.T) {
	for in, want := range map[string]string{
		"Bjørn":       "bjorn",
		"Ærøskøbing":  "aeroskobing",
		"Þórshöfn":    "thorshofn",
		"Ελλάδα":      "ελλαδα",
		"ΕΛΛΆΔΑ":      "ελλαδα",
		"Αϊβαλί ΐ ΰ":  "αιβαλι ι υ",
		"Σίσυφος":     "σισυφοσ",
		"Łódź":        "lodz",
		"Čeština":     "cestina",
		"Dvořák":      "dvorak",
		"Straße":      "strasse",
		"STRAẞE":      "strasse",
		"Đakovo":      "dakovo",
		"Ħamrun":      "hamrun",
		"Œuvre":       "oeuvre",
		"Ĳsselmeer":   "ijsselmeer",
		"ﬁnance":      "finance",
		"Ștefan Ţara": "stefan tara",
		"Āboliņš":     "abolins",
		"Őrség Ű":     "orseg u",
		"Ąžuolas":     "azuolas",
		"Ñandú":       "nandu",
		"Ёлка":        "елка",
		"İstanbul":    "istanbul",
		"Cafe\u0301":  "cafe", // decomposed é
	} {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

// tokens must split exactly as Words does (the index and the snippets agree), and each token must point at the
// original text it came from.
func TestTokensAgreeWithWords(t *testing.T) {
	for _, s := range []string{
		"Bjørn Stakeholder", "Ελλάδα coalition, ΑΘΉΝΑ!", "Łódź initiative (2017)", "Čeština toolkit — part 2",
		"Straße: a-b_c", "  leading and trailing  ", "Cafe\u0301 culture", "emoji 🎉 between words", "ﬁnance ĳs",
		"", "!!!", "x",
	} {
		var words []string
		for _, tok := range tokens(s) {
			words = append(words, tok.word)
			if Fold(s[tok.start:tok.end]) != tok.word {
				t.Errorf("%q: token %q points at %q", s, tok.word, s[tok.start:tok.end])
			}
		}
		if !slices.Equal(words, Words(s)) {
			t.Errorf("%q: tokens %q, Words %q", s, words, Words(s))
		}
	}
}

func TestParseQuery(t *testing.T) {
	for text, want := range map[string]SearchQuery{
		"Łódź initiative":          {Words: []string{"lodz"}, Prefix: "initiative"},
		"skills digital DIGITAL":   {Words: []string{"digital", "skills"}},
		"  Čeština,  SKILLS!  ":    {Words: []string{"cestina"}, Prefix: "skills"},
		"bjo":                      {Prefix: "bjo"},
		"":                         {},
		" ,.;!? ":                  {},
		strings.Repeat("a ", 20):   {Words: []string{"a"}},
		strings.Repeat("é", 200):   {Prefix: strings.Repeat("e", 200)},
		"b a c":                    {Words: []string{"a", "b"}, Prefix: "c"},
		"digital skills and jobs ": {Words: []string{"and", "digital", "skills"}, Prefix: "jobs"},
	} {
		got, err := ParseQuery("query", text)
		if err != nil || !slices.Equal(got.Words, want.Words) || got.Prefix != want.Prefix {
			t.Errorf("ParseQuery(%q) = %+v, %v; want %+v", text, got, err, want)
		}
		if got.Empty() != (len(want.Words) == 0 && want.Prefix == "") {
			t.Errorf("ParseQuery(%q).Empty() = %v", text, got.Empty())
		}
	}
	for _, text := range []string{strings.Repeat("a ", 21), strings.Repeat("é", 201), strings.Repeat(" ", 201)} {
		_, err := ParseQuery("filter.search", text)
		var e *Error
		if ErrorCode(err) != EInvalid || !errorAs(err, &e) || e.Field != "filter.search" {
			t.Errorf("ParseQuery(%d characters) = %v, want BAD_USER_INPUT on filter.search", utf8.RuneCountInString(text), err)
		}
	}
}

func errorAs(err error, e **Error) bool {
	x, ok := err.(*Error)
	*e = x
	return ok
}

// Each tier ranks above the one below it, an exact word above a prefix in the same tier, and more query words in
// the title above fewer.
func TestScoreRanksByTierExactnessAndWords(t *testing.T) {
	doc := func(title, lead, body string) *Index {
		ix := NewIndex(title, []SearchField{{"name", title, TierTitle}, {"tags", lead, TierLead}, {"description", body, TierBody}})
		return &ix
	}
	q, _ := ParseQuery("query", "quokka")
	ranked := []struct {
		name string
		ix   *Index
	}{
		{"title exact", doc("The quokka network of many partners", "", "")},
		{"title prefix", doc("Quokkas united", "", "")},
		{"lead exact", doc("Network", "quokka", "")},
		{"lead prefix", doc("Network", "quokkas", "")},
		{"body exact", doc("Network", "", "about the quokka")},
		{"body prefix", doc("Network", "", "about quokkas")},
	}
	for i := 1; i < len(ranked); i++ {
		a, b := q.Score(ranked[i-1].ix), q.Score(ranked[i].ix)
		if a <= b {
			t.Errorf("%s scores %v, not above %s at %v", ranked[i-1].name, a, ranked[i].name, b)
		}
	}
	two, _ := ParseQuery("query", "quokka island")
	both := doc("Quokka island alliance with a long name", "", "")
	one := doc("Quokka", "", "an island")
	if two.Score(both) <= two.Score(one) {
		t.Errorf("two title words score %v, one title word and one body word %v", two.Score(both), two.Score(one))
	}
	short, long := doc("Quokka", "", ""), doc("Quokka network of partners", "", "")
	if q.Score(short) <= q.Score(long) || q.Score(short)-q.Score(long) > coverageBonus {
		t.Errorf("a title that is just the query scores %v, a longer one %v", q.Score(short), q.Score(long))
	}
}

// slice16 returns text[start:start+length] in UTF-16 code units, as a JavaScript client slices it.
func slice16(text string, r TextRange) string {
	units := utf16.Encode([]rune(text))
	return string(utf16.Decode(units[r.Start : r.Start+r.Length]))
}

func TestSnippetMarksTheMatchedWords(t *testing.T) {
	long := strings.Repeat("Filler words about coalitions and skills. ", 8) + "🎉 The Łódź office <b>opened</b> & grew. " +
		strings.Repeat("More filler text about jobs and training. ", 8)
	cases := []struct {
		name, query string
		fields      []SearchField
		field       string
		marked      []string
		cutStart    bool
		cutEnd      bool
	}{
		{name: "short field whole", query: "lodz", fields: []SearchField{{"name", "Łódź <initiative> & co", TierTitle}},
			field: "name", marked: []string{"Łódź"}},
		{name: "prefix marks the whole word", query: "digital init", fields: []SearchField{{"name", "Digital Initiatives, digital", TierTitle}},
			field: "name", marked: []string{"Digital", "Initiatives", "digital"}},
		{name: "decomposed accent stays in the mark", query: "cafe", fields: []SearchField{{"title", "Cafe\u0301 culture", TierTitle}},
			field: "title", marked: []string{"Cafe\u0301"}},
		{name: "long body cut around the match", query: "lodz opened", fields: []SearchField{{"name", "Office", TierTitle}, {"body", long, TierBody}},
			field: "body", marked: []string{"Łódź", "opened"}, cutStart: true, cutEnd: true},
		{name: "match at the end of a long field", query: "training", fields: []SearchField{{"body", long + "The end of training.\n", TierBody}},
			field: "body", marked: slices.Repeat([]string{"training"}, 5), cutStart: true},
		{name: "field with more query words wins", query: "alpha beta", fields: []SearchField{
			{"name", "Alpha", TierTitle}, {"summary", "nothing", TierLead}, {"body", "alpha and beta", TierBody}},
			field: "body", marked: []string{"alpha", "beta"}},
		{name: "earlier field wins a tie", query: "alpha", fields: []SearchField{{"name", "Alpha", TierTitle}, {"body", "alpha", TierBody}},
			field: "name", marked: []string{"Alpha"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q, _ := ParseQuery("query", c.query)
			s := q.Snippet(c.fields)
			if s == nil {
				t.Fatal("no snippet")
			}
			if s.Field != c.field {
				t.Errorf("field %q, want %q", s.Field, c.field)
			}
			var marked []string
			for _, h := range s.Highlights {
				marked = append(marked, slice16(s.Text, h))
			}
			if !slices.Equal(marked, c.marked) {
				t.Errorf("highlights %q in %q, want %q", marked, s.Text, c.marked)
			}
			// the HTML is the text, escaped, with <mark> around the highlights
			var want strings.Builder
			units := utf16.Encode([]rune(s.Text))
			at := 0
			for _, h := range s.Highlights {
				want.WriteString(escape(string(utf16.Decode(units[at:h.Start]))))
				want.WriteString("<mark>" + escape(string(utf16.Decode(units[h.Start:h.Start+h.Length]))) + "</mark>")
				at = h.Start + h.Length
			}
			want.WriteString(escape(string(utf16.Decode(units[at:]))))
			if s.HTML != want.String() {
				t.Errorf("html %q, want %q", s.HTML, want.String())
			}
			if strings.HasPrefix(s.Text, "…") != c.cutStart || strings.HasSuffix(s.Text, "…") != c.cutEnd {
				t.Errorf("text %q: cut at start %v, at end %v", s.Text, c.cutStart, c.cutEnd)
			}
			if n := utf8.RuneCountInString(strings.Trim(s.Text, "…")); n > SnippetChars {
				t.Errorf("text of %d characters: %q", n, s.Text)
			}
			// cut at word boundaries: the passage without its "…" is a whole-word part of the original
			inner := strings.Trim(s.Text, "…")
			for _, f := range c.fields {
				if f.Name == s.Field {
					text := strings.Join(strings.Fields(f.Text), " ")
					i := strings.Index(text, inner)
					if i < 0 || (i > 0 && isWordRune(lastRune(text[:i]))) || (i+len(inner) < len(text) && isWordRune(firstRune(text[i+len(inner):]))) {
						t.Errorf("%q is not a whole-word passage of the field", inner)
					}
				}
			}
		})
	}
	q, _ := ParseQuery("query", "absent")
	if s := q.Snippet([]SearchField{{"name", "Present", TierTitle}}); s != nil {
		t.Errorf("snippet %+v for no match", s)
	}
}

func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}

func lastRune(s string) rune  { r, _ := utf8.DecodeLastRuneInString(s); return r }
func firstRune(s string) rune { r, _ := utf8.DecodeRuneInString(s); return r }

func TestSnippetHighlightsCountUTF16(t *testing.T) {
	q, _ := ParseQuery("query", "lodz")
	s := q.Snippet([]SearchField{{"name", "🎉🎉 Łódź", TierTitle}})
	// each emoji is two UTF-16 code units; "🎉🎉 " is five
	if len(s.Highlights) != 1 || s.Highlights[0] != (TextRange{Start: 5, Length: 4}) {
		t.Errorf("highlights %+v in %q", s.Highlights, s.Text)
	}
}

// The keywords come title words first, then the other lead words, then the rest, each word once; the counts say
// where the tiers end.
func TestNewIndexOrdersKeywordsByTier(t *testing.T) {
	ix := NewIndex("Łódź Digital", []SearchField{
		{"description", "Digital skills in Łódź, for jobs.", TierBody},
		{"name", "Łódź Digital", TierTitle},
		{"tags", "skills, digital-jobs", TierLead},
	})
	if want := []string{"lodz", "digital", "skills", "jobs", "in", "for"}; !slices.Equal(ix.Keywords, want) {
		t.Errorf("keywords %q, want %q", ix.Keywords, want)
	}
	title, lead := ix.tiers()
	if !slices.Equal(title, []string{"lodz", "digital"}) || !slices.Equal(lead, []string{"skills", "jobs"}) {
		t.Errorf("title %q, lead %q (counts %d, %d)", title, lead, ix.TitleCount, ix.LeadCount)
	}
	if ix.SortName != "lodz digital" || ix.IndexVersion != IndexVersion {
		t.Errorf("sort name %q, version %d", ix.SortName, ix.IndexVersion)
	}
	bad := Index{Keywords: []string{"a"}, TitleCount: 5, LeadCount: -2}
	if title, lead := bad.tiers(); len(title) != 1 || len(lead) != 0 {
		t.Errorf("out-of-range counts give %q, %q", title, lead)
	}
}
