package content

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// letters that Unicode does not decompose into a base letter and a mark.
var foldSpecial = map[rune]string{
	'ø': "o", 'đ': "d", 'ł': "l", 'ß': "ss", 'æ': "ae", 'œ': "oe", 'þ': "th", 'ð': "d", 'ı': "i", 'ħ': "h",
	'ς': "σ",
}

// Fold lower-cases s and strips its accents so that "Łódź", "lodz" and "LODZ" compare equal: the key for
// ordering by name and for search. It folds rune by rune (see foldRune), so that search can map a folded word
// back to its place in the original text.
func Fold(s string) string {
	ascii := true
	for i := 0; i < len(s) && ascii; i++ {
		ascii = s[i] < utf8.RuneSelf
	}
	if ascii {
		return strings.ToLower(s)
	}
	var b strings.Builder
	for _, r := range s {
		b.WriteString(foldRune(r))
	}
	return b.String()
}

// foldRune is the folded form of one rune: its compatibility decomposition (so that "ǆ" and "ﬁ" become letters),
// lower-cased, without combining marks (accents, Greek tonos and dialytika, háček…), and with the letters Unicode
// does not decompose spelled out (ø, ł, ß, æ…). A combining mark on its own folds to "".
func foldRune(r rune) string {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return string(r)
	}
	var b strings.Builder
	for _, d := range norm.NFKD.String(string(r)) {
		d = unicode.ToLower(d)
		if unicode.Is(unicode.Mn, d) {
			continue
		}
		if rep, ok := foldSpecial[d]; ok {
			b.WriteString(rep)
			continue
		}
		b.WriteRune(d)
	}
	return b.String()
}

// Words splits folded text into its words: runs of letters and digits.
func Words(s string) []string {
	return strings.FieldsFunc(Fold(s), func(r rune) bool { return !isWordRune(r) })
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }

// Keywords returns the distinct words of all the texts, for the search index.
func Keywords(texts ...string) []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range texts {
		for _, w := range Words(t) {
			if !seen[w] {
				seen[w] = true
				out = append(out, w)
			}
		}
	}
	return out
}
