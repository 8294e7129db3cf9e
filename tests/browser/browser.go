// Package browser drives Debian's headless Chromium for end-to-end tests,
// with chromedp.
//
// New starts a browser for one test and returns the context of a tab in it;
// NewTab opens more tabs in the same browser, each with its own cookies. Every
// tab forwards the page's console messages, JavaScript exceptions and
// Content-Security-Policy violations to the test log, and an exception or a
// CSP violation fails the test (AllowPageErrors turns that off), because it
// means that something is broken for real users.
//
// The tests skip only when no Chromium is installed (apt-get install
// chromium); CI installs it. Set BROWSER_SHOTS to a directory to keep the
// screenshots that tests take with Screenshot.
package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// Window sizes, in CSS pixels.
const (
	DesktopWidth, DesktopHeight   = 1280, 900
	HandheldWidth, HandheldHeight = 412, 915 // the warehouse's Android handhelds
)

// DefaultTimeout bounds everything one test does with its browser.
const DefaultTimeout = 60 * time.Second

// StepTimeout bounds one page load, or one wait for an element, of the
// helpers Navigate, ClickAndWait and Text.
const StepTimeout = 15 * time.Second

// Option changes how New and NewTab set up a tab.
type Option func(*config)

type config struct {
	width, height int
	timeout       time.Duration
	allowErrors   bool
}

// Size sets the size of the tab's viewport.
func Size(width, height int) Option {
	return func(c *config) { c.width, c.height = width, height }
}

// Handheld sets the viewport of the warehouse's handheld scanners, 412x915.
func Handheld() Option { return Size(HandheldWidth, HandheldHeight) }

// Timeout replaces DefaultTimeout for the whole browser (only New uses it).
func Timeout(d time.Duration) Option {
	return func(c *config) { c.timeout = d }
}

// AllowPageErrors only logs the page's JavaScript exceptions and CSP
// violations instead of failing the test: for a test that provokes them.
func AllowPageErrors() Option {
	return func(c *config) { c.allowErrors = true }
}

func newConfig(opts []Option) config {
	c := config{width: DesktopWidth, height: DesktopHeight, timeout: DefaultTimeout}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// ExecPath is the Chromium the tests run: $CHROME_PATH, else Debian's
// /usr/bin/chromium, else chromium or chromium-browser in PATH. It is ""
// when none is installed.
func ExecPath() string {
	if p := os.Getenv("CHROME_PATH"); p != "" {
		return p
	}
	if fi, err := os.Stat("/usr/bin/chromium"); err == nil && !fi.IsDir() {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// New starts a headless Chromium for the test, with a fresh profile, and
// returns the context of its first tab. The browser ends with the test, or
// after the timeout. Run actions on the context with chromedp.Do and
// chromedp.Run, or with the helpers of this package.
func New(tb testing.TB, opts ...Option) context.Context {
	tb.Helper()
	path := ExecPath()
	if path == "" {
		// CI installs it; a browser test that does not run must not pass.
		tb.Fatalf("browser tests need Chromium and none was found (CHROME_PATH, /usr/bin/chromium, chromium or chromium-browser in PATH): install Debian's chromium (apt-get install chromium)")
	}
	if _, err := os.Stat(path); err != nil {
		tb.Fatalf("browser: CHROME_PATH: %v", err)
	}
	cfg := newConfig(opts)
	// Chromium sometimes fails to start on a loaded machine: one more try.
	ctx, output, err := start(tb, path, cfg)
	if err != nil {
		tb.Logf("browser: start %s: %v (trying again)\n%s", path, err, output)
		ctx, output, err = start(tb, path, cfg)
	}
	if err != nil {
		tb.Fatalf("browser: start %s: %v\n%s", path, err, output)
	}
	return ctx
}

// start launches a browser with its own profile, stopped when the test ends,
// and returns its first tab, or the launch's error and output.
func start(tb testing.TB, path string, cfg config) (context.Context, string, error) {
	profile, err := os.MkdirTemp("", "orderflow-chromium-")
	if err != nil {
		tb.Fatalf("browser: profile directory: %v", err)
	}
	var output lockedBuffer
	allocOpts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(cfg.width, cfg.height),
		chromedp.CombinedOutput(&output),
	)
	timeoutCtx, cancelTimeout := context.WithTimeout(context.Background(), cfg.timeout)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(timeoutCtx, allocOpts...)
	w := &watcher{tb: tb, allowErrors: cfg.allowErrors}
	ctx, cancel := chromedp.NewContext(allocCtx,
		chromedp.WithListener(w.event),
		chromedp.WithErrorf(func(format string, args ...any) { w.logf("chromedp: "+format, args...) }))
	tb.Cleanup(func() {
		w.finish(ctx)
		cancel()
		cancelAlloc() // waits until the browser has exited
		cancelTimeout()
		_ = os.RemoveAll(profile)
	})
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(cfg.width), int64(cfg.height))); err != nil {
		return nil, output.String(), err
	}
	return ctx, "", nil
}

