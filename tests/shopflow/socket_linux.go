//go:build linux

package shopflow

import (
	"io"
	"net"
	"os"
	"syscall"
	"unsafe"
)

// socketOf is what a shopper's connection reads and writes: its socket,
// through raw system calls.
func socketOf(c *net.TCPConn) (io.ReadWriter, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return nil, err
	}
	return socket{rc}, nil
}

// socket reads and writes a connection's socket as net.Conn does, waiting
// for it with the runtime's network poller (and the connection's deadline),
// but with raw system calls: reading or writing a non-blocking socket never
// blocks, and a plain system call would wake the runtime's monitor thread
// whenever the shopper's process had been idle, that is on about every
// response, for tens of system calls and thread switches per order.
type socket struct{ rc syscall.RawConn }

func (s socket) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	var n int
	var errno syscall.Errno
	err := s.rc.Read(func(fd uintptr) bool {
		n, errno = rawIO(syscall.SYS_READ, fd, p)
		return errno != syscall.EAGAIN
	})
	switch {
	case err != nil:
		return 0, err
	case errno != 0:
		return 0, os.NewSyscallError("read", errno)
	case n == 0:
		return 0, io.EOF
	}
	return n, nil
}

func (s socket) Write(p []byte) (int, error) {
	var n int
	var errno syscall.Errno
	err := s.rc.Write(func(fd uintptr) bool {
		for n < len(p) {
			var k int
			if k, errno = rawIO(syscall.SYS_WRITE, fd, p[n:]); errno != 0 {
				return errno != syscall.EAGAIN
			}
			n += k
		}
		return true
	})
	if err == nil && errno != 0 {
		err = os.NewSyscallError("write", errno)
	}
	return n, err
}

// rawIO reads or writes p once, again when interrupted by a signal.
func rawIO(trap, fd uintptr, p []byte) (int, syscall.Errno) {
	for {
		n, _, errno := syscall.RawSyscall(trap, fd, uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
		if errno != syscall.EINTR {
			return int(n), errno
		}
	}
}
