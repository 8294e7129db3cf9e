package models

import (
	"bytes"
	"html"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

var (
	// goldmark drops raw HTML from the source (it is not built WithUnsafe),
	// and bluemonday sanitizes what goldmark produced, so description_html is
	// safe to put in a page as it is.
	markdown      = goldmark.New(goldmark.WithExtensions(extension.GFM))
	htmlSanitizer = bluemonday.UGCPolicy()
)

// RenderMarkdown turns a product description written in Markdown into
// sanitized HTML (bluemonday's user-generated-content policy: no scripts, no
// event handlers, no javascript: links).
func RenderMarkdown(src string) string {
	if src == "" {
		return ""
	}
	var buf bytes.Buffer
	if err := markdown.Convert([]byte(src), &buf); err != nil {
		// goldmark fails only when writing fails; keep the text, escaped.
		return "<p>" + html.EscapeString(src) + "</p>"
	}
	return string(htmlSanitizer.SanitizeBytes(buf.Bytes()))
}