// NewTab opens another tab in the browser of ctx (a context that New or
// NewTab returned), in a fresh browser context of its own: another user,
// with no cookies. It closes when the test ends. Size and AllowPageErrors
// apply; Timeout does not (the browser's timeout does).
func NewTab(tb testing.TB, ctx context.Context, opts ...Option) context.Context {
	tb.Helper()
	if c := chromedp.FromContext(ctx); c == nil || c.Browser == nil {
		tb.Fatalf("browser: NewTab needs a context from browser.New")
	}
	if root, ok := ctx.Value(rootKey{}).(context.Context); ok {
		ctx = root
	}
	cfg := newConfig(opts)
	w := &watcher{tb: tb, allowErrors: cfg.allowErrors}
	tab, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext(), chromedp.WithListener(w.event))
	tab = context.WithValue(tab, rootKey{}, ctx)
	tb.Cleanup(func() {
		w.finish(tab)
		cancel()
	})
	if err := chromedp.Do(tab, chromedp.EmulateViewport(int64(cfg.width), int64(cfg.height))); err != nil {
		tb.Fatalf("browser: open a tab: %v", err)
	}
	return tab
}

// rootKey marks a tab of NewTab with the context of the browser's first tab.
type rootKey struct{}

// watcher forwards a tab's console to the test log and fails the test on a
// JavaScript exception or a CSP violation. It runs in the tab's event loop,
// so it must be quick and must not send commands.
type watcher struct {
	tb          testing.TB
	allowErrors bool
	mu          sync.Mutex
	stopped     bool
}

// finish makes the watcher see every event the tab sent so far (the
// listener runs before the reply to a later command is read) and then
// stops it, since a test must not log after it has ended.
func (w *watcher) finish(ctx context.Context) {
	// Without a browser (it failed to start) running anything on ctx would
	// start another one, and chromedp (v0.23) then closes the context's
	// allocation channel twice: a panic that ends every test.
	if c := chromedp.FromContext(ctx); c != nil && c.Browser != nil {
		c, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, _ = chromedp.Run(c, chromedp.Evaluate[int](`1`))
		cancel()
	}
	w.mu.Lock()
	w.stopped = true
	w.mu.Unlock()
}

func (w *watcher) logf(format string, args ...any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.stopped {
		w.tb.Logf(format, args...)
	}
}

func (w *watcher) event(ev any) {
	var kind, text, where string
	var broken bool
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		kind, broken = "JavaScript exception", true
		text = d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			text += " " + d.Exception.Description
		}
		where = location(d.URL, d.LineNumber, d.StackTrace)
	case *runtime.EventConsoleAPICalled:
		kind = "console." + string(ev.Type)
		parts := make([]string, 0, len(ev.Args))
		for _, a := range ev.Args {
			parts = append(parts, remoteText(a))
		}
		text = strings.Join(parts, " ")
		where = location("", 0, ev.StackTrace)
		if isCSPViolation(text) {
			kind, broken = "CSP violation", true
		}
	case *log.EventEntryAdded:
		e := ev.Entry
		kind = "browser " + string(e.Level) + " (" + string(e.Source) + ")"
		text = e.Text
		where = location(e.URL, e.LineNumber, e.StackTrace)
		if isCSPViolation(e.Text) {
			kind, broken = "CSP violation", true
		}
	default:
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped {
		return
	}
	msg := fmt.Sprintf("browser: %s: %s", kind, text)
	if where != "" {
		msg += " (at " + where + ")"
	}
	if broken && !w.allowErrors {
		w.tb.Error(msg)
	} else {
		w.tb.Log(msg)
	}
}

