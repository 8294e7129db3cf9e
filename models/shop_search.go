package models

import (
	stdhtml "html"
	"slices"
	"strings"
	"unicode"

	"github.com/microcosm-cc/bluemonday"
)

// Storefront search helpers: the shopper's words as tsquery text, and the
// marking of matched words in names.

// shopWords splits a search into lowercase words of letters and digits,
// the way the full-text parser and the normalized name see them.
func shopWords(s string) []string {
	words := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	if len(words) > 10 {
		words = words[:10]
	}
	return words
}

// prefixTSQuery matches documents with words starting with every word:
// "hood blu" -> 'hood':* & 'blu':*. Words are letters and digits only, so
// nothing in them is tsquery syntax.
func prefixTSQuery(words []string) string {
	parts := make([]string, len(words))
	for i, w := range words {
		parts[i] = "'" + w + "':*"
	}
	return strings.Join(parts, " & ")
}

// typoTSQuery matches documents with every searched word, or a word one
// transposition away from it ("mgu" -> mug), which trigrams cannot see in short words.
func typoTSQuery(words []string) string {
	var parts []string
	for _, w := range words {
		r := []rune(w)
		alts := []string{"'" + w + "'"}
		for i := 0; i+1 < len(r) && len(alts) < 40; i++ {
			if r[i] == r[i+1] {
				continue
			}
			t := slices.Clone(r)
			t[i], t[i+1] = t[i+1], t[i]
			alts = append(alts, "'"+string(t)+"'")
		}
		parts = append(parts, "("+strings.Join(alts, " | ")+")")
	}
	return strings.Join(parts, " & ")
}

// HighlightWords splits text into parts, marking the words that start with
// one of words (lowercase); with fuzzy, words within one typo of them too.
func HighlightWords(text string, words []string, fuzzy bool) []TextPart {
	if len(words) == 0 {
		return []TextPart{{Text: text}}
	}
	var parts []TextPart
	add := func(s string, mark bool) {
		if s == "" {
			return
		}
		if n := len(parts); n > 0 && parts[n-1].Mark == mark {
			parts[n-1].Text += s
			return
		}
		parts = append(parts, TextPart{Text: s, Mark: mark})
	}
	isWord := func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
	rs := []rune(text)
	for i := 0; i < len(rs); {
		j := i
		for j < len(rs) && isWord(rs[j]) == isWord(rs[i]) {
			j++
		}
		seg := string(rs[i:j])
		add(seg, isWord(rs[i]) && wordMatches(strings.ToLower(seg), words, fuzzy))
		i = j
	}
	return parts
}

func wordMatches(w string, words []string, fuzzy bool) bool {
	for _, q := range words {
		if strings.HasPrefix(w, q) {
			return true
		}
		if fuzzy && len([]rune(q)) >= 3 && osaDistance(w, q) <= 1+len([]rune(q))/6 {
			return true
		}
	}
	return false
}

// osaDistance is the edit distance counting a swap of neighbours as one edit.
func osaDistance(a, b string) int {
	x, y := []rune(a), []rune(b)
	d := make([][]int, len(x)+1)
	for i := range d {
		d[i] = make([]int, len(y)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(x); i++ {
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && x[i-1] == y[j-2] && x[i-2] == y[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(x)][len(y)]
}

// PlainText is sanitized HTML (a description) as plain text, for meta
// descriptions and snippets.
func PlainText(html string) string {
	return strings.Join(strings.Fields(stdhtml.UnescapeString(plainTextPolicy.Sanitize(html))), " ")
}

var plainTextPolicy = bluemonday.StrictPolicy()
