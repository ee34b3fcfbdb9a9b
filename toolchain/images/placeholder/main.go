// Command placeholder is a tiny stand-in (stdlib, plus the collector's pdata to read OTLP logs) for services whose real
// binaries are not built in this project (Grafana Loki and Grafana are AGPL).
//
// It is NOT Loki or Grafana. It only answers the few HTTP endpoints that the
// scaibu-observability e2e tests and container health checks touch, with
// plausible responses, so the rest of the stack (collector, Prometheus,
// Jaeger, Traefik, which are real builds) can be exercised end to end.
//
// Mode is chosen by, in order: -placeholder.mode=loki|grafana, the
// PLACEHOLDER_MODE env var, or the program name (argv[0] containing
// "grafana" or "loki"). Default: loki.
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
)

const version = "placeholder"

var (
	startTime  = time.Now()
	reqCount   atomic.Int64
	pushCount  atomic.Int64
	pushBytes  atomic.Int64
	labelsMu   sync.Mutex
	seenLabels = map[string]map[string]bool{}
	// OTLP log records received, by their `run` attribute: lets the e2e tier check that the
	// collector delivered every record after an outage (what Loki would do with them is not checked).
	runsMu     sync.Mutex
	recordRuns = map[string]int{}
)

func main() {
	args := os.Args[1:]
	mode := modeFrom(args)

	// Loki >= 3.7 has `loki -health`: GET http://localhost:3100/ready (or
	// -health.url=URL), exit 0 on HTTP 200, 1 otherwise, without reading any
	// config. Mirror that exactly (grafana/loki PR #20313).
	if mode == "loki" && hasFlag(args, "health") {
		os.Exit(runHealth(flagValue(args, "health.url", "http://localhost:3100/ready"), "Loki"))
	}
	if hasFlag(args, "version") || (len(args) > 0 && args[0] == "-v") {
		fmt.Printf("%s, version %s (PLACEHOLDER, not the real program)\n", mode, version)
		return
	}

	// `grafana cli [--homepath H] [--config C] admin reset-admin-password [--password-from-stdin | PW]`
	if mode == "grafana" && len(args) > 0 && args[0] == "cli" {
		os.Exit(grafanaCLI(args[1:]))
	}

	var addr string
	mux := http.NewServeMux()
	switch mode {
	case "grafana":
		if _, err := grafanaDB(); err != nil {
			log.Fatalf("grafana database: %v", err)
		}
		port := envOr("GF_SERVER_HTTP_PORT", "3000")
		addr = envOr("GF_SERVER_HTTP_ADDR", "") + ":" + port
		grafanaRoutes(mux)
	default:
		port := "3100"
		if cfg := flagValue(args, "config.file", ""); cfg != "" {
			if p := yamlScalar(cfg, "http_listen_port"); p != "" {
				port = p
			}
		}
		addr = ":" + port
		lokiRoutes(mux)
	}
	commonRoutes(mux, mode)

	log.SetFlags(0)
	log.SetOutput(os.Stdout)
	logf(mode, "msg=%q addr=%s args=%q", "PLACEHOLDER "+mode+" starting (not the real program)", addr, args)
	srv := &http.Server{Addr: addr, Handler: logRequests(mode, mux), ReadHeaderTimeout: 10 * time.Second}
	if err := srv.ListenAndServe(); err != nil {
		logf(mode, "msg=%q err=%q", "server stopped", err.Error())
		os.Exit(1)
	}
}

func modeFrom(args []string) string {
	if m := flagValue(args, "placeholder.mode", ""); m != "" {
		return m
	}
	if m := os.Getenv("PLACEHOLDER_MODE"); m != "" {
		return m
	}
	base := filepath.Base(os.Args[0])
	if strings.Contains(base, "grafana") {
		return "grafana"
	}
	return "loki"
}

// hasFlag reports whether -name or --name (boolean form) is present.
func hasFlag(args []string, name string) bool {
	for _, a := range args {
		t := strings.TrimLeft(a, "-")
		if strings.HasPrefix(a, "-") && (t == name || t == name+"=true") {
			return true
		}
	}
	return false
}

// flagValue returns the value of -name=value / --name=value / -name value.
func flagValue(args []string, name, def string) string {
	for i, a := range args {
		if !strings.HasPrefix(a, "-") {
			continue
		}
		t := strings.TrimLeft(a, "-")
		if strings.HasPrefix(t, name+"=") {
			return strings.TrimPrefix(t, name+"=")
		}
		if t == name && i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
			return args[i+1]
		}
	}
	return def
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func runHealth(url, name string) int {
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		fmt.Fprintf(os.Stderr, "Health check failed: %v\n", err)
		return 1
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		fmt.Printf("%s is healthy\n", name)
		return 0
	}
	fmt.Fprintf(os.Stderr, "%s is unhealthy: status code %d\n", name, resp.StatusCode)
	return 1
}

