module scaibu-observability/placeholder

go 1.22
