// Command app is the demo application of examples/app-stack: an HTTP server instrumented with the
// OpenTelemetry Go SDK. Each request makes a trace (the handler and a child span) and counts one
// request; both go over OTLP/HTTP to the endpoint in OTEL_EXPORTER_OTLP_ENDPOINT (the SDK reads
// the standard OTEL_* variables). `app -health` probes the server from inside the container,
// which has no shell or wget (FROM scratch).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

const addr = ":8080"

func main() {
	health := flag.Bool("health", false, "probe http://127.0.0.1:8080/healthz and exit 0 when it answers 200")
	flag.Parse()
	if *health {
		resp, err := (&http.Client{Timeout: 2 * time.Second}).Get("http://127.0.0.1" + addr + "/healthz")
		if err != nil || resp.StatusCode != http.StatusOK {
			os.Exit(1)
		}
		os.Exit(0)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := resource.New(ctx, resource.WithFromEnv(), resource.WithTelemetrySDK())
	if err != nil {
		log.Fatalf("resource: %v", err)
	}
	traceExp, err := otlptracehttp.New(ctx)
	if err != nil {
		log.Fatalf("trace exporter: %v", err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(traceExp), sdktrace.WithResource(res))
	metricExp, err := otlpmetrichttp.New(ctx)
	if err != nil {
		log.Fatalf("metric exporter: %v", err)
	}
	mp := sdkmetric.NewMeterProvider(
		sdkmetric.WithReader(sdkmetric.NewPeriodicReader(metricExp, sdkmetric.WithInterval(5*time.Second))),
		sdkmetric.WithResource(res),
	)
	otel.SetTracerProvider(tp)
	otel.SetMeterProvider(mp)

	tracer := tp.Tracer("app-stack-demo")
	requests, err := mp.Meter("app-stack-demo").Int64Counter("app.demo.requests")
	if err != nil {
		log.Fatalf("counter: %v", err)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		ctx, span := tracer.Start(r.Context(), "GET "+r.URL.Path)
		defer span.End()
		_, work := tracer.Start(ctx, "work")
		time.Sleep(5 * time.Millisecond)
		work.End()
		run := r.URL.Query().Get("run")
		requests.Add(ctx, 1, metric.WithAttributes(attribute.String("run", run)))
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"traceId": span.SpanContext().TraceID().String(), "run": run})
	})
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.ListenAndServe(); err != nil && err != http.ErrServerClosed {
			log.Fatalf("listen: %v", err)
		}
	}()
	log.Printf("app-stack demo listening on %s", addr)
	<-ctx.Done()
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdown)
	_ = tp.Shutdown(shutdown) // flushes the last spans
	_ = mp.Shutdown(shutdown)
}