// yamlScalar finds the first "key: value" line in a file (no YAML library:
// good enough for server.http_listen_port in a Loki config).
func yamlScalar(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(l, key+":") {
			return strings.Trim(strings.TrimSpace(strings.TrimPrefix(l, key+":")), `"'`)
		}
	}
	return ""
}

func logf(mode, format string, a ...any) {
	log.Printf("ts=%s level=info component=placeholder-%s "+format,
		append([]any{time.Now().UTC().Format(time.RFC3339Nano), mode}, a...)...)
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(c int) { w.code = c; w.ResponseWriter.WriteHeader(c) }

func logRequests(mode string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reqCount.Add(1)
		sw := &statusWriter{ResponseWriter: w, code: 200}
		t := time.Now()
		h.ServeHTTP(sw, r)
		logf(mode, "method=%s path=%q status=%d duration=%s remote=%s", r.Method, r.URL.Path, sw.code, time.Since(t), r.RemoteAddr)
	})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func commonRoutes(mux *http.ServeMux, mode string) {
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		fmt.Fprintf(w, "# HELP placeholder_info Placeholder build info (NOT the real %s).\n# TYPE placeholder_info gauge\n", mode)
		fmt.Fprintf(w, "placeholder_info{mode=%q,version=%q} 1\n", mode, version)
		fmt.Fprintf(w, "# TYPE placeholder_http_requests_total counter\nplaceholder_http_requests_total %d\n", reqCount.Load())
		fmt.Fprintf(w, "# TYPE placeholder_push_requests_total counter\nplaceholder_push_requests_total %d\n", pushCount.Load())
		fmt.Fprintf(w, "# TYPE placeholder_push_bytes_total counter\nplaceholder_push_bytes_total %d\n", pushBytes.Load())
		fmt.Fprintf(w, "# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds %d\n", startTime.Unix())
	})
	mux.HandleFunc("/placeholder", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"placeholder": true, "mode": mode, "requests": reqCount.Load(),
			"pushes": pushCount.Load(), "push_bytes": pushBytes.Load(), "uptime_seconds": int(time.Since(startTime).Seconds())})
	})
}

// ---------------------------------------------------------------- Loki mode

func lokiRoutes(mux *http.ServeMux) {
	mux.HandleFunc("/ready", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ready") })
	buildinfo := func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]string{"version": version, "revision": "placeholder", "branch": "placeholder",
			"buildUser": "scaibu-e2e", "buildDate": startTime.UTC().Format(time.RFC3339), "goVersion": "go"})
	}
	mux.HandleFunc("/loki/api/v1/status/buildinfo", buildinfo)
	// Loki's ingester flush: GET or POST, 204 once the flush is queued (grafana/loki v3.7.6
	// pkg/loki/modules.go initIngester, pkg/ingester/flush.go FlushHandler). Nothing to flush here.
	mux.HandleFunc("/flush", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodPost {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("/loki/api/v1/labels", func(w http.ResponseWriter, r *http.Request) {
		labelsMu.Lock()
		names := make([]string, 0, len(seenLabels))
		for k := range seenLabels {
			names = append(names, k)
		}
		labelsMu.Unlock()
		sort.Strings(names)
		writeJSON(w, 200, map[string]any{"status": "success", "data": names})
	})
	mux.HandleFunc("/loki/api/v1/label/", func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/loki/api/v1/label/"), "/values")
		labelsMu.Lock()
		vals := []string{}
		for v := range seenLabels[name] {
			vals = append(vals, v)
		}
		labelsMu.Unlock()
		sort.Strings(vals)
		writeJSON(w, 200, map[string]any{"status": "success", "data": vals})
	})
	empty := func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"status": "success", "data": map[string]any{"resultType": "streams", "result": []any{},
			"stats": map[string]any{}}})
	}
	mux.HandleFunc("/loki/api/v1/query", empty)
	mux.HandleFunc("/loki/api/v1/query_range", empty)
	mux.HandleFunc("/loki/api/v1/series", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"status": "success", "data": []any{}})
	})
	mux.HandleFunc("/loki/api/v1/push", lokiPush(true))
	// Not Loki's API: how many OTLP log records with attribute run=<run> arrived (placeholder only).
	mux.HandleFunc("/placeholder/log-records", func(w http.ResponseWriter, r *http.Request) {
		runsMu.Lock()
		defer runsMu.Unlock()
		writeJSON(w, 200, map[string]int{"records": recordRuns[r.URL.Query().Get("run")]})
	})
	mux.HandleFunc("/otlp/v1/logs", lokiPush(false))
	mux.HandleFunc("/config", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "# PLACEHOLDER loki: configuration is ignored")
	})
	mux.HandleFunc("/services", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "placeholder => Running")
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			fmt.Fprintln(w, "PLACEHOLDER Loki (not the real Loki)")
			return
		}
		http.NotFound(w, r)
	})
}

