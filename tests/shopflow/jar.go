package shopflow

import (
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"
)

// jar is a shopper's cookie jar, keeping and sending back cookies as
// net/http/cookiejar does (without a public suffix list) for the few
// cookies of one shop, for a fraction of its CPU: cookiejar's bookkeeping
// of domains cost a tenth of a shopper's work.
//
// A cookie is kept by domain, path and name; a new value keeps its place.
// It goes to the requests of its host (or of its Domain attribute's domain
// and subdomains) whose path is under its own (by default its URL's
// directory), secure ones only over https (or to localhost), longest path
// first, else first set first. A Max-Age below zero or an Expires in the
// past deletes it; it expires after Max-Age seconds, else at Expires, else
// never.
type jar struct {
	entries []jarEntry // in the order they were first set
}

type jarEntry struct {
	name, value  string
	quoted       bool
	domain, path string
	hostOnly     bool
	secure       bool
	expires      time.Time // zero: never
}

func (e *jarEntry) expired(now time.Time) bool {
	return !e.expires.IsZero() && !e.expires.After(now)
}

func (j *jar) SetCookies(u *url.URL, cookies []*http.Cookie) {
	if u.Scheme != "http" && u.Scheme != "https" {
		return
	}
	host := strings.ToLower(u.Hostname())
	ip := strings.ContainsAny(host, ":%") || net.ParseIP(host) != nil
	now := time.Now()
	for _, c := range cookies {
		e := jarEntry{name: c.Name, value: c.Value, quoted: c.Quoted, domain: host, hostOnly: true, path: c.Path, secure: c.Secure}
		if c.Domain != "" {
			if ip {
				if c.Domain != host {
					continue // refused
				}
			} else {
				d := strings.ToLower(strings.TrimPrefix(c.Domain, "."))
				if d == "" || d[0] == '.' || d[len(d)-1] == '.' || host != d && !strings.HasSuffix(host, "."+d) {
					continue // malformed or another site's: refused
				}
				e.domain, e.hostOnly = d, false
			}
		}
		if e.secure && secureOrigin(e.domain) {
			e.secure = false // sent over http too, as browsers do
		}
		if e.path == "" || e.path[0] != '/' {
			e.path = defaultPath(u.Path)
		}
		remove := false
		switch {
		case c.MaxAge < 0:
			remove = true
		case c.MaxAge > 0:
			e.expires = now.Add(time.Duration(c.MaxAge) * time.Second)
		case !c.Expires.IsZero():
			e.expires = c.Expires
			remove = e.expired(now)
		}
		i := slices.IndexFunc(j.entries, func(o jarEntry) bool {
			return o.name == e.name && o.path == e.path && o.domain == e.domain
		})
		switch {
		case i >= 0 && remove:
			j.entries = slices.Delete(j.entries, i, i+1)
		case i >= 0:
			j.entries[i] = e
		case !remove:
			j.entries = append(j.entries, e)
		}
	}
}

func (j *jar) Cookies(u *url.URL) []*http.Cookie {
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil
	}
	host := strings.ToLower(u.Hostname())
	path := u.Path
	if path == "" {
		path = "/"
	}
	now := time.Now()
	j.entries = slices.DeleteFunc(j.entries, func(e jarEntry) bool { return e.expired(now) })
	var sent []*jarEntry
	for i := range j.entries {
		e := &j.entries[i]
		if e.secure && u.Scheme != "https" {
			continue
		}
		if host != e.domain && (e.hostOnly || !strings.HasSuffix(host, "."+e.domain)) {
			continue
		}
		if pathMatch(e.path, path) {
			sent = append(sent, e)
		}
	}
	// Longest path first, else first set first.
	slices.SortStableFunc(sent, func(a, b *jarEntry) int { return len(b.path) - len(a.path) })
	out := make([]*http.Cookie, len(sent))
	for i, e := range sent {
		out[i] = &http.Cookie{Name: e.name, Value: e.value, Quoted: e.quoted}
	}
	return out
}

// secureOrigin is whether a domain's pages are a secure origin whatever
// their scheme: localhost's and a loopback address's.
func secureOrigin(domain string) bool {
	d := strings.TrimSuffix(domain, ".")
	if i := strings.LastIndexByte(d, '.'); i >= 0 {
		d = d[i+1:]
	}
	if strings.EqualFold(d, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(domain)
	return err == nil && ip.IsLoopback()
}

// defaultPath is a cookie's path when it has none: the directory of the
// URL that set it (RFC 6265 5.1.4).
func defaultPath(p string) string {
	i := strings.LastIndexByte(p, '/')
	if i <= 0 || p[0] != '/' {
		return "/"
	}
	return p[:i]
}

// pathMatch is whether a cookie of path p goes to a request of path r (RFC
// 6265 5.1.4).
func pathMatch(p, r string) bool {
	return r == p || strings.HasPrefix(r, p) && (p[len(p)-1] == '/' || r[len(p)] == '/')
}
