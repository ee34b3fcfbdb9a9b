#!/usr/bin/env bash
# Shows the docker_stats receiver's list-then-watch race (docs/upstream.md) and that an empty
# container update closes it: each trial starts the local collector image with a docker_stats
# receiver (debug exporter) and six other containers at once, counts which of the seven it reports,
# then sends each an empty update (what scaibu:docker:StatsResync does) and counts again. Needs the
# e2e tier's local collector image and a Docker engine; removes what it starts.
#   tools/docker-stats-race.sh [TRIALS]   (default 8)
set -euo pipefail
trials="${1:-8}"
image="scaibu-e2e/otel-collector:local"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
cat >"$dir/config.yaml" <<'YAML'
receivers:
  docker_stats: { endpoint: unix:///var/run/docker.sock, collection_interval: 2s }
exporters:
  debug: { verbosity: detailed }
service:
  pipelines:
    metrics: { receivers: [docker_stats], exporters: [debug] }
YAML
chmod a+r "$dir/config.yaml"
api="$(docker version --format '{{.Server.APIVersion}}')"
missed=0 healed=0
for ((t = 1; t <= trials; t++)); do
  name="scaibu-race-$t"
  all=("$name")
  for n in 1 2 3 4 5 6; do
    all+=("$name-x$n")
    docker run -d --name "$name-x$n" "$image" >/dev/null &
  done
  docker run -d --name "$name" --user 0 -v /var/run/docker.sock:/var/run/docker.sock:ro \
    -v "$dir/config.yaml:/c.yaml:ro" "$image" --config /c.yaml >/dev/null
  wait
  sleep 8
  seen() { docker logs "$name" 2>&1 | grep -oE "container.name: Str\($name(-x[0-9])?\)$" | sort -u | wc -l; }
  before=$(seen)
  for c in "${all[@]}"; do
    curl -fsS -o /dev/null --unix-socket /var/run/docker.sock -X POST -H 'Content-Type: application/json' \
      -d '{}' "http://localhost/v$api/containers/$c/update"
  done
  sleep 6
  after=$(seen)
  [ "$before" -eq 7 ] || missed=$((missed + 1))
  [ "$before" -eq 7 ] || [ "$after" -ne 7 ] || healed=$((healed + 1))
  echo "trial $t: observed $before of 7 at start, $after of 7 after the empty updates"
  docker rm -f "${all[@]}" >/dev/null
done
echo "trials with a container missed at start: $missed of $trials; of those, all observed after the updates: $healed"