func lokiPush(lokiJSON bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<20))
		pushCount.Add(1)
		pushBytes.Add(int64(len(body)))
		ct := r.Header.Get("Content-Type")
		if lokiJSON && strings.HasPrefix(ct, "application/json") {
			recordLokiJSONLabels(body)
		}
		if !lokiJSON {
			addLabel("service_name", "unknown_service") // OTLP logs get service_name in Loki
			// The collector's otlp_http exporter compresses with gzip by default.
			if r.Header.Get("Content-Encoding") == "gzip" {
				if zr, err := gzip.NewReader(bytes.NewReader(body)); err == nil {
					if plain, err := io.ReadAll(io.LimitReader(zr, 256<<20)); err == nil {
						body = plain
					}
				}
			}
			countRuns(body, ct)
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

// countRuns decodes an OTLP logs request (protobuf or JSON, with the collector's pdata) and counts
// its records by their `run` attribute.
func countRuns(body []byte, contentType string) {
	var logs plog.Logs
	var err error
	if strings.HasPrefix(contentType, "application/json") {
		logs, err = (&plog.JSONUnmarshaler{}).UnmarshalLogs(body)
	} else {
		logs, err = (&plog.ProtoUnmarshaler{}).UnmarshalLogs(body)
	}
	if err != nil {
		return
	}
	runsMu.Lock()
	defer runsMu.Unlock()
	for i := 0; i < logs.ResourceLogs().Len(); i++ {
		scopes := logs.ResourceLogs().At(i).ScopeLogs()
		for j := 0; j < scopes.Len(); j++ {
			records := scopes.At(j).LogRecords()
			for k := 0; k < records.Len(); k++ {
				if run, ok := records.At(k).Attributes().Get("run"); ok {
					recordRuns[run.AsString()]++
				}
			}
		}
	}
}

func addLabel(k, v string) {
	labelsMu.Lock()
	defer labelsMu.Unlock()
	if seenLabels[k] == nil {
		seenLabels[k] = map[string]bool{}
	}
	seenLabels[k][v] = true
}

func recordLokiJSONLabels(body []byte) {
	var p struct {
		Streams []struct {
			Stream map[string]string `json:"stream"`
		} `json:"streams"`
	}
	if json.Unmarshal(body, &p) != nil {
		return
	}
	for _, s := range p.Streams {
		for k, v := range s.Stream {
			addLabel(k, v)
		}
	}
}

// ------------------------------------------------------------- Grafana mode

type datasource struct {
	ID        int    `json:"id"`
	UID       string `json:"uid"`
	OrgID     int    `json:"orgId"`
	Name      string `json:"name"`
	Type      string `json:"type"`
	Access    string `json:"access"`
	URL       string `json:"url"`
	IsDefault bool   `json:"isDefault"`
	ReadOnly  bool   `json:"readOnly"`
}

func grafanaRoutes(mux *http.ServeMux) {
	mux.HandleFunc("/api/health", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]string{"database": "ok", "version": version})
	})
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintln(w, "<!doctype html><html><head><title>Grafana</title></head><body>PLACEHOLDER Grafana login (not the real Grafana)</body></html>")
	})
	mux.HandleFunc("/api/datasources", authed(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, loadDatasources())
	}))
	mux.HandleFunc("/api/datasources/", authed(func(w http.ResponseWriter, r *http.Request) {
		rest := strings.TrimPrefix(r.URL.Path, "/api/datasources/")
		for _, d := range loadDatasources() {
			if rest == "uid/"+d.UID || rest == "name/"+d.Name || rest == strconv.Itoa(d.ID) {
				writeJSON(w, 200, d)
				return
			}
		}
		writeJSON(w, 404, map[string]string{"message": "Data source not found"})
	}))
	mux.HandleFunc("/api/search", authed(func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, []any{}) }))
	mux.HandleFunc("/api/user", authed(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"id": 1, "login": "admin", "isGrafanaAdmin": true})
	}))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			http.Redirect(w, r, "/login", http.StatusFound)
			return
		}
		writeJSON(w, 404, map[string]string{"message": "Not found"})
	})
}

// grafanaAdmin is the admin user as the placeholder's "database" holds it.
type grafanaAdmin struct {
	Login    string `json:"login"`
	Password string `json:"password"`
}