func isCSPViolation(text string) bool {
	return strings.Contains(text, "Content Security Policy")
}

func location(u string, line int64, st *runtime.StackTrace) string {
	if u == "" && st != nil && len(st.CallFrames) > 0 {
		u, line = st.CallFrames[0].URL, st.CallFrames[0].LineNumber
	}
	if u == "" {
		return ""
	}
	return fmt.Sprintf("%s:%d", u, line+1)
}

func remoteText(o *runtime.RemoteObject) string {
	if o == nil {
		return "null"
	}
	if o.Type == runtime.RemoteObjectTypeString {
		var s string
		if err := json.Unmarshal(o.Value, &s); err == nil {
			return s
		}
	}
	switch {
	case o.Description != "":
		return o.Description
	case o.UnserializableValue != "":
		return string(o.UnserializableValue)
	case len(o.Value) > 0:
		return string(o.Value)
	}
	return string(o.Type)
}

// lockedBuffer collects the browser's output, for the error when it
// cannot start.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (w *lockedBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *lockedBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// Do runs the actions in order and fails the test at the first error.
func Do(tb testing.TB, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	tb.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		tb.Fatalf("browser: %v (page %s)", err, currentURL(ctx))
	}
}

// Run runs one action and returns its value; it fails the test on error.
func Run[T any](tb testing.TB, ctx context.Context, action chromedp.Action[T]) T {
	tb.Helper()
	v, err := chromedp.Run(ctx, action)
	if err != nil {
		tb.Fatalf("browser: %v (page %s)", err, currentURL(ctx))
	}
	return v
}

// Navigate opens rawURL, waits until the page has loaded, and returns the
// HTTP status of the document.
func Navigate(tb testing.TB, ctx context.Context, rawURL string) int64 {
	tb.Helper()
	step, cancel := context.WithTimeout(ctx, StepTimeout)
	defer cancel()
	resp, err := chromedp.Run(step, chromedp.NavigateResponse(rawURL))
	if err != nil {
		tb.Fatalf("browser: open %s: %v", rawURL, err)
	}
	if resp == nil {
		return 0
	}
	return resp.Status
}

// ClickAndWait clicks the first element matching the CSS selector (a link
// or a submit button), waits until the page it leads to has loaded (after
// any redirects), and returns the HTTP status of that page.
func ClickAndWait(tb testing.TB, ctx context.Context, css string) int64 {
	tb.Helper()
	step, cancel := context.WithTimeout(ctx, StepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(step, chromedp.Click(chromedp.CSS(css), chromedp.NodeVisible))
	if err != nil {
		tb.Fatalf("browser: click %s and wait for the next page: %v (page %s)", css, err, currentURL(ctx))
	}
	if resp == nil {
		return 0
	}
	return resp.Status
}

// TypeKeys types keys into whatever has the focus, the way a hardware
// keyboard (or a keyboard-wedge barcode scanner) does: for each character a
// rawKeyDown, a char and a keyUp event, as Chromium gets them from the
// operating system. Use "\r" (kb.Enter) for Enter.
//
// chromedp.KeyEvent sends a keyDown event instead of a rawKeyDown, and then
// Blink does not drop the char event after a keydown handler called
// preventDefault, so the page gets a character that a real keyboard would
// not have typed. TypeKeys keeps that behaviour of real keyboards.
func TypeKeys(keys string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		for _, r := range keys {
			for _, ev := range kb.Encode(r) {
				if ev.Type == kb.KeyDown {
					ev.Type = kb.KeyRawDown
				}
				if _, err := cdp.Call(ctx, t, input.DispatchKeyEvent, *ev); err != nil {
					return fmt.Errorf("type %q: %w", r, err)
				}
			}
		}
		return nil
	})
}

