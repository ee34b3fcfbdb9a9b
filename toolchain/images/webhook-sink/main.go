// Command webhook-sink records the webhooks it receives, for the e2e alert-delivery tests.
//
//	POST <any path>          recorded (body as JSON if it parses, else as a string), answers 200
//	GET  /received?path=P    the records of path P, oldest first: [{"at": RFC3339, "body": …}]
//	GET  /healthz            ok
//	-health                  probes its own /healthz and exits 0 or 1 (the container's health check)
package main

import (
	"encoding/json"
	"flag"
	"io"
	"log"
	"net/http"
	"os"
	"sync"
	"time"
)

type record struct {
	At   time.Time       `json:"at"`
	Body json.RawMessage `json:"body"`
}

func main() {
	listen := flag.String("listen", ":8080", "address to listen on")
	health := flag.Bool("health", false, "probe the running sink and exit")
	flag.Parse()
	if *health {
		resp, err := http.Get("http://127.0.0.1:8080/healthz")
		if err != nil || resp.StatusCode != http.StatusOK {
			os.Exit(1)
		}
		os.Exit(0)
	}
	var mu sync.Mutex
	received := map[string][]record{}
	http.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
	http.HandleFunc("/received", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		list := received[r.URL.Query().Get("path")]
		if list == nil {
			list = []record{}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(list)
	})
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if !json.Valid(body) {
			body, _ = json.Marshal(string(body))
		}
		mu.Lock()
		received[r.URL.Path] = append(received[r.URL.Path], record{At: time.Now().UTC(), Body: body})
		mu.Unlock()
		log.Printf("POST %s (%d bytes)", r.URL.Path, len(body))
	})
	log.Printf("listening on %s", *listen)
	log.Fatal(http.ListenAndServe(*listen, nil))
}
