// Command pulumi-resource-tls serves the bridged tls provider.
package main

import (
	"context"
	_ "embed"

	pftfbridge "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"

	"github.com/hashicorp/terraform-provider-tls/scaibushim/shim"
)

var version = "0.0.0-dev"

//go:embed schema.json
var schema []byte

//go:embed bridge-metadata.json
var metadata []byte

func main() {
	meta := pftfbridge.ProviderMetadata{PackageSchema: schema}
	pftfbridge.Main(context.Background(), "tls", shim.Provider(version, metadata), meta)
}
