// Command pulumi-resource-docker serves the bridged docker provider.
package main

import (
	"context"
	_ "embed"

	pftfbridge "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"

	"github.com/terraform-providers/terraform-provider-docker/scaibushim/shim"
)

var version = "0.0.0-dev"

//go:embed schema.json
var schema []byte

//go:embed bridge-metadata.json
var metadata []byte

func main() {
	pftfbridge.MainWithMuxer(context.Background(), "docker", shim.Provider(version, metadata), schema)
}
