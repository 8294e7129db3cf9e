//go:build !linux

package shopflow

import (
	"io"
	"net"
)

// socketOf is what a shopper's connection reads and writes. The raw system
// calls of socket_linux.go are Linux's; elsewhere the connection itself
// serves, at the cost of a few more thread wake-ups per request.
func socketOf(c *net.TCPConn) (io.ReadWriter, error) { return c, nil }
