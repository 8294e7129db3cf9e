package browser

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// A browser that failed to start must not be started again when the test
// ends: chromedp (v0.23) would close the context's allocation channel a
// second time and panic, ending every test of the run (seen on loaded
// machines, where Chromium sometimes fails to start).
func TestFinishAfterFailedStart(t *testing.T) {
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), chromedp.ExecPath("/bin/false"))
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	if err := chromedp.Do(ctx); err == nil {
		t.Fatal("a browser that is /bin/false started")
	}
	w := &watcher{tb: t}
	w.finish(ctx)
	time.Sleep(300 * time.Millisecond) // a second start's process would have exited by now, and panicked
	if !w.stopped {
		t.Error("the watcher still reports events")
	}
}