// URL is the address of the page in the tab.
func URL(tb testing.TB, ctx context.Context) *url.URL {
	tb.Helper()
	s := Run(tb, ctx, chromedp.Location())
	u, err := url.Parse(s)
	if err != nil {
		tb.Fatalf("browser: location %q: %v", s, err)
	}
	return u
}

// Path is the path of the page in the tab, e.g. "/office".
func Path(tb testing.TB, ctx context.Context) string {
	tb.Helper()
	return URL(tb, ctx).Path
}

// Exists reports whether the page has an element matching the CSS selector
// now, without waiting.
func Exists(tb testing.TB, ctx context.Context, css string) bool {
	tb.Helper()
	return Run(tb, ctx, chromedp.Evaluate[bool](fmt.Sprintf(`document.querySelector(%s) !== null`, jsString(css))))
}

// Text waits until an element matching the CSS selector is visible and
// returns its visible text.
func Text(tb testing.TB, ctx context.Context, css string) string {
	tb.Helper()
	step, cancel := context.WithTimeout(ctx, StepTimeout)
	defer cancel()
	text, err := chromedp.Run(step, chromedp.Text(chromedp.CSS(css), chromedp.NodeVisible))
	if err != nil {
		tb.Fatalf("browser: text of %s: %v (page %s)", css, err, currentURL(ctx))
	}
	return text
}

// WaitFor waits until a JavaScript expression is truthy, polling on DOM
// changes, for at most d; it fails the test with what when it never is.
func WaitFor(tb testing.TB, ctx context.Context, d time.Duration, what, expression string) {
	tb.Helper()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](fmt.Sprintf("!!(%s)", expression),
		chromedp.WithPollingMutation(), chromedp.WithPollingTimeout(d)))
	if err != nil {
		tb.Fatalf("browser: waiting %v for %s: %v (page %s)", d, what, err, currentURL(ctx))
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func currentURL(ctx context.Context) string {
	c, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	s, err := chromedp.Run(c, chromedp.Location())
	if err != nil {
		return "unknown"
	}
	return s
}

// Screenshot saves a full-page PNG of the tab in the directory that
// BROWSER_SHOTS names, creating it, as the test's name and name (e.g.
// "TestX_admin-login.png"); without BROWSER_SHOTS it does nothing. A failure
// is logged, never fatal.
func Screenshot(tb testing.TB, ctx context.Context, name string) {
	tb.Helper()
	dir := os.Getenv("BROWSER_SHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, fullPage)
	if err == nil {
		err = os.MkdirAll(dir, 0o755)
	}
	path := filepath.Join(dir, fileSafe.Replace(tb.Name())+"-"+filepath.Base(name))
	if err == nil {
		err = os.WriteFile(path, png, 0o644)
	}
	if err != nil {
		tb.Logf("browser: screenshot %s: %v", path, err)
		return
	}
	tb.Logf("browser: screenshot %s", path)
}

var fileSafe = strings.NewReplacer("/", "_", "\\", "_", " ", "_", ":", "_")

// fullPage captures the whole document, beyond the viewport, as PNG.
func fullPage(ctx context.Context, t *chromedp.Target) ([]byte, error) {
	m, err := cdp.Call(ctx, t, page.GetLayoutMetrics, cdp.Empty{})
	if err != nil {
		return nil, err
	}
	params := page.CaptureScreenshotParams{
		Format:                page.CaptureScreenshotFormatPng,
		CaptureBeyondViewport: new(true),
		FromSurface:           new(true),
	}
	if s := m.CSSContentSize; s != nil && s.Width > 0 && s.Height > 0 {
		params.Clip = &page.Viewport{Width: s.Width, Height: s.Height, Scale: 1}
	}
	r, err := cdp.Call(ctx, t, page.CaptureScreenshot, params)
	if err != nil {
		return nil, err
	}
	return r.Data, nil
}
