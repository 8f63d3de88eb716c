// A command-line client on gorilla/websocket (Debian's golang-github-gorilla-websocket-dev),
// keeping the contract `pnpm conformance --client` checks: each line of input is sent as a text
// message, the end of input closes with 1000, every message is printed on a line, and the exit
// status is 0 after a clean close (ours, or the server's with 1000, 1001 or no code) and 1
// otherwise, with a line saying why.
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o gorilla-client gorilla-client.go
package main

import (
	"bufio"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/gorilla/websocket"
)

func main() {
	c, _, err := websocket.DefaultDialer.Dial(os.Args[1], nil)
	if err != nil {
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
		os.Exit(1)
	}
	defer c.Close()

	closing := make(chan struct{}, 1)
	go func() {
		// Lines up to 16 MiB: bufio.Scanner's default would stop at 64 KiB.
		input := bufio.NewScanner(os.Stdin)
		input.Buffer(make([]byte, 64*1024), 16*1024*1024)
		for input.Scan() {
			if err := c.WriteMessage(websocket.TextMessage, input.Bytes()); err != nil {
				return
			}
		}
		closing <- struct{}{}
		c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(1000, ""), time.Now().Add(time.Second))
	}()

	for {
		kind, message, err := c.ReadMessage()
		if err != nil {
			os.Exit(ending(err, len(closing) > 0))
		}
		if kind == websocket.BinaryMessage {
			fmt.Printf("binary: %s\n", hex.EncodeToString(message))
		} else {
			fmt.Println(strconv.Quote(string(message)))
		}
	}
}

// The exit status for how the connection ended.
func ending(err error, weClosed bool) int {
	var closeError *websocket.CloseError
	if errors.As(err, &closeError) {
		code := closeError.Code
		if weClosed || code == 1000 || code == 1001 || code == 1005 {
			fmt.Printf("closed: %d\n", code)
			return 0
		}
		fmt.Fprintf(os.Stderr, "error: closed: %d %s\n", code, closeError.Text)
		return 1
	}
	fmt.Fprintf(os.Stderr, "error: %v\n", err)
	return 1
}
