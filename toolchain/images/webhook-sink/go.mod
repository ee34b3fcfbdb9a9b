module scaibu-observability/webhook-sink

go 1.24
