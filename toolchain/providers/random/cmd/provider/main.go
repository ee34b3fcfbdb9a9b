// Command pulumi-resource-random serves the bridged random provider.
package main

import (
	"context"
	_ "embed"

	pftfbridge "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"

	"github.com/terraform-providers/terraform-provider-random/scaibushim/shim"
)

var version = "0.0.0-dev"

//go:embed schema.json
var schema []byte

//go:embed bridge-metadata.json
var metadata []byte

func main() {
	meta := pftfbridge.ProviderMetadata{PackageSchema: schema}
	pftfbridge.Main(context.Background(), "random", shim.Provider(version, metadata), meta)
}
