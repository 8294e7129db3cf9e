// Package static embeds the CSS, JavaScript and images served under /static/,
// and gives each file a content-hashed URL so browsers may cache it forever.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
)

//go:embed css js img
var FS embed.FS

// hashes maps a file's path (css/app.css) to a short hash of its content.
var hashes = map[string]string{}

func init() {
	err := fs.WalkDir(FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := FS.ReadFile(path)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		hashes[path] = hex.EncodeToString(sum[:6])
		return nil
	})
	if err != nil {
		panic(err)
	}
}

// URL returns the versioned URL of the embedded file at path ("css/app.css"):
// the version changes whenever the content does.
func URL(path string) string {
	return "/static/" + path + "?v=" + hashes[path]
}

// Hash returns the content hash of path, or "" for an unknown file.
func Hash(path string) string { return hashes[path] }