// grafanaDB mirrors how Grafana treats its admin password (sqlstore ensureMainOrgAndAdminUser):
// security.admin_user/admin_password are applied only when the database has no user yet, i.e. on
// the first start with an empty data volume; later starts keep the stored password. The
// "database" is a JSON file at the real path ($GF_PATHS_DATA/grafana.db), not sqlite.
func grafanaDB() (grafanaAdmin, error) {
	path := filepath.Join(envOr("GF_PATHS_DATA", "/var/lib/grafana"), "grafana.db")
	var a grafanaAdmin
	if b, err := os.ReadFile(path); err == nil {
		return a, json.Unmarshal(b, &a)
	}
	a = grafanaAdmin{Login: envOr("GF_SECURITY_ADMIN_USER", "admin"), Password: envOr("GF_SECURITY_ADMIN_PASSWORD", "admin")}
	return a, saveGrafanaDB(a)
}

func saveGrafanaDB(a grafanaAdmin) error {
	b, _ := json.Marshal(a)
	return os.WriteFile(filepath.Join(envOr("GF_PATHS_DATA", "/var/lib/grafana"), "grafana.db"), b, 0o640)
}

// grafanaCLI supports `admin reset-admin-password`: like Grafana's, it opens (or creates) the
// database and sets user 1's password, from stdin with --password-from-stdin.
func grafanaCLI(args []string) int {
	var rest []string
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "--homepath" || a == "--config":
			i++
		case strings.HasPrefix(a, "--homepath=") || strings.HasPrefix(a, "--config="):
		default:
			rest = append(rest, a)
		}
	}
	if len(rest) < 2 || rest[0] != "admin" || rest[1] != "reset-admin-password" {
		fmt.Fprintf(os.Stderr, "PLACEHOLDER grafana cli: only `admin reset-admin-password` is implemented (got %q)\n", rest)
		return 2
	}
	var pw string
	if hasFlag(rest[2:], "password-from-stdin") {
		line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
		pw = strings.TrimRight(line, "\r\n")
	} else if len(rest) > 2 {
		pw = rest[2]
	}
	if len(pw) < 4 {
		fmt.Fprintln(os.Stderr, "New password is too short")
		return 1
	}
	a, err := grafanaDB()
	if err != nil {
		fmt.Fprintf(os.Stderr, "could not read user from database. Error: %v\n", err)
		return 1
	}
	a.Password = pw
	if err := saveGrafanaDB(a); err != nil {
		fmt.Fprintf(os.Stderr, "failed to update user password: %v\n", err)
		return 1
	}
	fmt.Println("Admin password changed successfully ✔")
	return 0
}

// authed requires HTTP basic auth with the admin login and password held in the database.
func authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		admin, err := grafanaDB()
		u, p, ok := r.BasicAuth()
		if err != nil || !ok || u != admin.Login || p != admin.Password {
			writeJSON(w, 401, map[string]string{"message": "Unauthorized"})
			return
		}
		h(w, r)
	}
}

// loadDatasources reads datasources from Grafana provisioning files
// ($GF_PATHS_PROVISIONING/datasources/*.y*ml) with a line-based parser that
// understands the flat list form used by provisioning files. Best effort.
func loadDatasources() []datasource {
	dir := filepath.Join(envOr("GF_PATHS_PROVISIONING", "/etc/grafana/provisioning"), "datasources")
	files, _ := filepath.Glob(filepath.Join(dir, "*.y*ml"))
	sort.Strings(files)
	out := []datasource{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		in := false
		var cur *datasource
		itemIndent := -1
		for _, raw := range strings.Split(string(b), "\n") {
			line := strings.TrimRight(raw, " \r")
			t := strings.TrimSpace(line)
			if t == "" || strings.HasPrefix(t, "#") {
				continue
			}
			ind := len(line) - len(strings.TrimLeft(line, " "))
			if ind == 0 {
				in = strings.HasPrefix(t, "datasources:")
				continue
			}
			if !in {
				continue
			}
			if strings.HasPrefix(t, "- ") && (itemIndent < 0 || ind == itemIndent) {
				itemIndent = ind
				if cur != nil {
					out = append(out, *cur)
				}
				cur = &datasource{OrgID: 1, Access: "proxy", ReadOnly: true}
				t = strings.TrimSpace(strings.TrimPrefix(t, "- "))
				ind += 2
			}
			if cur == nil || ind != itemIndent+2 {
				continue
			}
			k, v, ok := strings.Cut(t, ":")
			if !ok {
				continue
			}
			v = strings.Trim(strings.TrimSpace(v), `"'`)
			switch k {
			case "name":
				cur.Name = v
			case "type":
				cur.Type = v
			case "uid":
				cur.UID = v
			case "url":
				cur.URL = v
			case "access":
				cur.Access = v
			case "isDefault":
				cur.IsDefault = v == "true"
			}
		}
		if cur != nil {
			out = append(out, *cur)
		}
	}
	for i := range out {
		out[i].ID = i + 1
		if out[i].UID == "" {
			out[i].UID = strings.ToLower(strings.ReplaceAll(out[i].Name, " ", "-"))
		}
	}
	return out
}
