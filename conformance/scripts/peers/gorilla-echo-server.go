// An echo server on gorilla/websocket (Debian's golang-github-gorilla-websocket-dev), as its
// examples write one: every message back, with its type. Prints the URL it listens on.
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o gorilla-echo-server gorilla-echo-server.go
package main

import (
	"fmt"
	"net"
	"net/http"

	"github.com/gorilla/websocket"
)

var upgrader = websocket.Upgrader{}

func echo(w http.ResponseWriter, r *http.Request) {
	c, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer c.Close()
	for {
		kind, message, err := c.ReadMessage()
		if err != nil {
			return
		}
		if err := c.WriteMessage(kind, message); err != nil {
			return
		}
	}
}

func main() {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	fmt.Printf("listening on ws://%s/\n", listener.Addr())
	http.HandleFunc("/", echo)
	http.Serve(listener, nil)
}
