package shopflow

import (
	"bufio"
	"compress/gzip"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"
)

// conn is a shopper's keep-alive HTTP/1.1 connection to the shop, an
// http.RoundTripper that sends each request and reads its response in the
// shopper's own goroutine, reusing its buffers and gzip reader from
// request to request. http.Transport would hand every request and response
// over between three goroutines, start a timer per request and take a
// fresh gzip reader and buffer per response, which costs more than the
// shopper's own work on this small flow: the load generator would take
// CPU away from the server it measures.
//
// Like http.Transport it asks for gzip (the Accept-Encoding header the
// shopper sets), decompresses gzip responses transparently, and sends a
// request again on a new connection when the server had closed the reused
// one before answering. One request at a time: the previous response's
// body must be closed before the next request.
type conn struct {
	c       net.Conn
	br      *bufio.Reader
	bw      *bufio.Writer
	zbr     *bufio.Reader // the gzip reader's buffer
	zr      gzip.Reader
	timeout time.Duration // of a whole request and its response body
}

func newConn(timeout time.Duration) *conn {
	return &conn{zbr: bufio.NewReaderSize(nil, 4096), timeout: timeout}
}

var dialer = net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}

// RoundTrip sends req and reads its response's header.
func (t *conn) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "http" {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, errors.New("shopflow: only http URLs")
	}
	reused := t.c != nil
	if !reused {
		if err := t.dial(req.URL.Host); err != nil {
			if req.Body != nil {
				req.Body.Close()
			}
			return nil, err
		}
	}
	r, err := t.exchange(req)
	if err != nil && reused && (req.Body == nil || req.GetBody != nil) && closedBeforeAnswering(err) {
		// The server closed the idle connection: ask again on a new one,
		// with a new copy of the body.
		t.close()
		if req, err = rewound(req); err != nil {
			return nil, err
		}
		if err = t.dial(req.URL.Host); err != nil {
			return nil, err
		}
		r, err = t.exchange(req)
	}
	if err != nil {
		t.close()
		return nil, err
	}
	return r, nil
}

func (t *conn) dial(host string) error {
	c, err := dialer.Dial("tcp", host)
	if err != nil {
		return err
	}
	rw, err := socketOf(c.(*net.TCPConn))
	if err != nil {
		c.Close()
		return err
	}
	t.c = c
	if t.br == nil {
		t.br, t.bw = bufio.NewReaderSize(rw, 16<<10), bufio.NewWriterSize(rw, 4096)
	} else {
		t.br.Reset(rw)
		t.bw.Reset(rw)
	}
	return nil
}

func (t *conn) close() {
	if t.c != nil {
		t.c.Close()
		t.c = nil
	}
}

// exchange writes req and reads the response's header.
func (t *conn) exchange(req *http.Request) (*http.Response, error) {
	if err := t.c.SetDeadline(time.Now().Add(t.timeout)); err != nil {
		return nil, err
	}
	if err := req.Write(t.bw); err != nil {
		return nil, err
	}
	if err := t.bw.Flush(); err != nil {
		return nil, unanswered{err}
	}
	if _, err := t.br.Peek(1); err != nil {
		return nil, unanswered{err}
	}
	r, err := http.ReadResponse(t.br, req)
	if err != nil {
		return nil, err
	}
	b := &body{t: t, r: r.Body, close: r.Close}
	if r.Body != http.NoBody && strings.EqualFold(r.Header.Get("Content-Encoding"), "gzip") {
		// As http.Transport does with the gzip it asked for.
		b.gzip = true
		r.Header.Del("Content-Encoding")
		r.Header.Del("Content-Length")
		r.ContentLength = -1
		r.Uncompressed = true
	}
	r.Body = b
	return r, nil
}

// unanswered is an error sending a request or before reading any byte of
// its response.
type unanswered struct{ error }

func (e unanswered) Unwrap() error { return e.error }

// closedBeforeAnswering is whether err means the server had closed the
// connection before any byte of its answer, as it does to idle
// connections: it did not handle the request.
func closedBeforeAnswering(err error) bool {
	var u unanswered
	return errors.As(err, &u) && (errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE))
}

func rewound(req *http.Request) (*http.Request, error) {
	if req.Body == nil {
		return req, nil
	}
	b, err := req.GetBody()
	if err != nil {
		return nil, err
	}
	r := *req
	r.Body = b
	return &r, nil
}

// body is a response's body, decompressed when gzip.
type body struct {
	t     *conn
	r     io.ReadCloser
	gzip  bool
	zr    *gzip.Reader // once the gzip header is read
	close bool         // the server closes the connection after it
	err   error
}

func (b *body) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if !b.gzip {
		return b.r.Read(p)
	}
	if b.zr == nil {
		b.t.zbr.Reset(b.r)
		if b.err = b.t.zr.Reset(b.t.zbr); b.err != nil {
			return 0, b.err
		}
		b.zr = &b.t.zr
	}
	n, err := b.zr.Read(p)
	if err != nil {
		b.err = err
	}
	return n, err
}

// Close reads what is left of the body, so that the connection can send the
// next request, else closes it.
func (b *body) Close() error {
	_, err := io.Copy(io.Discard, b.r)
	if err != nil || b.close || (b.err != nil && b.err != io.EOF) {
		b.t.close()
	}
	b.t.zbr.Reset(nil)
	return b.r.Close()
}
